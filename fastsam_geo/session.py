"""Which engine a raster goes to, and what is remembered about it.

A :class:`Session` sends each raster to one engine, always the same one for a given file:

1. an engine given explicitly (``connect(url, token)``, or ``$FASTSAM_GEO_URL`` + ``$FASTSAM_GEO_TOKEN``):
   a ``fastsam-geo serve`` or a Jupyter server's ``.../fastsam-geo`` proxy, paths relative to ``root``;
2. else, in a kernel started by a Jupyter server that runs the fastsam_geo extension, for a raster under
   that server's root: the server's engine through its proxy, with the server's token (the map in
   JupyterLab and the notebook then share one engine and one tile cache);
3. else a private engine (local_engine.LocalEngine), started on first use.

It also remembers the options of the last job on each raster, so that a prompt on that raster uses
the job's cached tiles without the user repeating them: the engine's tile cache is keyed by the
options that change the masks (conf, iou, maxDet, tile size, overlap), and a prompt sent with other
options would segment the area again.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Callable

from .client import Connection, EngineError
from .discover import kernel_server
from .local_engine import LocalEngine
from .results import COLUMNS, to_frame

# Python keyword → the engine's option name (README, http-api: `options`).
OPTION_NAMES = {
    "conf": "conf",
    "iou": "iou",
    "imgsz": "imgsz",
    "max_det": "maxDet",
    "tile_size": "tileSize",
    "overlap": "overlap",
    "min_area": "minArea",
    "simplify": "simplify",
    "regularize": "regularize",
}


def engine_options(kw: dict) -> dict:
    """Python keywords (None = the engine's default) → the engine's ``options``; unknown keywords are a
    TypeError, like any misspelt argument."""
    unknown = sorted(set(kw) - set(OPTION_NAMES))
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; expected some of {', '.join(OPTION_NAMES)}")
    return {OPTION_NAMES[k]: v for k, v in kw.items() if v is not None}


def _inside(path: str, root: str) -> str | None:
    rel = os.path.relpath(path, root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == ".." or os.path.isabs(rel):
        return None
    return rel.replace(os.sep, "/")


def _progress_bar(total: int, desc: str, enabled: bool):
    if not enabled:
        return None
    try:
        with warnings.catch_warnings():  # tqdm.auto warns when ipywidgets is missing, then prints text bars
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="tile")


class Session:
    """The engines the functions of ``fastsam_geo`` use; see the module's docstring."""

    def __init__(self, url: str | None = None, token: str | None = None, *, root: str | None = None,
                 jupyter: bool | None = None, model: str | None = None, device: str | None = None,
                 models_dir: str | None = None, engine_command: list[str] | None = None, engine_args=()):
        if url is None and token is None and os.environ.get("FASTSAM_GEO_URL") and os.environ.get("FASTSAM_GEO_TOKEN"):
            url, token = os.environ["FASTSAM_GEO_URL"], os.environ["FASTSAM_GEO_TOKEN"]
        if url is not None and not token:
            raise ValueError("connect(url, token): got a url without a token; the engine refuses requests without one")
        self.fixed: Connection | None = None
        if url is not None:
            base = url.rstrip("/")
            kind = "jupyter" if base.endswith("/fastsam-geo") else "engine"
            self.fixed = Connection(base, token, os.path.realpath(root or os.getcwd()), kind)
        local_settings = any(v for v in (model, device, models_dir, engine_command, engine_args))
        self.use_jupyter = (not local_settings) if jupyter is None else jupyter
        self._jupyter: Connection | None | bool = None  # None: not looked for yet; False: there is none
        self.local = LocalEngine(command=engine_command, model=model, device=device, models_dir=models_dir, extra_args=engine_args)
        self._local_conn: Connection | None = None
        self.last_options: dict[tuple[str, str], dict] = {}
        self.last_job: str | None = None

    def __repr__(self) -> str:
        return f"<fastsam_geo.Session fixed={self.fixed} jupyter={self._jupyter or None} local={self._local_conn}>"

    # -- routing ----------------------------------------------------------------------------------
    def jupyter(self) -> Connection | None:
        """The proxy of the Jupyter server this kernel runs in (looked for once)."""
        if self._jupyter is None:
            info = kernel_server() if self.use_jupyter else None
            self._jupyter = Connection(info["url"], info["token"], info["root_dir"], "jupyter") if info else False
        return self._jupyter or None

    def local_connection(self) -> Connection:
        if self._local_conn is None or not self.local.running:
            url, token = self.local.start()
            self._local_conn = Connection(url, token, self.local.root, "local")
        return self._local_conn

    def route(self, raster: str | os.PathLike) -> tuple[Connection, str]:
        """(connection, path relative to its root) for a raster file."""
        s = os.fspath(raster)
        if "://" in s:
            raise EngineError("BAD_INPUT", f"raster: got the URL {s!r}, expected a file path (jobs and prompts take files)")
        candidates = [os.path.abspath(os.path.expanduser(s))]
        candidates.append(os.path.realpath(candidates[0]))
        if self.fixed is not None:
            for p in candidates:
                rel = _inside(p, self.fixed.root)
                if rel:
                    return self.fixed, rel
            raise EngineError("FORBIDDEN", f"raster {s!r} is outside the engine's root {self.fixed.root} (connect(..., root=DIR))")
        if not os.path.isfile(candidates[0]):
            raise EngineError("NOT_FOUND", f"raster {s!r}: no such file ({candidates[0]})")
        j = self.jupyter()
        if j is not None:
            for p in candidates:
                rel = _inside(p, j.root)
                if rel:
                    return j, rel
        conn = self.local_connection()
        return conn, _inside(candidates[0], conn.root)

    def close(self) -> None:
        """Stops the private engine, if one was started."""
        self.local.stop()
        self._local_conn = None

    # -- calls ------------------------------------------------------------------------------------
    def raster(self, raster) -> dict:
        conn, rel = self.route(raster)
        return conn.request("GET", "raster", params={"path": rel})

    def health(self, raster=None) -> dict:
        """``GET /api/health`` of the engine a raster goes to (of the first one in order without one)."""
        conn = self.route(raster)[0] if raster is not None else (self.fixed or self.jupyter() or self.local_connection())
        return conn.request("GET", "health")

    def extract(self, raster, *, bbox=None, crs: str = "EPSG:4326", progress: bool = True,
                callback: Callable[[int, int], None] | None = None, geojson: bool = False, **options) -> Any:
        opts = engine_options(options)
        conn, rel = self.route(raster)
        body: dict[str, Any] = {"path": rel}
        if bbox is not None:
            body["extent"] = {"bbox": [float(v) for v in bbox], "crs": crs}
        if opts:
            body["options"] = opts
        job = conn.request("POST", "jobs", body=body)
        job_id = job["id"]
        self.last_job = job_id
        self.last_options[(conn.kind, rel)] = opts
        bar = _progress_bar(job.get("total", 0), os.path.basename(os.fspath(raster)), progress)
        finished = False
        try:
            for event, data in conn.events(job_id):
                if event == "progress":
                    if bar is not None:
                        if bar.total != data["total"]:
                            bar.total = data["total"]
                        bar.update(data["done"] - bar.n)
                    if callback is not None:
                        callback(data["done"], data["total"])
                elif event == "error":
                    finished = True
                    raise EngineError(data.get("code", "INTERNAL"), data.get("message", "the job failed"))
                elif event == "done":
                    finished = True
            fc = conn.request("GET", f"jobs/{job_id}/result")
        finally:
            # Ctrl-C / a kernel interrupt (KeyboardInterrupt) or any other exception before the job
            # ended: the job is cancelled on the engine, not left running.
            if not finished:
                self._cancel(conn, job_id)
            if bar is not None:
                bar.close()
        frame = to_frame(fc, geojson=geojson)
        if frame is not fc:
            frame.attrs["fastsam_geo"] = {"job": job_id, "raster": os.fspath(raster), "options": opts}
        return frame

    def _cancel(self, conn: Connection, job_id: str) -> None:
        try:
            conn.request("DELETE", f"jobs/{job_id}", timeout=10)
        except (EngineError, KeyboardInterrupt):
            pass
        print(f"fastsam-geo: cancelled job {job_id} on the engine", file=sys.stderr)

    def prompt(self, raster, points=None, boxes=None, text: str | None = None, *, labels=None,
               threshold: float | None = None, crs: str = "EPSG:4326", bbox=None, geojson: bool = False, **options) -> Any:
        conn, rel = self.route(raster)
        opts = {**self.last_options.get((conn.kind, rel), {}), **engine_options(options)}
        body: dict[str, Any] = {"path": rel, "crs": crs}
        if points:
            body["points"] = _points(points, labels)
        if boxes:
            body["boxes"] = [_box(b) for b in boxes]
        if text:
            body["text"] = text
        if threshold is not None:
            body["threshold"] = float(threshold)
        if bbox is not None:
            body["extent"] = {"bbox": [float(v) for v in bbox], "crs": crs}
        if opts:
            body["options"] = opts
        fc = conn.request("POST", "prompt", body=body)
        return to_frame(fc, columns=[*COLUMNS, "prompt"], geojson=geojson)


def _points(points, labels) -> list[dict]:
    if labels is not None and len(labels) != len(points):
        raise ValueError(f"labels: got {len(labels)}, expected one per point ({len(points)})")
    out = []
    for i, p in enumerate(points):
        if hasattr(p, "x") and hasattr(p, "y"):  # a shapely Point
            x, y, label = p.x, p.y, 1
        elif isinstance(p, dict):
            x, y, label = p["x"], p["y"], p.get("label", 1)
        else:
            if len(p) not in (2, 3):
                raise ValueError(f"points[{i}]: got {p!r}, expected (x, y) or (x, y, label)")
            x, y, label = p[0], p[1], (p[2] if len(p) == 3 else 1)
        if labels is not None:
            label = labels[i]
        out.append({"x": float(x), "y": float(y), "label": int(label)})
    return out


def _box(b) -> list[float]:
    if hasattr(b, "bounds") and not isinstance(b, (list, tuple)):  # a shapely geometry
        b = b.bounds
    if len(b) != 4:
        raise ValueError(f"box: got {b!r}, expected (minx, miny, maxx, maxy)")
    return [float(v) for v in b]
