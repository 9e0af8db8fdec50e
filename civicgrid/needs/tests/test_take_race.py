"""Two handlers take the same order at the same moment, each on its own database connection:
exactly one wins and the other is told who has it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, NeedEvent, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Person


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_of_two_simultaneous_takers_exactly_one_wins(round_):
    w = nf.world()
    need = workflow.transition(nf.raise_need(w), Action.DISPATCH, By(w.dispatcher))
    rival = nf.nf.person("A网格员乙", roles=[("grid_worker", w.t["gridA"])])
    takers = [w.grid_worker.pk, rival.pk]
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def take(person_id: int) -> None:
        try:
            person = Person.objects.get(pk=person_id)
            mine = Need.objects.get(pk=need.pk)
            barrier.wait(timeout=10)
            workflow.transition(mine, Action.TAKE, By(person))
            results[person_id] = "won"
        except Conflict as exc:
            results[person_id] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=take, args=(pk,)) for pk in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    winners = [pk for pk, r in results.items() if r == "won"]
    losers = [r for r in results.values() if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner = Person.objects.get(pk=winners[0])
    assert losers[0].code == "already_taken"
    assert winner.name in losers[0].message
    fresh = Need.objects.get(pk=need.pk)
    assert fresh.state == State.TAKEN and fresh.assignee_id == winner.pk
    assert NeedEvent.objects.filter(need=need, action="take").count() == 1
    assert connection.vendor in ("postgresql", "sqlite")
