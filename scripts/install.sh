#!/usr/bin/env bash
# Create .venv and install CivicGrid with the exact versions in requirements/*.lock.
#   scripts/install.sh        what the app needs to run (the demo)
#   scripts/install.sh dev    plus what the tests, linters and browser tests need
# The packages are installed by uv (from PyPI, into .venv), which does in seconds what pip
# took about a minute for on a fresh clone; pip is installed into .venv too, for developers.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements/base.lock
[ "${1:-}" = "dev" ] && LOCK=requirements/dev.lock
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CivicGrid needs Python 3.11 or newer")'
# Skip everything when the lock has not changed since the last install.
STAMP=".venv/.installed-$(basename "$LOCK")-$(sha256sum "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
[ -f "$STAMP" ] && exit 0
UV_VERSION=0.13.9
if [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  if "$PY" -m pip --version >/dev/null 2>&1; then
    # The system's pip puts uv into a venv made without pip (ensurepip takes ~10 s).
    [ -x .venv/bin/python ] || "$PY" -m venv --without-pip .venv
    "$PY" -m pip --python .venv/bin/python install -q --disable-pip-version-check "uv==$UV_VERSION"
  else
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
  fi
fi
UV=(.venv/bin/uv pip install --quiet --python .venv/bin/python)
"${UV[@]}" -r "$LOCK" pip
"${UV[@]}" --no-deps -e .
touch "$STAMP"
