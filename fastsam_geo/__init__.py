"""fastsam-geo for JupyterLab: the labextension (the map) and a Jupyter server extension that runs the
Node engine (`fastsam-geo serve`) on demand on 127.0.0.1 and proxies ``<base_url>fastsam-geo/api/...`` to
it behind Jupyter's own authentication."""

from ._version import __version__
from .app import FastSamGeo

__all__ = ["__version__", "FastSamGeo"]


def _jupyter_server_extension_points():
    return [{"module": "fastsam_geo", "app": FastSamGeo}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "fastsam-geo"}]
