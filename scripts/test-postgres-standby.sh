#!/usr/bin/env bash
# Start a streaming standby of the test suite's PostgreSQL cluster (scripts/test-postgres.sh,
# which must be running) on port 5434 and print its DATABASE_URL, and nothing else, on stdout;
# every tool's chatter goes to stderr. The suite's replica tests read from it
# (CIVICGRID_TEST_STANDBY_URL, civicgrid/core/tests/test_standby.py).
# Idempotent: safe to run again. The standby is made again from a base backup of the primary
# when it is not one yet, belongs to another primary, or cannot stream (the primary keeps no
# slot for it, so a standby stopped for long may miss WAL the primary has since recycled).
set -euo pipefail
PRIMARY_PORT="${CIVICGRID_TEST_PG_PORT:-5433}"
PORT="${CIVICGRID_TEST_STANDBY_PORT:-5434}"
NAME=civicgrid_standby
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
DATA="/var/lib/postgresql/$VERSION/$NAME"
PRIMARY_HBA="/etc/postgresql/$VERSION/civicgrid_test/pg_hba.conf"

psql_at() { su postgres -c "psql -p $1 -qtAc \"$2\""; }
# "online", or "online,recovery" for a standby.
online() { pg_lsclusters -h | awk -v n="$NAME" '$2==n {print $4}' | grep -q '^online'; }

# The base backup and the streaming connect as civicgrid (a superuser) over TCP.
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$PRIMARY_HBA"; then
  echo "host replication civicgrid 127.0.0.1/32 scram-sha-256" >>"$PRIMARY_HBA"
  psql_at "$PRIMARY_PORT" "select pg_reload_conf()" >/dev/null
fi

rebuild() {
  echo "making $NAME from a base backup of the primary on port $PRIMARY_PORT" >&2
  if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$NAME"; then
    pg_createcluster "$VERSION" "$NAME" --port "$PORT" >&2
  fi
  if online; then
    pg_ctlcluster "$VERSION" "$NAME" stop -m fast >&2
  fi
  if online; then
    echo "$NAME did not stop: not removing its data" >&2
    exit 1
  fi
  rm -rf "$DATA"
  # -R writes standby.signal and primary_conninfo (with the password) into the copy.
  su postgres -c "PGPASSWORD=civicgrid pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U civicgrid \
    -D $DATA -R -X stream -c fast" >&2
  pg_ctlcluster "$VERSION" "$NAME" start >&2
}

streaming() {
  # Up to 20 seconds for the standby to answer and its WAL receiver to stream.
  for _ in $(seq 1 20); do
    if [ "$(psql_at "$PORT" "select status from pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# Never `rebuild || ...` or `... || rebuild`: errexit does not apply inside a function so called.
if [ ! -f "$DATA/standby.signal" ]; then
  rebuild
elif ! online; then
  pg_ctlcluster "$VERSION" "$NAME" start >&2
fi
PRIMARY_ID="$(psql_at "$PRIMARY_PORT" "select system_identifier from pg_control_system()")"
OK=yes
streaming || OK=no
if [ "$OK" = yes ] && [ "$(psql_at "$PORT" "select system_identifier from pg_control_system()")" != "$PRIMARY_ID" ]; then
  OK=no
fi
if [ "$OK" = no ]; then
  rebuild
  streaming || { echo "$NAME does not stream from the primary: see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2; exit 1; }
fi
echo "postgres://civicgrid:civicgrid@127.0.0.1:$PORT/civicgrid"
