"""``show``: renders buildings on a map in the notebook, through the labextension's MIME renderer for
``application/geo+json`` (src/extension/mime: GEOJSON_MIME in src/extension/tokens.ts)."""

from __future__ import annotations

from typing import Any

from .results import to_collection

GEOJSON_MIME = "application/geo+json"


class GeoJSONView:
    """A display object: JupyterLab with the fastsam-geo extension draws it on a small map; other
    front ends show its text."""

    def __init__(self, collection: dict):
        self.data = collection

    def __len__(self) -> int:
        return len(self.data.get("features") or [])

    def __repr__(self) -> str:
        return f"<fastsam_geo map: {len(self)} feature(s)>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {GEOJSON_MIME: self.data, "text/plain": repr(self)}


def show(obj: Any) -> GeoJSONView | None:
    """Shows ``obj`` on a map in the notebook: a GeoDataFrame / GeoSeries (any CRS), a GeoJSON dict, a
    shapely geometry or a vector file path (.geojson, or any format geopandas reads). In IPython it is
    displayed at once (so it works anywhere in a cell) and None is returned; elsewhere the display
    object is returned."""
    view = GeoJSONView(to_collection(obj))
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return view
    if get_ipython() is None:
        return view
    display(view)
    return None
