"""The REST list's first page is read by a statement built once per shape; it holds the
same needs, in the same order, with the same cursor, as the page the ORM reads by the rule
(`visible_needs`), for every kind of caller."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicgrid.api import selectors
from civicgrid.needs.selectors import visible_needs
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person, Role

pytestmark = pytest.mark.django_db


def test_the_first_page_is_the_rules_page_for_every_caller(w):
    for node in ("gridA", "gridA", "gridB", "gridC", "gridC", "comm2"):
        nf.raise_need(w, node=w.t[node])
    nf.force(nf.raise_need(w, node=w.t["gridC"]), assignee=w.handler)
    nf.force(nf.raise_need(w, node=w.t["gridC"]), assignee_org=w.unit)
    nf.force(nf.raise_need(w, node=w.t["gridC"]), consultation=w.committee)
    two_places = nf.nf.person(
        "两处干部",
        roles=[(Role.COMMUNITY_STAFF, w.t["comm1"]), (Role.GRID_WORKER, w.t["gridC"])],
    )
    admin = Person.objects.create_superuser(mobile="19900000999", name="管理员", password="x")
    callers = [
        w.dispatcher,
        w.town_staff,
        w.handler,
        w.unit_member,
        w.grid_worker,
        w.leader,
        w.committee_member,
        w.stranger,
        two_places,
        admin,
        AnonymousUser(),
    ]
    lengths = set()
    for caller in callers:
        for limit in (2, 50):
            expected = selectors.need_page(visible_needs(caller), cursor=None, limit=limit)
            assert selectors.first_page(caller, limit=limit) == expected, (caller, limit)
            lengths.add(len(expected[0]))
    assert {0, 2} <= lengths and max(lengths) > 2  # empty, cut short and whole pages occur
    assert {key[0] for key in selectors._FIRST_PAGES} >= {1, 2}  # one and two subtrees


def test_the_unfiltered_first_page_is_read_by_the_statement(w, as_person, monkeypatch):
    need = nf.raise_need(w)
    calls = []
    real = selectors.first_page
    monkeypatch.setattr(
        selectors, "first_page", lambda user, **kw: calls.append(kw) or real(user, **kw)
    )
    api = as_person(w.dispatcher)
    body = api.get("/needs", {"limit": 10}).json()
    assert [item["number"] for item in body["items"]] == [need.number]
    assert calls == [{"limit": 10}]
    for filtered in ({"state": "submitted"}, {"inbox": "to_accept"}, {"q": "路灯"}):
        assert api.get("/needs", filtered).status_code == 200
    assert calls == [{"limit": 10}]  # filtered lists are built by the ORM
