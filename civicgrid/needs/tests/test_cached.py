"""The per-process caches intake reads (needs/cached.py): a change made here is seen at once,
a change that sends no signal (another process, `QuerySet.update()`) within the TTL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.needs import cached, deadlines, services, workflow
from civicgrid.needs.models import Category, CategoryDeadline, Channel, Need, Priority
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Role, RoleBinding
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("follow_up", ["inline", "worker"])
def test_a_second_intake_reads_no_category_deadline_or_dispatcher_rows(settings, follow_up):
    settings.INTAKE_FOLLOW_UP = follow_up
    w = nf.world()

    def intake() -> Need:
        # What the resident page, the API and Open311 do: the category from the cache.
        category = cached.category_by_code("roads")
        assert category is not None
        return services.need_raise(
            by=workflow.RESIDENT,
            category=category,
            description="路灯坏了",
            channel=Channel.WEB,
            node=w.t["gridA"],
            contact_phone="13912345678",
            answers={"passable": "no"},
        )

    intake()
    nf.follow_up()  # the worker's part, when it is the worker's (a no-op inline)
    with CaptureQueriesContext(connection) as queries:
        need = intake()
        nf.follow_up()
    reads = " ".join(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    for table in ("needs_category", "needs_categoryquestion", "needs_categorydeadline"):
        assert f'FROM "{table}"' not in reads
    assert 'FROM "network_rolebinding"' not in reads
    assert need.owner_node == w.t["comm1"]
    assert w.dispatcher.notifications.filter(kind="need_new").count() == 2


def test_a_saved_change_is_seen_at_once():
    w = nf.world()
    category = cached.category_by_code("roads")
    assert category is not None
    limits = deadlines.limits_for(category, Priority.NORMAL)
    row = CategoryDeadline.objects.get(category=category, priority=Priority.NORMAL)
    row.response_minutes = limits.response_minutes + 7
    row.resolve_minutes = max(row.resolve_minutes, row.response_minutes)
    row.save()
    assert deadlines.limits_for(category, Priority.NORMAL).response_minutes == row.response_minutes

    newcomer = netf.person("新干部")
    RoleBinding.objects.create(person=newcomer, role=Role.COMMUNITY_STAFF, node=w.t["comm1"])
    assert newcomer in cached.dispatchers_of(w.t["gridA"])

    roads = Category.objects.get(code="roads")
    roads.is_active = False
    roads.save()
    assert cached.category_by_code("roads") is None


def test_a_change_without_a_signal_is_seen_after_the_ttl(settings):
    nf.ensure_seed()
    assert cached.category_by_code("roads") is not None
    Category.objects.filter(code="roads").update(is_active=False)  # no signal
    assert cached.category_by_code("roads") is not None  # still trusted within the TTL
    settings.LOCAL_CACHE_TTL = 0
    assert cached.category_by_code("roads") is None
