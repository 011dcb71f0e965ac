"""fastsam-geo for JupyterLab: the labextension (the map) and a Jupyter server extension that runs the
Node engine (`fastsam-geo serve`) on demand on 127.0.0.1 and proxies ``<base_url>fastsam-geo/api/...`` to
it behind Jupyter's own authentication; and the notebook API (``fg.extract``, ``fg.prompt``, ``fg.show``,
``fg.evaluate``: api.py)."""

from ._version import __version__
from .api import connect, extract, prompt, raster_info, session
from .client import EngineError
from .display import show
from .evaluate import evaluate

__all__ = ["__version__", "FastSamGeo", "EngineError", "connect", "evaluate", "extract", "prompt", "raster_info", "session", "show"]


def __getattr__(name):
    # The server extension (jupyter_server, seconds to import on a busy machine) only when asked for:
    # `import fastsam_geo as fg` in a notebook does not need it.
    if name == "FastSamGeo":
        from .app import FastSamGeo

        return FastSamGeo
    raise AttributeError(f"module 'fastsam_geo' has no attribute {name!r}")


def _jupyter_server_extension_points():
    from .app import FastSamGeo

    return [{"module": "fastsam_geo", "app": FastSamGeo}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "fastsam-geo"}]
