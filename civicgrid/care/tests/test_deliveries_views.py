"""The deliveries pages (care/views/deliveries.py): a point's runs and a run for staff, the
deliverer's phone list for a party member without a staff role, addresses masked until shown
(each reveal logged), the marks by htmx, and a read-only leader refused before any form."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.care import deliveries
from civicgrid.care.access import mask_address
from civicgrid.care.models import (
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    Household,
    MealOrder,
)
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_deliveries as df
from civicgrid.core.models import RevealLog
from civicgrid.needs.models import Need
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db
S = DeliveryState
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def on_the_day():
    with time_machine.travel(df.at(), tick=False):
        yield


@pytest.fixture
def r() -> df.Rounds:
    return df.rounds()


def client(who: Person) -> Client:
    c = Client()
    c.force_login(who)
    return c


def with_route(r: df.Rounds, grid: str = "gridB", to: Person | None = None) -> DeliveryRoute:
    run = df.built(r)
    return deliveries.route_assign(
        by=r.c.w.dispatcher, route=df.route_of(run, grid, r), deliverer=to or r.member
    )


# --- Staff: runs and a run ------------------------------------------------------------------


def test_staff_build_a_run_from_the_points_page_and_assign_a_route(r: df.Rounds) -> None:
    staff = client(r.c.w.dispatcher)
    page = staff.get(reverse("care:runs", args=[r.c.point.pk]))
    assert page.status_code == 200
    assert reverse("care:run_build", args=[r.c.point.pk]) in page.content.decode()
    built = staff.post(reverse("care:run_build", args=[r.c.point.pk]), {"day": "2026-12-02"})
    run = DeliveryRun.objects.get()
    assert built.status_code == 302 and built["Location"] == reverse("care:run", args=[run.pk])
    page = staff.get(reverse("care:run", args=[run.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "王奶奶" in text and mask_address("二组8号") in text and "二组8号" not in text
    route = run.routes.get(grid=r.c.w.t["gridB"])
    done = staff.post(reverse("care:route_assign", args=[route.pk]), {"deliverer": r.member.pk})
    assert done.status_code == 302
    assert DeliveryRoute.objects.get(pk=route.pk).deliverer == r.member


def test_a_bad_day_or_a_refused_deliverer_is_said_on_the_page(r: df.Rounds) -> None:
    staff = client(r.c.w.dispatcher)
    bad = staff.post(reverse("care:run_build", args=[r.c.point.pk]), {"day": "二月"})
    assert bad.status_code == 400
    assert not DeliveryRun.objects.exists()
    route = df.route_of(df.built(r), "gridA", r)
    refused = staff.post(reverse("care:route_assign", args=[route.pk]), {"deliverer": r.plain.pk})
    assert refused.status_code == 400  # not among the choices
    other = staff.post(
        reverse("care:route_assign", args=[route.pk]),
        {"deliverer": r.c.w.other_grid_worker.pk},  # a choice, but grid B's worker
    )
    assert other.status_code == 400
    assert DeliveryRoute.objects.get(pk=route.pk).deliverer is None


def test_a_leader_reads_the_runs_and_is_refused_every_write_before_a_form(r: df.Rounds) -> None:
    route = with_route(r)
    delivery = route.deliveries.get()
    leader = client(r.c.w.leader)
    assert leader.get(reverse("care:runs", args=[r.c.point.pk])).status_code == 200
    page = leader.get(reverse("care:run", args=[route.run_id]))
    assert page.status_code == 200
    assert reverse("care:route_assign", args=[route.pk]) not in page.content.decode()
    assert reverse("care:delivery_address", args=[delivery.pk]) not in page.content.decode()
    for url in (
        reverse("care:run_build", args=[r.c.point.pk]),
        reverse("care:route_assign", args=[route.pk]),
        reverse("care:delivery_mark", args=[delivery.pk]),
        reverse("care:delivery_address", args=[delivery.pk]),
    ):
        assert leader.post(url, {}).status_code == 403, url
    assert not RevealLog.objects.exists()
    assert Delivery.objects.get(pk=delivery.pk).state == S.PENDING


def test_staff_of_another_place_see_no_run(r: df.Rounds) -> None:
    route = with_route(r)
    stranger = client(r.c.w.stranger)
    assert stranger.get(reverse("care:runs", args=[r.c.point.pk])).status_code == 404
    assert stranger.get(reverse("care:run", args=[route.run_id])).status_code == 404
    delivery = route.deliveries.get()
    assert stranger.post(reverse("care:delivery_mark", args=[delivery.pk]), {}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(r: df.Rounds) -> None:
    route = with_route(r)
    anonymous = Client()
    for url in (
        reverse("care:my_deliveries"),
        reverse("care:runs", args=[r.c.point.pk]),
        reverse("care:run", args=[route.run_id]),
    ):
        assert anonymous.get(url).status_code == 302


def test_an_account_without_a_role_is_refused_the_phone_list(r: df.Rounds) -> None:
    assert client(r.plain).get(reverse("care:my_deliveries")).status_code == 403


# --- The deliverer's phone list -----------------------------------------------------------------


def test_the_deliverer_reads_todays_stops_masked_and_reveals_one_logged(r: df.Rounds) -> None:
    route = with_route(r, "gridA")
    member = client(r.member)  # a party member: no staff role
    page = member.get(reverse("care:my_deliveries"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "张万喜" in text and "刘大爷" in text
    assert "一组3号" not in text and mask_address("一组3号") in text
    delivery = route.deliveries.get(order=r.orders["70"])
    shown = member.post(
        reverse("care:delivery_address", args=[delivery.pk]), {"next": "mine"}, headers=HTMX
    )
    assert shown.status_code == 200
    assert "一组3号" in shown.content.decode()
    log = RevealLog.objects.get()
    assert (log.actor, log.subject, log.field) == (
        r.member,
        f"care-person:{r.c.aged_70.pk}",
        "address",
    )
    member.post(reverse("care:delivery_address", args=[delivery.pk]))  # without htmx: a page
    assert RevealLog.objects.count() == 2


def test_someone_elses_deliverer_neither_reads_nor_marks_the_route(r: df.Rounds) -> None:
    route = with_route(r, "gridA")
    delivery = route.deliveries.order_by("position")[0]
    other = client(r.volunteer)  # a member, not this route's deliverer
    assert "张万喜" not in other.get(reverse("care:my_deliveries")).content.decode()
    address = reverse("care:delivery_address", args=[delivery.pk])
    assert other.post(address).status_code == 404
    mark_url = reverse("care:delivery_mark", args=[delivery.pk])
    assert other.post(mark_url, {"state": "delivered"}).status_code == 404
    assert not RevealLog.objects.exists()
    assert Delivery.objects.get(pk=delivery.pk).state == S.PENDING


def test_the_deliverer_marks_delivered_and_not_home_by_htmx(r: df.Rounds) -> None:
    route = with_route(r, "gridA")
    member = client(r.member)
    first, second, _third = route.deliveries.order_by("position")
    done = member.post(
        reverse("care:delivery_mark", args=[first.pk]), {"state": "delivered"}, headers=HTMX
    )
    assert done.status_code == 200
    assert f'id="stop-{first.pk}"' in done.content.decode()
    assert Delivery.objects.get(pk=first.pk).state == S.DELIVERED
    assert MealOrder.objects.get(pk=first.order_id).state == "served"
    away = member.post(
        reverse("care:delivery_mark", args=[second.pk]),
        {"state": "not_home", "note": "敲门没人"},
        headers=HTMX,
    )
    assert away.status_code == 200
    need = Need.objects.get()
    assert need.number in away.content.decode()
    again = member.post(
        reverse("care:delivery_mark", args=[second.pk]), {"state": "not_home"}, headers=HTMX
    )
    assert again.status_code == 409 and "data-error" in again.content.decode()
    bad = member.post(reverse("care:delivery_mark", args=[second.pk]), {"state": "lost"})
    assert bad.status_code == 302  # without htmx: back to the list, with the message
    assert Need.objects.count() == 1


def test_a_deliverer_with_nothing_today_is_told_so(r: df.Rounds) -> None:
    page = client(r.member).get(reverse("care:my_deliveries"))
    assert page.status_code == 200
    assert not page.context["routes"]


# --- Queries do not grow with the stops -------------------------------------------------------


def _queries(c: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_cost_the_same_queries_however_many_stops(r: df.Rounds) -> None:
    route = with_route(r, "gridA")
    deliveries.route_assign(
        by=r.c.w.dispatcher, route=df.route_of(route.run, "gridB", r), deliverer=r.member
    )
    mark_first = route.deliveries.order_by("position")[0]
    deliveries.delivery_mark(by=r.member, delivery=mark_first, state=S.NOT_HOME, now=df.at())
    member, staff = client(r.member), client(r.c.w.dispatcher)
    mine, run = reverse("care:my_deliveries"), reverse("care:run", args=[route.run_id])
    before = (_queries(member, mine), _queries(staff, run))
    for n in range(4):
        for grid in ("gridA", "gridB"):
            node = r.c.w.t[grid]
            home = Household.objects.create(node=node, name=f"{grid}{n}家", address=f"{n}号")
            df.order(r.c, cf.person(node, f"{grid}老人{n}", 88, household=home))
    df.built(r)
    assert Delivery.objects.count() == 12
    stop = Delivery.objects.filter(order__person__household__name="gridA0家").get()
    deliveries.delivery_mark(by=r.member, delivery=stop, state=S.NOT_HOME, now=df.at())
    assert (_queries(member, mine), _queries(staff, run)) == before
