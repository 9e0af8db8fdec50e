"""The care module's resident pages in traditional Mongolian, with no word of Chinese, English
or Cyrillic left (as `needs/tests/test_mongolian_pages.py` holds the needs' pages): a meal
point's page with today's menu, the menu to share, the order page a family holds through an
order and a refused order, finding the order link by phone, and what a scanned assistance card
shows a passer-by. Data a resident reads is given in Mongolian (`name_mn`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.care import access, cards, menus
from civicgrid.care.models import AgeBand, CardKind, CaredPerson, MealPoint
from civicgrid.care.tests import factories as cf
from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian

pytestmark = pytest.mark.django_db

NAMES = {
    "town1": "ᠨᠢᠭᠡ ᠪᠠᠯᠭᠠᠰᠤ",
    "comm1": "ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "big1": "ᠨᠢᠭᠡ ᠲᠣᠮᠣ ᠲᠣᠣᠷ",
    "gridA": "ᠠ ᠲᠣᠣᠷ",
    "gridB": "ᠪᠡ ᠲᠣᠣᠷ",
}


@pytest.fixture
def care() -> cf.Care:
    c = cf.care()
    for number, (key, node) in enumerate(c.w.t.items(), start=1):
        node.name_mn = NAMES.get(key, f"{number}\u202fᠳᠤᠭᠠᠷ ᠭᠠᠵᠠᠷ")
        node.save(update_fields=["name_mn"])
    MealPoint.objects.filter(pk=c.point.pk).update(
        name_mn="ᠳᠠᠭᠤᠸᠠᠩ ᠤᠨ ᠬᠣᠭᠣᠯᠠ ᠶᠢᠨ ᠭᠠᠵᠠᠷ",
        address_mn="ᠳᠠᠭᠤᠸᠠᠩ ᠰᠢᠨ᠎ᠡ ᠲᠣᠰᠬᠣᠨ",
        phone="0477-8612345",
    )
    for band, name in zip(
        c.bands.values(),
        ("60 ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ", "65 ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ", "85 ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ"),
        strict=True,
    ):
        AgeBand.objects.filter(pk=band.pk).update(name_mn=name)
    CaredPerson.objects.filter(pk=c.aged_86.pk).update(name_mn="ᠸᠠᠩ ᠡᠮᠡᠭᠡ")
    c.point.refresh_from_db()
    today = timezone.localdate()
    for day in (today, today + dt.timedelta(days=1)):
        menu = menus.menu_save(
            by=c.w.dispatcher,
            point=c.point,
            day=day,
            dishes=[
                {"name": "羊肉烩菜", "name_mn": "ᠬᠣᠨᠢᠨ ᠮᠢᠬᠠ ᠲᠠᠢ ᠨᠣᠭᠣ", "special": False},
                {"name": "蒸南瓜", "name_mn": "ᠵᠦᠭᠡᠭᠰᠡᠨ ᠬᠠᠪᠤᠭ᠎ᠠ", "special": True},
            ],
        )
        menus.menu_publish(by=c.w.dispatcher, menu=menu)
    return c


def test_a_meal_point_and_todays_menu_to_share(care, mongolian):
    today = timezone.localdate().isoformat()
    assert_all_mongolian(mongolian.get(reverse("care_public:point", args=[care.point.pk])))
    assert_all_mongolian(
        mongolian.get(reverse("care_public:menu_share", args=[care.point.pk, today]))
    )


def test_the_order_page_through_an_order_and_a_refusal(care, mongolian):
    mother = care.aged_86
    url = reverse("care_public:order", args=[mother.pk, access.person_key(mother.pk)])
    page = mongolian.get(url)
    assert page.status_code == 200
    assert_all_mongolian(page)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = mongolian.post(
        url,
        {
            "op": "order",
            "point": care.point.pk,
            "day": tomorrow,
            "placed_by": "family",
            "placer_name": "",
            "placer_phone": "1",
        },
    )
    assert refused.status_code == 400
    assert_all_mongolian(refused)


def test_finding_the_order_link_by_phone(care, mongolian):
    url = reverse("care_public:order_find")
    assert_all_mongolian(mongolian.get(url))
    sent = mongolian.post(url, {"phone": "13900000086"}, follow=True)
    assert sent.status_code in (200, 400)
    assert_all_mongolian(sent)


def test_a_scanned_card_for_a_passer_by(care, mongolian):
    kind = CardKind.objects.create(
        name="困难老人爱心卡",
        name_mn="ᠬᠦᠨᠳᠦ ᠨᠥᠬᠦᠴᠡᠯ ᠲᠡᠢ ᠥᠪᠡᠭᠡᠳ ᠦᠨ ᠺᠠᠷᠲ",
        monthly_amount=200,
        monthly_uses=4,
    )
    card = cards.card_issue(by=care.w.dispatcher, household=care.household, kind=kind)
    assert_all_mongolian(mongolian.get(reverse("care_public:card", args=[card.number])))
