"""The README's notebook example, examples/notebook-quickstart.ipynb, executed headless in real kernels:

- by nbclient in a kernel of its own, where fastsam_geo starts a private engine;
- in a kernel started by a real Jupyter server (its sessions API), where fastsam_geo finds that server
  with the kernel's own credentials and goes through its /fastsam-geo proxy (no engine of its own);
  then interrupting that kernel during an extract cancels the job on Jupyter's engine.

The README's code block must be the notebook's code cells, so the documentation cannot rot. The raster
is the squares GeoTIFF (test-data.ts) saved as the notebook's area.tif; the model is the fixture model.
"""

from __future__ import annotations

import json
import os
import queue
import re
import time

import nbformat
import pytest
import requests
from jupyter_client import BlockingKernelClient, KernelManager
from nbclient import NotebookClient

from .conftest import REPO, Jupyter, fixture_model, squares_tif
from .rasters import blank_tif

NOTEBOOK = REPO / "examples" / "notebook-quickstart.ipynb"
MIME = "application/geo+json"
BLOCK = re.compile(r"<!-- example: notebook-quickstart -->\n```python\n(.*?)\n```", re.S)


def code_cells() -> list[str]:
    return [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_the_readme_shows_the_notebooks_code():
    text = (REPO / "README.md").read_text()
    section = text.split("<!-- section: notebooks -->", 1)[1].split("<!-- section:", 1)[0]
    assert BLOCK.findall(section) == ["\n\n".join(code_cells())]


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple:
    """The notebook's directory (area.tif, big.tif, the notebook) and the fixture model, made once."""
    tmp = tmp_path_factory.mktemp("notebook")
    root = tmp / "root"
    root.mkdir()
    squares_tif(root, "area.tif")
    blank_tif(root / "big.tif", 2048)
    (root / NOTEBOOK.name).write_bytes(NOTEBOOK.read_bytes())
    return root, fixture_model(tmp)


@pytest.fixture
def nb_root(shared) -> tuple:
    root, model = shared
    (root / "buildings.geojson").unlink(missing_ok=True)
    return root, model


def clean_env(tmp) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FASTSAM_GEO_URL", "FASTSAM_GEO_TOKEN", "FASTSAM_GEO_MODEL")}
    env["FASTSAM_GEO_CACHE"] = str(tmp / "cache")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def check_quickstart(outputs: list[list[dict]], root) -> None:
    """outputs[i]: the output dicts (nbformat shape) of code cell i."""
    text = ["".join(o.get("text", "") for o in cell if o["output_type"] == "stream") for cell in outputs]
    maps = [[o["data"][MIME] for o in cell if MIME in o.get("data", {})] for cell in outputs]
    assert "4 buildings" in text[0], text[0]
    assert any("text/html" in o.get("data", {}) for o in outputs[0]), "buildings.head() is a table"
    assert len(maps[1]) == 1 and len(maps[1][0]["features"]) == 4
    m = re.search(r"1 building picked, area (\d+) m²", text[2])
    assert m and abs(int(m.group(1)) - 784) / 784 < 0.05, text[2]
    assert len(maps[2]) == 1 and len(maps[2][0]["features"]) == 1
    assert maps[2][0]["features"][0]["properties"]["prompt"] == "point"
    saved = json.loads((root / "buildings.geojson").read_text())
    assert len(saved["features"]) == 4


def test_the_notebook_runs_headless_with_a_private_engine(nb_root, tmp_path):
    root, model = nb_root
    env = clean_env(tmp_path)
    env["FASTSAM_GEO_MODEL"] = model
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")  # no Jupyter server to find
    nb = nbformat.read(root / NOTEBOOK.name, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(root)}})
    client.execute(env=env, cwd=str(root))
    check_quickstart([c.outputs for c in nb.cells if c.cell_type == "code"], root)


class Kernel:
    """A blocking client of a running kernel; run() returns its outputs in nbformat's shape."""

    def __init__(self, connection_file: str):
        self.kc = BlockingKernelClient(connection_file=connection_file)
        self.kc.load_connection_file()
        self.kc.start_channels()
        # wait_for_ready() would take a heartbeat not beating yet for a dead kernel: ask kernel_info
        # until one is answered instead (a request sent before the kernel listened may be lost; a
        # late answer to an earlier request is as good as any).
        deadline = time.time() + 120
        self.kc.kernel_info()
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=2)
            except queue.Empty:
                assert time.time() < deadline, "the kernel did not answer kernel_info in 120 s"
                self.kc.kernel_info()
                continue
            if reply["msg_type"] == "kernel_info_reply":
                break
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                break

    def run(self, code: str, on_output=None, timeout: float = 300) -> tuple[list[dict], dict]:
        outputs: list[dict] = []

        def hook(msg):
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                out = {"output_type": "stream", "name": c["name"], "text": c["text"]}
            elif t in ("display_data", "execute_result"):
                out = {"output_type": t, "data": c["data"]}
            elif t == "error":
                out = {"output_type": "error", "ename": c["ename"], "evalue": c["evalue"]}
            else:
                return
            outputs.append(out)
            if on_output is not None:
                on_output(out)

        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=timeout, allow_stdin=False)
        return outputs, reply["content"]

    def close(self):
        self.kc.stop_channels()


INTERRUPTED_EXTRACT = """
import fastsam_geo as fg
try:
    fg.extract("big.tif", callback=lambda done, total: print("progress", done, total, flush=True))
finally:
    print("job", fg.session().last_job, flush=True)
"""


def interrupted_extract(kernel: Kernel, interrupt) -> str:
    """Runs an extract of big.tif and interrupts the kernel at its first progress; returns the job id."""
    sent = []

    def on_output(out):
        if not sent and out["output_type"] == "stream" and "progress" in out["text"]:
            sent.append(True)
            interrupt()

    outputs, reply = kernel.run(INTERRUPTED_EXTRACT, on_output)
    text = "".join(o.get("text", "") for o in outputs)
    assert sent, text
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", (reply, text)
    job = re.search(r"job ([0-9a-f-]{36})", text).group(1)
    assert f"cancelled job {job} on the engine" in text, text
    return job


def test_the_notebook_through_jupyter_and_a_kernel_interrupt_cancels_the_job(nb_root, tmp_path):
    root, model = nb_root
    env = clean_env(tmp_path)
    j = Jupyter(root, extra_args=[f"--FastSamGeo.model={model}"], env=env)
    kernel = None
    try:
        r = requests.post(
            f"{j.base}/api/sessions", headers=j.auth, timeout=60,
            json={"path": NOTEBOOK.name, "name": NOTEBOOK.name, "type": "notebook", "kernel": {"name": "python3"}},
        )
        r.raise_for_status()
        kernel_id = r.json()["kernel"]["id"]
        conn_file = j.tmp / "runtime" / f"kernel-{kernel_id}.json"
        deadline = time.time() + 60
        while not conn_file.is_file() and time.time() < deadline:
            time.sleep(0.1)
        kernel = Kernel(str(conn_file))
        outputs = []
        for code in code_cells():
            out, reply = kernel.run(code)
            assert reply["status"] == "ok", (code, out)
            outputs.append(out)
        check_quickstart(outputs, root)
        out, _ = kernel.run("import fastsam_geo as fg; s = fg.session(); print(s.jupyter().kind, s.jupyter().base, s._local_conn)")
        assert out[0]["text"].split() == ["jupyter", f"{j.base}/fastsam-geo", "None"], out
        assert j.status()["starts"] == 1, "the notebook used Jupyter's engine (it starts on the first proxied request)"

        def interrupt():
            requests.post(f"{j.base}/api/kernels/{kernel_id}/interrupt", headers=j.auth, timeout=30).raise_for_status()

        job = interrupted_extract(kernel, interrupt)
        snap = j.get(f"api/jobs/{job}").json()
        assert snap["status"] == "cancelled" and snap["done"] < snap["total"], snap
        assert j.status()["starts"] == 1, "the cancel did not take Jupyter's engine down"
    finally:
        if kernel is not None:
            kernel.close()
        j.stop()


def test_interrupting_a_kernel_cancels_the_job_and_keeps_the_private_engine(nb_root, tmp_path):
    """The kernel's interrupt is a SIGINT to the kernel's process group: the private engine runs in a
    group of its own, so the job is cancelled on it and the engine keeps serving."""
    root, model = nb_root
    env = clean_env(tmp_path)
    env["FASTSAM_GEO_MODEL"] = model
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(root))
    kernel = None
    try:
        kernel = Kernel(km.connection_file)
        out, _ = kernel.run("import fastsam_geo as fg; print(fg.raster_info('area.tif')['width'], fg.session().local.proc.pid)")
        width, pid = out[0]["text"].split()
        assert width == "640"
        job = interrupted_extract(kernel, km.interrupt_kernel)
        out, reply = kernel.run(
            "s = fg.session(); print(s.local.proc.pid, s.local_connection().request('GET', f'jobs/{s.last_job}')['status'])"
        )
        assert reply["status"] == "ok" and out[0]["text"].split() == [pid, "cancelled"], out
    finally:
        if kernel is not None:
            kernel.close()
        km.shutdown_kernel(now=True)
