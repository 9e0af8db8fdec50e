"""Shared pytest fixtures. Browser fixtures live in tests/browser/conftest.py."""

from __future__ import annotations

import os

import pytest

from civicgrid.core.dbrouter import forget_replica_health
from civicgrid.core.localcache import forget
from civicgrid.network.geo import forget_grid_index


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    # The grid index is cached per process; tests create and drop polygons freely.
    forget_grid_index()
    forget()  # the per-process caches of categories, calendar and network (core/localcache)
    forget_replica_health()  # tests make and unmake replicas
    yield
    forget_grid_index()
    forget()
    forget_replica_health()


# The tests against a real standby need one (the PostgreSQL pass of scripts/test.sh makes it and
# sets the variable); elsewhere they are not collected at all, rather than shown as skipped.
collect_ignore = (
    [] if os.environ.get("CIVICGRID_TEST_STANDBY_URL") else ["civicgrid/core/tests/test_standby.py"]
)


@pytest.fixture
def mongolian(client):
    """The test client reading in traditional Mongolian (the language cookie a resident's
    choice sets): every resident page's Mongolian test uses it."""
    from django.conf import settings

    from civicgrid.needs.tests.test_mongolian_pages import MN

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = MN
    return client
