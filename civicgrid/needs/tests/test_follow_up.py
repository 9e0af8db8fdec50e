"""The worker's part of intake (INTAKE_FOLLOW_UP="worker"): a raised need is saved with its
event at once; its dispatchers are told and it is counted when the worker follows it up, once,
whatever happened to it in between."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from civicgrid.core.models import Notification
from civicgrid.insights.tests.checks import actual_rollups, expected_rollups
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_worker_kill import start_worker
from civicgrid.needs.workflow import Action, By

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def later(settings):
    settings.INTAKE_FOLLOW_UP = "worker"


def new_need_messages() -> list[tuple[int, str]]:
    rows = Notification.objects.filter(kind="need_new").values_list("recipient_id", "url")
    return sorted(rows)


def test_a_raised_need_waits_for_the_worker_then_is_told_and_counted_once():
    w = nf.world()
    before = actual_rollups()
    need = nf.raise_need(w)
    assert need.awaiting_follow_up and need.state == State.SUBMITTED
    assert new_need_messages() == []
    assert actual_rollups() == before == expected_rollups()  # not counted yet, and it knows

    assert workflow.follow_up_pending() == 1
    url = f"/console/needs/{need.number}/"
    # Those who may accept it: the community's staff and, above them, the town's.
    told = sorted([(w.dispatcher.pk, url), (w.town_staff.pk, url)])
    assert new_need_messages() == told
    assert actual_rollups() == expected_rollups() != before
    assert not Need.objects.get(pk=need.pk).awaiting_follow_up

    assert workflow.follow_up_pending() == 0  # nothing twice
    assert new_need_messages() == told


def test_moves_before_the_follow_up_are_counted_once_each():
    w = nf.world()
    need = nf.raise_need(w)
    need = workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    need = workflow.transition(need, Action.TAKE, By(w.grid_worker))
    need = workflow.transition(need, Action.RESOLVE, By(w.grid_worker), reason="填平了")
    assert actual_rollups() == expected_rollups()  # the moves counted, the raise not yet
    workflow.follow_up_pending()
    assert actual_rollups() == expected_rollups()


def test_a_batch_is_a_few_statements_whatever_its_size():
    w = nf.world()
    places = ["gridA", "gridB", "gridC", "comm1"]

    def statements(count: int) -> int:
        for i in range(count):
            nf.raise_need(w, node=w.t[places[i % len(places)]])
        with CaptureQueriesContext(connection) as captured:
            assert workflow.follow_up_pending() == count
        return len(captured)

    statements(1)  # the per-process caches filled
    assert statements(2) == statements(12)
    assert actual_rollups() == expected_rollups()
    # Town 1's 12 needs tell its community's and its town's staff, grid C's 3 the staff of
    # community 2 (town 2 has none).
    assert Notification.objects.filter(kind="need_new").count() == 12 * 2 + 3


def test_small_batches_follow_up_everything():
    w = nf.world()
    for _i in range(5):
        nf.raise_need(w)
    assert workflow.follow_up_pending(batch=2) == 5
    assert Need.objects.filter(awaiting_follow_up=True).count() == 0
    assert actual_rollups() == expected_rollups()


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_follows_up_on_every_poll(tmp_path):
    w = nf.world()
    need = nf.raise_need(w)
    worker = start_worker(tmp_path / "outbox", "--once")  # the real `civicgrid worker`
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err.decode()[-2000:]
    assert not Need.objects.get(pk=need.pk).awaiting_follow_up
    url = f"/console/needs/{need.number}/"
    assert new_need_messages() == sorted([(w.dispatcher.pk, url), (w.town_staff.pk, url)])
    # The same poll delivered it through the external backend.
    assert need.number in (tmp_path / "outbox").read_text()


def test_inline_needs_no_worker(settings):
    settings.INTAKE_FOLLOW_UP = "inline"
    w = nf.world()
    need = nf.raise_need(w)
    assert not need.awaiting_follow_up
    url = f"/console/needs/{need.number}/"
    assert new_need_messages() == sorted([(w.dispatcher.pk, url), (w.town_staff.pk, url)])
    assert actual_rollups() == expected_rollups()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_follow_each_need_up_once():
    w = nf.world()
    for i in range(40):
        nf.raise_need(w, node=w.t[["gridA", "gridB", "gridC"][i % 3]])
    barrier = threading.Barrier(2)
    done: list[int] = []
    failed: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            done.append(workflow.follow_up_pending(batch=5))
        except BaseException as exc:
            failed.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failed, failed
    assert sum(done) == 40
    # Grids A and B's 27 needs tell two people each (community and town staff), grid C's 13
    # one: each need's dispatchers once.
    assert Notification.objects.filter(kind="need_new").count() == 27 * 2 + 13
    assert actual_rollups() == expected_rollups()
