#!/usr/bin/env bash
# UI tests: a real JupyterLab (from .venv) with this extension installed the way a user installs it,
# driven by Galata/Playwright in Debian's chromium (headless). Screenshots land in ui-tests/test-results.
# Closes with `ui: N passed, N failed` (Playwright's own summary is not read by CI).
# Usage: bash scripts/test-stages/ui.sh [playwright args, e.g. a spec file or -g 'pattern']
# Env: FSG_UI_SKIP_BUILD=1 reuses fastsam_geo/labextension; FSG_UI_PORT (default: a free loopback port);
# FSG_UI_RETRIES (default 1: a test that passes on its retry counts as passed and is listed as flaky).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
finish() { echo "ui: $1 passed, $2 failed"; exit $(( $2 > 0 ? 1 : 0 )); }

bash scripts/setup-python.sh || { echo "python set-up failed"; finish 0 1; }
if [ ! -f lib/engine/cli/main.js ] || [ "${FSG_UI_SKIP_BUILD:-0}" != 1 ]; then
  npm run build || { echo "engine build failed"; finish 0 1; }
fi
if [ "${FSG_UI_SKIP_BUILD:-0}" != 1 ] || [ ! -f fastsam_geo/labextension/package.json ]; then
  npm run build:labextension || { echo "labextension build failed"; finish 0 1; }
fi

# Install the extension as a user would: the wheel when the Python package exists, else the built
# labextension folder into the environment's labextensions directory (what the wheel's shared-data does).
if [ -f pyproject.toml ] && grep -q 'labextension' pyproject.toml; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall . \
    || { echo "pip install of the package failed"; finish 0 1; }
else
  dest=.venv/share/jupyter/labextensions/fastsam-geo
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && cp -r fastsam_geo/labextension "$dest"
fi
.venv/bin/jupyter labextension list 2>&1 | grep -q 'fastsam-geo.*enabled' \
  || { .venv/bin/jupyter labextension list; echo "fastsam-geo is not listed as an enabled labextension"; finish 0 1; }

SHARED=$ROOT/../shared/data
[ -d "$SHARED/geotiff" ] || { echo "shared test data missing: $SHARED (expected ../shared/data beside the repository)"; finish 0 1; }
export FSG_UI_ROOT
FSG_UI_ROOT=$(mktemp -d /tmp/fsg-ui-root-XXXXXX)
mkdir -p "$FSG_UI_ROOT/data"
cp -r "$SHARED/geotiff/." "$FSG_UI_ROOT/data/"
node ui-tests/write-fixtures.mjs "$FSG_UI_ROOT" >/dev/null || { echo "writing the UI fixtures failed"; finish 0 1; }
trap 'rm -rf "$FSG_UI_ROOT"' EXIT
# A free port unless one is given (several runs may share the machine).
if [ -z "${FSG_UI_PORT:-}" ]; then
  FSG_UI_PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
fi
export FSG_UI_PORT
echo "JupyterLab for the UI tests on port $FSG_UI_PORT"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/fsg-xdg}
mkdir -p "$XDG_RUNTIME_DIR"

rm -rf ui-tests/test-results
mkdir -p ui-tests/test-results
(cd ui-tests && "$ROOT/node_modules/.bin/playwright" test --config playwright.config.mjs "$@")
report=ui-tests/test-results/report.json
if [ ! -f "$report" ]; then echo "no Playwright report at $report"; finish 0 1; fi
read -r passed failed < <(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).stats;
  // skipped tests count as failures in this project
  console.log((s.expected + s.flaky) + " " + (s.unexpected + s.skipped + (s.expected + s.flaky + s.unexpected === 0 ? 1 : 0)));
' "$report")
node -e '
  const walk = (s) => [...(s.specs ?? []).flatMap((sp) => sp.tests.filter((t) => t.status === "flaky").map(() => sp.file + ": " + sp.title)), ...(s.suites ?? []).flatMap(walk)];
  for (const t of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).suites.flatMap(walk)) console.log("flaky (failed once, passed on its retry): " + t);
' "$report"
echo "screenshots: ui-tests/test-results"
finish "$passed" "$failed"
