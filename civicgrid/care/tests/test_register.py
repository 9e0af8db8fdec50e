"""The care register's writes: a person added with their care kinds, phones cleaned, the
identity-card number never kept (its digest refuses the same person twice), the age always
computed, changes and leaving written in the timeline, staff outside the place refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.care import events, register
from civicgrid.care.models import CaredPerson, CareEvent, CareKind, Mobility, VisitPlan
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_visits as vf
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.hashing import identity_digest

pytestmark = pytest.mark.django_db


def _add(c: cf.Care, **overrides: object) -> CaredPerson:
    fields: dict[str, object] = {
        "by": c.w.dispatcher,
        "node": c.w.t["gridA"],
        "name": "刘大爷",
        "birth_date": cf.born(81),
        "mobility": Mobility.LIMITED,
        "lives_alone": True,
        "kinds": [CareKind.ELDERLY, CareKind.DISABLED],
        "phone": "138 0000 1111",
        "address": "一组12号",
        "today": cf.DAY,
    }
    fields.update(overrides)
    return register.cared_add(**fields)  # type: ignore[arg-type]


def test_a_person_is_added_with_their_kinds_and_a_clean_phone() -> None:
    c = cf.care()
    person = _add(c, guardian_phone="+86 139-0000-2222")
    assert sorted(person.marks.values_list("kind", flat=True)) == ["disabled", "elderly"]
    assert person.phone == "13800001111" and person.guardian_phone == "13900002222"
    assert person.created_by == c.w.dispatcher
    event = events.timeline(person).get()
    assert event.action == "add"
    data = events.read(event)
    assert isinstance(data, register.PersonAdded)
    assert data.kinds == ["disabled", "elderly"] and data.source == "form"


def test_the_id_number_is_never_kept_only_its_digest() -> None:
    c = cf.care()
    number = vf.id_number(cf.born(81), 7)
    person = _add(c, id_number=number.lower())
    assert person.identity_digest == identity_digest(number)
    row = CaredPerson.objects.filter(pk=person.pk).values().get()
    assert not [k for k, v in row.items() if isinstance(v, str) and number[6:14] in v]
    assert number not in str(list(CareEvent.objects.values_list("data", "note")))


def test_the_same_id_number_twice_on_the_register_is_refused() -> None:
    c = cf.care()
    number = vf.id_number(cf.born(81), 8)
    first = _add(c, id_number=number)
    with pytest.raises(Conflict) as refused:
        _add(c, name="刘大爷2", id_number=f" {number[:6]} {number[6:]}", node=c.w.t["gridB"])
    assert refused.value.code == "already_registered"
    assert CaredPerson.objects.filter(identity_digest=first.identity_digest).count() == 1
    # Once the first has left the register, the number may be registered again.
    register.cared_leave(by=c.w.dispatcher, person=first, reason="搬走")
    again = _add(c, id_number=number)
    assert again.identity_digest == first.identity_digest


def test_the_database_refuses_the_same_digest_twice_on_the_register() -> None:
    c = cf.care()
    digest = identity_digest(vf.id_number(cf.born(81), 10))
    first = cf.person(c.w.t["gridA"], "甲", 81, identity_digest=digest)
    with pytest.raises(IntegrityError), transaction.atomic():
        cf.person(c.w.t["gridB"], "乙", 81, identity_digest=digest)
    CaredPerson.objects.filter(pk=first.pk).update(left_at=timezone.now())
    assert cf.person(c.w.t["gridB"], "乙", 81, identity_digest=digest).pk
    # Blank digests (no number given) are many.
    cf.person(c.w.t["gridB"], "丙", 81)
    cf.person(c.w.t["gridB"], "丁", 81)


def test_a_wrong_id_number_is_refused_and_not_digested() -> None:
    c = cf.care()
    number = vf.id_number(cf.born(81), 9)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(Invalid) as refused:
        _add(c, id_number=wrong)
    assert refused.value.code == "bad_id_number"
    assert not CaredPerson.objects.filter(name="刘大爷").exists()


def test_the_age_is_computed_never_stored() -> None:
    c = cf.care()
    names = {f.name for f in CaredPerson._meta.get_fields()}
    assert not [n for n in names if "age" in n]
    turning = _add(c, birth_date=cf.born(85, days_after=1))
    assert turning.age_on(cf.DAY) == 84
    assert turning.age_on(cf.DAY + dt.timedelta(days=1)) == 85


def test_every_problem_is_named_by_its_field() -> None:
    c = cf.care()
    with pytest.raises(Invalid) as refused:
        _add(c, birth_date=cf.DAY + dt.timedelta(days=1), kinds=[], phone="12345", name="")
    fields = refused.value.details["fields"]
    assert set(fields) == {"birth_date", "kinds", "phone", "name"}
    codes = {code for _f, code, _m in refused.value.details["problems"]}
    assert codes == {"birth_future", "kinds_required", "phone_invalid", "required"}
    with pytest.raises(Invalid) as old:
        _add(c, birth_date=dt.date(cf.DAY.year - 121, 1, 1))
    assert old.value.code == "birth_too_old"


def test_staff_outside_the_place_and_readers_are_refused() -> None:
    c = cf.care()
    with pytest.raises(NotAllowed) as outside:
        _add(c, by=c.w.stranger)
    assert outside.value.code == "outside_area"
    with pytest.raises(NotAllowed) as reader:
        _add(c, by=c.w.leader)
    assert reader.value.code == "not_allowed"
    with pytest.raises(NotAllowed):
        _add(c, by=c.w.grid_worker, node=c.w.t["gridB"])
    with pytest.raises(Invalid) as town:
        _add(c, by=c.w.town_staff, node=c.w.t["town1"])
    assert town.value.code == "bad_place"
    assert _add(c, by=c.w.grid_worker).node == c.w.t["gridA"]


def test_a_household_must_be_at_the_persons_place() -> None:
    c = cf.care()
    with pytest.raises(Invalid) as refused:
        _add(c, node=c.w.t["gridB"], household=c.household)
    assert refused.value.code == "household_elsewhere"
    home = register.household_save(by=c.w.dispatcher, node=c.w.t["gridB"], name="刘家")
    assert _add(c, node=c.w.t["gridB"], household=home).household == home


def _update_args(person: CaredPerson, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "node": person.node,
        "name": person.name,
        "birth_date": person.birth_date,
        "mobility": person.mobility,
        "lives_alone": person.lives_alone,
        "kinds": register.kinds_of(person),
        "household": person.household,
        "address": person.address,
        "phone": person.phone,
        "guardian_name": person.guardian_name,
        "guardian_relation": person.guardian_relation,
        "guardian_phone": person.guardian_phone,
        "today": cf.DAY,
    }
    fields.update(changes)
    return fields


def test_an_update_writes_the_fields_changed_never_their_values() -> None:
    c = cf.care()
    number = vf.id_number(cf.born(81), 11)
    person = _add(c, id_number=number)
    changed = register.cared_update(
        by=c.w.dispatcher,
        person=person,
        **_update_args(person, phone="13911112222", kinds=[CareKind.ELDERLY]),  # type: ignore[arg-type]
    )
    assert changed.phone == "13911112222" and register.kinds_of(changed) == ["elderly"]
    assert changed.identity_digest == identity_digest(number)  # a blank number keeps it
    last = events.timeline(person).last()
    assert last is not None and last.action == "update"
    assert events.read(last) == register.PersonUpdated(fields=["kinds", "phone"])
    assert "13911112222" not in str(last.data)


def test_leaving_the_register_stops_the_plan_and_happens_once() -> None:
    c = cf.care()
    plan = vf.plan(c.aged_86, next_due=cf.DAY)
    register.cared_leave(by=c.w.dispatcher, person=c.aged_86, reason="去世")
    person = CaredPerson.objects.get(pk=c.aged_86.pk)
    assert person.left_at is not None
    assert not VisitPlan.objects.get(pk=plan.pk).active
    with pytest.raises(Conflict) as twice:
        register.cared_leave(by=c.w.dispatcher, person=person, reason="去世")
    assert twice.value.code == "not_on_register"
    with pytest.raises(Conflict):
        register.cared_update(
            by=c.w.dispatcher,
            person=person,
            **_update_args(person, kinds=[CareKind.ELDERLY]),  # type: ignore[arg-type]
        )
    assert [e.action for e in events.timeline(person)] == ["leave"]


def test_a_reason_is_needed_to_leave() -> None:
    c = cf.care()
    with pytest.raises(Invalid) as refused:
        register.cared_leave(by=c.w.dispatcher, person=c.aged_70, reason="  ")
    assert refused.value.code == "required"


def test_age_bands_filter_on_birthdays() -> None:
    c = cf.care()
    turns_80 = _add(c, name="明天八十", birth_date=cf.born(80, days_after=1))
    today_80 = _add(c, name="今天八十", birth_date=cf.born(80))
    everyone = CaredPerson.objects.all()

    def names(age: str, day: dt.date = cf.DAY) -> set[str]:
        found = register.register_filter(everyone, register.Filters(age=age), day=day)
        return set(found.values_list("name", flat=True))

    assert today_80.name in names("80") and turns_80.name not in names("80")
    assert turns_80.name in names("80", cf.DAY + dt.timedelta(days=1))
    assert names("child") == {"小明"}
    assert names("60") >= {"张万喜", "李桂兰", "王奶奶"} and "赵四" not in names("60")
    alone = register.register_filter(everyone, register.Filters(alone=True), day=cf.DAY)
    assert set(alone.values_list("name", flat=True)) == {"王奶奶", "明天八十", "今天八十"}


def test_born_by_counts_29_february_as_age_on_does() -> None:
    assert register.born_by(dt.date(2028, 2, 29), 65) == dt.date(1963, 2, 28)
    leap = dt.date(1960, 2, 29)
    day = dt.date(2025, 3, 1)
    assert (leap <= register.born_by(day, 65)) == (register.age_on(leap, day) >= 65)
    day = dt.date(2025, 2, 28)
    assert (leap <= register.born_by(day, 65)) == (register.age_on(leap, day) >= 65)
