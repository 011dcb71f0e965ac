"""``evaluate``: the SpaceNet building metric of predicted footprints against ground truth, computed by
the engine's ``fastsam-geo evaluate PREDICTED TRUTH --iou X --json`` (issue 14's contract: one-to-one
matches at IoU ≥ ``iou``; TP, FP, FN, precision, recall, F1, mean IoU of matches, area bias), whose JSON
report on stdout is returned as a dict. GeoDataFrames and GeoJSON dicts are written to temporary
GeoJSON files first; paths are passed as they are (any format the engine reads)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .client import EngineError
from .engine import default_engine_command
from .results import to_collection


def _as_file(obj: Any, tmp: str, name: str) -> str:
    if isinstance(obj, (str, os.PathLike)):
        return str(Path(obj).expanduser().resolve())
    path = Path(tmp) / name
    path.write_text(json.dumps(to_collection(obj)), encoding="utf-8")
    return str(path)


def evaluate(pred: Any, truth: Any, *, iou: float = 0.5, command: list[str] | None = None) -> dict:
    """Scores ``pred`` against ``truth`` (GeoDataFrames, GeoJSON dicts or vector file paths, any CRS)."""
    argv0 = list(command) if command else default_engine_command()
    with tempfile.TemporaryDirectory(prefix="fastsam-geo-eval-") as tmp:
        argv = [*argv0, "evaluate", _as_file(pred, tmp, "predicted.geojson"), _as_file(truth, tmp, "truth.geojson"),
                "--iou", str(iou), "--json"]
        try:
            r = subprocess.run(argv, capture_output=True, text=True)
        except OSError as e:
            raise EngineError("ENGINE_UNAVAILABLE", f"cannot run {argv0[0]}: {e}") from None
    if r.returncode != 0:
        err = r.stderr.strip().splitlines()
        if r.returncode == 2 and any("unknown command 'evaluate'" in line for line in err):
            raise EngineError("NOT_FOUND", "this engine has no `evaluate` command; update fastsam-geo (npm) to a version that has it")
        raise EngineError("ABORTED" if r.returncode == 130 else "BAD_INPUT", err[0] if err else f"evaluate exited with {r.returncode}")
    try:
        return json.loads(r.stdout)
    except ValueError:
        raise EngineError("INTERNAL", f"evaluate printed no JSON report: {r.stdout[:300]!r}") from None
