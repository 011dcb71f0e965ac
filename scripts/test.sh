#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh machine of this kind, then runs the whole suite:
# engine tests (node's test runner), server-extension tests (pytest), UI tests (Galata in chromium).
# Closes with one line `N passed, N failed` and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/fsg-test.XXXXXX")
SUMMARY="$LOGS/summary"
: > "$SUMMARY"
trap 'rm -rf "$LOGS"' EXIT
# Every temporary file or directory the stages make (mktemp, os.tmpdir(), Python's tempfile, Galata,
# chromium profiles) lands in this run's folder and goes with it, whatever a test leaves behind.
export TMPDIR="$LOGS/tmp"
mkdir -p "$TMPDIR"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then export XDG_RUNTIME_DIR="$LOGS/xdg"; mkdir -p -m 700 "$XDG_RUNTIME_DIR"; fi
# onnxruntime-node's install script would fetch CUDA binaries from outside the registries: the CPU
# binary is inside the package (the supported switch; an .npmrc key makes npm warn).
export ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL:-skip}
# Model downloads in tests only go to loopback servers; the models/cache dirs of the user are not touched.
export FASTSAM_GEO_CACHE=${FASTSAM_GEO_CACHE:-$LOGS/cache}
export FASTSAM_GEO_MODELS=${FASTSAM_GEO_MODELS:-$LOGS/models}

note() { printf '\n==== %s\n' "$*"; }

# ---- set up -------------------------------------------------------------------------------------
bash scripts/setup-system.sh || { echo "system set-up failed"; echo "0 passed, 1 failed"; exit 1; }
if [ "${FSG_SKIP_NPM_CI:-0}" != 1 ]; then
  note "npm ci"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi
note "build"
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# Engine tests check output files with outside readers from .venv (pyarrow, geopandas, shapely).
note "python venv"
bash scripts/setup-python.sh || { echo "python set-up failed"; echo "0 passed, 1 failed"; exit 1; }
if [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
fi

# ---- run ----------------------------------------------------------------------------------------
record() { # stage-name, log file: picks the stage's closing "N passed, N failed" line
  local line
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
  if [ -z "$line" ]; then line="0 passed, 1 failed"; fi
  echo "$1 $line" >> "$SUMMARY"
}

note "engine tests"
node scripts/run-node-tests.mjs 2>&1 | tee "$LOGS/node.log"
record node "$LOGS/node.log"

for stage in scripts/test-stages/*.sh; do
  [ -e "$stage" ] || continue
  name=$(basename "$stage" .sh)
  note "$name"
  bash "$stage" 2>&1 | tee "$LOGS/$name.log"
  record "$name" "$LOGS/$name.log"
done

# What failed, again at the end: CI shows only the tail of this output, far below a stage's own report.
while read -r name line; do
  [[ " $line" =~ \ [1-9][0-9]*\ failed ]] || continue
  note "$name: what failed"
  if [ "$name" = node ] && grep -q '^✖ failing tests:' "$LOGS/node.log"; then
    sed -n '/^✖ failing tests:/,$p' "$LOGS/node.log" | head -n 120
  else
    tail -n 60 "$LOGS/$name.log"
  fi
done < "$SUMMARY"

note "summary"
cat "$SUMMARY"
passed=$(grep -oE '[0-9]+ passed' "$SUMMARY" | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' "$SUMMARY" | awk '{s+=$1} END {print s+0}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
