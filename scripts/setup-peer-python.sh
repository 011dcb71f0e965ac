#!/usr/bin/env bash
# Creates .venv-peer: the "Python stack" the bench's `peer` section compares fastsam-geo with —
# Debian's python3 with its GDAL bindings (python3-gdal), plus onnxruntime, OpenCV, shapely and
# threadpoolctl from the pip mirror (or PyPI). numpy 2 from pip shadows Debian's 1.24, so the peer reads
# windows with GDAL's ReadRaster (bytes) rather than gdal_array (built against numpy 1).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PEER_PYTHON:-/usr/bin/python3}
if [ ! -x .venv-peer/bin/python ]; then
  "$PY" -m venv --system-site-packages .venv-peer
fi
INDEX=()
if [ -d /opt/pypi/simple ]; then INDEX=(--index-url file:///opt/pypi/simple); fi
.venv-peer/bin/python -m pip install -q --disable-pip-version-check "${INDEX[@]}" \
  'onnxruntime==1.30.0' opencv-python-headless shapely threadpoolctl
.venv-peer/bin/python -c 'from osgeo import gdal; import onnxruntime, cv2, shapely, threadpoolctl, numpy; print("peer stack: GDAL", gdal.__version__, "onnxruntime", onnxruntime.__version__, "OpenCV", cv2.__version__, "shapely", shapely.__version__, "numpy", numpy.__version__)'
