"""Micro-wishes keep the name and phone of the person they are for: the person's data export
lists them, and anonymisation (by request, and after the retention period) forgets them once
the wish is closed, as for needs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from civicgrid.privacy import services
from civicgrid.volunteers import wishes
from civicgrid.volunteers.models import Wish, WishState
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db

PHONE = "13712340000"


def wish(c: vf.Crew, title: str = "收音机", phone: str = PHONE) -> Wish:
    return wishes.wish_post(
        by=wishes.By(person=c.w.dispatcher),
        community=c.w.t["comm1"],
        title=title,
        public_name="一位老人",
        person_name="王秀英",
        person_mobile=phone,
        needed_by=timezone.localdate() + dt.timedelta(days=9),
    )


def confirmed(c: vf.Crew, title: str = "收音机") -> Wish:
    w = wish(c, title)
    wishes.wish_claim(wish=w, by=wishes.By(person=c.member))
    wishes.wish_fulfil(wish=w, by=wishes.By(person=c.member), note="送到了")
    return wishes.wish_confirm(wish=w, by=wishes.By(person=c.w.dispatcher))


def test_the_export_lists_the_wishes_posted_for_the_phone_within_reach():
    c = vf.crew()
    wish(c, "收音机")
    wish(c, "棉鞋", phone="13700000000")
    data = services.personal_data_export(phone=PHONE, by=c.w.dispatcher, via="console")
    assert [(w["title"], w["person_name"], w["phone"]) for w in data["wishes"]] == [
        ("收音机", "王秀英", PHONE)
    ]
    # Another community's staff reach none of them.
    other = services.personal_data_export(phone=PHONE, by=c.w.stranger, via="console")
    assert other["wishes"] == []


def test_anonymising_a_phone_forgets_it_on_closed_wishes_and_keeps_open_ones():
    c = vf.crew()
    done = confirmed(c)
    waiting = wish(c, "棉鞋")
    result = services.phone_anonymise(phone=PHONE, by=c.w.dispatcher, reason="本人要求", via="x")
    assert result.wishes == 1
    done.refresh_from_db()
    waiting.refresh_from_db()
    assert (done.person_name, done.person_mobile) == ("", "")
    assert done.state == WishState.CONFIRMED and done.public_name == "一位老人"
    assert waiting.person_mobile == PHONE  # still needed to fulfil it


@override_settings(NEED_RETENTION_DAYS=30)
def test_the_retention_run_forgets_the_people_of_wishes_closed_long_ago():
    c = vf.crew()
    old = confirmed(c, "旧愿望")
    Wish.objects.filter(pk=old.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=31))
    recent = confirmed(c, "新愿望")
    services.anonymise_expired()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.person_mobile == "" and old.person_name == ""
    assert recent.person_mobile == PHONE
