"""Fixtures: a real Jupyter server on 127.0.0.1 with the fastsam_geo server extension, whose engine is the
real Node engine of this checkout (bin/fastsam-geo.js; run `npm run build` first)."""

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

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_file(rel: str) -> Path:
    p = SHARED / rel
    if not p.is_file():
        raise FileNotFoundError(f"shared test data missing: {p} (expected ../shared/data beside the repository)")
    return p


class Jupyter:
    def __init__(self, root: Path, extra_args=(), env=None):
        self.root = root
        self.port = free_port()
        self.token = "jupyter-test-token-" + os.urandom(8).hex()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="fsg-jupyter-"))
        env = {**os.environ, **(env or {})}
        env.update(
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_DATA_DIR=str(self.tmp / "data"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        env.setdefault("FASTSAM_GEO_ENGINE", f"{shutil.which('node') or 'node'} {REPO / 'bin' / 'fastsam-geo.js'}")
        if not (REPO / "lib" / "engine" / "cli" / "main.js").is_file():
            raise RuntimeError("lib/engine is not built: run `npm run build` first")
        self.log = open(self.tmp / "jupyter.log", "w+")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
                "--ServerApp.open_browser=False", "--allow-root",
                '--ServerApp.jpserver_extensions={"fastsam_geo": True}',
                *extra_args,
            ],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if requests.get(f"{self.base}/api/status", headers=self.auth, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        logs = self.logs()  # before stop(), which closes the log and removes its directory
        self.stop()
        raise RuntimeError(f"jupyter did not start:\n{logs}")

    @property
    def auth(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def url(self, path: str) -> str:
        return f"{self.base}/fastsam-geo/{path.lstrip('/')}"

    def get(self, path, **kw):
        kw.setdefault("headers", self.auth)
        kw.setdefault("timeout", 60)
        return requests.get(self.url(path), **kw)

    def post(self, path, json_body=None, **kw):
        kw.setdefault("headers", self.auth)
        kw.setdefault("timeout", 60)
        return requests.post(self.url(path), json=json_body, **kw)

    def delete(self, path, **kw):
        kw.setdefault("headers", self.auth)
        kw.setdefault("timeout", 60)
        return requests.delete(self.url(path), **kw)

    def status(self) -> dict:
        r = self.get("status")
        r.raise_for_status()
        return r.json()

    def logs(self) -> str:
        self.log.flush()
        return (self.tmp / "jupyter.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def fixture_model(dir_) -> str:
    """Writes the fixture segmentation model (src/engine/testing/server-data.ts) into dir_; returns its path."""
    script = (
        f"import('{REPO / 'lib' / 'engine' / 'testing' / 'server-data.js'}')"
        f".then(m => process.stdout.write(m.writeFixtureModel({json.dumps(str(dir_))})))"
    )
    return subprocess.run(["node", "-e", script], check=True, capture_output=True, text=True).stdout.strip()


def squares_tif(dir_, name: str) -> Path:
    """Writes the server tests' squares GeoTIFF (red squares the fixture model finds) as dir_/name."""
    script = (
        f"import('{REPO / 'lib' / 'engine' / 'testing' / 'server-data.js'}')"
        f".then(m => m.writeSquaresTif({json.dumps(str(dir_))}, {json.dumps(name)}))"
        ".then(p => process.stdout.write(p))"
    )
    return Path(subprocess.run(["node", "-e", script], check=True, capture_output=True, text=True).stdout.strip())


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("root")


@pytest.fixture(scope="module")
def jupyter(root):
    """One Jupyter server per test module (starting one costs seconds on a busy machine)."""
    j = Jupyter(root)
    yield j
    j.stop()


@pytest.fixture
def fresh_root(tmp_path) -> Path:
    r = tmp_path / "root"
    r.mkdir()
    return r
