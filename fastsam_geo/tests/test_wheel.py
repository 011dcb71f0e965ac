"""The wheel: server extension + its jupyter_server config + the prebuilt labextension in share/jupyter;
without the labextension the build fails unless a development wheel is asked for (never in CI)."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


def project_copy(tmp_path: Path, with_labextension: bool) -> Path:
    dst = tmp_path / "proj"
    dst.mkdir()
    for name in ("pyproject.toml", "hatch_build.py", "README.md"):
        shutil.copy(REPO / name, dst / name)
    shutil.copytree(REPO / "jupyter-config", dst / "jupyter-config")
    shutil.copytree(REPO / "fastsam_geo", dst / "fastsam_geo", ignore=shutil.ignore_patterns("__pycache__", "labextension"))
    if with_labextension:
        lab = dst / "fastsam_geo" / "labextension"
        (lab / "static").mkdir(parents=True)
        (lab / "package.json").write_text('{"name": "fastsam-geo", "jupyterlab": {"_build": {"load": "static/remoteEntry.js"}}}')
        (lab / "static" / "remoteEntry.js").write_text("// built by the labextension builder\n")
    return dst


def build(proj: Path, **env):
    e = {k: v for k, v in os.environ.items() if k not in ("CI", "FASTSAM_GEO_DEV_WHEEL")}
    e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(proj / "dist")],
        cwd=proj, env=e, capture_output=True, text=True, timeout=300,
    )


def test_wheel_carries_server_extension_config_and_labextension(tmp_path):
    proj = project_copy(tmp_path, with_labextension=True)
    r = build(proj, CI="1")
    assert r.returncode == 0, r.stdout + r.stderr
    (whl,) = (proj / "dist").glob("fastsam_geo-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    assert "fastsam_geo/__init__.py" in names
    assert "fastsam_geo/engine.py" in names and "fastsam_geo/handlers.py" in names
    assert {f"fastsam_geo/{m}.py" for m in ("api", "session", "client", "local_engine", "discover", "results", "display", "evaluate")} <= names
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/fastsam_geo.json" in names
    assert f"{data}/data/share/jupyter/labextensions/fastsam-geo/package.json" in names
    assert f"{data}/data/share/jupyter/labextensions/fastsam-geo/static/remoteEntry.js" in names
    assert not any(n.startswith("fastsam_geo/tests") or n.startswith("fastsam_geo/labextension") for n in names)


def test_wheel_without_labextension_fails_unless_a_dev_wheel_is_asked_for_outside_ci(tmp_path):
    proj = project_copy(tmp_path, with_labextension=False)
    r = build(proj)
    assert r.returncode != 0
    assert "labextension is missing" in r.stdout + r.stderr
    r = build(proj, FASTSAM_GEO_DEV_WHEEL="1", CI="true")
    assert r.returncode != 0, "CI must not build a wheel without the labextension"
    r = build(proj, FASTSAM_GEO_DEV_WHEEL="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DEVELOPMENT wheel" in r.stdout + r.stderr
    (whl,) = (proj / "dist").glob("fastsam_geo-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    assert any(n.endswith("etc/jupyter/jupyter_server_config.d/fastsam_geo.json") for n in names)
    assert not any("labextensions" in n for n in names)
