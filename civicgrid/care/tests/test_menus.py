"""A point's daily menus: written by its cook or the staff who serve its place, published
once, still corrected afterwards (who and when recorded), refused to anyone else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from civicgrid.care import menus
from civicgrid.care.models import Dish, Menu
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_meals as mf
from civicgrid.core.errors import Conflict, Invalid, NotAllowed

pytestmark = pytest.mark.django_db

MORNING = timezone.make_aware(dt.datetime(2026, 12, 2, 8, 0))
DAY = cf.DAY
TOMORROW = DAY + dt.timedelta(days=1)


@pytest.fixture
def c():
    with time_machine.travel(MORNING, tick=False):
        yield cf.care()


def _names(menu: Menu) -> list[tuple[str, str, bool, int]]:
    return list(
        Dish.objects.filter(menu=menu)
        .order_by("position")
        .values_list("name", "name_mn", "special", "position")
    )


def test_the_cook_writes_a_menu_as_a_draft_in_the_order_given(c):
    rows = [*mf.DISHES, {"name": "  ", "name_mn": "", "special": True}]  # a blank row: left out
    menu = menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=rows, note=" 少盐 ")
    assert menu.published_at is None and menu.note == "少盐"
    assert _names(menu) == [
        ("红烧豆腐", "ᠳᠣᠣᠹᠦ", True, 1),
        ("土豆炖牛肉", "ᠦᠬᠡᠷ ᠦᠨ ᠮᠢᠬᠠ", False, 2),
        ("小米粥", "", False, 3),
    ]
    assert menus.published_menu(c.point, DAY) is None
    # Saving again replaces the dishes of the draft, never adds to them.
    again = menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=[{"name": "饺子"}])
    assert again.pk == menu.pk and _names(menu) == [("饺子", "", False, 1)]
    assert Menu.objects.count() == 1


def test_staff_who_serve_the_place_keep_menus_too(c):
    menu = menus.menu_save(by=c.w.dispatcher, point=c.point, day=DAY, dishes=mf.DISHES)
    assert menu.point_id == c.point.pk


@pytest.mark.parametrize("who", ["stranger", "leader", "grid_worker", "unit_member"])
def test_others_may_not_write_a_menu(c, who):
    with pytest.raises(NotAllowed) as refused:
        menus.menu_save(by=getattr(c.w, who), point=c.point, day=DAY, dishes=mf.DISHES)
    assert refused.value.code == "not_allowed"
    assert not Menu.objects.exists()


def test_a_cook_of_another_point_may_not_write_this_ones(c):
    other = cf.nf.person("别处厨师")
    with pytest.raises(NotAllowed):
        menus.menu_save(by=other, point=c.point, day=DAY, dishes=mf.DISHES)


@pytest.mark.parametrize(
    ("dishes", "code"),
    [
        ([], "no_dishes"),
        ([{"name": "", "name_mn": ""}], "no_dishes"),
        ([{"name": "", "name_mn": "ᠮᠢᠬᠠ"}], "dish_no_name"),
        ([{"name": "菜" * 61}], "dish_name_long"),
        ([{"name": f"菜{n}"} for n in range(menus.MAX_DISHES + 1)], "too_many_dishes"),
    ],
)
def test_bad_dishes_are_refused_with_a_code(c, dishes, code):
    with time_machine.travel(MORNING, tick=False), pytest.raises(Invalid) as refused:
        menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=dishes)
    assert refused.value.code == code
    assert not Menu.objects.exists()


def test_no_new_menu_for_a_day_gone_by_but_an_old_one_can_be_corrected(c):
    yesterday = DAY - dt.timedelta(days=1)
    with time_machine.travel(MORNING, tick=False):
        with pytest.raises(Invalid) as refused:
            menus.menu_save(by=c.cook, point=c.point, day=yesterday, dishes=mf.DISHES)
        assert refused.value.code == "day_past"
        old = mf.menu(c.point, yesterday)
        menus.menu_save(by=c.cook, point=c.point, day=yesterday, dishes=[{"name": "面条"}])
        with pytest.raises(Invalid) as far:
            menus.menu_save(
                by=c.cook, point=c.point, day=DAY + dt.timedelta(days=400), dishes=mf.DISHES
            )
    assert far.value.code == "day_far"
    assert _names(old) == [("面条", "", False, 1)]


def test_publishing_once_then_told_it_already_is(c):
    with time_machine.travel(MORNING, tick=False):
        menu = menus.menu_save(by=c.cook, point=c.point, day=TOMORROW, dishes=mf.DISHES)
        published = menus.menu_publish(by=c.cook, menu=menu)
        assert published.published_at == MORNING and published.published_by_id == c.cook.pk
        with pytest.raises(Conflict) as again:
            menus.menu_publish(by=c.w.dispatcher, menu=menu)
    assert again.value.code == "already_published"
    shown = menus.published_menu(c.point, TOMORROW)
    assert shown is not None and [d.name for d in shown.dishes.all()] == [
        "红烧豆腐",
        "土豆炖牛肉",
        "小米粥",
    ]


def test_an_empty_menu_is_not_published(c):
    empty = Menu.objects.create(point=c.point, day=TOMORROW)
    with pytest.raises(Conflict) as refused:
        menus.menu_publish(by=c.cook, menu=empty)
    assert refused.value.code == "menu_empty"
    empty.refresh_from_db()
    assert empty.published_at is None


@pytest.mark.parametrize("who", ["stranger", "leader"])
def test_others_may_not_publish(c, who):
    menu = mf.menu(c.point, TOMORROW, published=False)
    with pytest.raises(NotAllowed):
        menus.menu_publish(by=getattr(c.w, who), menu=menu)
    menu.refresh_from_db()
    assert menu.published_at is None


def test_a_published_menu_corrected_stays_published_and_says_who_corrected_it(c):
    with time_machine.travel(MORNING, tick=False):
        menu = menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=mf.DISHES)
        menus.menu_publish(by=c.cook, menu=menu)
    later = MORNING + dt.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        menus.menu_save(
            by=c.w.dispatcher,
            point=c.point,
            day=DAY,
            dishes=[{"name": "白菜豆腐", "special": True}],
        )
    menu.refresh_from_db()
    assert menu.published_at == MORNING and menu.published_by_id == c.cook.pk
    assert menu.corrected_at == later and menu.corrected_by_id == c.w.dispatcher.pk
    shown = menus.published_menu(c.point, DAY)
    assert shown is not None and [(d.name, d.special) for d in shown.dishes.all()] == [
        ("白菜豆腐", True)
    ]


def test_a_draft_save_records_no_correction(c):
    menu = menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=mf.DISHES)
    menus.menu_save(by=c.cook, point=c.point, day=DAY, dishes=mf.DISHES)
    menu.refresh_from_db()
    assert menu.corrected_at is None and menu.corrected_by is None


def test_the_week_lists_seven_days_with_their_menus(c, django_assert_max_num_queries):
    monday = DAY - dt.timedelta(days=DAY.weekday())
    mf.menu(c.point, monday)
    mf.menu(c.point, DAY, published=False)
    with django_assert_max_num_queries(2):
        week = menus.week(c.point, monday)
    assert [d for d, _m in week] == [monday + dt.timedelta(days=n) for n in range(7)]
    assert [m is not None for _d, m in week] == [True, False, True, False, False, False, False]


def test_dish_names_join_in_each_language():
    assert menus.join_names(["饺子", "粥"], "zh-hans") == "饺子、粥"
    assert menus.join_names(["a", "b"], "en") == "a, b"
    assert "᠂" in menus.join_names(["ᠠ", "ᠪ"], "mn-mong")
