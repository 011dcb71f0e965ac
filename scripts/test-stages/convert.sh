#!/usr/bin/env bash
# Checks `fastsam-geo models convert` (Ultralytics .pt → ONNX in Node) against PyTorch itself:
# src/engine/models/reference/convert_check.py builds FastSAM-s/-x-layout checkpoints in plain torch
# and compares torch's forward with the converted model run in onnxruntime-node.
# torch (CPU) comes from Debian's python3-torch (the pip mirror has no torch wheel); installed here
# only when /usr/bin/python3 cannot import it. Needs `npm run build` first.
# Closes with `convert: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "installing python3-torch (Debian) for the conversion check"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-numpy; } >/dev/null 2>&1; then
    echo "could not install python3-torch"; echo "convert: 0 passed, 1 failed"; exit 1
  fi
fi
if [ ! -f lib/engine/models/convert.js ]; then
  echo "lib/ is not built: run npm run build first"; echo "convert: 0 passed, 1 failed"; exit 1
fi
"$PY" src/engine/models/reference/convert_check.py
