"""The console pages (a stranger finds nothing, a leader reads but every write is 403 before
any form) and the public pages (no login; an unpublished representative is a 404; no phone
of a person anywhere, the station's own phone shown)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.network.models import Person
from civicgrid.representatives.models import Reception, ReceptionTime, Representative
from civicgrid.representatives.tests import factories as rf

pytestmark = pytest.mark.django_db


def _as(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _urls(r: rf.Reps, reception: Reception) -> dict[str, str]:
    matter = reception.matters.first()
    assert matter is not None
    return {
        "home": reverse("representatives:home"),
        "rep_add": reverse("representatives:rep_add"),
        "representative": reverse("representatives:representative", args=[r.deputy.pk]),
        "rep_edit": reverse("representatives:rep_edit", args=[r.deputy.pk]),
        "station_add": reverse("representatives:station_add"),
        "station": reverse("representatives:station", args=[r.station.pk]),
        "station_edit": reverse("representatives:station_edit", args=[r.station.pk]),
        "receptions": reverse("representatives:receptions"),
        "reception_add": reverse("representatives:reception_add", args=[r.station.pk]),
        "reception": reverse("representatives:reception", args=[reception.pk]),
        "reception_edit": reverse("representatives:reception_edit", args=[reception.pk]),
        "matter_edit": reverse("representatives:matter_edit", args=[matter.pk]),
        "counts": reverse("representatives:counts"),
    }


def test_staff_who_serve_the_place_keep_everything() -> None:
    r = rf.reps()
    reception = rf.held(r, day=timezone.localdate() - dt.timedelta(days=3), matters=("路灯",))
    staff = _as(r.w.dispatcher)
    for name, url in _urls(r, reception).items():
        assert staff.get(url).status_code == 200, name
    page = staff.get(reverse("representatives:reception", args=[reception.pk]))
    assert "张大娘" not in page.content.decode()  # masked in the list of matters
    assert "张*" in page.content.decode()
    added = staff.post(
        reverse("representatives:station", args=[r.station.pk]),
        {"weekday": "3", "week_of_month": "1", "starts": "14:00", "ends": "16:00"},
    )
    assert added.status_code == 302
    assert ReceptionTime.objects.filter(station=r.station, weekday=3, week_of_month=1).exists()
    bad = staff.post(
        reverse("representatives:station", args=[r.station.pk]),
        {"weekday": "3", "starts": "16:00", "ends": "14:00"},
    )
    assert bad.status_code == 400
    assert "ends" in bad.context["form"].errors
    recorded = staff.post(
        reverse("representatives:reception_add", args=[r.station.pk]),
        {
            "day": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "starts": "09:00",
            "ends": "11:00",
            "representatives": [r.deputy.pk, r.delegate.pk],
            "attendance": "9",
            "topic": "读书日",
            "matters": "小区停车难 | 李大爷 | 已转街道\n路面坑洼",
        },
    )
    assert recorded.status_code == 302
    new = Reception.objects.get(topic="读书日")
    assert [(m.summary, m.raised_by, m.answer) for m in new.matters.order_by("pk")] == [
        ("小区停车难", "李大爷", "已转街道"),
        ("路面坑洼", "", ""),
    ]
    matter = new.matters.order_by("pk")[0]
    made = staff.post(
        reverse("representatives:matter_need", args=[matter.pk]),
        {"category": rf.category().pk},
    )
    assert made.status_code == 302
    matter.refresh_from_db()
    assert matter.need is not None


def test_a_stranger_finds_nothing_and_a_leader_reads_but_cannot_write() -> None:
    r = rf.reps()
    reception = rf.held(r, day=timezone.localdate() - dt.timedelta(days=3), matters=("路灯",))
    urls = _urls(r, reception)
    stranger = _as(r.w.stranger)
    for name in (
        "representative",
        "station",
        "reception",
        "rep_edit",
        "station_edit",
        "reception_edit",
        "matter_edit",
        "reception_add",
    ):
        assert stranger.get(urls[name]).status_code == 404, name
    home = stranger.get(urls["home"])
    assert home.context["reps"] == [] and home.context["stations"] == []
    assert stranger.get(urls["receptions"]).context["rows"] == []
    leader = _as(r.w.leader)
    for name in ("home", "representative", "station", "receptions", "reception", "counts"):
        assert leader.get(urls[name]).status_code == 200, name
    for name in (
        "rep_add",
        "rep_edit",
        "station_add",
        "station_edit",
        "reception_add",
        "reception_edit",
        "matter_edit",
    ):
        assert leader.get(urls[name]).status_code == 403, name
        assert leader.post(urls[name], {}).status_code == 403, name
    assert leader.post(urls["station"], {"weekday": "1"}).status_code == 403
    assert leader.post(urls["reception"], {"summary": "x"}).status_code == 403
    matter = reception.matters.get()
    assert (
        leader.post(
            reverse("representatives:matter_need", args=[matter.pk]), {"category": rf.category().pk}
        ).status_code
        == 403
    )
    assert (
        leader.post(reverse("representatives:time_delete", args=[r.weekly.pk])).status_code == 403
    )
    assert (
        stranger.post(reverse("representatives:time_delete", args=[r.weekly.pk])).status_code == 404
    )
    assert ReceptionTime.objects.filter(pk=r.weekly.pk).exists()


def test_public_pages_show_the_published_and_never_a_persons_phone() -> None:
    r = rf.reps()
    anyone = Client()
    pages = [
        reverse("representatives_public:index"),
        reverse("representatives_public:place", args=[r.w.t["town1"].pk]),
        reverse("representatives_public:station", args=[r.station.pk]),
        reverse("representatives_public:representative", args=[r.deputy.pk]),
        reverse("representatives_public:representative", args=[r.delegate.pk]),
    ]
    for url in pages:
        response = anyone.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for person in Person.objects.all():
            assert not person.mobile or person.mobile not in text, url
        assert rf.REP_MOBILE not in text
        assert "隐代表" not in text
    station = anyone.get(reverse("representatives_public:station", args=[r.station.pk]))
    assert rf.STATION_PHONE in station.content.decode()
    assert "陈代表" in station.content.decode()
    assert (
        anyone.get(reverse("representatives_public:representative", args=[r.hidden.pk])).status_code
        == 404
    )
    Representative.objects.filter(pk=r.delegate.pk).update(active=False)
    assert (
        anyone.get(
            reverse("representatives_public:representative", args=[r.delegate.pk])
        ).status_code
        == 404
    )
    r.station.active = False
    r.station.save()
    assert (
        anyone.get(reverse("representatives_public:station", args=[r.station.pk])).status_code
        == 404
    )
    assert (
        anyone.post(reverse("representatives_public:station", args=[r.station.pk])).status_code
        == 405
    )
