"""Rasters for the notebook API's tests, written by GDAL (gdal_create): gray GeoTIFFs on the squares
raster's grid (SpaceNet Atlanta, EPSG:32616, 0.5 m) in which the fixture model finds nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

ORIGIN = (733601.0, 3725139.0)  # src/engine/testing/server-data.ts
PIXEL = 0.5
SQUARES = [(40, 40, 56), (304, 200, 56), (480, 480, 56), (144, 456, 56)]  # [x, y, side] px, test-data.ts


def blank_tif(path: Path, size: int) -> Path:
    """A size×size RGB uint8 GeoTIFF, all gray (no building for the fixture model), DEFLATE-tiled."""
    x0, y0 = ORIGIN
    subprocess.run(
        ["gdal_create", "-q", "-of", "GTiff", "-outsize", str(size), str(size), "-bands", "3", "-ot", "Byte",
         "-burn", "128", "-a_srs", "EPSG:32616", "-a_ullr", str(x0), str(y0), str(x0 + size * PIXEL), str(y0 - size * PIXEL),
         "-co", "COMPRESS=DEFLATE", "-co", "TILED=YES", str(path)],
        check=True, capture_output=True,
    )
    return path
