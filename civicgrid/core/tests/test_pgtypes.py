"""PostgreSQL timestamps are read by psycopg's compiled loader and still come back as
Django's own: aware, in UTC, equal to what was written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from civicgrid.core import pgtypes
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


TIMESTAMPTZ, TEXT = 1184, 0  # PostgreSQL's type oid, psycopg's text format


def test_timestamps_come_back_aware_in_utc_and_equal_to_what_was_written():
    w = nf.world()
    written = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    need = nf.force(nf.raise_need(w), resolve_due=written)
    read = Need.objects.filter(pk=need.pk).values_list("resolve_due", flat=True)[0]
    assert read == written and read.utcoffset() == dt.timedelta(0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT resolve_due FROM needs_need WHERE id = %s", [need.pk])
        (raw,) = cursor.fetchone()
    if connection.vendor == "postgresql":
        # Read by the compiled loader, registered on the connection; Django added none to
        # the cursor (its own would have been, had the time zones differed).
        assert connection.connection.adapters.get_loader(TIMESTAMPTZ, TEXT) is pgtypes._LOADER
        assert raw == written and raw.tzinfo is dt.UTC
    else:
        # SQLite's driver gives naive values; Django's converters make them aware (no loader
        # to register).
        assert pgtypes.use_compiled_timestamptz(None, connection) is None
        assert getattr(raw, "tzinfo", None) is None


def test_the_compiled_loader_is_there():
    """psycopg[binary] is a dependency of both passes: its compiled loader is found."""
    assert pgtypes.COMPILED is not None
    assert pgtypes.COMPILED.__module__.startswith("psycopg_binary")
    assert pgtypes._LOADER is not None
