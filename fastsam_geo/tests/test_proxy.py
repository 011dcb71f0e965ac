"""The proxy through a real Jupyter server: Jupyter's authentication in front, the engine's token added."""

import json
import time

import requests

from .conftest import Jupyter, pid_alive


def test_proxy_works_with_jupyters_token(jupyter):
    r = jupyter.get("api/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["version"]
    st = jupyter.status()
    assert st["running"] is True and st["url"].startswith("http://127.0.0.1:")
    assert "token" not in json.dumps(st).lower().replace("token_", "")
    # the token may also come as a query parameter, as Jupyter allows
    r = requests.get(jupyter.url("api/health") + f"?token={jupyter.token}", timeout=30)
    assert r.status_code == 200


def test_proxy_refuses_without_jupyters_token(jupyter):
    for headers in ({}, {"Authorization": "token wrong"}):
        for method, path in (("GET", "api/health"), ("GET", "status"), ("POST", "api/export"), ("DELETE", "api/jobs/x")):
            r = requests.request(method, jupyter.url(path), headers=headers, timeout=30, json={})
            assert r.status_code == 403, (method, path, headers, r.status_code)


def test_the_engine_itself_refuses_requests_without_its_own_token(jupyter):
    jupyter.get("api/health").raise_for_status()
    engine_url = jupyter.status()["url"]
    r = requests.get(engine_url + "/api/health", timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHORIZED"
    r = requests.get(engine_url + "/api/health", headers=jupyter.auth, timeout=10)
    assert r.status_code == 401, "Jupyter's token is not the engine's token"


def test_engine_errors_pass_through_with_their_status_and_body(jupyter, root):
    r = jupyter.get("api/raster", params={"path": "../outside.tif"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "FORBIDDEN"
    r = jupyter.post("api/jobs", {"path": 42})
    assert r.status_code == 400
    assert "expected string" in r.json()["error"]["message"]
    r = jupyter.post("api/export", {"path": "out.geojson", "collection": {"type": "FeatureCollection", "features": []}})
    assert r.status_code == 200, r.text
    assert r.json() == {"path": "out.geojson", "features": 0, "format": "geojson"}
    assert json.loads((root / "out.geojson").read_text()) == {"type": "FeatureCollection", "features": []}


def test_the_engine_starts_on_demand_and_stops_with_jupyter(fresh_root):
    j = Jupyter(fresh_root)
    try:
        assert j.status()["running"] is False, "the engine starts on first use, not with Jupyter"
        r = requests.get(j.url("api/health"), timeout=30)
        assert r.status_code == 403
        assert j.status()["running"] is False, "a refused request does not start the engine"
        j.get("api/health").raise_for_status()
        assert j.status()["starts"] == 1
        pid = j.status()["pid"]
        assert pid_alive(pid)
    finally:
        j.stop()
    deadline = time.time() + 10
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not pid_alive(pid), "the engine outlived Jupyter"


def cookie_session(jupyter) -> requests.Session:
    """A browser-like session: logged in by Jupyter's login form, so it holds the login and _xsrf cookies."""
    s = requests.Session()
    r = s.get(f"{jupyter.base}/login", timeout=30)
    assert r.status_code == 200
    xsrf = s.cookies.get("_xsrf")
    assert xsrf, "Jupyter's login page sets the _xsrf cookie"
    r = s.post(f"{jupyter.base}/login", data={"password": jupyter.token, "_xsrf": xsrf}, allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), r.status_code
    return s


def test_cookie_authenticated_requests_need_xsrf_for_post_and_delete(jupyter, root):
    s = cookie_session(jupyter)
    xsrf = s.cookies.get("_xsrf")
    # GET with the cookie alone works, as the browser's map does
    r = s.get(jupyter.url("api/health"), timeout=30)
    assert r.status_code == 200, r.text
    body = {"path": "xsrf.geojson", "collection": {"type": "FeatureCollection", "features": []}}
    # POST / DELETE with the cookie but without the X-XSRFToken header: refused by Jupyter
    for method, path in (("POST", "api/export"), ("DELETE", "api/jobs/x")):
        r = s.request(method, jupyter.url(path), json=body if method == "POST" else None, timeout=30)
        assert r.status_code == 403, (method, r.status_code, r.text)
    r = s.post(jupyter.url("api/export"), json=body, headers={"X-XSRFToken": "not-the-cookie"}, timeout=30)
    assert r.status_code == 403
    assert not (root / "xsrf.geojson").exists()
    # with the header matching the cookie: forwarded to the engine
    r = s.post(jupyter.url("api/export"), json=body, headers={"X-XSRFToken": xsrf}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"path": "xsrf.geojson", "features": 0, "format": "geojson"}
    r = s.delete(jupyter.url("api/jobs/no-such-job"), headers={"X-XSRFToken": xsrf}, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    # and a fresh session without any login is refused
    assert requests.get(jupyter.url("api/health"), timeout=30).status_code == 403


def test_a_bodyless_delete_labelled_json_reaches_the_engine(jupyter):
    """Regression: JupyterLab's ServerConnection sends `Content-Type: application/json` on every request;
    the proxy passed it on with no body and the engine answered a job cancel with 400 "empty JSON body"."""
    headers = {**jupyter.auth, "Content-Type": "application/json"}
    r = requests.delete(jupyter.url("api/jobs/no-such-job"), headers=headers, timeout=30)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND"
