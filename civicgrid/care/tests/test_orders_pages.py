"""The meal orders' pages: the daughter of an 86-year-old orders through the keyed link (no
account, a one-time key, the name masked); a wrong key is no page; the person cancels before
the cut-off; staff order on someone's behalf, serve and cancel from the day's list, read the
orderer's phone masked and reveal it on a button (logged); a reader is refused before any form
is read; the page that finds the links by phone says the same for a number it does not know."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.care import access, orders
from civicgrid.care.models import CaredPerson, Dish, MealOrder, Menu, OrderState, PlacedBy
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_orders as of
from civicgrid.core.models import PhoneCode, RevealLog

pytestmark = pytest.mark.django_db

DAY = cf.DAY


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    """Early on the tests' day: today's orders are open (cut-off 9:30)."""
    cache.clear()
    with time_machine.travel(of.MORNING, tick=False):
        yield


def _as(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def _link(cared: CaredPerson) -> str:
    return reverse("care_public:order", args=[cared.pk, access.person_key(cared.pk)])


def _once(html: str) -> str:
    found = re.search(r'name="once" value="([^"]+)"', html)
    assert found
    return found.group(1)


# --- The resident's page ----------------------------------------------------------------------


def test_the_daughter_orders_for_her_mother_through_the_link_once():
    c = cf.care()
    client = Client()
    url = _link(c.aged_86)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "王*" in html and "王奶奶" not in html  # the name masked
    assert "13800000086" not in html  # no phone on the page
    data = {
        "op": "order",
        "point": c.point.pk,
        "once": _once(html),
        "day": DAY.isoformat(),
        "placed_by": PlacedBy.FAMILY,
        "placer_name": "王秀英",
        "placer_phone": "139 0000 0086",
    }
    first = client.post(url, data)
    assert first.status_code == 302 and "done=ordered" in first["Location"]
    again = client.post(url, data)  # the same form sent twice
    assert again.status_code == 302
    order = MealOrder.objects.get()
    assert (order.placed_by, order.placer_name, order.placer_phone) == (
        PlacedBy.FAMILY,
        "王秀英",
        "13900000086",
    )
    assert order.free and order.home_delivery and order.band == c.bands["85"]
    shown = client.get(first["Location"])
    assert shown.status_code == 200
    assert shown.context["recent"][0]["order"] == order
    assert shown.context["recent"][0]["may_cancel"]


def test_a_family_order_without_a_phone_is_shown_on_the_form_and_nothing_is_saved():
    c = cf.care()
    client = Client()
    url = _link(c.aged_86)
    data = {
        "op": "order",
        "once": _once(client.get(url).content.decode()),
        "day": DAY.isoformat(),
        "placed_by": PlacedBy.FAMILY,
        "placer_name": "王秀英",
        "placer_phone": "",
    }
    answer = client.post(url, data)
    assert answer.status_code == 400
    assert answer.context["form"].errors["placer_phone"]
    assert not MealOrder.objects.exists()


def test_a_wrong_key_or_a_person_no_longer_on_the_register_is_no_page():
    c = cf.care()
    client = Client()
    assert (
        client.get(reverse("care_public:order", args=[c.aged_86.pk, "0" * 12])).status_code == 404
    )
    other_key = access.person_key(c.aged_70.pk)
    wrong = reverse("care_public:order", args=[c.aged_86.pk, other_key])
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"op": "order"}).status_code == 404
    CaredPerson.objects.filter(pk=c.aged_86.pk).update(forgotten_at=timezone.now())
    assert client.get(_link(c.aged_86)).status_code == 404


def test_too_young_to_order_sees_no_form():
    c = cf.care()
    page = Client().get(_link(c.aged_55))
    assert page.status_code == 200 and not page.context["may_order"]


def test_the_person_cancels_before_the_cut_off_not_after():
    c = cf.care()
    order = of.by_family(c, c.aged_86)
    client = Client()
    url = _link(c.aged_86)
    with time_machine.travel(of.at(DAY, 9, 31), tick=False):
        page = client.get(url)
        assert not page.context["recent"][0]["may_cancel"]
        late = client.post(url, {"op": "cancel", "order": order.pk})
        assert late.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.ORDERED
    done = client.post(url, {"op": "cancel", "order": order.pk})
    assert done.status_code == 302 and "done=cancelled" in done["Location"]
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


def test_an_order_of_someone_else_is_not_cancelled_from_this_page():
    c = cf.care()
    theirs = of.place(c, c.aged_70)
    answer = Client().post(_link(c.aged_86), {"op": "cancel", "order": theirs.pk})
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == OrderState.ORDERED


def test_the_menu_of_today_is_shown_once_published():
    c = cf.care()
    menu = Menu.objects.create(point=c.point, day=DAY)
    Dish.objects.create(menu=menu, name="清蒸鱼", special=True)
    client = Client()
    assert "清蒸鱼" not in client.get(_link(c.aged_70)).content.decode()
    Menu.objects.filter(pk=menu.pk).update(published_at=timezone.now())
    assert "清蒸鱼" in client.get(_link(c.aged_70)).content.decode()


# --- Staff ------------------------------------------------------------------------------------


def test_staff_order_on_someone_s_behalf():
    c = cf.care()
    url = reverse("care:order_add", args=[c.point.pk])
    client = _as(c.w.dispatcher)
    assert client.get(url).status_code == 200
    answer = client.post(url, {"person": c.aged_70.pk, "day": DAY.isoformat(), "note": "少盐"})
    assert answer.status_code == 302
    order = MealOrder.objects.get()
    assert (order.placed_by, order.placed_by_person, order.note) == (
        PlacedBy.STAFF,
        c.w.dispatcher,
        "少盐",
    )
    again = client.post(url, {"person": c.aged_70.pk, "day": DAY.isoformat()})
    assert again.status_code == 409  # already ordered, said on the form


def test_a_grid_worker_orders_only_for_the_people_of_their_grid():
    c = cf.care()
    url = reverse("care:order_add", args=[c.point.pk])
    client = _as(c.w.grid_worker)
    page = client.get(url)
    assert page.status_code == 200
    choices = {pk for pk, _label in page.context["form"].fields["person"].choices if pk}
    assert c.aged_70.pk in choices and c.aged_86.pk not in choices  # 王奶奶 lives in grid B
    refused = client.post(url, {"person": c.aged_86.pk, "day": DAY.isoformat()})
    assert refused.status_code == 400
    assert not MealOrder.objects.exists()


def test_a_leader_is_refused_before_any_form_is_read():
    c = cf.care()
    leader = _as(c.w.leader)
    garbage = {"person": "x", "day": "not a day", "min_age": "x"}
    assert leader.get(reverse("care:orders_day", args=[c.point.pk])).status_code == 200
    assert leader.get(reverse("care:order_add", args=[c.point.pk])).status_code == 403
    assert leader.post(reverse("care:order_add", args=[c.point.pk]), garbage).status_code == 403
    assert leader.post(reverse("care:bands", args=[c.point.pk]), garbage).status_code == 403
    order = of.place(c, c.aged_70)
    act = reverse("care:order_act", args=[order.pk])
    assert leader.post(act, {"op": "serve"}).status_code == 403
    assert leader.post(reverse("care:order_phone", args=[order.pk])).status_code == 403
    order.refresh_from_db()
    assert order.state == OrderState.ORDERED


def test_staff_of_another_community_find_no_such_point():
    c = cf.care()
    stranger = _as(c.w.stranger)
    assert stranger.get(reverse("care:orders_day", args=[c.point.pk])).status_code == 404
    assert stranger.post(reverse("care:order_add", args=[c.point.pk]), {}).status_code == 404
    order = of.place(c, c.aged_70)
    assert (
        stranger.post(reverse("care:order_act", args=[order.pk]), {"op": "cancel"}).status_code
        == 404
    )


def test_the_day_s_list_masks_phones_totals_by_band_and_the_cook_serves():
    c = cf.care()
    of.by_family(c, c.aged_86)
    of.place(c, c.aged_70)
    of.place(c, c.aged_62)
    cook = _as(c.cook)  # the point's staff, no role in the network
    page = cook.get(reverse("care:orders_day", args=[c.point.pk]), {"day": DAY.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "139****0086" in html and "13900000086" not in html
    totals = {t["band"]: (t["count"], t["amount"]) for t in page.context["totals"]}
    assert totals == {
        "60岁以上": (1, 8),
        "65岁以上": (1, 6),
        "85岁以上行动不便": (1, 0),
    }
    order = MealOrder.objects.get(person=c.aged_70)
    with time_machine.travel(of.at(DAY, 12), tick=False):
        row = cook.post(
            reverse("care:order_act", args=[order.pk]), {"op": "serve"}, HTTP_HX_REQUEST="true"
        )
    assert row.status_code == 200 and row.context["r"]["state"] == OrderState.SERVED
    order.refresh_from_db()
    assert order.state == OrderState.SERVED


def test_a_refused_move_is_said_and_changes_nothing():
    c = cf.care()
    order = of.place(c, c.aged_70, day=DAY + dt.timedelta(days=1))
    client = _as(c.w.dispatcher)
    answer = client.post(reverse("care:order_act", args=[order.pk]), {"op": "serve"})
    assert answer.status_code == 302  # back to the day, with the message
    order.refresh_from_db()
    assert order.state == OrderState.ORDERED
    bad = client.post(reverse("care:order_act", args=[order.pk]), {"op": "explode"})
    assert bad.status_code == 302


def test_the_orderer_s_phone_is_revealed_on_a_button_and_logged():
    c = cf.care()
    order = of.by_family(c, c.aged_86)
    answer = _as(c.w.dispatcher).post(
        reverse("care:order_phone", args=[order.pk]), HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and "13900000086" in answer.content.decode()
    log = RevealLog.objects.get()
    assert (log.actor, log.subject, log.field) == (
        c.w.dispatcher,
        f"care-order:{order.pk}",
        "placer_phone",
    )


def test_the_bands_page_changes_a_rule_from_a_day():
    c = cf.care()
    url = reverse("care:bands", args=[c.point.pk])
    client = _as(c.w.dispatcher)
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "name": "85岁以上",
            "min_age": 85,
            "price": "3",
            "free": "on",
            "valid_from": DAY.isoformat(),
        },
    )
    assert bad.status_code == 400 and bad.context["form"].errors["price"]
    good = client.post(
        url, {"name": "65岁以上", "min_age": 65, "price": "5", "valid_from": DAY.isoformat()}
    )
    assert good.status_code == 302
    assert c.point.bands.get().price == 5
    # The region-wide choice is only for administrators.
    assert "region_wide" not in client.get(url).context["form"].fields


# --- Finding the links by phone ---------------------------------------------------------------


@pytest.fixture
def texts(caplog, django_capture_on_commit_callbacks):
    """`with texts() as codes:` posts inside; `codes` holds the codes texted at the commit."""
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")

    @contextlib.contextmanager
    def run():
        codes: list[str] = []
        caplog.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield codes
        lines = [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]
        codes += [m.group(1) for line in lines if (m := re.search(r": .*?(\d{6})", line))]

    return run


def _plain(html: str, phone: str) -> str:
    """The page without what differs on every render or with the number typed."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(phone, "PHONE").replace(phone[:3] + "****" + phone[-4:], "MASKED")


def test_find_by_phone_says_the_same_for_a_number_it_does_not_know(texts):
    c = cf.care()
    url = reverse("care_public:order_find")
    assert url == "/care/order/"
    client = Client()
    assert client.get(url).status_code == 200
    with texts() as codes:
        known = client.post(url, {"phone": "13900000086"})  # 王奶奶's daughter
        unknown = client.post(url, {"phone": "13911112222"})
    assert known.status_code == unknown.status_code == 200
    assert _plain(known.content.decode(), "13900000086") == _plain(
        unknown.content.decode(), "13911112222"
    )
    assert len(codes) == 1 and PhoneCode.objects.count() == 1  # texted to the known one only
    found = client.post(url, {"phone": "13900000086", "code": codes[0]})
    assert found.status_code == 200
    assert found.context["found"] == [{"name": "王**", "url": _link(c.aged_86)}]
    # The link opens the page.
    assert client.get(found.context["found"][0]["url"]).status_code == 200


def test_a_wrong_code_lists_nobody(texts):
    cf.care()
    client = Client()
    url = reverse("care_public:order_find")
    with texts() as codes:
        client.post(url, {"phone": "13800000070"})  # 张万喜's own phone
    assert codes
    wrong = "000000" if codes[0] != "000000" else "111111"
    answer = client.post(url, {"phone": "13800000070", "code": wrong})
    assert answer.status_code == 200 and "found" not in answer.context
    assert answer.context["form"].errors["code"]


def test_the_allowed_actions_of_the_resident_page_are_the_state_machine_s():
    c = cf.care()
    order = of.by_family(c, c.aged_86)
    page = Client().get(_link(c.aged_86))
    assert page.context["recent"][0]["may_cancel"] == (
        orders.Action.CANCEL in orders.allowed_actions("resident", order)
    )


@pytest.mark.parametrize("persona", ["dispatcher", "grid_worker"])
def test_the_day_s_list_does_not_grow_in_queries_with_its_length(persona):
    c = cf.care()
    client = _as(getattr(c.w, persona))
    url = reverse("care:orders_day", args=[c.point.pk])
    of.place(c, c.aged_70)
    client.get(url)  # warm what is read once per process
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(6):
        of.place(c, cf.person(c.w.t["gridA"], f"老人{i}", 70 + i))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["rows"]) == 7
    assert all(row["actions"] for row in page.context["rows"])
    assert len(many) == len(few), [q["sql"] for q in many]
