"""The pages of people who serve that residents and members read on a phone, in traditional
Mongolian: the public activities and their check-in, the wishes wall and its confirmation, the
member's home, report, registration and wishes. No word of Chinese, English or Cyrillic is left
in what they say in Mongolian; what people typed is data, typed in Mongolian here. (The
organisers' console pages are in Chinese and English, as the staff console is.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.needs.tests.test_mongolian_pages import MN, assert_all_mongolian
from civicgrid.network.models import Person
from civicgrid.volunteers import activities, wishes
from civicgrid.volunteers.models import Audience
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db

TEXT = "ᠬᠣᠷᠣᠭᠠᠯᠠᠩ ᠢ ᠴᠡᠪᠡᠷᠯᠡᠬᠦ"


@pytest.fixture
def crew() -> vf.Crew:
    c = vf.crew()
    for number, node in enumerate(c.w.t.values(), start=1):
        node.name_mn = f"{number}\u202fᠳᠤᠭᠠᠷ ᠭᠠᠵᠠᠷ"
        node.save(update_fields=["name_mn"])
    Person.objects.filter(pk__in=[c.member.pk, c.leader.pk, c.volunteer.pk]).update(name="ᠪᠠᠭᠠᠲᠤᠷ")
    c.team.name_mn = "ᠬᠠᠮᠲᠤ ᠪᠦᠯᠦᠭ"
    c.team.save(update_fields=["name_mn"])
    return c


def client_for(person: Person | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = MN
    if person is not None:
        client.force_login(person)
    return client


def open_activity(c: vf.Crew, **overrides):
    activity = vf.activity(
        c, title=TEXT, title_mn=TEXT, description=TEXT, audience=Audience.PUBLIC, **overrides
    )
    return activities.activity_open(activity=activity, by=c.leader)


def posted_wish(c: vf.Crew):
    return wishes.wish_post(
        by=wishes.By(person=c.w.dispatcher),
        community=c.w.t["comm1"],
        title=TEXT,
        story=TEXT,
        public_name="ᠨᠢᠭᠡ ᠥᠪᠡᠭᠡᠨ",
        person_name="",
        person_mobile="",
        needed_by=timezone.localdate() + dt.timedelta(days=10),
    )


def test_public_activities_and_an_activity(crew):
    activity = open_activity(crew)
    anonymous = client_for()
    assert_all_mongolian(anonymous.get(reverse("serve:activities")))
    assert_all_mongolian(anonymous.get(reverse("serve:activity", args=[activity.pk])))
    member = client_for(crew.member)
    assert_all_mongolian(member.get(reverse("serve:activity", args=[activity.pk])))
    member.post(reverse("serve:activity_sign_up", args=[activity.pk]))
    assert_all_mongolian(member.get(reverse("serve:activity", args=[activity.pk])))


def test_the_check_in_page_and_its_refusals(crew):
    soon = timezone.now() + dt.timedelta(minutes=10)
    activity = open_activity(crew, starts_at=soon, ends_at=soon + dt.timedelta(hours=2))
    member = client_for(crew.member)
    url = reverse("serve:activity_checkin", args=[activity.pk, activity.checkin_key])
    assert_all_mongolian(member.get(url))
    assert_all_mongolian(member.post(url, follow=True))  # checked in
    assert_all_mongolian(member.post(url, follow=True))  # already checked in
    wrong = reverse("serve:activity_checkin", args=[activity.pk, "not-the-key"])
    assert_all_mongolian(member.get(wrong))


def test_the_wishes_wall_mine_and_the_confirmation_page(crew):
    wish = posted_wish(crew)
    wall = reverse("serve:wishes_wall", args=[crew.w.t["comm1"].code])
    assert_all_mongolian(client_for().get(wall))
    member = client_for(crew.member)
    assert_all_mongolian(member.get(wall))
    member.post(reverse("serve:wish_claim", args=[wish.pk]))
    assert_all_mongolian(member.get(reverse("serve:wishes_mine")))
    assert_all_mongolian(client_for().get(reverse("serve:wish_confirm", args=[wish.pk])))


def test_the_members_home_report_and_registration(crew):
    open_activity(crew)
    posted_wish(crew)
    member = client_for(crew.member)
    assert_all_mongolian(member.get(reverse("serve:me")))
    assert_all_mongolian(member.get(reverse("serve:my_report")))
    assert_all_mongolian(member.get(reverse("serve:register")))
    refused = member.post(reverse("serve:register"), {})
    assert_all_mongolian(refused)
