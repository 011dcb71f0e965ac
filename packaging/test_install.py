"""Installs fastsam-geo as a user would, from the two packages a release publishes, and uses it.

1. `npm pack` of this checkout (the engine: bin/, lib/, assets/ with the CLIP vocabulary, the sample
   GeoTIFF) and the wheel (`python -m hatchling build -t wheel`: server extension + prebuilt
   labextension), both built from this checkout (lib/ and fastsam_geo/labextension must be built).
2. A fresh venv: `pip install <wheel> jupyterlab` (from the local pip mirror when there is one).
3. JupyterLab started from that venv with no engine anywhere: a request through the server extension
   answers 503 with the exact command to run (`npm install -g fastsam-geo@<version>`).
4. `npm install -g --prefix <fresh prefix> <tarball>` (ONNXRUNTIME_NODE_INSTALL=skip: the CPU binary is
   inside onnxruntime-node), its bin/ put on PATH, JupyterLab started again: `jupyter labextension list`
   and `jupyter server extension list` show fastsam-geo enabled, /lab serves the extension's
   remoteEntry, and a point prompt on a GeoTIFF through <jupyter>/fastsam-geo/api/prompt returns the
   building under the point. The model is the fixture segmentation model saved as FastSAM-s.onnx in a
   temp models directory (no download).
Nothing here imports the checkout's Python package: Jupyter runs from the fresh venv only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path("/opt/pypi/simple")


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 900)
    r = subprocess.run(cmd, **kw)
    assert r.returncode == 0, f"{cmd} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_helper(fn: str, *args) -> str:
    """Calls lib/engine/testing/server-data.js's writeFixtureModel / writeSquaresTif (test data writers)."""
    script = (f"import({json.dumps(str(REPO / 'lib' / 'engine' / 'testing' / 'server-data.js'))})"
              f".then(m => m.{fn}({', '.join(json.dumps(str(a)) for a in args)})).then(p => process.stdout.write(String(p)))")
    return run(["node", "-e", script]).stdout.strip()


class Lab:
    def __init__(self, venv: Path, root: Path, env: dict, tmp: Path):
        self.port = free_port()
        self.token = "install-test-" + os.urandom(8).hex()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / f"lab-{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=tmp,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            assert self.proc.poll() is None, f"jupyter lab exited {self.proc.returncode}:\n{self.logs()}"
            try:
                if requests.get(f"{self.base}/api/status", headers=self.auth, timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        self.stop()
        raise AssertionError(f"jupyter lab did not start:\n{self.logs()}")

    @property
    def auth(self):
        return {"Authorization": f"token {self.token}"}

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_install_from_the_wheel_and_the_npm_package_then_prompt_in_jupyterlab():
    for need in (REPO / "lib" / "engine" / "cli" / "main.js", REPO / "fastsam_geo" / "labextension" / "package.json"):
        assert need.is_file(), f"{need} missing: run npm run build && npm run build:extension && npm run build:labextension"
    tmp = Path(tempfile.mkdtemp(prefix="fsg-install-"))
    try:
        dist = tmp / "dist"
        dist.mkdir()
        # 1. the two packages
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FASTSAM_GEO_", "JUPYTER_", "PYTHONPATH"))}
        env.update(ONNXRUNTIME_NODE_INSTALL="skip", npm_config_cache=os.environ.get("npm_config_cache", str(Path.home() / ".npm")))
        packed = run(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", str(dist)], cwd=REPO, env=env)
        tarball = dist / json.loads(packed.stdout)[0]["filename"]
        run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)], cwd=REPO, env={**env, "CI": "1"})
        (wheel,) = dist.glob("fastsam_geo-*.whl")

        # 2. a fresh venv with the wheel and JupyterLab
        venv = tmp / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        index = ["--index-url", f"file://{MIRROR}"] if MIRROR.is_dir() else []
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *index, str(wheel), "jupyterlab==4.6.4"])
        ext = run([str(venv / "bin" / "jupyter"), "labextension", "list"], env={**env, "PATH": f"{venv / 'bin'}:{env['PATH']}"})
        assert "fastsam-geo" in ext.stdout + ext.stderr and "enabled" in ext.stdout + ext.stderr, ext.stdout + ext.stderr
        srv = run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], env={**env, "PATH": f"{venv / 'bin'}:{env['PATH']}"})
        assert "fastsam_geo" in srv.stdout + srv.stderr and "enabled" in srv.stdout + srv.stderr

        root = tmp / "root"
        root.mkdir()
        node_helper("writeSquaresTif", root, "squares.tif")
        models = tmp / "models"
        models.mkdir()
        fixture = node_helper("writeFixtureModel", tmp)
        shutil.copy(fixture, models / "FastSAM-s.onnx")
        node_dir = str(Path(shutil.which("node")).parent)
        base_env = {**env, "FASTSAM_GEO_MODELS": str(models), "FASTSAM_GEO_CACHE": str(tmp / "cache"),
                    "JUPYTER_CONFIG_DIR": str(tmp / "jcfg"), "JUPYTER_RUNTIME_DIR": str(tmp / "jrt"),
                    "HOME": str(tmp / "home"), "FASTSAM_GEO_FASTSAM_URL": "http://127.0.0.1:1"}
        (tmp / "home").mkdir()

        # 3. no engine installed: the error names the exact command (node is on PATH, fastsam-geo is not)
        lab = Lab(venv, root, {**base_env, "PATH": f"{venv / 'bin'}:{node_dir}:/usr/bin:/bin"}, tmp)
        try:
            r = requests.get(f"{lab.base}/fastsam-geo/api/health", headers=lab.auth, timeout=120)
            assert r.status_code == 503, r.text
            assert "npm install -g fastsam-geo@0.1.0" in r.text, r.text
        finally:
            lab.stop()

        # 4. the engine from the npm package, on PATH; a prompt through JupyterLab
        prefix = tmp / "prefix"
        run(["npm", "install", "-g", "--prefix", str(prefix), "--prefer-offline", "--no-audit", "--no-fund", str(tarball)],
            env={**env, "PATH": f"{node_dir}:{env['PATH']}"})
        bin_ = prefix / "bin" / "fastsam-geo"
        assert bin_.exists()
        assert run([str(bin_), "--version"]).stdout.strip() == "0.1.0"
        lab = Lab(venv, root, {**base_env, "PATH": f"{prefix / 'bin'}:{venv / 'bin'}:{node_dir}:/usr/bin:/bin"}, tmp)
        try:
            page = requests.get(f"{lab.base}/lab", headers=lab.auth, timeout=60)
            assert page.ok
            labext = requests.get(f"{lab.base}/lab/api/extensions", headers=lab.auth, timeout=60).json()
            assert any(e.get("name") == "fastsam-geo" and e.get("enabled") for e in labext), labext
            status = requests.get(f"{lab.base}/fastsam-geo/status", headers=lab.auth, timeout=60).json()
            info = requests.get(f"{lab.base}/fastsam-geo/api/raster", params={"path": "squares.tif"}, headers=lab.auth, timeout=120)
            assert info.ok, info.text + lab.logs()
            status = requests.get(f"{lab.base}/fastsam-geo/status", headers=lab.auth, timeout=60).json()
            assert status["running"] and str(prefix) in " ".join(status["command"]), status
            # a point at the centre of the first red square (SQUARES[0] = x 40, y 40, side 56 px, in
            # lib/engine/testing/server-data.js), in the raster's own CRS
            meta = info.json()
            minx, _, _, maxy = meta["bounds"]
            rx, ry = meta["resolution"]
            body = {"path": "squares.tif", "crs": meta["crs"], "points": [{"x": minx + 68 * rx, "y": maxy - 68 * ry, "label": 1}]}
            r = requests.post(f"{lab.base}/fastsam-geo/api/prompt", json=body, headers=lab.auth, timeout=300)
            assert r.ok, r.text
            fc = r.json()
            assert len(fc["features"]) == 1 and fc["features"][0]["properties"]["prompt"] == "point", fc
            area = fc["features"][0]["properties"]["area_m2"]
            assert abs(area - (56 * rx) * (56 * ry)) / ((56 * rx) * (56 * ry)) < 0.1, area
        finally:
            lab.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
