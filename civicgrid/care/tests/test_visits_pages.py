"""The visits' console pages: a grid worker's list of visits due and overdue (their grid
only), recording a visit, a person's plan; a leader reads but is refused every write before
any form, a stranger finds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.care.models import CareVisit, VisitPlan
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_visits as vf
from civicgrid.needs.models import Priority
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db


def _as(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_a_grid_worker_lists_the_visits_due_in_their_grid() -> None:
    c = cf.care()
    today = timezone.localdate()
    vf.plan(c.orphan, every=30, next_due=today - dt.timedelta(days=3))
    vf.plan(c.aged_70, every=7, next_due=today + dt.timedelta(days=5), visitor=c.w.grid_worker)
    vf.plan(c.aged_62, every=7, next_due=today + dt.timedelta(days=20))
    vf.plan(c.aged_86, every=7, next_due=today - dt.timedelta(days=1))  # grid B
    worker = _as(c.w.grid_worker)
    week = worker.get(reverse("care:visits"))
    assert week.status_code == 200
    rows = week.context["rows"]
    assert [(r["name"], r["overdue"], r["late"]) for r in rows] == [
        ("小明", True, 3),
        ("张万喜", False, 0),
    ]
    overdue = worker.get(reverse("care:visits"), {"days": "0"}).context["rows"]
    assert [r["name"] for r in overdue] == ["小明"]
    mine = worker.get(reverse("care:visits"), {"mine": "1"}).context["rows"]
    assert [r["name"] for r in mine] == ["张万喜"]
    month = _as(c.w.dispatcher).get(reverse("care:visits"), {"days": "30"}).context["rows"]
    assert {r["name"] for r in month} == {"小明", "张万喜", "李桂兰", "王奶奶"}
    assert _as(c.w.stranger).get(reverse("care:visits")).context["rows"] == []


def test_a_grid_worker_records_a_visit_that_raises_a_need() -> None:
    c = cf.care()
    plan = vf.plan(c.aged_86, every=7, next_due=timezone.localdate())
    worker = _as(c.w.other_grid_worker)
    url = reverse("care:visit_add", args=[c.aged_86.pk])
    assert worker.get(url).status_code == 200
    done = worker.post(url, {"finding": "urgent", "note": "发烧无人照顾"})
    assert done.status_code == 302
    assert done["Location"] == reverse("care:person", args=[c.aged_86.pk])
    visit = CareVisit.objects.get()
    assert visit.visitor == c.w.other_grid_worker and visit.raised_need is not None
    assert visit.raised_need.priority == Priority.URGENT
    plan.refresh_from_db()
    assert plan.next_due == timezone.localdate() + dt.timedelta(days=7)
    bad = worker.post(url, {"finding": "lost"})
    assert bad.status_code == 400 and bad.context["form"].errors["finding"]
    ahead = worker.post(
        url, {"finding": "well", "visited_on": (timezone.localdate() + dt.timedelta(days=2))}
    )
    assert ahead.status_code == 400 and ahead.context["form"].errors["visited_on"]


def test_who_may_record_a_visit() -> None:
    c = cf.care()
    url = reverse("care:visit_add", args=[c.aged_86.pk])
    assert _as(c.w.stranger).get(url).status_code == 404
    assert _as(c.w.grid_worker).get(url).status_code == 404  # grid B is not theirs
    leader = _as(c.w.leader)
    assert leader.get(url).status_code == 403
    assert leader.post(url, {"finding": "well"}).status_code == 403
    assert leader.post(url, {}).status_code == 403
    plan = reverse("care:visit_plan", args=[c.aged_86.pk])
    assert leader.get(plan).status_code == 403 and leader.post(plan, {}).status_code == 403
    assert not CareVisit.objects.exists()


def test_staff_set_and_stop_a_plan() -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    url = reverse("care:visit_plan", args=[c.orphan.pk])
    form = client.get(url).context["form"]
    assert form.initial["every_days"] == 30
    assert c.w.grid_worker in form.fields["visitor"].queryset
    assert c.w.other_grid_worker not in form.fields["visitor"].queryset
    done = client.post(url, {"every_days": "30", "visitor": c.w.grid_worker.pk})
    assert done.status_code == 302
    plan = VisitPlan.objects.get(person=c.orphan, active=True)
    assert plan.visitor == c.w.grid_worker and plan.next_due == timezone.localdate()
    page = client.get(reverse("care:person", args=[c.orphan.pk]))
    assert page.context["plan"] == plan
    assert client.post(url, {"every_days": "0"}).status_code == 400
    assert client.post(url, {"op": "stop"}).status_code == 302
    assert not VisitPlan.objects.filter(person=c.orphan, active=True).exists()
