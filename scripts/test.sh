#!/usr/bin/env bash
# Everything CI checks, on SQLite and on PostgreSQL. `make test` runs this.
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

# The two databases' runs side by side: each is mostly one Python process waiting on a browser,
# a live server or its database, so on two cores they overlap well (35 → 27 minutes here).
# SQLite's output is kept in a file and shown after PostgreSQL's; either failing fails.
mkdir -p test-output
# Browser tests drive a live server from the test thread (pytest-django's live_server).
export DJANGO_ALLOW_ASYNC_UNSAFE=true
SQLITE_LOG=test-output/pytest-sqlite.log
echo "== tests on SQLite (in the background, into $SQLITE_LOG) and on PostgreSQL"
.venv/bin/pytest "$@" >"$SQLITE_LOG" 2>&1 &
SQLITE_PID=$!
trap 'kill "$SQLITE_PID" 2>/dev/null || true' EXIT
PG_STATUS=0
DATABASE_URL="$PG_URL" CIVICGRID_TEST_STANDBY_URL="$STANDBY_URL" .venv/bin/pytest "$@" || PG_STATUS=$?
SQLITE_STATUS=0
wait "$SQLITE_PID" || SQLITE_STATUS=$?
trap - EXIT
echo "== tests on SQLite (run beside PostgreSQL's)"
cat "$SQLITE_LOG"
if [ "$SQLITE_STATUS" -ne 0 ] || [ "$PG_STATUS" -ne 0 ]; then
  echo "tests failed: SQLite exit $SQLITE_STATUS, PostgreSQL exit $PG_STATUS" >&2
  exit 1
fi
