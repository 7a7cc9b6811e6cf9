#!/usr/bin/env bash
# Runs every test tier. Services (PostgreSQL, Docker, registry, Chromium) are installed and started by the
# fixtures of the tests that need them; with CI=true a missing service fails the run instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check plugins dags tests bench scripts || exit 1
.venv/bin/mypy || exit 1

.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
