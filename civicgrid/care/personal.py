"""Personal data the care module keeps (docs/privacy.md, "Care"): a person's export, forgetting
a person or a phone, and the retention period. The privacy app calls these from its export,
its removal by phone and its retention run (`privacy/services.py`), as it calls
`services/personal.py`.

Who may: community staff and admins for people (and households, orders) of places under the
nodes their role binds (`needs.reveal.phone_paths`, the rule of needs, wishes and
appointments); `by=None` is the operator (commands, the worker) and reaches everyone.

Finding a person: by their own phone (`CaredPerson.phone`) or their guardian's
(`guardian_phone`); a household by its phone; the family member who ordered a meal by
`MealOrder.placer_phone`. A guardian's phone exports the whole record of a child (the guardian
is the child's representative), and of an adult only what is held about the guardian.

Forgetting a person blanks who they are and how to reach them (name, Mongolian name, address,
phone, guardian, identity digest, note), the notes written about them (visits, deliveries,
orders) and the family's name and phone on their orders, and stamps `forgotten_at`; their
household too once no member is left unforgotten. What every figure is counted from stays:
birth date, sex, mobility, living alone, care kinds, the place (a grid), and every order,
delivery, card, redemption and visit with its amounts, so `counts.py` and the ledgers read
the same before and after. Only people who have left the register are forgotten (one still
cared for needs to be reached); the others are listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care.models import (
    Card,
    CaredPerson,
    CareVisit,
    Delivery,
    Household,
    MealOrder,
    OrderState,
    Redemption,
    VisitPlan,
)
from civicgrid.core.errors import Conflict, NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import Person
from civicgrid.network.scope import paths_q, within_paths

# Three years after a person left the register (moved away, died), unless
# settings.CARE_RETENTION_DAYS says otherwise; 0 keeps everything.
DEFAULT_RETENTION_DAYS = 3 * 365
# People forgotten, orders cleared, per batch of the retention run.
BATCH = 500
# What a forgotten person's or household's name becomes: a neutral marker, never a guess.
FORGOTTEN = "***"
# Under this age a guardian's phone exports the whole record (the guardian represents them).
ADULT_AGE = 18

PERSON_CLEARED: dict[str, str] = {
    "name": FORGOTTEN,
    "name_mn": "",
    "address": "",
    "phone": "",
    "guardian_name": "",
    "guardian_relation": "",
    "guardian_phone": "",
    "identity_digest": "",
    "note": "",
}
GUARDIAN_CLEARED: dict[str, str] = {
    "guardian_name": "",
    "guardian_relation": "",
    "guardian_phone": "",
}
HOUSEHOLD_CLEARED: dict[str, Any] = {
    "name": FORGOTTEN,
    "address": "",
    "phone": "",
    "lat": None,
    "lon": None,
}
PLACER_CLEARED: dict[str, str] = {"placer_name": "", "placer_phone": ""}

M = TypeVar("M", bound=models.Model)


def retention_days() -> int:
    return int(getattr(settings, "CARE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


# --- Who may ------------------------------------------------------------------------------------


def _in_reach(found: QuerySet[M], user: Person | None, node_field: str) -> QuerySet[M]:
    if user is None:  # the operator: commands and the worker
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field=node_field))


def people_in_reach(user: Person | None) -> QuerySet[CaredPerson]:
    """The people of the register whose data `user` may export or remove (None: the
    operator)."""
    return _in_reach(CaredPerson.objects.all(), user, "node")


def households_in_reach(user: Person | None) -> QuerySet[Household]:
    return _in_reach(Household.objects.all(), user, "node")


def orders_in_reach(user: Person | None) -> QuerySet[MealOrder]:
    """Meal orders by the place of the person they are for."""
    return _in_reach(MealOrder.objects.all(), user, "person__node")


def _check_reach(user: Person | None, person: CaredPerson) -> None:
    if user is not None and not within_paths(phone_paths(user), person.node.path):
        raise NotAllowed(
            _("Only community staff and admins of this person's area may handle their data."),
            code="outside_area",
        )


# --- The export ---------------------------------------------------------------------------------


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Any) -> str:
    return str(value)


def redemption_row(r: Redemption) -> dict[str, Any]:
    return {
        "at": _local(r.created_at),
        "shop": r.shop.name,
        "amount": _money(r.amount),
        "discount": _money(r.discount),
        "paid": _money(r.paid),
        "what": r.what,
    }


def card_row(card: Card) -> dict[str, Any]:
    """A card as the export holds it (`kind` read, `redemptions` prefetched with their shop)."""
    return {
        "number": card.number,
        "kind": card.kind.name,
        "state": card.state,
        "state_label": str(card.get_state_display()),
        "issued_at": _local(card.issued_at),
        "reason": card.reason,
        "uses": [redemption_row(r) for r in card.redemptions.all()],
    }


def household_row(household: Household) -> dict[str, Any]:
    return {
        "name": household.name,
        "place": household.node.name,
        "address": household.address,
        "lat": household.lat,
        "lon": household.lon,
        "phone": household.phone,
        "cards": [card_row(c) for c in household.cards.all()],
    }


def _delivery_row(order: MealOrder) -> dict[str, Any] | None:
    try:
        delivery: Delivery = order.delivery
    except Delivery.DoesNotExist:
        return None
    return {
        "state": delivery.state,
        "state_label": str(delivery.get_state_display()),
        "marked_at": _local(delivery.marked_at),
        "note": delivery.note,
    }


def order_row(order: MealOrder) -> dict[str, Any]:
    """A meal order as the export holds it (`point` and `delivery` read)."""
    return {
        "day": _day(order.day),
        "point": order.point.name,
        "band": order.band_name,
        "age": order.age,
        "price": _money(order.price),
        "free": order.free,
        "special_dish": order.special_dish,
        "home_delivery": order.home_delivery,
        "state": order.state,
        "state_label": str(order.get_state_display()),
        "placed_by": order.placed_by,
        "placer_name": order.placer_name,
        "placer_phone": order.placer_phone,
        "note": order.note,
        "ordered_at": _local(order.created_at),
        "delivery": _delivery_row(order),
    }


def visit_row(visit: CareVisit) -> dict[str, Any]:
    # The visitor appears by kind, not by name: the export holds the person's data.
    return {
        "at": _local(visit.visited_at),
        "by": "staff",
        "finding": visit.finding,
        "finding_label": str(visit.get_finding_display()),
        "note": visit.note,
        "need_raised": visit.raised_need_id is not None,
    }


def _cards(through: str = "") -> Prefetch:
    """A household's cards with their kind and every use at its shop, oldest first."""
    uses = Redemption.objects.select_related("shop").order_by("created_at", "id")
    cards = Card.objects.select_related("kind").order_by("issued_at", "id")
    return Prefetch(f"{through}cards", cards.prefetch_related(Prefetch("redemptions", uses)))


def person_row(person: CaredPerson, *, matched_by: list[str]) -> dict[str, Any]:
    """Everything held about one person (read with `_people`' prefetches)."""
    household = person.household
    return {
        "matched_by": matched_by,
        "name": person.name,
        "name_mn": person.name_mn,
        "birth_date": _day(person.birth_date),
        "sex": person.sex,
        "mobility": person.mobility,
        "lives_alone": person.lives_alone,
        "place": person.node.name,
        "address": person.address,
        "phone": person.phone,
        "guardian_name": person.guardian_name,
        "guardian_relation": person.guardian_relation,
        "guardian_phone": person.guardian_phone,
        # The keyed digest itself says nothing to the person; that one is kept does.
        "identity_digest_kept": bool(person.identity_digest),
        "note": person.note,
        "care_kinds": [m.kind for m in person.marks.all()],
        "entered_at": _local(person.created_at),
        "left_at": _local(person.left_at),
        "household": household_row(household) if household is not None else None,
        "meal_orders": [order_row(o) for o in person.meal_orders.all()],
        "visits": [visit_row(v) for v in person.visits.all()],
        "visit_plans": [
            {"every_days": p.every_days, "next_due": _day(p.next_due), "active": p.active}
            for p in person.visit_plans.all()
        ],
        "revealed_to_staff": [
            {"field": r.field, "at": _local(r.created_at)}
            for r in RevealLog.objects.filter(subject=f"care-person:{person.pk}").order_by(
                "created_at"
            )
        ],
    }


def guardian_row(person: CaredPerson) -> dict[str, Any]:
    """What is held about a guardian: who they are the guardian of, and their own fields."""
    return {
        "guardian_of": person.name,
        "place": person.node.name,
        "guardian_name": person.guardian_name,
        "guardian_relation": person.guardian_relation,
        "guardian_phone": person.guardian_phone,
    }


def _people(found: QuerySet[CaredPerson]) -> QuerySet[CaredPerson]:
    orders = MealOrder.objects.select_related("point", "delivery").order_by("day", "id")
    return (
        found.select_related("node", "household__node")
        .prefetch_related(
            "marks",
            _cards("household__"),
            Prefetch("meal_orders", orders),
            Prefetch("visits", CareVisit.objects.order_by("visited_at", "id")),
            Prefetch("visit_plans", VisitPlan.objects.order_by("id")),
        )
        .order_by("created_at", "id")
    )


def personal_export(
    *, phone: str, by: Person | None, today: dt.date | None = None
) -> dict[str, Any]:
    """What the care module holds about a phone number (already cleaned) that `by` may hand
    out: the people on the register with it as their phone (everything: the record, care
    kinds, household and its cards with every use, meal orders and deliveries, visits and
    plans, when staff revealed them), the people it is the guardian's phone of (a child's
    whole record; an adult's, only the guardian's fields), the households with it, and the
    meal orders placed with it for others. Logging the request is the caller's
    (`privacy.services.personal_data_export`)."""
    today = today or timezone.localdate()
    reach = people_in_reach(by).filter(forgotten_at__isnull=True)
    found = list(_people(reach.filter(Q(phone=phone) | Q(guardian_phone=phone))))
    people, guardian_of, whole = [], [], set()
    for p in found:
        matched = [name for name in ("phone", "guardian_phone") if getattr(p, name) == phone]
        if p.phone == phone or p.age_on(today) < ADULT_AGE:
            people.append(person_row(p, matched_by=matched))
            whole.add(p.pk)
        else:
            guardian_of.append(guardian_row(p))
    households = [
        household_row(h)
        for h in households_in_reach(by)
        .filter(phone=phone, forgotten_at__isnull=True)
        .exclude(members__in=whole)
        .select_related("node")
        .prefetch_related(_cards())
        .order_by("id")
    ]
    placed = (
        orders_in_reach(by)
        .filter(placer_phone=phone)
        .exclude(person__in=whole)
        .select_related("point", "person")
        .order_by("day", "id")
    )
    return {
        "people": people,
        "guardian_of": guardian_of,
        "households": households,
        "meal_orders_placed": [
            {
                "day": _day(o.day),
                "point": o.point.name,
                "for": o.person.name,
                "placer_name": o.placer_name,
                "placer_phone": o.placer_phone,
                "state": o.state,
            }
            for o in placed
        ],
    }


Sheet = tuple[str, list[str], list[list[Any]]]  # title, headers, rows


def _register_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows = [
        [
            *(p["name"], p["place"], p["birth_date"], p["phone"], p["address"]),
            *(p["guardian_name"], p["guardian_relation"], p["guardian_phone"]),
            *(", ".join(p["care_kinds"]), p["note"], p["left_at"]),
        ]
        for p in data.get("people", [])
    ]
    for g in data.get("guardian_of", []):
        rows.append(
            [
                *(g["guardian_of"], g["place"], None, None, None),
                *(g["guardian_name"], g["guardian_relation"], g["guardian_phone"]),
            ]
        )
    return rows


def _order_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows = [
        [
            *(p["name"], o["day"], o["point"], o["band"], o["price"], o["state_label"]),
            *(o["placer_name"], o["placer_phone"], (o["delivery"] or {}).get("state_label", "")),
        ]
        for p in data.get("people", [])
        for o in p["meal_orders"]
    ]
    for o in data.get("meal_orders_placed", []):
        rows.append(
            [
                o["for"],
                o["day"],
                o["point"],
                None,
                None,
                o["state"],
                o["placer_name"],
                o["placer_phone"],
            ]
        )
    return rows


def export_sheets(data: dict[str, Any]) -> list[Sheet]:
    """`personal_export`'s data as the sheets of the export workbook (the privacy app writes
    them with its other sheets, through `core/xlsx.py`); a sheet with no row is left out."""
    people = data.get("people", [])
    households = [p["household"] for p in people if p["household"]] + data.get("households", [])
    cards = [(h, c) for h in households for c in h["cards"]]
    sheets: list[Sheet] = [
        (
            _("Care register"),
            [
                *(_("Name"), _("Place"), _("Date of birth"), _("Phone"), _("Address")),
                *(_("Guardian"), _("Relation"), _("Guardian's phone")),
                *(_("Care kinds"), _("Note"), _("Left the register")),
            ],
            _register_rows(data),
        ),
        (
            _("Meal orders"),
            [
                *(_("Person"), _("Day"), _("Meal point"), _("Band"), _("Price"), _("State")),
                *(_("Ordered by"), _("Phone of who ordered"), _("Delivery")),
            ],
            _order_rows(data),
        ),
        (
            _("Care visits"),
            [_("Person"), _("Visited at"), _("What was found"), _("Note")],
            [
                [p["name"], v["at"], v["finding_label"], v["note"]]
                for p in people
                for v in p["visits"]
            ],
        ),
        (
            _("Assistance cards"),
            [
                _("Household"),
                _("Address"),
                _("Phone"),
                _("Card"),
                _("Kind"),
                _("State"),
                _("Issued"),
            ],
            [
                [
                    h["name"],
                    h["address"],
                    h["phone"],
                    c["number"],
                    c["kind"],
                    c["state_label"],
                    c["issued_at"],
                ]
                for h, c in cards
            ],
        ),
        (
            _("Card uses"),
            [_("Card"), _("At"), _("Shop"), _("Amount"), _("Discount"), _("Paid"), _("What")],
            [
                [c["number"], u["at"], u["shop"], u["amount"], u["discount"], u["paid"], u["what"]]
                for _h, c in cards
                for u in c["uses"]
            ],
        ),
    ]
    return [sheet for sheet in sheets if sheet[2]]


# --- Forgetting ---------------------------------------------------------------------------------


def _clear_household(household_id: int, now: dt.datetime) -> bool:
    """Forget a household once none of its members is left unforgotten (row lock: two
    members forgotten at once both see the other)."""
    household = Household.objects.select_for_update().get(pk=household_id)
    if household.forgotten_at is not None:
        return False
    if CaredPerson.objects.filter(household=household, forgotten_at__isnull=True).exists():
        return False
    Household.objects.filter(pk=household.pk).update(**HOUSEHOLD_CLEARED, forgotten_at=now)
    return True


@transaction.atomic
def person_forget(
    *, person: CaredPerson, by: Person | None, now: dt.datetime | None = None
) -> bool:
    """Forget a person who has left the register (see the module's docstring for what goes
    and what stays). Returns False when they were forgotten already.

    Raises Conflict (`person_on_register`) for someone still on the register: they are taken
    off it first (moved away, died, asked to be); NotAllowed outside `by`'s reach."""
    now = now or timezone.now()
    person = (
        CaredPerson.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    )
    _check_reach(by, person)
    if person.forgotten_at is not None:
        return False
    if person.left_at is None:
        raise Conflict(
            _("%(name)s is still on the care register: take them off it before forgetting them.")
            % {"name": person.name},
            code="person_on_register",
        )
    CaredPerson.objects.filter(pk=person.pk).update(**PERSON_CLEARED, forgotten_at=now)
    orders = MealOrder.objects.filter(person=person)
    orders.exclude(placer_name="", placer_phone="", note="").update(**PLACER_CLEARED, note="")
    Delivery.objects.filter(order__in=orders.values("pk")).exclude(note="").update(note="")
    CareVisit.objects.filter(person=person).exclude(note="").update(note="")
    VisitPlan.objects.filter(person=person, active=True).update(active=False)
    if person.household_id is not None:
        _clear_household(person.household_id, now)
    return True


def _closed_orders(today: dt.date) -> Q:
    """Orders that can change no more: served, cancelled, or for a day gone by."""
    return Q(state__in=(OrderState.SERVED, OrderState.CANCELLED)) | Q(day__lt=today)


@dataclass
class CareForgotten:
    people: int = 0  # people forgotten
    guardians: int = 0  # people whose guardian's name and phone were removed
    households: int = 0  # households whose phone was removed
    orders: int = 0  # meal orders whose orderer's name and phone were removed
    # Still on the register, left as they are ("张万喜 · A网格").
    on_register: list[str] = field(default_factory=list)
    orders_open: int = 0  # orders placed with the phone still to be served, left

    @property
    def total(self) -> int:
        return self.people + self.guardians + self.households + self.orders


@transaction.atomic
def phone_forget(*, phone: str, by: Person | None, now: dt.datetime | None = None) -> CareForgotten:
    """Forget what the care module holds about a phone number (already cleaned), within `by`'s
    reach: the people whose own phone it is and who have left the register (those still on
    it are listed and left); as a guardian's phone, the guardian's name, relation and phone
    (the person keeps their record); as a household's phone, that phone; as the phone of who
    ordered a meal, their name and phone on orders that are closed (open ones are counted
    and left)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = CareForgotten()
    reach = people_in_reach(by).filter(forgotten_at__isnull=True)
    for person in reach.filter(phone=phone).select_related("node").order_by("id"):
        if person.left_at is None:
            result.on_register.append(f"{person.name} · {person.node.name}")
            continue
        result.people += person_forget(person=person, by=by, now=now)
    result.guardians = reach.filter(guardian_phone=phone).update(**GUARDIAN_CLEARED)
    result.households = (
        households_in_reach(by).filter(phone=phone, forgotten_at__isnull=True).update(phone="")
    )
    placed = orders_in_reach(by).filter(placer_phone=phone)
    result.orders_open = placed.exclude(_closed_orders(today)).count()
    result.orders = placed.filter(_closed_orders(today)).update(**PLACER_CLEARED)
    return result


# --- The retention period -----------------------------------------------------------------------


def expired_people(cutoff: dt.datetime) -> QuerySet[CaredPerson]:
    """People who left the register before `cutoff` and are not forgotten yet."""
    return CaredPerson.objects.filter(left_at__lt=cutoff, forgotten_at__isnull=True)


def expired_orders(cutoff: dt.datetime) -> QuerySet[MealOrder]:
    """Orders for days before `cutoff` still holding the name or phone of who ordered."""
    return MealOrder.objects.filter(day__lt=timezone.localdate(cutoff)).exclude(
        placer_name="", placer_phone=""
    )


def retention(*, now: dt.datetime | None = None, batch: int = BATCH) -> CareForgotten:
    """Forget the people who left the register longer ago than CARE_RETENTION_DAYS (default
    three years; 0 keeps everything), one transaction each, and clear the orderer's name and
    phone on meal orders older than that. A run stopped half-way leaves the rest for the
    next; two at once forget each person once (`person_forget` locks the row). Called by the
    privacy app's retention run (`privacy.services.anonymise_expired`)."""
    days = retention_days()
    if days <= 0:
        return CareForgotten()
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    result = CareForgotten()
    last = 0
    while True:
        ids = list(
            expired_people(cutoff)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        for person in CaredPerson.objects.filter(pk__in=ids).order_by("pk"):
            try:
                result.people += person_forget(person=person, by=None, now=now)
            except Conflict:
                continue  # back on the register meanwhile
        last = ids[-1]
    while True:
        ids = list(expired_orders(cutoff).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        with transaction.atomic():
            result.orders += (
                MealOrder.objects.filter(pk__in=ids)
                .exclude(placer_name="", placer_phone="")
                .update(**PLACER_CLEARED)
            )
    return result
