"""One rule, two forms: `visible_needs` (SQL, for lists) and `may_see` (Python, for one need
fetched by number, `access.access_need`) agree for every kind of caller and every kind of need."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from civicgrid.needs import access
from civicgrid.needs.selectors import may_see, visible_needs
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db


def test_may_see_agrees_with_visible_needs_for_every_caller_and_need():
    w = nf.world()
    needs = [
        nf.raise_need(w),  # in grid A
        nf.raise_need(w, node=w.t["gridC"]),  # in the other town
        nf.force(nf.raise_need(w, node=w.t["gridC"]), assignee=w.handler),
        nf.force(nf.raise_need(w, node=w.t["gridC"]), assignee_org=w.unit),
        nf.force(nf.raise_need(w, node=w.t["gridC"]), consultation=w.committee),
        nf.force(nf.raise_need(w, node=w.t["comm2"]), assignee_org=w.committee),
    ]
    admin = Person.objects.create_superuser(mobile="19900000999", name="管理员", password="x")
    retired = nf.nf.person("已离职", roles=[])
    nf.force(needs[1], assignee=retired)
    retired.is_active = False
    retired.save()
    callers = [
        w.dispatcher,
        w.town_staff,
        w.handler,
        w.unit_member,
        w.grid_worker,
        w.other_grid_worker,
        w.leader,
        w.committee_member,
        w.stranger,
        admin,
        retired,
        AnonymousUser(),
    ]
    seen = 0
    for caller in callers:
        visible = set(visible_needs(caller).values_list("pk", flat=True))
        for need in needs:
            need.refresh_from_db()
            assert may_see(caller, need) == (need.pk in visible), (caller, need.node.name)
            seen += need.pk in visible
    assert 0 < seen < len(callers) * len(needs)  # both answers occur


def test_access_need_answers_404_where_the_rule_says_no():
    w = nf.world()
    need = nf.raise_need(w)
    assert access.access_need(w.dispatcher, need.number).pk == need.pk
    assert access.access_need(w.dispatcher, need.number.lower()).pk == need.pk
    for caller in (w.stranger, AnonymousUser()):
        with pytest.raises(Http404):
            access.access_need(caller, need.number)
    with pytest.raises(Http404):
        access.access_need(w.dispatcher, "NOSUCH00")
