"""Rate limits count in the shared cache and say how long to wait."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from civicgrid.core.models import RateCounter
from civicgrid.core.ratelimit import client_ip, hit, prune

pytestmark = pytest.mark.django_db


def test_requests_over_the_limit_are_told_how_long_to_wait():
    cache.clear()
    with time_machine.travel(1_800_000_010, tick=False):
        assert [hit("t", "1.2.3.4", limit=3, per=60) for _ in range(3)] == [0, 0, 0]
        wait = hit("t", "1.2.3.4", limit=3, per=60)
        assert 1 <= wait <= 60
        assert hit("t", "5.6.7.8", limit=3, per=60) == 0  # someone else
    with time_machine.travel(1_800_000_075, tick=False):
        assert hit("t", "1.2.3.4", limit=3, per=60) == 0  # a new window


def test_the_cache_is_the_database_table_every_process_shares():
    from django.conf import settings

    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    cache.set("shared", 1)
    assert cache.get("shared") == 1


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_last_forwarded_address():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.0.7", REMOTE_ADDR="127.0.0.1"
    )
    assert client_ip(request) == "10.0.0.7"


def test_without_a_proxy_forwarded_headers_are_ignored():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="9.9.9.9", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "127.0.0.1"


def test_one_counter_row_per_client_counted_by_one_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(1_800_000_010, tick=False):
        hit("t", "1.2.3.4", limit=3, per=60)
        with CaptureQueriesContext(connection) as captured:
            hit("t", "1.2.3.4", limit=3, per=60)
    assert len(captured) == 1
    assert RateCounter.objects.get(key="t:1.2.3.4").count == 2


def test_old_counters_are_pruned_and_the_current_ones_kept():
    with time_machine.travel(1_800_000_010, tick=False):
        hit("t", "old", limit=3, per=60)
    with time_machine.travel(1_800_003_700, tick=False):
        hit("t", "new", limit=3, per=60)
        assert prune() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["t:new"]
