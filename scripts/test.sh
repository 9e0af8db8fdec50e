#!/usr/bin/env bash
# Everything CI checks, on SQLite and then on PostgreSQL. `make test` runs this.
# Extra arguments go to pytest (e.g. scripts/test.sh -k scope).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
scripts/install-system.sh
PG_URL="$(scripts/test-postgres.sh)"
case "$PG_URL" in
  postgres://*) ;;
  *) echo "scripts/test-postgres.sh printed no DATABASE_URL: $PG_URL" >&2; exit 1 ;;
esac
# A streaming standby of that cluster: the PostgreSQL run's replica tests read from it.
STANDBY_URL="$(scripts/test-postgres-standby.sh)"
case "$STANDBY_URL" in
  postgres://*) ;;
  *) echo "scripts/test-postgres-standby.sh printed no DATABASE_URL: $STANDBY_URL" >&2; exit 1 ;;
esac
export SECRET_KEY=checks-only-secret

echo "== lint, types, layers, migrations"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy civicgrid
.venv/bin/lint-imports --no-cache
.venv/bin/python manage.py makemigrations --check --dry-run
.venv/bin/python manage.py check --fail-level WARNING

echo "== tests on SQLite"
mkdir -p test-output
# Browser tests drive a live server from the test thread (pytest-django's live_server).
export DJANGO_ALLOW_ASYNC_UNSAFE=true
.venv/bin/pytest "$@"

echo "== tests on PostgreSQL"
DATABASE_URL="$PG_URL" CIVICGRID_TEST_STANDBY_URL="$STANDBY_URL" .venv/bin/pytest "$@"
