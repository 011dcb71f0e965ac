"""Jupyter server configuration for the UI tests (Galata): no token, no XSRF check, runs as root.

The root folder is FSG_UI_ROOT (scripts/test-stages/ui.sh makes a temporary one holding copies of the
shared GeoTIFFs); the port is FSG_UI_PORT (ui.sh picks a free one).
Never use this configuration for a real server: it removes the security checks.
"""
import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is injected by the config loader)

c.ServerApp.port = int(os.environ.get("FSG_UI_PORT", "8897"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821 (the tests expect exactly this port)
c.ServerApp.allow_root = True  # noqa: F821
if os.environ.get("FSG_UI_ROOT"):
    c.ServerApp.root_dir = os.environ["FSG_UI_ROOT"]  # noqa: F821
# The engine behind the server extension: this checkout's CLI with the fixture models that
# ui-tests/write-fixtures.mjs wrote into the root (test assets, not FastSAM/CLIP).
_repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
c.FastSamGeo.engine_command = ["node", os.path.join(_repo, "bin", "fastsam-geo.js")]  # noqa: F821
if os.environ.get("FSG_UI_ROOT"):
    _models = os.path.join(os.environ["FSG_UI_ROOT"], "models")
    c.FastSamGeo.model = os.environ.get("FSG_UI_MODEL") or os.path.join(_models, "fixture-seg.onnx")  # noqa: F821
    c.FastSamGeo.clip_vision = os.path.join(_models, "clip-vision.onnx")  # noqa: F821
    c.FastSamGeo.clip_text = os.path.join(_models, "clip-text.onnx")  # noqa: F821
    c.FastSamGeo.clip_bpe = os.path.join(_models, "bpe_simple_vocab_16e6.txt.gz")  # noqa: F821
c.LabApp.news_url = None  # noqa: F821 (no network here)
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
