#!/usr/bin/env bash
# Start a private PostgreSQL 15 cluster for the test suite (port 5433, role and password
# "civicgrid") and print its DATABASE_URL, and nothing else, on stdout: every tool's chatter
# goes to stderr (pg_ctlcluster prints a systemd warning on stdout on a fresh machine).
# Idempotent: safe to run again.
set -euo pipefail
PORT="${CIVICGRID_TEST_PG_PORT:-5433}"
NAME=civicgrid_test
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$NAME"; then
  pg_createcluster "$VERSION" "$NAME" --port "$PORT" >&2
fi
if ! pg_lsclusters -h | awk -v n="$NAME" '$2==n {print $4}' | grep -qx online; then
  pg_ctlcluster "$VERSION" "$NAME" start >&2
fi
# Wait for the socket, then make sure our role exists (CREATEDB: pytest-django makes test_*).
for _ in $(seq 1 30); do
  su postgres -c "psql -p $PORT -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $PORT -qtAc \"select 1 from pg_roles where rolname='civicgrid'\"" | grep -q 1 ||
  su postgres -c "psql -p $PORT -qc \"create role civicgrid login superuser password 'civicgrid'\"" >/dev/null
su postgres -c "psql -p $PORT -qtAc \"select 1 from pg_database where datname='civicgrid'\"" | grep -q 1 ||
  su postgres -c "createdb -p $PORT -O civicgrid civicgrid" >&2
echo "postgres://civicgrid:civicgrid@127.0.0.1:$PORT/civicgrid"
