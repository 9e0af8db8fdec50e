"""The replica router: figures pages read from "replica" when there is one, a healthy one, and
the client has not just written; writes, and every other page, use "default". Here the replica
is a second connection to the test database, or a fake health; test_standby.py has the real
standby."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicgrid.core import dbrouter
from civicgrid.core.dbrouter import (
    PIN_COOKIE,
    REPLICA,
    ReadYourWrites,
    ReplicaHealth,
    ReplicaRouter,
    primary_reads,
    replica_reads,
)
from civicgrid.core.tests.replicas import closed_port, replica_alias
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Node, Person

router = ReplicaRouter()


@pytest.fixture
def second_connection(transactional_db: None) -> Iterator[None]:
    """A "replica" alias: a second connection to the same (test) database. The test is
    transactional, so what it writes is committed and this connection sees it."""
    with replica_alias(connect=True):
        yield


def test_without_a_replica_everything_reads_and_writes_default():
    assert REPLICA not in connections.settings
    with replica_reads():
        assert router.db_for_read(Need) == "default"
        assert router.db_for_write(Need) == "default"


def test_with_a_replica_only_reads_inside_the_scope_go_there(second_connection):
    assert router.db_for_read(Need) == "default"
    with replica_reads():
        assert router.db_for_read(Need) == REPLICA
        assert router.db_for_read(Node) == REPLICA
        assert router.db_for_write(Need) == "default"
        with transaction.atomic():
            # A transaction on the primary must read its own writes.
            assert router.db_for_read(Need) == "default"
    assert router.db_for_read(Need) == "default"


def test_sessions_are_read_on_the_primary_even_inside_the_scope(second_connection):
    # A login or a logout of a moment ago must hold on the replica's pages too.
    with replica_reads():
        assert router.db_for_read(Session) == "default"


def test_the_scope_belongs_to_one_thread(second_connection):
    seen: list[str] = []
    with replica_reads():
        thread = threading.Thread(target=lambda: seen.append(router.db_for_read(Need)))
        thread.start()
        thread.join()
        assert router.db_for_read(Need) == REPLICA
    assert seen == ["default"]


def test_migrations_and_relations():
    assert router.allow_migrate("default", "needs")
    assert not router.allow_migrate(REPLICA, "needs")
    assert router.allow_relation(object(), object())


def _writes(queries: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(verbs)
    ]


def _tables(queries: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


def _request(
    client: Client, url: str
) -> tuple[CaptureQueriesContext, CaptureQueriesContext, bytes]:
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response: Any = client.get(url)  # a FileResponse streams
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return primary, replica, body


def test_dashboard_and_ledger_read_the_replica_and_write_the_primary(second_connection):
    w = nf.world()
    nf.raise_need(w, node=w.t["gridA"], description="A网格的坑")
    client = Client()
    client.force_login(w.dispatcher)

    primary, replica, _ = _request(client, f"/dashboard/?node={w.t['comm1'].pk}")
    assert "insights_" in _tables(replica)  # the rollups come from the replica
    assert "django_session" in _tables(primary)  # who is asking: the primary
    assert "insights_" not in _tables(primary)
    assert not _writes(replica)

    primary, replica, body = _request(client, "/dashboard/ledgers/needs.xlsx")
    assert body.startswith(b"PK")
    assert "needs_need" in _tables(replica)
    assert "needs_need" not in _tables(primary)
    assert not _writes(replica)


def test_the_public_page_reads_the_replica_and_writes_its_cache_on_the_primary(second_connection):
    nf.world()
    primary, replica, _ = _request(Client(), "/public/")
    assert "network_node" in _tables(replica)
    # The figures are cached: the cache table is read and written on the primary only.
    assert any("civicgrid_cache" in sql for sql in _writes(primary))
    assert "civicgrid_cache" not in _tables(replica)
    assert not _writes(replica)


def test_other_pages_read_the_primary(second_connection):
    w = nf.world()
    need = nf.raise_need(w, node=w.t["gridA"], description="A网格的坑")
    client = Client()
    client.force_login(w.dispatcher)
    primary, replica, _ = _request(client, f"/console/needs/{need.number}/")
    assert "needs_need" in _tables(primary)
    assert not replica.captured_queries
    assert Person.objects.db_manager(REPLICA).filter(pk=w.dispatcher.pk).exists()


# --- Read your writes ---------------------------------------------------------------------


def test_a_client_that_wrote_reads_the_primary_until_its_pin_runs_out(second_connection, settings):
    settings.REPLICA_PIN_SECONDS = 10
    w = nf.world()
    resident = Client()
    raised = resident.post(
        "/raise/roads/",
        {
            "description": "路面塌了一个坑，车过不去",
            "answer_passable": "no",
            "answer_length_m": "12",
            "place": w.t["gridA"].code,
            "contact_phone": "13912345678",
        },
    )
    assert raised.status_code == 302
    number = raised["Location"].split("/")[3]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        primary, replica, _ = _request(resident, f"/track/{number}/")
        assert "needs_need" in _tables(primary)
        assert not replica.captured_queries
        # Another client, who wrote nothing, reads the replica.
        primary, replica, _ = _request(Client(), f"/track/{number}/")
        assert "needs_need" in _tables(replica)
        assert "needs_need" not in _tables(primary)
        clock.shift(11)
        primary, replica, _ = _request(resident, f"/track/{number}/")
        assert "needs_need" in _tables(replica)
        assert "needs_need" not in _tables(primary)


def _pass_through(request: HttpRequest) -> HttpResponse:
    """A view that says where a read in a replica_reads scope would go."""
    with replica_reads():
        return HttpResponse(router.db_for_read(Need))


def _pinning(request: HttpRequest) -> HttpResponse:
    return ReadYourWrites(_pass_through)(request)


def test_writes_set_a_signed_pin_and_reads_honour_only_a_valid_one(second_connection, settings):
    settings.REPLICA_PIN_SECONDS = 7
    factory = RequestFactory()
    read = _pinning(factory.get("/"))
    assert read.content == b"replica"
    assert PIN_COOKIE not in read.cookies
    for method in ("post", "put", "patch", "delete"):
        wrote = _pinning(getattr(factory, method)("/"))
        assert wrote.content == b"default", method  # the write's own reads: the primary
        cookie = wrote.cookies[PIN_COOKIE]
        assert cookie["max-age"] == 7
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
    pinned = factory.get("/")
    pinned.COOKIES[PIN_COOKIE] = cookie.value
    assert _pinning(pinned).content == b"default"
    forged = factory.get("/")
    forged.COOKIES[PIN_COOKIE] = "1"
    assert _pinning(forged).content == b"replica"
    # The signature carries its time: the server, not the browser, decides it ran out.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=8)):
        assert _pinning(pinned).content == b"replica"


def test_without_a_replica_a_write_sets_no_cookie():
    assert REPLICA not in connections.settings
    response = _pinning(RequestFactory().post("/"))
    assert response.content == b"default"
    assert PIN_COOKIE not in response.cookies


def test_the_pin_belongs_to_its_scope(second_connection):
    with replica_reads():
        with primary_reads():
            assert router.db_for_read(Need) == "default"
            seen: list[str] = []

            def elsewhere() -> None:
                with replica_reads():
                    seen.append(router.db_for_read(Need))

            thread = threading.Thread(target=elsewhere)
            thread.start()
            thread.join()
            assert seen == [REPLICA]
        assert router.db_for_read(Need) == REPLICA


# --- Health ------------------------------------------------------------------------------


def test_health_is_measured_at_most_every_few_seconds_per_process(monkeypatch, settings):
    settings.REPLICA_CHECK_SECONDS = 5
    now = [100.0]
    measured: list[float] = []

    def measure() -> ReplicaHealth:
        measured.append(now[0])
        return ReplicaHealth("ok", 0.0)

    monkeypatch.setattr(dbrouter, "clock", lambda: now[0])
    monkeypatch.setattr(dbrouter, "measure_replica", measure)
    for step in (0, 1, 2, 1.9):  # 100, 101, 103, 104.9
        now[0] += step
        assert dbrouter.replica_health().usable
    assert measured == [100.0]
    now[0] = 105.0
    dbrouter.replica_health()
    dbrouter.replica_health()
    assert measured == [100.0, 105.0]


@pytest.mark.parametrize(
    ("health", "reads"),
    [
        (ReplicaHealth("ok", 0.4), REPLICA),
        (ReplicaHealth("lagging", 42.0), "default"),
        (ReplicaHealth("down"), "default"),
    ],
)
def test_a_replica_that_lags_or_is_down_is_left_aside_and_healthz_says_so(
    second_connection, monkeypatch, health, reads
):
    monkeypatch.setattr(dbrouter, "measure_replica", lambda: health)
    with replica_reads():
        assert router.db_for_read(Need) == reads
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert (body["replica"], body["replica_lag"]) == (health.state, health.lag)


def test_healthz_says_nothing_of_a_replica_there_is_not():
    body = Client().get("/healthz").json()
    assert "replica" not in body


def test_measuring_a_replica_that_answers(second_connection, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    # A second connection to the primary: not in recovery, so no lag.
    assert dbrouter.measure_replica() == ReplicaHealth("ok", 0.0)
    settings.REPLICA_MAX_LAG_SECONDS = -1  # any lag is too much
    assert dbrouter.measure_replica() == ReplicaHealth("lagging", 0.0)


def test_measuring_a_replica_that_cannot_be_reached(transactional_db, tmp_path):
    sqlite = connections["default"].settings_dict["ENGINE"].endswith("sqlite3")
    where = (
        {"NAME": str(tmp_path / "no-such-folder" / "replica.sqlite3")}
        if sqlite
        else {"HOST": "127.0.0.1", "PORT": closed_port()}
    )
    with replica_alias(connect=False, **where):
        assert dbrouter.measure_replica() == ReplicaHealth("down")
        with replica_reads():
            assert router.db_for_read(Need) == "default"
        assert Client().get("/healthz").json()["replica"] == "down"
