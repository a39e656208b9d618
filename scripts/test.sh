#!/usr/bin/env bash
# The test command (README): install the project into a fresh venv, NOT editable, and run the
# suite from a copy outside the checkout, so it tests what `pip install .` ships.
# Needs PostgreSQL, Redis and Chromium (see scripts/preflight.py); fails loudly without them.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -x tests/unit`.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${SMM_TEST_VENV:-$SRC/.test-venv}"
PY="$VENV/bin/python"

python3 -m venv --clear "$VENV"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "$SRC[test]"
rm -rf "$SRC/build" "$SRC"/*.egg-info  # left by the in-tree build; never reused

(cd "$SRC" && "$VENV/bin/ruff" check .)
"$PY" "$SRC/scripts/preflight.py"

RUN="$(mktemp -d)"
trap 'rm -rf "$RUN"' EXIT
cp -r "$SRC/tests" "$SRC/benchmarks" "$SRC/pyproject.toml" "$RUN/"
cd "$RUN"
export SMM_KPI_SOURCE="$SRC" SMM_KPI_EXPECT_INSTALLED=1
if [ "$#" -eq 0 ]; then set -- tests; fi
"$PY" -m pytest -q -p no:cacheprovider "$@"
