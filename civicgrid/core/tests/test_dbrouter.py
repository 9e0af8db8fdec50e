"""The replica router: figures pages read from "replica" when there is one; writes, and every
other page, use "default"."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicgrid.core.dbrouter import REPLICA, ReplicaRouter, replica_reads
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Node, Person

router = ReplicaRouter()


@pytest.fixture
def replica_alias(transactional_db: None) -> Iterator[None]:
    """A "replica" alias: a second connection to the same (test) database. The test is
    transactional, so what it writes is committed and this connection sees it."""
    connections.settings[REPLICA] = copy.deepcopy(connections["default"].settings_dict)
    # Connected here: Django's test case refuses to open connections to aliases the test did
    # not declare, and this alias did not exist when the test case was set up.
    connections[REPLICA].connect()
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def test_without_a_replica_everything_reads_and_writes_default():
    assert REPLICA not in connections.settings
    with replica_reads():
        assert router.db_for_read(Need) == "default"
        assert router.db_for_write(Need) == "default"


def test_with_a_replica_only_reads_inside_the_scope_go_there(replica_alias):
    assert router.db_for_read(Need) == "default"
    with replica_reads():
        assert router.db_for_read(Need) == REPLICA
        assert router.db_for_read(Node) == REPLICA
        assert router.db_for_write(Need) == "default"
        with transaction.atomic():
            # A transaction on the primary must read its own writes.
            assert router.db_for_read(Need) == "default"
    assert router.db_for_read(Need) == "default"


def test_the_scope_belongs_to_one_thread(replica_alias):
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


def test_dashboard_and_ledger_read_the_replica_and_write_the_primary(replica_alias):
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


def test_the_public_page_reads_the_replica_and_writes_its_cache_on_the_primary(replica_alias):
    nf.world()
    primary, replica, _ = _request(Client(), "/public/")
    assert "network_node" in _tables(replica)
    # The figures are cached: the cache table is read and written on the primary only.
    assert any("civicgrid_cache" in sql for sql in _writes(primary))
    assert "civicgrid_cache" not in _tables(replica)
    assert not _writes(replica)


def test_other_pages_read_the_primary(replica_alias):
    w = nf.world()
    need = nf.raise_need(w, node=w.t["gridA"], description="A网格的坑")
    client = Client()
    client.force_login(w.dispatcher)
    primary, replica, _ = _request(client, f"/console/needs/{need.number}/")
    assert "needs_need" in _tables(primary)
    assert not replica.captured_queries
    assert Person.objects.db_manager(REPLICA).filter(pk=w.dispatcher.pk).exists()
