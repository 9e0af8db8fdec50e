"""A notice about something already done is marked read: the bell counts what still waits
(issue 14: 24 unread "new need" notices where 6 needs waited)."""

from __future__ import annotations

import pytest

from civicgrid.core.models import Notification
from civicgrid.needs import workflow
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db


def unread(person: Person, need: Need) -> set[str]:
    rows = person.notifications.filter(url=f"/console/needs/{need.number}/", read_at__isnull=True)
    return set(rows.values_list("kind", flat=True))


def test_notices_are_settled_as_the_need_moves_on(settings):
    settings.INTAKE_FOLLOW_UP = "inline"
    w = nf.world()
    first, second = nf.raise_need(w), nf.raise_need(w)
    assert unread(w.dispatcher, first) == {"need_new"} == unread(w.dispatcher, second)

    # Accepting the first settles its "new need" notice only.
    first = workflow.need_accept(need=first, by=By(w.dispatcher))
    assert unread(w.dispatcher, first) == set()
    assert unread(w.dispatcher, second) == {"need_new"}

    # An undirected order tells the grid's workers; one takes it: settled for all of them.
    first = workflow.need_dispatch(need=first, by=By(w.dispatcher))
    assert unread(w.grid_worker, first) == {"need_available"}
    first = workflow.need_take(need=first, by=By(w.grid_worker))
    assert unread(w.grid_worker, first) == set()

    # Closing a need settles whatever is left about it; what was already read stays as read.
    about_second = Notification.objects.filter(url=f"/console/needs/{second.number}/")
    waiting = about_second.filter(read_at__isnull=True).count()
    read_before = Notification.objects.filter(read_at__isnull=False).count()
    workflow.need_reject(need=second, by=By(w.dispatcher), reason="不属于社区办理范围")
    assert waiting >= 2 and not about_second.filter(read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=False).count() == read_before + waiting
    # The notices themselves are kept: the inbox still lists them, read.
    assert w.dispatcher.notifications.filter(url__contains=second.number).exists()


def test_a_need_accepted_before_the_worker_follows_it_up_brings_no_new_need_notice():
    # Production follows a raised need up from the worker a moment later (INTAKE_FOLLOW_UP):
    # a dispatcher who accepted it first must not find a "new need" notice about it.
    w = nf.world()
    accepted, waiting = nf.raise_need(w), nf.raise_need(w)
    workflow.need_accept(need=accepted, by=By(w.dispatcher))
    nf.follow_up()  # the worker, a moment late
    assert unread(w.dispatcher, accepted) == set()
    assert unread(w.dispatcher, waiting) == {"need_new"}
    # Its counts are followed up all the same.
    assert not Need.objects.filter(awaiting_follow_up=True).exists()
