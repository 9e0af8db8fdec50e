"""Every list of people who serve costs the same number of queries however many rows it shows
(as `tests/test_read_queries.py` holds for needs): a query per row would not show on a test's
few records, and would on a community's year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf
from civicgrid.volunteers import activities, registrations, wishes
from civicgrid.volunteers.models import Audience
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db


def more(c: vf.Crew) -> None:
    """One of each kind of row the lists show: an open activity with a sign-up and a waiting
    member, a recorded one with hours, a registration waiting, wishes posted and claimed."""
    t = c.w.t
    full = vf.activity(c, capacity=1, audience=Audience.PUBLIC)
    activities.activity_open(activity=full, by=c.leader)
    newcomer = netf.person(roles=[(Role.PARTY_MEMBER, t["comm1"])])
    activities.activity_sign_up(activity=full, person=c.member)
    activities.activity_sign_up(activity=full, person=newcomer)
    earlier = timezone.now() - dt.timedelta(days=2)
    past = vf.activity(c, starts_at=earlier, ends_at=earlier + dt.timedelta(hours=2))
    activities.activity_open(activity=past, by=c.leader)
    asker = netf.person()
    registrations.registration_request(
        person=asker, community=t["comm1"], by=registrations.By(person=asker)
    )
    for claimed in (False, True):
        wish = wishes.wish_post(
            by=wishes.By(person=c.w.dispatcher),
            community=t["comm1"],
            title="收音机",
            public_name="一位老人",
            person_name="王秀英",
            person_mobile="13812345678",
            needed_by=timezone.localdate() + dt.timedelta(days=9),
        )
        if claimed:
            wishes.wish_claim(wish=wish, by=wishes.By(person=newcomer))


def reads(c: vf.Crew) -> dict[str, Callable[[], object]]:
    staff = Client()
    staff.force_login(c.w.dispatcher)
    member = Client()
    member.force_login(c.member)
    public = Client()
    comm1 = c.w.t["comm1"]
    month = timezone.localdate() + dt.timedelta(days=1)
    return {
        "registrations to approve": lambda: staff.get(reverse("volunteers:registrations")),
        "teams": lambda: staff.get(reverse("volunteers:teams")),
        "month view": lambda: staff.get(
            reverse("volunteers:activity_month", args=[comm1.pk]),
            {"month": f"{month:%Y-%m}"},
        ),
        "wishes (console)": lambda: staff.get(reverse("volunteers:wishes_list")),
        "report": lambda: staff.get(reverse("volunteers:reports"), {"node": comm1.pk}),
        "public activities": lambda: public.get(reverse("serve:activities")),
        "wishes wall": lambda: public.get(reverse("serve:wishes_wall", args=[comm1.code])),
        "wishes wall (JSON)": lambda: public.get(
            reverse("serve:wishes_wall_json", args=[comm1.code])
        ),
        "member home": lambda: member.get(reverse("serve:me")),
    }


def queries(read: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = read()
    assert response.status_code == 200, response.content[:300]  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


def test_no_list_of_people_who_serve_costs_a_query_per_row():
    c = vf.crew()
    more(c)
    lists = reads(c)
    for read in lists.values():
        read()
    few = {name: queries(read) for name, read in lists.items()}
    for _ in range(3):
        more(c)
    many = {name: queries(read) for name, read in lists.items()}
    assert many == few
