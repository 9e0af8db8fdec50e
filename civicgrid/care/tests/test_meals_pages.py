"""The meal pages: the console's points and menus (the cook comes in without a role; a
leader reads and is refused every write before the form; a stranger finds nothing), and the
public point page and share page (published menus only)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from civicgrid.care.models import Dish, MealPoint, Menu
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_meals as mf
from civicgrid.network.tests import factories as nf
from civicgrid.services.models import Service, ServiceKind

pytestmark = pytest.mark.django_db

MORNING = timezone.make_aware(dt.datetime(2026, 12, 2, 8, 0))
DAY = cf.DAY.isoformat()


@pytest.fixture
def c():
    with time_machine.travel(MORNING, tick=False):
        yield cf.care()


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def _as(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _dishes(**extra: str) -> dict[str, str]:
    data = {
        "dish-a1-name": "红烧豆腐",
        "dish-a1-name_mn": "ᠳᠣᠣᠹᠦ",
        "dish-a1-special": "1",
        "dish-b2-name": "小米粥",
        "dish-b2-name_mn": "",
        "dish-c3-name": "",
        "dish-c3-name_mn": "",
        "note": "少盐",
    }
    data.update(extra)
    return data


# --- Console ----------------------------------------------------------------------------------


def test_the_points_list_shows_the_points_in_scope(c):
    url = reverse("care:points")
    assert "大沟湾助餐点" in _as(c.w.dispatcher).get(url).content.decode()
    assert "大沟湾助餐点" in _as(c.w.leader).get(url).content.decode()
    assert "大沟湾助餐点" in _as(c.cook).get(url).content.decode()  # no role: its staff
    stranger = _as(c.w.stranger).get(url)
    assert stranger.status_code == 200 and "大沟湾助餐点" not in stranger.content.decode()
    assert _as(nf.person("路人")).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_a_point_page_is_read_by_those_in_scope_and_its_staff(c):
    laundry = Service.objects.create(
        name="洗衣", kind=ServiceKind.OTHER, provider_org=c.w.unit, node=c.w.t["comm1"]
    )
    c.point.extra_services.add(laundry)
    mf.menu(c.point, cf.DAY)
    url = reverse("care:point", args=[c.point.pk])
    page = _as(c.w.dispatcher).get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "厨师老王" in html and "洗衣" in html and "红烧豆腐" in html
    assert reverse("care:point_staff", args=[c.point.pk]) in html  # may change: the forms
    leader = _as(c.w.leader).get(url).content.decode()
    assert "厨师老王" in leader and reverse("care:point_staff", args=[c.point.pk]) not in leader
    assert _as(c.cook).get(url).status_code == 200
    assert _as(c.w.stranger).get(url).status_code == 404
    assert _as(c.w.dispatcher).get(url, {"week": "not-a-day"}).status_code == 200


def test_a_leader_is_refused_adding_or_changing_a_point_before_the_form(c):
    leader = _as(c.w.leader)
    assert leader.get(reverse("care:point_add")).status_code == 403
    assert leader.post(reverse("care:point_add"), {}).status_code == 403
    edit = reverse("care:point_edit", args=[c.point.pk])
    assert leader.get(edit).status_code == 403
    assert leader.post(edit, {"name": ""}).status_code == 403
    assert _as(c.w.stranger).get(edit).status_code == 404
    assert _as(c.cook).get(edit).status_code == 403  # no role: not the console's forms
    for name in ("care:point_staff", "care:point_services"):
        assert leader.post(reverse(name, args=[c.point.pk]), {}).status_code == 403


def test_staff_add_a_point_and_bad_input_gets_a_message(c):
    client = _as(c.w.dispatcher)
    url = reverse("care:point_add")
    assert client.get(url).status_code == 200
    data = {
        "name": "大昌子助餐点",
        "node": c.w.t["comm1"].pk,
        "serves_from": "11:30",
        "serves_until": "13:00",
        "order_cutoff": "12:00",  # after lunch starts
        "capacity": "40",
        "active": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and MealPoint.objects.count() == 1
    made = client.post(url, {**data, "order_cutoff": "09:30"})
    assert made.status_code == 302
    point = MealPoint.objects.get(name="大昌子助餐点")
    assert made["Location"] == reverse("care:point", args=[point.pk])
    assert client.post(url, {**data, "node": c.w.t["comm2"].pk}).status_code == 400
    edit = reverse("care:point_edit", args=[point.pk])
    assert 'value="大昌子助餐点"' in client.get(edit).content.decode()
    changed = client.post(edit, {**data, "order_cutoff": "09:00", "capacity": "45"})
    assert changed.status_code == 302
    point.refresh_from_db()
    assert point.capacity == 45 and point.order_cutoff == dt.time(9, 0)


def test_staff_choose_the_points_staff_and_services(c):
    client = _as(c.w.dispatcher)
    helper = nf.person("帮厨")
    url = reverse("care:point_staff", args=[c.point.pk])
    assert client.post(url, {"keep": [c.cook.pk], "mobile": helper.mobile}).status_code == 302
    assert set(c.point.staff.all()) == {c.cook, helper}
    assert client.post(url, {"keep": [c.cook.pk], "mobile": "13000000000"}).status_code == 400
    assert client.post(url, {"keep": []}).status_code == 302
    assert not c.point.staff.exists()
    laundry = Service.objects.create(
        name="洗衣", kind=ServiceKind.OTHER, provider_org=c.w.unit, node=c.w.t["comm1"]
    )
    services = reverse("care:point_services", args=[c.point.pk])
    assert client.post(services, {"services": [laundry.pk]}).status_code == 302
    assert list(c.point.extra_services.all()) == [laundry]
    assert client.post(services, {"services": ["999999"]}).status_code == 400


def test_the_cook_writes_and_publishes_the_days_menu(c):
    client = _as(c.cook)
    url = reverse("care:menu", args=[c.point.pk, DAY])
    page = client.get(url)
    assert page.status_code == 200 and 'name="dish-' in page.content.decode()
    saved = client.post(url, _dishes())
    assert saved.status_code == 302 and saved["Location"] == url
    menu = Menu.objects.get(point=c.point, day=cf.DAY)
    assert list(menu.dishes.values_list("name", "special")) == [
        ("红烧豆腐", True),
        ("小米粥", False),
    ]
    assert menu.note == "少盐" and menu.published_at is None
    publish = reverse("care:menu_publish", args=[c.point.pk, DAY])
    assert client.post(publish).status_code == 302
    menu.refresh_from_db()
    assert menu.published_at is not None and menu.published_by_id == c.cook.pk
    assert client.post(publish).status_code == 409  # already published: said, not a 500
    shown = client.get(url).content.decode()
    assert (
        "红烧豆腐" in shown and reverse("care_public:menu_share", args=[c.point.pk, DAY]) in shown
    )


def test_bad_menus_get_a_message_and_change_nothing(c):
    client = _as(c.cook)
    url = reverse("care:menu", args=[c.point.pk, DAY])
    empty = client.post(url, {"dish-a1-name": "", "note": ""})
    assert empty.status_code == 400 and not Menu.objects.exists()
    no_name = client.post(url, {"dish-a1-name": "", "dish-a1-name_mn": "ᠮᠢᠬᠠ"})
    assert no_name.status_code == 400 and "ᠮᠢᠬᠠ" in no_name.content.decode()  # kept for fixing
    assert client.get(reverse("care:menu", args=[c.point.pk, "2026-13-45"])).status_code == 404
    publish = reverse("care:menu_publish", args=[c.point.pk, DAY])
    assert client.post(publish).status_code == 404  # nothing written


def test_a_leader_reads_a_menu_but_is_refused_writing_before_the_form(c):
    mf.menu(c.point, cf.DAY, published=False)
    leader = _as(c.w.leader)
    url = reverse("care:menu", args=[c.point.pk, DAY])
    page = leader.get(url)
    assert page.status_code == 200 and "红烧豆腐" in page.content.decode()
    assert 'name="dish-' not in page.content.decode()
    refused = leader.post(url, {})  # an empty form: refused before it is read
    assert refused.status_code == 403 and b"errorlist" not in refused.content
    assert leader.post(url, _dishes()).status_code == 403
    assert leader.post(reverse("care:menu_publish", args=[c.point.pk, DAY])).status_code == 403
    assert leader.get(reverse("care:menu_row", args=[c.point.pk, DAY])).status_code == 403
    assert list(Dish.objects.values_list("name", flat=True)) == ["红烧豆腐", "土豆炖牛肉", "小米粥"]
    stranger = _as(c.w.stranger)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, _dishes()).status_code == 404


def test_one_more_dish_row_by_htmx(c):
    client = _as(c.cook)
    row = client.get(reverse("care:menu_row", args=[c.point.pk, DAY]), HTTP_HX_REQUEST="true")
    html = row.content.decode()
    assert row.status_code == 200 and html.count('name="dish-') == 3 and "<tr>" in html
    more = client.get(reverse("care:menu", args=[c.point.pk, DAY]), {"rows": "6"})
    assert more.content.decode().count("-special") == 6


# --- Public -----------------------------------------------------------------------------------


def test_the_public_point_page_shows_todays_published_menu_and_prices(c):
    mf.locate(c.point, 0.5, 0.5, phone="0477-8612345")
    laundry = Service.objects.create(
        name="洗衣", kind=ServiceKind.OTHER, provider_org=c.w.unit, node=c.w.t["comm1"]
    )
    c.point.extra_services.add(laundry)
    url = reverse("care_public:point", args=[c.point.pk])
    before = Client().get(url)
    assert before.status_code == 200 and "红烧豆腐" not in before.content.decode()
    mf.menu(c.point, cf.DAY)
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "红烧豆腐" in html and "meal-special" in html
    assert 'href="tel:0477-8612345"' in html
    assert "60岁以上" in html and "8" in html and "65岁以上" in html
    assert reverse("nearby:service", args=[laundry.pk]) in html
    assert reverse("care_public:menu_share", args=[c.point.pk, DAY]) in html
    assert "09:30" in html and "11:30–13:00" in html
    assert reverse("care_public:order_find") in html


def test_a_draft_menu_and_a_closed_point_are_not_public(c):
    mf.menu(c.point, cf.DAY, published=False)
    client = Client()
    page = client.get(reverse("care_public:point", args=[c.point.pk]))
    assert "红烧豆腐" not in page.content.decode()
    assert client.get(reverse("care_public:menu_share", args=[c.point.pk, DAY])).status_code == 404
    assert client.get(reverse("care_public:menu_image", args=[c.point.pk, DAY])).status_code == 404
    MealPoint.objects.filter(pk=c.point.pk).update(active=False)
    assert client.get(reverse("care_public:point", args=[c.point.pk])).status_code == 404
    assert client.get(reverse("care_public:point", args=[999999])).status_code == 404


def test_the_share_page_has_both_texts_to_copy_and_the_picture_to_save(c):
    mf.menu(c.point, cf.DAY)
    page = Client().get(reverse("care_public:menu_share", args=[c.point.pk, DAY]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<textarea") == 2 and html.count("data-copy=") == 2
    assert "红烧豆腐" in html and "ᠳᠣᠣᠹᠦ" in html
    image = reverse("care_public:menu_image", args=[c.point.pk, DAY])
    assert f'src="{image}"' in html and f'href="{image}" download=' in html
    assert "care/meals_share" in html
    assert (
        Client().get(reverse("care_public:menu_share", args=[c.point.pk, "junk"])).status_code
        == 404
    )


def test_the_menu_picture_is_a_png_kept_a_few_minutes(c):
    mf.menu(c.point, cf.DAY)
    response = Client().get(reverse("care_public:menu_image", args=[c.point.pk, DAY]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG" and picture.width == 1080


def test_the_public_pages_read_in_mongolian(c):
    mf.menu(c.point, cf.DAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="mn-Mong")
    with translation.override("zh-hans"):  # the request's language is not left active after it
        _read_in_mongolian(c, client)


def _read_in_mongolian(c, client: Client) -> None:
    page = client.get(reverse("care_public:point", args=[c.point.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="mn-mong"' in html
    assert "ᠳᠠᠭᠤᠸᠠᠩ" in html and "ᠳᠣᠣᠹᠦ" in html and "红烧豆腐" not in html
    share = client.get(reverse("care_public:menu_share", args=[c.point.pk, DAY])).content.decode()
    assert share.index('lang="mn-Mong"') < share.index('lang="zh-Hans"')  # Mongolian first


def test_the_points_list_and_a_point_page_do_not_grow_in_queries(c):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _as(c.w.dispatcher)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    points_url = reverse("care:points")
    point_url = reverse("care:point", args=[c.point.pk])
    monday = cf.DAY - dt.timedelta(days=cf.DAY.weekday())
    mf.menu(c.point, monday)
    few, one = count(points_url), count(point_url)
    for n in range(1, 7):
        mf.menu(c.point, monday + dt.timedelta(days=n))
    for n in range(8):
        MealPoint.objects.create(name=f"点{n}", node=c.w.t["comm1"])
    assert count(points_url) == few
    assert count(point_url) == one
