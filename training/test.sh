#!/usr/bin/env bash
# Training pipeline checks (pytest): unit tests, a custom-keypoint run, and a smoke run on a handful of
# LSPET photos that exports to .cache/smoke-model for the TypeScript parity test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
"$PY" -m pytest -q training/tests "$@"
