"""A comment racing a transition, each on its own database connection: both are numbered, one
after the other (the comment takes the need's row lock as the commands do), and neither fails
on the unique (need, seq). The integrator runs this on PostgreSQL too."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need, NeedEvent
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_comment_racing_a_transition_is_numbered_after_it(round_):
    w = nf.world()
    need = nf.raise_need(w)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(job: str) -> None:
        try:
            person = Person.objects.get(pk=w.dispatcher.pk)
            mine = Need.objects.get(pk=need.pk)
            barrier.wait(timeout=10)
            if job == "accept":
                workflow.need_accept(need=mine, by=By(person))
            else:
                services.need_comment(need=mine, by=By(person), text="电话联系了居民")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in ("accept", "comment")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    seqs = list(NeedEvent.objects.filter(need=need).order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2, 3]
    actions = set(NeedEvent.objects.filter(need=need, seq__gt=1).values_list("action", flat=True))
    assert actions == {"accept", "comment"}
