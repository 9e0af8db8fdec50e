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


@pytest.fixture
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's dates are read by Django's converters")


def test_timestamps_are_read_by_the_compiled_loader_as_aware_utc(postgresql):
    w = nf.world()
    written = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    need = nf.force(nf.raise_need(w), resolve_due=written)
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is pgtypes._LOADER, "the compiled loader is not registered"
    with connection.cursor() as cursor:
        assert cursor.adapters.get_loader(1184, 0) is pgtypes._LOADER  # Django added none
        cursor.execute("SELECT resolve_due, created_at FROM needs_need WHERE id = %s", [need.pk])
        resolve_due, created_at = cursor.fetchone()
    assert resolve_due == written and resolve_due.tzinfo is dt.UTC
    assert created_at == Need.objects.get(pk=need.pk).created_at
    assert Need.objects.filter(pk=need.pk).values_list("resolve_due", flat=True)[0] == written


def test_the_loader_is_the_compiled_one(postgresql):
    assert pgtypes.COMPILED is not None, "psycopg[binary] is a dependency: its loader is there"
    assert pgtypes.COMPILED.__module__.startswith("psycopg_binary")
