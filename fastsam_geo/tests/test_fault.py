"""Faults through a real Jupyter server: the engine killed during a job is restarted and the next request
works; server-sent events stream through the proxy as they happen; an export interrupted by the engine's
death never leaves a partial file."""

import json
import os
import shutil
import signal
import threading
import time

import pytest
import requests

from .conftest import Jupyter, fixture_model, pid_alive, shared_file


@pytest.fixture(scope="module")
def engine_jupyter(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    models = tmp_path_factory.mktemp("models")
    cache = tmp_path_factory.mktemp("cache")
    shutil.copy(shared_file("geotiff/spacenet-atlanta/sample_geotiff.tif"), root / "atlanta.tif")
    model = fixture_model(models)
    j = Jupyter(root, extra_args=[f"--FastSamGeo.model={model}"], env={"FASTSAM_GEO_CACHE": str(cache)})
    yield j
    j.stop()


def sse_events(response):
    """Yields (event, data) from a streaming requests response."""
    event, data = None, None
    for line in response.iter_lines(decode_unicode=True):
        if line is None:
            continue
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and event:
            yield event, data
            event, data = None, None


def long_job(j) -> dict:
    # 256² tiles with overlap 224 over 900² pixels: 484 tiles, several seconds of work
    r = j.post("api/jobs", {"path": "atlanta.tif", "options": {"overlap": 224}})
    assert r.status_code == 202, r.text
    return r.json()


def test_events_stream_through_the_proxy_as_they_happen(engine_jupyter):
    j = engine_jupyter
    job = long_job(j)
    assert job["total"] == 484
    with requests.get(j.url(f"api/jobs/{job['id']}/events"), headers=j.auth, stream=True, timeout=120) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        seen = []
        for event, data in sse_events(r):
            seen.append((event, data))
            if event == "progress" and data["done"] >= 2:
                break
    # the stream delivered progress while the job was still running
    status = j.get(f"api/jobs/{job['id']}").json()
    assert status["status"] == "running" and status["done"] < status["total"], status
    assert j.delete(f"api/jobs/{job['id']}").json() == {"id": job["id"], "status": "cancelled"}


def test_engine_killed_during_a_job_is_restarted_and_the_next_request_works(engine_jupyter):
    j = engine_jupyter
    j.get("api/health").raise_for_status()
    before = j.status()
    job = long_job(j)
    with requests.get(j.url(f"api/jobs/{job['id']}/events"), headers=j.auth, stream=True, timeout=120) as r:
        for event, data in sse_events(r):
            if event == "progress" and data["done"] >= 1:
                os.kill(before["pid"], signal.SIGKILL)
                break
    deadline = time.time() + 10
    while pid_alive(before["pid"]) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(before["pid"])
    # the next request starts a new engine and works
    h = j.get("api/health")
    assert h.status_code == 200, h.text
    after = j.status()
    assert after["running"] and after["pid"] != before["pid"]
    assert after["starts"] == before["starts"] + 1
    assert after["last_exit"] == -signal.SIGKILL
    # jobs lived in the dead engine: the old id is gone, with a clear 404
    r = j.get(f"api/jobs/{job['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    # a new job runs to the end
    r = j.post("api/jobs", {"path": "atlanta.tif"})
    assert r.status_code == 202
    new = r.json()
    with requests.get(j.url(f"api/jobs/{new['id']}/events"), headers=j.auth, stream=True, timeout=300) as s:
        events = list(sse_events(s))
    assert events[-1][0] == "done", events[-3:]
    fc = j.get(f"api/jobs/{new['id']}/result").json()
    assert fc["type"] == "FeatureCollection"


def big_collection(n: int, tag: str) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]},
                "properties": {"id": i, "tag": tag, "pad": "x" * 200},
            }
            for i in range(n)
        ],
    }


def test_an_export_interrupted_by_the_engines_death_never_leaves_a_partial_file(engine_jupyter):
    j = engine_jupyter
    root = j.root
    target = root / "layer.geojson"
    target.write_text(json.dumps(big_collection(10, "old")))
    body = json.dumps({"path": "layer.geojson", "collection": big_collection(60000, "new"), "overwrite": True})
    assert len(body) > 15_000_000
    j.get("api/health").raise_for_status()
    pid = j.status()["pid"]
    stop = threading.Event()
    seen = set()
    bad = []

    def reader():
        # whenever the target exists it is a whole GeoJSON file: the old one or the new one
        while not stop.is_set():
            try:
                text = target.read_text()
            except FileNotFoundError:
                continue
            try:
                seen.add(len(json.loads(text)["features"]))
            except ValueError as e:
                bad.append(f"partial file ({len(text)} bytes): {e}")

    result = {}

    def send():
        result["r"] = requests.post(j.url("api/export"), data=body, headers={**j.auth, "Content-Type": "application/json"}, timeout=300)

    rt = threading.Thread(target=reader)
    st = threading.Thread(target=send)
    rt.start()
    st.start()
    # kill the engine while it is writing: its temp file beside the target exists
    killed_mid_write = False
    deadline = time.time() + 120
    while time.time() < deadline and st.is_alive():
        if any(p.name.startswith(".layer.geojson.") for p in root.iterdir()):
            os.kill(pid, signal.SIGKILL)
            killed_mid_write = True
            break
        time.sleep(0.001)
    st.join(300)
    stop.set()
    rt.join()
    assert killed_mid_write, "the engine was not caught writing"
    assert not bad, bad[:3]
    assert seen <= {10, 60000} and 10 in seen, seen
    # the request was sent again to a fresh engine, which finished the export
    assert result["r"].status_code == 200, result["r"].text
    assert j.status()["pid"] != pid
    assert len(json.loads(target.read_text())["features"]) == 60000
    # nothing else with a .geojson name: the dead engine's temp file is hidden and never a layer
    visible = sorted(p.name for p in root.iterdir() if p.name.endswith(".geojson"))
    assert visible == ["layer.geojson"], visible
