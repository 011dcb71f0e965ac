"""The notebook API: ``import fastsam_geo as fg; gdf = fg.extract("area.tif", conf=0.3)``.

Every function uses one default :class:`~fastsam_geo.session.Session` (made on first use, or by
:func:`connect`): the engine of the Jupyter server the kernel runs in, through its proxy, or a private
engine started on first use. Errors are :class:`~fastsam_geo.client.EngineError` with the engine's
``code`` and ``message``.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from .session import Session

_session: Session | None = None


def connect(url: str | None = None, token: str | None = None, *, root: str | None = None, jupyter: bool | None = None,
            model: str | None = None, device: str | None = None, models_dir: str | None = None,
            engine_command: list[str] | None = None, engine_args=()) -> Session:
    """Chooses the engine the other functions use (they call it with no arguments on first use).

    - ``connect(url, token, root=DIR)``: a running engine, ``fastsam-geo serve`` (``url`` as it printed)
      or a Jupyter server's proxy (``http://127.0.0.1:8888/fastsam-geo`` with Jupyter's token); raster
      paths are sent relative to ``root`` (the directory it serves; default: the current directory).
      ``$FASTSAM_GEO_URL`` and ``$FASTSAM_GEO_TOKEN`` do the same.
    - ``connect()``: in a kernel of a Jupyter server that runs the fastsam_geo server extension, its
      engine for rasters under the server's root; otherwise a private engine (``fastsam-geo serve`` on a
      free loopback port with a random token), started on first use and stopped with Python.
    - ``model``, ``device``, ``models_dir``, ``engine_args`` (extra ``serve`` options), ``engine_command``
      (default: ``$FASTSAM_GEO_ENGINE``, the checkout's bin, else ``fastsam-geo`` on PATH) set up the
      private engine and make it the one used (``jupyter=True`` still prefers Jupyter's engine, whose
      model is the server's ``c.FastSamGeo.model``). ``$FASTSAM_GEO_MODEL`` is the private engine's
      default model.
    """
    global _session
    if _session is not None:
        _session.close()
    _session = Session(url, token, root=root, jupyter=jupyter, model=model, device=device, models_dir=models_dir,
                       engine_command=engine_command, engine_args=engine_args)
    return _session


def session() -> Session:
    """The default session (``connect()``'s, else one made now with no arguments)."""
    global _session
    if _session is None:
        _session = Session()
    return _session


def extract(raster: str | os.PathLike, *, bbox=None, crs: str = "EPSG:4326", conf: float | None = None,
            iou: float | None = None, imgsz: int | None = None, max_det: int | None = None, tile_size: int | None = None,
            overlap: int | None = None, min_area: float | None = None, simplify: float | None = None,
            regularize: bool | None = None, progress: bool = True, callback: Callable[[int, int], None] | None = None,
            geojson: bool = False) -> Any:
    """Building footprints of a GeoTIFF (everything mode), as a GeoDataFrame in EPSG:4326 with columns
    ``id, score, area_m2, tile, source, regularized`` (a GeoJSON dict when geopandas is not installed or
    ``geojson=True``); no buildings → an empty GeoDataFrame.

    Runs as a job on the engine with a progress bar (tqdm; ``progress=False`` for none; ``callback(done,
    total)`` on each tile). Ctrl-C / interrupting the kernel cancels the job on the engine and raises
    KeyboardInterrupt. ``bbox`` = (minx, miny, maxx, maxy) in ``crs`` limits it to an area. Options left
    at None take the engine's defaults (README, extract): ``conf`` 0.4, ``iou`` 0.9, ``max_det`` 300,
    ``tile_size``/``overlap`` px, ``min_area`` m², ``simplify`` m, ``regularize``. Every tile is cached,
    and :func:`prompt` on the same raster reuses these options, so it runs no model."""
    return session().extract(raster, bbox=bbox, crs=crs, progress=progress, callback=callback, geojson=geojson, conf=conf,
                             iou=iou, imgsz=imgsz, max_det=max_det, tile_size=tile_size, overlap=overlap,
                             min_area=min_area, simplify=simplify, regularize=regularize)


def prompt(raster: str | os.PathLike, points=None, boxes=None, text: str | None = None, *, labels=None,
           threshold: float | None = None, crs: str = "EPSG:4326", bbox=None, geojson: bool = False, **options) -> Any:
    """The buildings selected by prompts: ``points`` [(lon, lat)] or [(lon, lat, label)] (label 1 = a
    building, 0 = background) or shapely Points, ``boxes`` [(minx, miny, maxx, maxy)] or shapely
    geometries (their bounds), ``text`` (CLIP; ``threshold`` = every match above it, else the best one).
    Coordinates are in ``crs`` (default EPSG:4326). The result has a ``prompt`` column.

    The segmentation options of the last :func:`extract` on this raster are used (so the job's cached
    tiles answer and no model runs); ``**options`` (conf=, iou=, ...) override them."""
    return session().prompt(raster, points, boxes, text, labels=labels, threshold=threshold, crs=crs, bbox=bbox,
                            geojson=geojson, **options)


def raster_info(raster: str | os.PathLike) -> dict:
    """The engine's metadata of a raster: size, bands, dtype, crs, bounds, bounds_wgs84, resolution,
    nodata, overviews, stretch (README, http-api: ``GET /api/raster``)."""
    return session().raster(raster)
