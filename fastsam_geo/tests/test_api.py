"""The notebook API (fastsam_geo.extract / prompt / show, errors, cancel) in this Python process against a
real private engine (`fastsam-geo serve` started by the API on a free loopback port) with the fixture
model and GDAL-written GeoTIFFs. Geometry is checked against the squares' known positions (test-data.ts)
projected by pyproj, not by our code."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import geopandas
import pytest
from shapely.geometry import Point

import fastsam_geo as fg
from fastsam_geo.results import COLUMNS
from fastsam_geo.session import Session

from .conftest import REPO, fixture_model, shared_file, squares_tif
from .rasters import ORIGIN, PIXEL, SQUARES, blank_tif



def fixture_clip_models(dir_) -> tuple[str, str]:
    """The fixture CLIP image and text encoders (src/engine/testing/fixture-clip-models.ts): "red" in the
    text matches red pixels in the crop."""
    script = (
        f"import('{REPO / 'lib' / 'engine' / 'testing' / 'fixture-clip-models.js'}').then(m => {{"
        f"require('fs').writeFileSync({json.dumps(str(dir_ / 'clip-v.onnx'))}, m.fixtureClipVision());"
        f"require('fs').writeFileSync({json.dumps(str(dir_ / 'clip-t.onnx'))}, m.fixtureClipText()); }})"
    )
    subprocess.run(["node", "-e", script], check=True, capture_output=True, text=True)
    return str(dir_ / "clip-v.onnx"), str(dir_ / "clip-t.onnx")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api")
    data = tmp / "data"
    data.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FASTSAM_GEO_CACHE", str(tmp / "cache"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "runtime"))  # no Jupyter server here: a private engine
        for k in ("FASTSAM_GEO_URL", "FASTSAM_GEO_TOKEN", "FASTSAM_GEO_MODEL"):
            mp.delenv(k, raising=False)
        model = fixture_model(tmp)
        vision, text = fixture_clip_models(tmp)
        s = Session(model=model, engine_args=["--clip-vision", vision, "--clip-text", text,
                                              "--clip-bpe", str(shared_file("clip/bpe_simple_vocab_16e6.txt.gz"))])
        yield {
            "session": s,
            "area": squares_tif(data, "area.tif"),
            "blank": blank_tif(data / "blank.tif", 256),
            "big": blank_tif(data / "big.tif", 2048),
            "tmp": tmp,
        }
        s.close()


@pytest.fixture(scope="module")
def extracted(env):
    return env["session"].extract(env["area"], conf=0.3, progress=False)


def test_extract_returns_a_geodataframe_of_the_buildings(env, extracted):
    gdf = extracted
    assert isinstance(gdf, geopandas.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns[: len(COLUMNS)]) == COLUMNS and gdf.columns[-1] == "geometry"
    assert len(gdf) == 4
    assert gdf.attrs["fastsam_geo"]["options"] == {"conf": 0.3}
    utm = gdf.to_crs(32616)  # pyproj: the outside reference for the projection
    for x, y, side in SQUARES:
        edges = (ORIGIN[0] + x * PIXEL, ORIGIN[1] - (y + side) * PIXEL, ORIGIN[0] + (x + side) * PIXEL, ORIGIN[1] - y * PIXEL)
        centre = Point((edges[0] + edges[2]) / 2, (edges[1] + edges[3]) / 2)
        hits = utm[utm.geometry.centroid.distance(centre) < 0.5]
        assert len(hits) == 1, (centre, utm.geometry.centroid.tolist())
        geom = hits.geometry.iloc[0]
        # The regularized outline of the 56 px square lies within half a pixel (0.25 m) of its edges
        # (today it is that half pixel inside: 27.5 m sides, 756.25 m² instead of 784).
        assert all(abs(a - b) <= 0.26 for a, b in zip(geom.bounds, edges)), (geom.bounds, edges)
        assert abs(hits.area_m2.iloc[0] - geom.area) / geom.area < 0.01


def test_prompt_reuses_the_jobs_options_and_cached_tiles_without_repeating_them(env, extracted):
    """Regression: a prompt sent without the job's options (conf=0.3 here) missed the job's tile cache
    and segmented the area again."""
    s, area = env["session"], env["area"]
    before = s.health(area)["cache"]["tiles"]
    p = extracted.geometry.iloc[0].representative_point()
    picked = s.prompt(area, points=[(p.x, p.y)])
    after = s.health(area)["cache"]["tiles"]
    assert len(picked) == 1 and picked.prompt.iloc[0] == "point"
    assert picked.geometry.iloc[0].intersection(extracted.geometry.iloc[0]).area / extracted.geometry.iloc[0].area > 0.95
    assert (after["writes"], after["misses"]) == (before["writes"], before["misses"]), (before, after)
    assert after["memoryHits"] + after["diskHits"] > before["memoryHits"] + before["diskHits"]

    box = extracted.geometry.iloc[1].buffer(0.00002).bounds
    boxed = s.prompt(area, boxes=[box])
    assert len(boxed) == 1 and boxed.prompt.iloc[0] == "box"
    assert boxed.geometry.iloc[0].intersection(extracted.geometry.iloc[1]).area / extracted.geometry.iloc[1].area > 0.95

    # the control: other options are other masks, segmented anew
    s.prompt(area, points=[(p.x, p.y)], conf=0.5)
    assert s.health(area)["cache"]["tiles"]["writes"] > after["writes"]


def test_a_text_prompt_selects_with_clip_from_the_cached_tiles(env, extracted):
    s, area = env["session"], env["area"]
    before = s.health(area)["cache"]["tiles"]
    found = s.prompt(area, text="a red roof", threshold=0.5)
    assert len(found) == 4 and set(found.prompt) == {"text:a red roof"}
    assert all(abs(v - 1) < 1e-3 for v in found.score), found.score.tolist()
    assert s.health(area)["cache"]["tiles"]["writes"] == before["writes"]


def test_zero_buildings_is_an_empty_geodataframe_not_a_crash(env):
    s = env["session"]
    gdf = s.extract(env["blank"], progress=False)
    assert isinstance(gdf, geopandas.GeoDataFrame) and len(gdf) == 0
    assert gdf.crs.to_epsg() == 4326 and set(COLUMNS) <= set(gdf.columns)
    assert s.extract(env["blank"], progress=False, geojson=True) == {"type": "FeatureCollection", "features": []}
    assert len(fg.show(gdf)) == 0
    out = env["tmp"] / "empty.geojson"
    gdf.to_file(out)
    assert json.loads(out.read_text())["features"] == []


def test_show_gives_the_mime_renderer_wgs84_geojson(env, extracted):
    view = fg.show(extracted.to_crs(32616))  # any CRS in, RFC 7946 WGS84 out
    bundle = view._repr_mimebundle_()
    fc = bundle["application/geo+json"]
    json.dumps(fc, allow_nan=False)
    assert len(fc["features"]) == 4 and "4 feature(s)" in bundle["text/plain"]
    got = geopandas.GeoDataFrame.from_features(fc["features"], crs=4326)
    for a, b in zip(got.geometry, extracted.geometry):
        assert a.equals_exact(b, 1e-7)
    path = env["tmp"] / "buildings.geojson"
    extracted.to_file(path)
    assert len(fg.show(path)) == 4 and len(fg.show(extracted.geometry.iloc[0])) == 1


def test_errors_carry_the_engines_code_and_message(env):
    s = env["session"]
    with pytest.raises(fg.EngineError) as e:
        s.prompt(env["area"], points=[(0.0, 0.0)])
    assert e.value.code == "OUT_OF_BOUNDS" and e.value.status == 422
    with pytest.raises(fg.EngineError) as e:
        s.extract(env["area"], conf="high", progress=False)
    assert e.value.code == "BAD_INPUT" and "conf" in e.value.message
    with pytest.raises(fg.EngineError) as e:
        s.extract(env["tmp"] / "nothere.tif", progress=False)
    assert e.value.code == "NOT_FOUND" and "nothere.tif" in e.value.message
    with pytest.raises(TypeError):
        s.extract(env["area"], confidence=0.3)


def test_a_missing_model_is_model_missing(env, tmp_path):
    s = Session(model="FastSAM-x", models_dir=str(tmp_path))  # an empty models directory
    try:
        with pytest.raises(fg.EngineError) as e:
            s.extract(env["area"], progress=False)
        assert e.value.code == "MODEL_MISSING" and e.value.status == 409
        assert str(tmp_path / "FastSAM-x.onnx") in e.value.message
    finally:
        s.close()


@pytest.mark.parametrize("at", [0, 1])
def test_ctrl_c_cancels_the_job_on_the_engine(env, at):
    """Ctrl-C at the job's first progress event (at=0: regression, cancelling as the tile loop started
    crashed the engine) or after its first tile."""
    s = env["session"]
    assert s.health(env["big"])["status"] == "ok"  # the private engine is running
    pid = s.local.proc.pid

    def interrupt(done, total):
        if done >= at:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does

    with pytest.raises(KeyboardInterrupt):
        s.extract(env["big"], progress=False, callback=interrupt, overlap=100 + at)  # a new job each time
    conn, _ = s.route(env["big"])
    snap = conn.request("GET", f"jobs/{s.last_job}")
    assert snap["status"] == "cancelled" and snap["done"] < snap["total"], snap
    assert snap["error"]["code"] == "ABORTED"
    assert s.health(env["big"])["status"] == "ok" and s.local.running and s.local.proc.pid == pid, s.local._stderr


def test_evaluate_runs_the_engines_evaluate_command(env, extracted):
    """fg.evaluate is `fastsam-geo evaluate PRED TRUTH --iou X --json` (issue 14's command). On an engine
    that has it, footprints scored against themselves have F1 = 1; on one without it (before that
    command lands) the error says so with NOT_FOUND, never a crash or a wrong report."""
    truth = env["tmp"] / "truth.geojson"
    extracted.to_file(truth)
    try:
        report = fg.evaluate(extracted, truth)
    except fg.EngineError as e:
        assert e.code == "NOT_FOUND" and "evaluate" in e.message, e
        return
    f1 = {k.lower(): v for k, v in report.items()}.get("f1")
    assert f1 == 1.0, report
