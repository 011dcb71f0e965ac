#!/usr/bin/env bash
# Installs fastsam-geo as a user would (npm pack + wheel into a fresh prefix and venv), starts
# JupyterLab and prompts on a GeoTIFF through the server extension: packaging/test_install.py.
# Builds the labextension first when it is missing. Closes with `install: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
export ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL:-skip}
fail() { echo "$1"; echo "install: 0 passed, 1 failed"; exit 1; }
bash scripts/setup-python.sh >/dev/null 2>&1 || fail "python set-up failed"
[ -f lib/engine/cli/main.js ] || npm run build || fail "build failed"
if [ ! -f fastsam_geo/labextension/package.json ]; then
  { npm run build:extension && npm run build:labextension; } || fail "labextension build failed"
fi
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
.venv/bin/python -m pytest -q -p no:cacheprovider -rfEs packaging/test_install.py 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$LOG" | tail -n 1)
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
failed=$(echo "$summary" | grep -oE '[0-9]+ (failed|errors?|skipped)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
passed=${passed:-0}
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
