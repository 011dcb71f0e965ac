#!/usr/bin/env bash
# Server-extension tests (pytest) against a real Jupyter server and the real Node engine of this
# checkout (lib/ must be built). Closes with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! bash scripts/setup-python.sh; then
  echo "python set-up failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -f lib/engine/cli/main.js ]; then
  npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
fi
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
.venv/bin/python -m pytest -q -p no:cacheprovider -rfEs fastsam_geo/tests 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$LOG" | tail -n 1)
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
errors=$(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
skipped=$(echo "$summary" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
passed=${passed:-0}; failed=$(( ${failed:-0} + ${errors:-0} + ${skipped:-0} ))
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests"
  failed=$((failed + 1))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "python: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
