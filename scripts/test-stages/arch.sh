#!/usr/bin/env bash
# Checks the architecture-equivalent FastSAM graphs (src/engine/testing/arch-model.ts) against the real
# Ultralytics YOLOv8n-seg export in ../shared/data and runs one in Python's onnxruntime.
# Needs `npm run build` first. Closes with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
REAL=../shared/data/models/yolov8n-seg_int8.onnx
if [ ! -f "$REAL" ]; then
  echo "missing $REAL: the shared test data must be at ../shared/data beside the repository"
  echo "0 passed, 1 failed"; exit 1
fi
bash scripts/setup-python.sh >/dev/null 2>&1 || { echo "python set-up failed"; echo "0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
node scripts/bench/write-arch-model.mjs n 320 80 "$TMP/n80.onnx" && \
node scripts/bench/write-arch-model.mjs s 640 1 "$TMP/s640.onnx" || { echo "0 passed, 1 failed"; exit 1; }
.venv/bin/python scripts/bench/check_arch.py "$REAL" "$TMP/n80.onnx" "$TMP/s640.onnx"
