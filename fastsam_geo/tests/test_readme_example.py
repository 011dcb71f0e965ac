"""The README's notebook example (section http-api), run exactly as written: its three python blocks are
read from README.md by their markers (`<!-- example: NAME -->`) and executed in a fresh Python against a
real `fastsam-geo serve` on loopback and through a real Jupyter server, with the fixture model and the
squares GeoTIFF saved as the README's `orthophoto.tif`. The documentation cannot rot unnoticed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO, Jupyter, fixture_model, squares_tif

BLOCK = re.compile(r"<!-- example: ([\w-]+) -->\n```python\n(.*?)\n```", re.S)


def readme_examples() -> dict[str, str]:
    text = (REPO / "README.md").read_text()
    section = text.split("<!-- section: http-api -->", 1)[1].split("<!-- section:", 1)[0]
    return dict(BLOCK.findall(section))


def run_example(connect: str, env: dict, cwd) -> subprocess.CompletedProcess:
    blocks = readme_examples()
    code = blocks[connect] + "\n\n" + blocks["workflow"] + "\n"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def check_output(r: subprocess.CompletedProcess, root) -> None:
    assert r.returncode == 0, r.stdout + r.stderr
    assert "640 x 640 uint8 EPSG:32616" in r.stdout, r.stdout
    assert "16/16 tiles" in r.stdout
    assert "\n4 buildings" in r.stdout, r.stdout
    assert "1 building(s) picked" in r.stdout
    assert "wrote orthophoto-picked.geojson with 1 feature(s)" in r.stdout
    fc = json.loads((root / "orthophoto-picked.geojson").read_text())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    assert fc["features"][0]["properties"]["prompt"] == "point"


def test_the_readme_has_the_three_example_blocks():
    assert set(readme_examples()) == {"connect-standalone", "connect-jupyter", "workflow"}


@pytest.fixture
def example_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    squares_tif(root, "orthophoto.tif")
    model = fixture_model(tmp_path)
    return root, model, tmp_path


def test_readme_example_against_fastsam_geo_serve(example_root):
    root, model, tmp = example_root
    token = "readme-example-" + os.urandom(8).hex()
    env = {**os.environ, "FASTSAM_GEO_TOKEN": token, "FASTSAM_GEO_CACHE": str(tmp / "cache")}
    env.pop("FASTSAM_GEO_URL", None)
    node = shutil.which("node") or "node"
    proc = subprocess.Popen(
        [node, str(REPO / "bin" / "fastsam-geo.js"), "serve", "--root", str(root), "--model", model],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        first = proc.stdout.readline()
        m = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", first)
        assert m, first + proc.stderr.read() if proc.poll() is not None else first
        assert proc.stdout.readline() == f"token: {token}\n"
        r = run_example("connect-standalone", {**env, "FASTSAM_GEO_URL": m.group(1)}, tmp)
        check_output(r, root)
    finally:
        proc.terminate()
        proc.wait(20)


def test_readme_example_through_jupyters_proxy(example_root):
    root, model, tmp = example_root
    j = Jupyter(root, extra_args=[f"--FastSamGeo.model={model}"], env={"FASTSAM_GEO_CACHE": str(tmp / "cache")})
    try:
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(j.tmp / "runtime")}
        for k in ("FASTSAM_GEO_TOKEN", "FASTSAM_GEO_URL"):
            env.pop(k, None)
        r = run_example("connect-jupyter", env, tmp)
        check_output(r, root)
        assert j.status()["starts"] == 1, "the example started the engine through the proxy"
    finally:
        j.stop()


def test_readme_example_with_no_buildings_found_does_not_crash(tmp_path):
    """Regression (issue 15): the example indexed buildings["features"][0] and crashed when a job found
    nothing. Here the raster is the shipped SpaceNet crop (gray, no red squares), on which the fixture
    model finds no building."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(REPO / "examples" / "data" / "spacenet-atlanta-crop.tif", root / "orthophoto.tif")
    model = fixture_model(tmp_path)
    token = "readme-example-" + os.urandom(8).hex()
    env = {**os.environ, "FASTSAM_GEO_TOKEN": token, "FASTSAM_GEO_CACHE": str(tmp_path / "cache")}
    node = shutil.which("node") or "node"
    proc = subprocess.Popen(
        [node, str(REPO / "bin" / "fastsam-geo.js"), "serve", "--root", str(root), "--model", model],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        m = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", proc.stdout.readline())
        assert m
        r = run_example("connect-standalone", {**env, "FASTSAM_GEO_URL": m.group(1)}, tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "\n0 buildings" in r.stdout and "no buildings found" in r.stdout, r.stdout
        assert not (root / "orthophoto-picked.geojson").exists()
    finally:
        proc.terminate()
        proc.wait(20)
