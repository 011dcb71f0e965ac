#!/usr/bin/env bash
# Creates .venv (Python 3.11) with JupyterLab and the test tools, from the local pip mirror when it is
# there (offline machines), else from PyPI. Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The venv lies inside this repository, whose package.json says "type": "module": without a package.json of
# its own, node loads JupyterLab's CommonJS helpers (node-version-check.js) as ES modules, they fail, and
# JupyterLab warns "Could not determine jupyterlab build status without nodejs" on every start.
[ -f .venv/package.json ] || echo '{"type": "commonjs"}' > .venv/package.json
INDEX=()
if [ -d /opt/pypi/simple ]; then INDEX=(--index-url file:///opt/pypi/simple); fi
.venv/bin/python -m pip install -q --disable-pip-version-check "${INDEX[@]}" \
  'jupyterlab==4.6.4' 'jupyter_server>=2' hatchling pytest requests numpy onnx onnxruntime opencv-python-headless shapely pycocotools pyarrow \
  geopandas pyogrio pyproj tqdm nbclient nbformat ipykernel
