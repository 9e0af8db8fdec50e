#!/usr/bin/env bash
# Create .venv and install CivicGrid with the exact versions in requirements/*.lock.
#   scripts/install.sh        what the app needs to run (the demo)
#   scripts/install.sh dev    plus what the tests, linters and browser tests need
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements/base.lock
[ "${1:-}" = "dev" ] && LOCK=requirements/dev.lock
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CivicGrid needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# Skip the network when the lock has not changed since the last install.
STAMP=".venv/.installed-$(basename "$LOCK")-$(sha256sum "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$LOCK"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  touch "$STAMP"
fi
