"""The replica against a real streaming standby (scripts/test-postgres-standby.sh): the figures
pages, Open311's lists and the tracking page read there; a client that has just written reads
the primary; a standby that lags or is down is left aside, and /healthz says so.

Collected only where CIVICGRID_TEST_STANDBY_URL names a standby of the test database's cluster
(the PostgreSQL pass of scripts/test.sh; conftest.py leaves the module out elsewhere, rather
than skipping it). A standby sees only what the primary committed: the tests
are transactional, and wait for the standby to replay what they wrote before reading it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import dj_database_url
import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicgrid.core import dbrouter
from civicgrid.core.dbrouter import REPLICA
from civicgrid.core.tests.replicas import closed_port, replica_alias
from civicgrid.needs import services, workflow
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_resident_views import form_data, raise_url
from civicgrid.open311.tests.helpers import url as open311

STANDBY_URL = os.environ.get("CIVICGRID_TEST_STANDBY_URL", "")
# How long the standby may take to replay what a test wrote.
REPLAY_TIMEOUT = 15.0


@pytest.fixture
def standby(transactional_db: None) -> Iterator[None]:
    if not STANDBY_URL:
        pytest.fail("Set CIVICGRID_TEST_STANDBY_URL (scripts/test-postgres-standby.sh prints it).")
    parsed = dj_database_url.parse(STANDBY_URL)
    # The test database's name (test_civicgrid, which the standby copies from the primary by
    # replication) and the primary's role, on the standby's host and port. The cache table
    # outlives a transactional test's flush: figures another test cached would be served
    # without a read.
    cache.clear()
    with replica_alias(HOST=parsed["HOST"], PORT=parsed["PORT"], connect=True):
        yield


@pytest.fixture
def nothing_listening(transactional_db: None) -> Iterator[None]:
    """The "replica" alias on a local port nothing listens on: a standby that is down."""
    cache.clear()
    with replica_alias(HOST="127.0.0.1", PORT=closed_port(), connect=False):
        yield


def _one(alias: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + REPLAY_TIMEOUT
    while not done():
        assert time.monotonic() < deadline, f"the standby did not {what} in {REPLAY_TIMEOUT} s"
        time.sleep(0.05)


def _replayed() -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = _one("default", "SELECT pg_current_wal_lsn()")
    _until(
        lambda: _one(REPLICA, "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", (lsn,)),
        "replay the primary's writes",
    )


def _pause_replay() -> None:
    _one(REPLICA, "SELECT pg_wal_replay_pause()::text")
    _until(
        lambda: _one(REPLICA, "SELECT pg_get_wal_replay_pause_state()") == "paused",
        "pause its replay",
    )


def _resume_replay() -> None:
    _one(REPLICA, "SELECT pg_wal_replay_resume()::text")


def _tables(queries: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


def _get(client: Client, url: str) -> tuple[str, str, Any]:
    """GET `url`; the SQL it ran on the primary and on the replica, and the response."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response: Any = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            response.content_bytes = b"".join(response.streaming_content)
    return _tables(primary), _tables(replica), response


def _number(response: Any) -> str:
    """The need's number from the receipt a raise redirects to."""
    assert response.status_code == 302, response.content.decode()[:500]
    match = re.search(r"/raise/done/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_the_replica_alias_is_a_standby_that_replays_the_test_database(standby):
    assert _one(REPLICA, "SELECT pg_is_in_recovery()") is True
    assert _one("default", "SELECT pg_is_in_recovery()") is False
    assert (
        _one(REPLICA, "SELECT current_database()") == connections["default"].settings_dict["NAME"]
    )
    nf.world()
    _replayed()
    body = Client().get("/healthz").json()
    assert body["replica"] == "ok"
    assert body["replica_lag"] == 0


def test_figures_open311_lists_and_the_tracking_page_read_the_standby(standby):
    w = nf.world()
    need = nf.raise_need(w, description="A网格的坑")
    services.need_publish(need=need, by=workflow.By(w.dispatcher))
    nf.follow_up()
    staff = Client()
    staff.force_login(w.dispatcher)
    _replayed()

    pages: list[tuple[Client, str, str]] = [
        (staff, f"/dashboard/?node={w.t['comm1'].pk}", "insights_"),
        (staff, "/dashboard/ledgers/needs.xlsx", "needs_need"),
        (Client(), "/public/", "network_node"),
        (Client(), open311("services.json"), "needs_categoryquestion"),
        (Client(), open311("services/roads.xml"), "needs_categoryquestion"),
        (Client(), open311("requests.json"), "needs_need"),
        (Client(), open311(f"requests/{need.number}.json"), "needs_need"),
        (Client(), open311("servicerequestupdates.json"), "needs_needevent"),
        (Client(), f"/track/{need.number}/", "needs_need"),
    ]
    for client, url, table in pages:
        primary, replica, _ = _get(client, url)
        assert table in replica, url
        assert table not in primary, url
    # The connection those reads went through is the standby's.
    assert _one(REPLICA, "SELECT pg_is_in_recovery()") is True


def test_a_resident_sees_the_need_just_raised_while_the_standby_has_not_replayed_it(
    standby, settings
):
    settings.REPLICA_MAX_LAG_SECONDS = 3600  # the paused standby still counts as usable
    w = nf.world()
    _replayed()
    _pause_replay()
    try:
        resident = Client()
        number = _number(resident.post(raise_url(), form_data(w)))
        # The resident wrote a moment ago: their reads go to the primary.
        assert resident.get(f"/track/{number}/").status_code == 200
        assert resident.get(open311(f"requests/{number}.json")).status_code == 200
        # Anyone else reads the standby, which has not replayed the new need yet.
        stranger = Client()
        assert stranger.get(f"/track/{number}/").status_code == 404
        assert stranger.get(open311(f"requests/{number}.json")).status_code == 404
    finally:
        _resume_replay()
    _replayed()
    assert stranger.get(f"/track/{number}/").status_code == 200


def test_a_lagging_standby_is_left_aside_and_healthz_says_so(standby, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    settings.REPLICA_CHECK_SECONDS = 60  # measured when the test says, below
    w = nf.world()
    nf.raise_need(w, description="第一个")
    _replayed()
    _pause_replay()
    try:
        later = nf.raise_need(w, description="第二个")

        def health() -> Any:
            dbrouter.forget_replica_health()
            response = Client().get("/healthz")
            assert response.status_code == 200
            return response.json()

        # Received, not replayed: the lag is the age of the last commit replayed, which grows.
        _until(lambda: health()["replica"] == "lagging", "fall behind")
        body = health()
        assert body["status"] == "ok"
        assert body["replica"] == "lagging"
        assert body["replica_lag"] >= 1
        # This process keeps what it measured: the reads go to the primary, which has the
        # need the standby has not replayed.
        primary, replica, response = _get(Client(), open311("requests.json"))
        assert "needs_need" in primary
        assert not replica
        assert later.number in response.content.decode()
    finally:
        _resume_replay()


def test_a_standby_that_is_down_is_left_aside_and_healthz_says_so(nothing_listening):
    w = nf.world()
    nf.raise_need(w)
    health = Client().get("/healthz")
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "database": "postgresql",
        "replica": "down",
        "replica_lag": None,
    }
    for url, table in (("/public/", "network_node"), (open311("requests.json"), "needs_need")):
        with CaptureQueriesContext(connections["default"]) as primary:
            assert Client().get(url).status_code == 200, url
        assert table in _tables(primary), url
    # Nothing tried the replica's connection (only the health check's own, which failed).
    assert connections[REPLICA].connection is None
