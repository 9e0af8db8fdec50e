"""The age rules as data: which bands are in force at a point on a day, a person's band on their
birthdays, and changing a rule (a new row from a day; the band in force is never edited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.care import bands
from civicgrid.care.models import AgeBand, Mobility
from civicgrid.care.tests import factories as cf
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db

DAY = cf.DAY
NEXT = DAY + dt.timedelta(days=1)


def _change(c: cf.Care, **fields: object) -> AgeBand:
    values: dict[str, object] = {
        "by": c.w.dispatcher,
        "point": c.point,
        "name": "65岁以上",
        "min_age": 65,
        "price": "5",
        "special_dish": True,
        "free": False,
        "delivery": False,
        "limited_mobility_only": False,
        "valid_from": NEXT,
        "today": DAY,
    }
    values.update(fields)
    return bands.band_change(**values)  # type: ignore[arg-type]


def test_a_point_without_bands_of_its_own_follows_the_region():
    c = cf.care()
    assert [b.min_age for b in bands.bands_in_force(c.point, DAY)] == [60, 65, 85]
    assert all(b.point_id is None for b in bands.bands_in_force(c.point, DAY))
    # Before the region's bands began, nothing is in force: nobody may order.
    assert bands.bands_in_force(c.point, dt.date(2025, 12, 31)) == []
    assert bands.band_for(c.aged_70, c.point, dt.date(2025, 12, 31)) is None


def test_a_point_with_its_own_bands_uses_only_those():
    c = cf.care()
    own = cf.default_bands(c.point, since=NEXT)
    assert {b.point_id for b in bands.bands_in_force(c.point, DAY)} == {None}
    assert {b.pk for b in bands.bands_in_force(c.point, NEXT)} == {b.pk for b in own.values()}


def test_a_person_gets_the_highest_band_they_meet():
    c = cf.care()
    assert bands.band_for(c.aged_62, c.point, DAY) == c.bands["60"]
    assert bands.band_for(c.aged_70, c.point, DAY) == c.bands["65"]
    assert bands.band_for(c.aged_86, c.point, DAY) == c.bands["85"]
    assert bands.band_for(c.aged_55, c.point, DAY) is None
    assert bands.band_for(c.orphan, c.point, DAY) is None


def test_the_85_band_needs_limited_mobility_or_bedridden():
    c = cf.care()
    walks = cf.person(c.w.t["gridA"], "老李", 90)
    bedridden = cf.person(c.w.t["gridA"], "老赵", 88, mobility=Mobility.BEDRIDDEN)
    assert bands.band_for(walks, c.point, DAY) == c.bands["65"]
    assert bands.band_for(bedridden, c.point, DAY) == c.bands["85"]


def test_on_the_day_someone_turns_65_they_get_the_special_dish_not_the_day_before():
    c = cf.care()
    turns = cf.person(c.w.t["gridA"], "刘大娘", 65, days_after=1)  # 64 today, 65 from NEXT
    assert (turns.age_on(DAY), turns.age_on(NEXT)) == (64, 65)
    before = bands.band_for(turns, c.point, DAY)
    on = bands.band_for(turns, c.point, NEXT)
    assert before == c.bands["60"] and not before.special_dish
    assert on == c.bands["65"] and on.special_dish and on.price == Decimal("6.00")


def test_on_the_day_someone_with_limited_mobility_turns_85_they_eat_free_and_are_delivered():
    c = cf.care()
    turns = cf.person(c.w.t["gridB"], "孙奶奶", 85, mobility=Mobility.LIMITED, days_after=1)
    assert (turns.age_on(DAY), turns.age_on(NEXT)) == (84, 85)
    before = bands.band_for(turns, c.point, DAY)
    on = bands.band_for(turns, c.point, NEXT)
    assert before == c.bands["65"] and not before.free and not before.delivery
    assert on == c.bands["85"] and on.free and on.delivery and on.price == 0


def test_a_birthday_on_29_february_counts_from_1_march():
    c = cf.care()
    leap = cf.person(c.w.t["gridA"], "闰年", 60)
    leap.birth_date = dt.date(1964, 2, 29)
    assert bands.band_for(leap, c.point, dt.date(2029, 2, 28)) == c.bands["60"]  # 64
    assert bands.band_for(leap, c.point, dt.date(2029, 3, 1)) == c.bands["65"]  # 65


# --- Changing a rule --------------------------------------------------------------------------


def test_a_change_ends_the_band_it_replaces_and_starts_a_new_row():
    c = cf.care()
    old = c.bands["65"]
    new = _change(c, point=None, by=nf.person("管理员", is_superuser=True), replaces=old)
    old.refresh_from_db()
    assert old.valid_until == NEXT and old.price == Decimal("6.00")  # ended, not edited
    assert new.pk != old.pk and new.valid_from == NEXT and new.price == Decimal("5.00")
    assert bands.band_for(c.aged_70, c.point, DAY) == old
    assert bands.band_for(c.aged_70, c.point, NEXT) == new


def test_a_point_band_is_changed_by_staff_who_serve_its_place():
    c = cf.care()
    first = _change(c, valid_from=DAY)
    second = _change(c, replaces=first, price="4.50")
    first.refresh_from_db()
    assert first.valid_until == NEXT and second.point_id == c.point.pk
    assert bands.band_for(c.aged_70, c.point, NEXT) == second
    # The point now has bands of its own: the region's no longer apply there.
    assert bands.band_for(c.aged_62, c.point, NEXT) is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"free": True, "price": "3"}, "free_with_price"),
        ({"price": "-1"}, "price_invalid"),
        ({"price": "abc"}, "price_invalid"),
        ({"min_age": 131}, "min_age_invalid"),
        ({"name": " "}, "name_required"),
        ({"valid_from": DAY - dt.timedelta(days=1)}, "valid_from_past"),
    ],
)
def test_an_invalid_band_is_refused_with_its_code(fields, code):
    c = cf.care()
    with pytest.raises(Invalid) as refused:
        _change(c, **fields)
    assert refused.value.code == code
    assert not AgeBand.objects.filter(point=c.point).exists()


def test_dates_that_run_backwards_are_refused_and_nothing_changes():
    c = cf.care()
    first = _change(c, valid_from=NEXT)
    with pytest.raises(Invalid) as refused:
        _change(c, replaces=first, valid_from=NEXT)
    assert refused.value.code == "dates_backwards"
    first.refresh_from_db()
    assert first.valid_until is None


def test_a_second_band_for_the_same_age_at_once_is_refused():
    c = cf.care()
    _change(c)
    with pytest.raises(Invalid) as refused:
        _change(c, valid_from=NEXT + dt.timedelta(days=3))
    assert refused.value.code == "band_overlaps"


def test_a_band_of_another_point_or_the_region_is_not_replaced_from_here():
    c = cf.care()
    with pytest.raises(Invalid) as refused:
        _change(c, replaces=c.bands["65"])
    assert refused.value.code == "band_elsewhere"
    c.bands["65"].refresh_from_db()
    assert c.bands["65"].valid_until is None


def test_who_may_change_a_point_s_bands():
    c = cf.care()
    with pytest.raises(NotAllowed) as leader:
        _change(c, by=c.w.leader)
    with pytest.raises(NotAllowed) as stranger:
        _change(c, by=c.w.stranger)
    with pytest.raises(NotAllowed):
        _change(c, by=c.cook)  # the cook serves meals, not prices
    assert leader.value.code == stranger.value.code == "outside_area"
    assert _change(c, by=c.w.town_staff).created_by == c.w.town_staff


def test_only_an_administrator_changes_the_region_s_bands():
    c = cf.care()
    with pytest.raises(NotAllowed) as refused:
        _change(c, point=None, replaces=c.bands["60"], by=c.w.dispatcher)
    assert refused.value.code == "region_bands_not_allowed"
    admin = nf.person("旗管理员", roles=[(Role.ADMIN, c.w.t["banner"])])
    made = _change(c, point=None, replaces=c.bands["60"], min_age=60, by=admin)
    assert made.point_id is None


def test_ending_a_band_without_a_successor():
    c = cf.care()
    band = _change(c, valid_from=DAY)
    ended = bands.band_end(by=c.w.dispatcher, band=band, valid_until=NEXT, today=DAY)
    assert ended.valid_until == NEXT
    with pytest.raises(Invalid) as refused:
        bands.band_end(by=c.w.dispatcher, band=band, valid_until=NEXT, today=DAY)
    assert refused.value.code == "band_ended"
