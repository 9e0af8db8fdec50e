"""No double booking, as a rule of the database (docs/services.md).

A live appointment holds its seat of the service from its start to its end, and a room booking
waiting or approved holds its room: a second one that overlaps is refused by the database
however many app processes write at once.

- PostgreSQL: exclusion constraints over the time range (`btree_gist` lets the ids join the
  GiST index; it is a trusted extension, so the database's owner may create it).
- SQLite: triggers that refuse an overlapping row before it is written. SQLite lets one writer
  in at a time, so the check and the write cannot interleave with another's.

Both raise an IntegrityError naming the constraint (`booking_no_overlap`,
`roombooking_no_overlap`), which `services.guard` turns into a clear refusal.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

BOOKING_STATES = "('booked', 'confirmed', 'done')"
ROOM_STATES = "('requested', 'approved')"

POSTGRES = [
    f"""ALTER TABLE services_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
        service_id WITH =, seat WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (state IN {BOOKING_STATES})""",
    f"""ALTER TABLE services_roombooking ADD CONSTRAINT roombooking_no_overlap EXCLUDE USING gist (
        room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (state IN {ROOM_STATES})""",
]
POSTGRES_BACK = [
    "ALTER TABLE services_booking DROP CONSTRAINT booking_no_overlap",
    "ALTER TABLE services_roombooking DROP CONSTRAINT roombooking_no_overlap",
]


def _sqlite_trigger(name: str, table: str, when: str, same: str, states: str) -> str:
    # RAISE(ABORT, …) with this message becomes sqlite3.IntegrityError (SQLITE_CONSTRAINT).
    return f"""CREATE TRIGGER {name}_{when.split()[0].lower()} BEFORE {when} ON {table}
    FOR EACH ROW WHEN NEW.state IN {states} AND EXISTS (
        SELECT 1 FROM {table} AS other
        WHERE {same} AND other.id IS NOT NEW.id AND other.state IN {states}
        AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"""


BOOKING_SAME = "other.service_id = NEW.service_id AND other.seat = NEW.seat"
ROOM_SAME = "other.room_id = NEW.room_id"
SQLITE = [
    _sqlite_trigger("booking_no_overlap", "services_booking", w, BOOKING_SAME, BOOKING_STATES)
    for w in ("INSERT", "UPDATE OF service_id, seat, starts_at, ends_at, state")
] + [
    _sqlite_trigger("roombooking_no_overlap", "services_roombooking", w, ROOM_SAME, ROOM_STATES)
    for w in ("INSERT", "UPDATE OF room_id, starts_at, ends_at, state")
]
SQLITE_BACK = [
    f"DROP TRIGGER {n}_{w}"
    for n in ("booking_no_overlap", "roombooking_no_overlap")
    for w in ("insert", "update")
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACK, "sqlite": SQLITE_BACK}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("services", "0001_catalogue_bookings_rooms_rota")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
