"""The care register's writes and reads: people the community cares for, their households.

A person on the register has a small life cycle, written out in `TRANSITIONS`: staff who
serve the place add them (`cared_add`, or the import: `register_import.py`), change their
details (`cared_update`) and take them off when they move away or die (`cared_leave`, which
keeps the row and its figures). Each move appends a "person" event to the care timeline
(`care/events.py`); the events carry field names and kinds, never a phone or an address.

What is kept is the least that serves: a birth date (the age is computed on the day it is
asked, `age_on`, and never stored), no identity-card number (only its keyed digest,
`core.hashing.identity_digest`, to refuse the same person twice), Chinese mobiles cleaned as
the intake cleans them (`needs.services.clean_phone`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.care import access, events
from civicgrid.care.models import (
    CaredPerson,
    CareKind,
    CareMark,
    Household,
    Mobility,
    VisitPlan,
    age_on,
)
from civicgrid.core.errors import Conflict, DomainError, Invalid
from civicgrid.core.hashing import identity_digest
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node, NodeKind, Person
from civicgrid.network.scope import paths_q

__all__ = [
    "AGE_BANDS",
    "PLACE_KINDS",
    "Details",
    "age_on",
    "cared_add",
    "cared_leave",
    "cared_update",
    "clean_details",
    "household_save",
    "register_filter",
    "valid_id_number",
]

# Where a person on the register sits: a community, a grid or a unit (never a town).
PLACE_KINDS = (NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID, NodeKind.UNIT)
MAX_AGE = 120
LIMITS = {
    "name": 60,
    "name_mn": 120,
    "address": 200,
    "guardian_name": 60,
    "guardian_relation": 20,
    "note": 200,
    "reason": 200,
}
STAFF = "staff"

# --- The life cycle ---------------------------------------------------------------------------

ON_REGISTER = "on_register"
LEFT = "left"


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]  # () for the move that makes the record
    target: str


# Who: staff who serve the person's place (access.serves), for every move.
TRANSITIONS: dict[str, Move] = {
    "add": Move((), ON_REGISTER),
    "update": Move((ON_REGISTER,), ON_REGISTER),
    "leave": Move((ON_REGISTER,), LEFT),
}


def state_of(person: CaredPerson) -> str:
    return LEFT if person.left_at is not None else ON_REGISTER


def _check_move(person: CaredPerson, action: str) -> None:
    if person.forgotten_at is not None or state_of(person) not in TRANSITIONS[action].sources:
        raise not_on_register(person)


def not_on_register(person: CaredPerson) -> Conflict:
    return Conflict(
        _("%(name)s is no longer on the register.") % {"name": person.name},
        code="not_on_register",
    )


def check_on_register(person: CaredPerson) -> None:
    """For the areas that act for a person (visits, orders): not left, not forgotten."""
    if person.left_at is not None or person.forgotten_at is not None:
        raise not_on_register(person)


@events.kind("person.add")
@dataclass(frozen=True, kw_only=True)
class PersonAdded(events.EventData):
    kinds: list[str] | None = None
    source: str | None = None  # "form" or "import"


@events.kind("person.update")
@dataclass(frozen=True, kw_only=True)
class PersonUpdated(events.EventData):
    # The names of the fields changed, never their values (the timeline is read widely).
    fields: list[str] | None = None


# --- Cleaning what is entered -----------------------------------------------------------------

_ID_RE = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(number: str) -> bool:
    """An identity-card number as written: 18 characters with a right check character (GB
    11643), or the old 15 digits."""
    number = re.sub(r"[\s\-]", "", number or "").upper()
    if not _ID_RE.match(number):
        return False
    if len(number) == 15:
        return True
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


@dataclass
class Problems:
    """Every problem of one entry, by field, so that a form shows each where it is and the
    import lists each on its row."""

    found: list[tuple[str, str, str]] = field(default_factory=list)  # field, code, message

    def add(self, name: str, code: str, message: str) -> None:
        self.found.append((name, code, message))

    def catch(self, name: str, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except DomainError as error:
            self.add(name, error.code, error.message)
            return None

    def raise_any(self) -> None:
        if not self.found:
            return
        fields: dict[str, list[str]] = {}
        for name, _code, message in self.found:
            fields.setdefault(name, []).append(message)
        _name, code, message = self.found[0]
        raise Invalid(message, code=code, fields=fields, problems=list(self.found))


@dataclass(frozen=True)
class Details:
    """A person's details, cleaned: the form and the import share `clean_details`."""

    name: str
    birth_date: dt.date
    mobility: str
    lives_alone: bool
    kinds: tuple[str, ...]
    address: str
    phone: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    identity_digest: str  # "" when no number was given
    sex: str
    name_mn: str
    note: str

    def fields(self) -> dict[str, Any]:
        """The model's fields (the kinds are CareMark rows)."""
        values = dict(self.__dict__)
        values.pop("kinds")
        return values


def _text(problems: Problems, name: str, value: str, *, required: bool = False) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]", "", value or "").strip()
    if required and not text:
        problems.add(name, "required", _("This field is required."))
    elif len(text) > LIMITS[name]:
        problems.add(
            name,
            "too_long",
            _("At most %(limit)d characters, not %(n)d.") % {"limit": LIMITS[name], "n": len(text)},
        )
    return text


def clean_details(
    *,
    name: str,
    birth_date: dt.date | None,
    mobility: str,
    lives_alone: bool,
    kinds: Iterable[str],
    address: str = "",
    phone: str = "",
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_phone: str = "",
    id_number: str = "",
    sex: str = "",
    name_mn: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Details:
    """Check every field and raise one Invalid naming each problem (`details["fields"]` by
    field, `details["problems"]` as (field, code, message)); read nothing from the database."""
    today = today or timezone.localdate()
    problems = Problems()
    if birth_date is None:
        problems.add("birth_date", "required", _("This field is required."))
    elif birth_date > today:
        problems.add("birth_date", "birth_future", _("The date of birth is in the future."))
    elif age_on(birth_date, today) > MAX_AGE:
        problems.add(
            "birth_date",
            "birth_too_old",
            _("A date of birth more than %(years)d years ago is a mistake.") % {"years": MAX_AGE},
        )
    if mobility not in Mobility.values:
        problems.add("mobility", "bad_mobility", _("Choose how the person gets about."))
    chosen = tuple(dict.fromkeys(k for k in kinds if k))
    if not chosen:
        problems.add("kinds", "kinds_required", _("Choose at least one care kind."))
    elif any(k not in CareKind.values for k in chosen):
        problems.add("kinds", "bad_kind", _("Unknown care kind."))
    if sex not in ("", "f", "m"):
        problems.add("sex", "bad_sex", _("Unknown sex."))
    digest = ""
    if id_number.strip():
        if valid_id_number(id_number):
            digest = identity_digest(id_number)
        else:
            problems.add("id_number", "bad_id_number", _("This is not an identity-card number."))
    details = Details(
        name=_text(problems, "name", name, required=True),
        birth_date=birth_date or today,
        mobility=mobility,
        lives_alone=bool(lives_alone),
        kinds=tuple(sorted(chosen)),
        address=_text(problems, "address", address),
        phone=problems.catch("phone", lambda: clean_phone(phone, required=False)) or "",
        guardian_name=_text(problems, "guardian_name", guardian_name),
        guardian_relation=_text(problems, "guardian_relation", guardian_relation),
        guardian_phone=problems.catch(
            "guardian_phone", lambda: clean_phone(guardian_phone, required=False)
        )
        or "",
        identity_digest=digest,
        sex=sex,
        name_mn=_text(problems, "name_mn", name_mn),
        note=_text(problems, "note", note),
    )
    problems.raise_any()
    return details


def already_registered() -> Conflict:
    return Conflict(
        _("A person with this identity-card number is already on the register."),
        code="already_registered",
        fields={"id_number": [_("Already on the register.")]},
    )


def _check_digest_free(digest: str, *, other_than: int | None = None) -> None:
    if not digest:
        return
    taken = CaredPerson.objects.current().filter(identity_digest=digest)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise already_registered()


def check_place(by: Any, node: Node) -> None:
    """Staff who serve `node`, a place people live in (a community, a grid, a unit)."""
    access.check_serves_anywhere(by)
    if node.kind not in PLACE_KINDS:
        raise Invalid(
            _("Choose a community, a grid or a unit."),
            code="bad_place",
            fields={"node": [_("Choose a community, a grid or a unit.")]},
        )
    access.check_serves(by, node)


def _check_household(household: Household | None, node: Node) -> None:
    if household is not None and household.node_id != node.pk:
        raise Invalid(
            _("The household is at another place."),
            code="household_elsewhere",
            fields={"household": [_("The household is at another place.")]},
        )


def _save_new(person: CaredPerson) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # caredperson_digest_once: another request registered the same number meanwhile.
        if (
            person.identity_digest
            and CaredPerson.objects.current()
            .filter(identity_digest=person.identity_digest)
            .exists()
        ):
            raise already_registered() from None
        raise


# --- Writes -----------------------------------------------------------------------------------


def cared_add(
    *,
    by: Person,
    node: Node,
    name: str,
    birth_date: dt.date | None,
    mobility: str,
    lives_alone: bool,
    kinds: Iterable[str],
    household: Household | None = None,
    address: str = "",
    phone: str = "",
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_phone: str = "",
    id_number: str = "",
    sex: str = "",
    name_mn: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> CaredPerson:
    """Put a person on the register. Refuses staff who do not serve `node`
    (NotAllowed "outside_area"), a second person with the same identity-card number
    (Conflict "already_registered") and any field that does not hold (Invalid, every field's
    problem in `details["fields"]`)."""
    check_place(by, node)
    details = clean_details(
        name=name,
        birth_date=birth_date,
        mobility=mobility,
        lives_alone=lives_alone,
        kinds=kinds,
        address=address,
        phone=phone,
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
        guardian_phone=guardian_phone,
        id_number=id_number,
        sex=sex,
        name_mn=name_mn,
        note=note,
        today=today,
    )
    _check_household(household, node)
    with transaction.atomic():
        return add_cleaned(by=by, node=node, details=details, household=household)


def add_cleaned(
    *,
    by: Person,
    node: Node,
    details: Details,
    household: Household | None = None,
    source: str = "form",
) -> CaredPerson:
    """The write part of `cared_add`, for callers that checked the place and cleaned the
    details (the import). Call it in a transaction."""
    _check_digest_free(details.identity_digest)
    person = CaredPerson(node=node, household=household, created_by=by, **details.fields())
    _save_new(person)
    CareMark.objects.bulk_create([CareMark(person=person, kind=k) for k in details.kinds])
    events.append(
        person,
        "add",
        actor=by,
        actor_kind=STAFF,
        data=PersonAdded(kinds=list(details.kinds), source=source),
    )
    return person


def _lock(person: CaredPerson) -> CaredPerson:
    return CaredPerson.objects.select_for_update().select_related("node").get(pk=person.pk)


def kinds_of(person: CaredPerson) -> list[str]:
    return sorted(person.marks.values_list("kind", flat=True))


def cared_update(
    *,
    by: Person,
    person: CaredPerson,
    node: Node,
    name: str,
    birth_date: dt.date | None,
    mobility: str,
    lives_alone: bool,
    kinds: Iterable[str],
    household: Household | None = None,
    address: str = "",
    phone: str = "",
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_phone: str = "",
    id_number: str = "",
    sex: str = "",
    name_mn: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> CaredPerson:
    """Change a person's details (all of them given, as a form sends them). A blank
    `id_number` keeps the digest already kept; a number given replaces it."""
    access.check_serves(by, person.node)
    check_place(by, node)
    details = clean_details(
        name=name,
        birth_date=birth_date,
        mobility=mobility,
        lives_alone=lives_alone,
        kinds=kinds,
        address=address,
        phone=phone,
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
        guardian_phone=guardian_phone,
        id_number=id_number,
        sex=sex,
        name_mn=name_mn,
        note=note,
        today=today,
    )
    _check_household(household, node)
    with transaction.atomic():
        locked = _lock(person)
        _check_move(locked, "update")
        access.check_serves(by, locked.node)
        values = details.fields()
        if not values["identity_digest"]:
            values["identity_digest"] = locked.identity_digest
        elif values["identity_digest"] != locked.identity_digest:
            _check_digest_free(values["identity_digest"], other_than=locked.pk)
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        if locked.node_id != node.pk:
            changed.append("node")
        if locked.household_id != (household.pk if household is not None else None):
            changed.append("household")
        for k, v in values.items():
            setattr(locked, k, v)
        locked.node, locked.household = node, household
        old_kinds = set(kinds_of(locked))
        if old_kinds != set(details.kinds):
            changed.append("kinds")
            locked.marks.exclude(kind__in=details.kinds).delete()
            CareMark.objects.bulk_create(
                [CareMark(person=locked, kind=k) for k in details.kinds if k not in old_kinds]
            )
        if changed:
            try:
                with transaction.atomic():
                    locked.save()
            except IntegrityError:
                raise already_registered() from None
            events.append(
                locked,
                "update",
                actor=by,
                actor_kind=STAFF,
                data=PersonUpdated(fields=sorted(changed)),
            )
        return locked


def cared_leave(
    *, by: Person, person: CaredPerson, reason: str, now: dt.datetime | None = None
) -> CaredPerson:
    """Take a person off the register (moved away, died…): `left_at` is set once, by a
    conditional UPDATE; their visiting plans stop. The row and its figures stay."""
    access.check_serves(by, person.node)
    problems = Problems()
    reason = _text(problems, "reason", reason, required=True)
    problems.raise_any()
    now = now or timezone.now()
    with transaction.atomic():
        moved = CaredPerson.objects.filter(
            pk=person.pk, left_at__isnull=True, forgotten_at__isnull=True
        ).update(left_at=now)
        if not moved:
            raise not_on_register(person)
        VisitPlan.objects.filter(person_id=person.pk, active=True).update(active=False)
        person.left_at = now
        events.append(person, "leave", actor=by, actor_kind=STAFF, note=reason, now=now)
    return person


def household_save(
    *,
    by: Person,
    node: Node,
    name: str,
    address: str = "",
    phone: str = "",
    household: Household | None = None,
) -> Household:
    """Add a household at `node`, or change one (`household`)."""
    if household is not None:
        access.check_serves(by, household.node)
    check_place(by, node)
    problems = Problems()
    name = re.sub(r"[\x00-\x1f\x7f]", "", name or "").strip()
    if not name:
        problems.add("name", "required", _("This field is required."))
    elif len(name) > 60:
        problems.add("name", "too_long", _("At most %(limit)d characters.") % {"limit": 60})
    address = _text(problems, "address", address)
    phone = problems.catch("phone", lambda: clean_phone(phone, required=False)) or ""
    problems.raise_any()
    with transaction.atomic():
        if household is None:
            return Household.objects.create(node=node, name=name, address=address, phone=phone)
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if household.node_id != node.pk and locked.members.filter(left_at__isnull=True).exists():
            raise Conflict(_("Move the household's members first."), code="household_has_members")
        locked.node, locked.name, locked.address, locked.phone = node, name, address, phone
        locked.save(update_fields=["node", "name", "address", "phone"])
        return locked


# --- Reads ------------------------------------------------------------------------------------

# Age bands a list filters on: key → (label, at least, under).
AGE_BANDS: dict[str, tuple[Any, int | None, int | None]] = {
    "child": (gettext_lazy("Under 18"), None, 18),
    "60": (gettext_lazy("60 and over"), 60, None),
    "70": (gettext_lazy("70 and over"), 70, None),
    "80": (gettext_lazy("80 and over"), 80, None),
}


def born_by(day: dt.date, years: int) -> dt.date:
    """The last birth date of someone `years` old or more on `day` (29 February's
    people turn a year older on 1 March in other years, as `age_on` counts)."""
    year = day.year - years
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return dt.date(year, 2, 28)


@dataclass(frozen=True)
class Filters:
    node: Node | None = None
    kind: str = ""
    mobility: str = ""
    alone: bool | None = None
    age: str = ""
    left: bool = False  # people who left instead of those on the register


def register_filter(
    people: QuerySet[CaredPerson], filters: Filters, *, day: dt.date
) -> QuerySet[CaredPerson]:
    """The register narrowed as a list's filters ask (age bands on `day`, by birth date)."""
    people = people.filter(forgotten_at__isnull=True)
    people = people.filter(left_at__isnull=not filters.left)
    if filters.node is not None:
        people = people.filter(paths_q([filters.node.path], node_field="node"))
    if filters.kind:
        people = people.filter(marks__kind=filters.kind)
    if filters.mobility:
        people = people.filter(mobility=filters.mobility)
    if filters.alone is not None:
        people = people.filter(lives_alone=filters.alone)
    if filters.age in AGE_BANDS:
        _label, least, under = AGE_BANDS[filters.age]
        if least is not None:
            people = people.filter(birth_date__lte=born_by(day, least))
        if under is not None:
            people = people.filter(birth_date__gt=born_by(day, under))
    return people


def marks_of(person_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each person's care kinds, in one query."""
    found: dict[int, list[str]] = {}
    for person_id, kind in (
        CareMark.objects.filter(person_id__in=list(person_ids))
        .order_by("person_id", "kind")
        .values_list("person_id", "kind")
    ):
        found.setdefault(person_id, []).append(kind)
    return found
