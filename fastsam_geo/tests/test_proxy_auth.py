"""Regression (issue 18): the engine checked its token only on raw '/api/...' targets while routing the
decoded path (GET /%61pi/health answered without a token). Every route, every spelling of its path
(percent-encoded characters, double-encoded, mixed case, dot segments, absolute-form), and bad Host
headers — through Jupyter's proxy and against the engine the server extension started."""

from __future__ import annotations

import socket

ROUTES = [
    ("GET", "/api/health"), ("GET", "/api/models"), ("GET", "/api/raster?path=a.tif"), ("POST", "/api/jobs"),
    ("GET", "/api/jobs/x"), ("GET", "/api/jobs/x/events"), ("DELETE", "/api/jobs/x"), ("GET", "/api/jobs/x/result"),
    ("POST", "/api/prompt"), ("POST", "/api/export"), ("GET", "/api/nope"),
]


def raw(port: int, method: str, target: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 request with the target and Host exactly as given (no client normalization)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        lines = [f"{method} {target} HTTP/1.1", "Connection: close"] + [f"{k}: {v}" for k, v in headers.items()]
        if method == "POST":
            body = body or b'{"path":"pwned.geojson","collection":{"type":"FeatureCollection","features":[]}}'
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2]


def variants(p: str, authority: str) -> list[str]:
    path, _, query = p.partition("?")
    q = f"?{query}" if query else ""
    enc = lambda c: "%%%02x" % ord(c)  # noqa: E731
    out = [p]
    for i in range(1, len(path)):
        if path[i] != "/":
            out.append(path[:i] + enc(path[i]) + path[i + 1:] + q)
            out.append(path[:i] + "%25" + enc(path[i])[1:] + path[i + 1:] + q)
    out += [
        "".join(c if c == "/" else enc(c) for c in path) + q,
        path.upper() + q, path.replace("a", "A") + q, path + "/" + q, "/x/.." + path + q, "/." + path + q,
        f"http://{authority}{p}", f"http://{authority}{path.replace('a', '%61', 1)}{q}", f"http://evil.example{p}",
    ]
    return out


def test_engine_started_by_jupyter_refuses_every_spelling_without_its_token(jupyter, root):
    jupyter.get("api/health").raise_for_status()
    port = int(jupyter.status()["url"].rsplit(":", 1)[1])
    host = {"Host": f"127.0.0.1:{port}"}
    n = 0
    for method, p in ROUTES:
        for target in variants(p, f"127.0.0.1:{port}"):
            for headers in (host, {**host, "Authorization": f"token {jupyter.token}"}):
                status, body = raw(port, method, target, headers)
                n += 1
                assert status in (400, 401, 403, 404), (method, target, status, body[:200])
    assert n > 300
    assert not (root / "pwned.geojson").exists()


def test_engine_refuses_a_non_loopback_host_header(jupyter):
    jupyter.get("api/health").raise_for_status()
    port = int(jupyter.status()["url"].rsplit(":", 1)[1])
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}"):
        status, body = raw(port, "GET", "/api/health", {"Host": host})
        assert status in (400, 403), (host, status, body)


def test_proxy_refuses_every_spelling_without_jupyters_token(jupyter, root):
    n = 0
    for method, p in ROUTES:
        for target in variants("/fastsam-geo" + p, f"127.0.0.1:{jupyter.port}"):
            status, body = raw(jupyter.port, method, target, {"Host": f"127.0.0.1:{jupyter.port}"})
            n += 1
            assert status in (400, 401, 403, 404, 405), (method, target, status, body[:200])
    assert n > 300
    assert not (root / "pwned.geojson").exists()


def test_proxy_forwards_only_plain_api_paths(jupyter, root):
    """With Jupyter's token: dot segments and encoded '?', '/' or '..' are not passed on as something else."""
    auth = {"Host": f"127.0.0.1:{jupyter.port}", "Authorization": f"token {jupyter.token}"}
    status, _ = raw(jupyter.port, "GET", "/fastsam-geo/api/health", auth)
    assert status == 200
    for target in (
        "/fastsam-geo/api/x/..%2F..%2Fapi/health", "/fastsam-geo/api/%2e%2e/api/health", "/fastsam-geo/api/raster%3Fpath=a.tif",
        "/fastsam-geo/api//health", "/fastsam-geo/api/./health", "/fastsam-geo/api/jobs%2Fx",
    ):
        status, body = raw(jupyter.port, "GET", target, auth)
        assert status in (400, 403, 404), (target, status, body[:200])
    # the proxy's own Host check (Jupyter's): a rebinding page is refused before the engine is reached
    status, _ = raw(jupyter.port, "GET", "/fastsam-geo/api/health", {**auth, "Host": "evil.example"})
    assert status == 403
