"""Results as Python users want them: a GeoDataFrame (EPSG:4326) when geopandas is installed, else the
engine's GeoJSON FeatureCollection as a dict; and the way back (anything geographic → a WGS84
FeatureCollection) for :func:`show` and :func:`evaluate`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# The properties the engine gives every building (README, http-api: conventions), in this order.
COLUMNS = ["id", "score", "area_m2", "tile", "source", "regularized"]


def _geopandas():
    try:
        import geopandas
    except ImportError:
        return None
    return geopandas


def to_frame(fc: dict, columns: list[str] = COLUMNS, geojson: bool = False) -> Any:
    """A FeatureCollection → a GeoDataFrame in EPSG:4326 (the collection itself when geopandas is
    missing or ``geojson`` is true). No features → an empty GeoDataFrame with the usual columns."""
    gpd = None if geojson else _geopandas()
    if gpd is None:
        return fc
    features = fc.get("features") or []
    if not features:
        import pandas as pd

        data = {c: pd.Series(dtype="object") for c in columns}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    ordered = [c for c in columns if c in frame.columns]
    rest = [c for c in frame.columns if c not in ordered and c != "geometry"]
    return frame[[*ordered, *rest, "geometry"]]


def _collection_of(obj: dict) -> dict:
    t = obj.get("type")
    if t == "FeatureCollection":
        return obj
    if t == "Feature":
        return {"type": "FeatureCollection", "features": [obj]}
    if t in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"):
        return {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": obj, "properties": {}}]}
    raise TypeError(f"got a dict of type {t!r}, expected GeoJSON (a FeatureCollection, Feature or geometry)")


def to_collection(obj: Any) -> dict:
    """A GeoDataFrame / GeoSeries (reprojected to WGS84), a GeoJSON dict, an object with
    ``__geo_interface__`` or a vector file path (.geojson read as is; other formats through geopandas)
    → a GeoJSON FeatureCollection in WGS84 (RFC 7946)."""
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        if path.suffix.lower() in (".geojson", ".json"):
            return _collection_of(json.loads(path.read_text(encoding="utf-8")))
        gpd = _geopandas()
        if gpd is None:
            raise ImportError(f"reading {path.suffix} files needs geopandas (pip install geopandas)")
        return to_collection(gpd.read_file(path))
    if isinstance(obj, dict):
        return _collection_of(obj)
    gpd = _geopandas()
    if gpd is not None and isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if isinstance(obj, gpd.GeoSeries):
            obj = gpd.GeoDataFrame(geometry=obj)
        if obj.crs is not None and obj.crs.to_epsg() != 4326:
            obj = obj.to_crs("EPSG:4326")
        return json.loads(obj.to_json(na="null", drop_id=True))
    geo = getattr(obj, "__geo_interface__", None)
    if isinstance(geo, dict):
        return json.loads(json.dumps(_collection_of(geo)))
    raise TypeError(
        f"got {type(obj).__name__}, expected a GeoDataFrame, a GeoJSON dict, a shapely geometry or a vector file path"
    )
