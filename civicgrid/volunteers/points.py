"""Points and stars: what members did, counted a month at a time, and the rules as data.

A member earns points from four sources (`PointSource`): hours of service at activities,
needs they resolved, micro-wishes they fulfilled, and hours of other services credited by an
app above this one (the care module's meal deliveries). Each source has a rule (`PointRule`:
points each, and at most so many points a month); star levels (`StarLevel`) turn the points of
a calendar year into one to five stars. While the tables are empty the defaults below apply
(`DEFAULT_RULES`, `DEFAULT_STARS`; the data migration seeds the tables from them).

The ledger is `MemberMonth`, one row per member and month, kept by the consumers here from the
events, in the same transaction as the event:

- "activity.credit" (hours credited to `event.person`): the hours, and one activity more;
- "activity.correct" (an organiser's correction, `hours` new and `was` old): the difference,
  in the month of the member's credit on that activity (where the hours were first counted),
  or the correction's own month if there was none;
- "wish.confirm" (the wish's claimer, `event.person`): one wish fulfilled;
- the needs workflow's "resolve": one need resolved for the resolving person (`event.actor`)
  when they are a member (`is_member`: a party member or volunteer by role, an approved
  registration, or a member of a team's organisation), as they are when the event happens;
- hours of other services (`credit_service_hours`, called by the app above in the transaction
  that credits them: a finished delivery route): the hours, in `hours` and in
  `service_hours`, when the person is a member. Those apps may not be imported here, so each
  also registers how to list its credits again (`register_credits`, in its `ready()`), which
  `recount` reads as it reads the event logs.

A month's points are always computed from its counts with the current rules
(`month_points`), so `rebuild` (the ledger recomputed from the event log: `VolunteerEvent` and
`NeedEvent`, and the registered credits) equals what the consumers kept after any sequence of
events. Changing a rule is therefore not retroactive by itself: `point_rules_update` changes it
and rebuilds, so every month, past ones included, is counted by the new rule. (A rebuild reads
membership as it is now: a person who became a member later gets their earlier resolved needs,
and hours of other services, counted.)

Stars are not stored: `stars_for(year_points(...))`, read when shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs import events as need_events
from civicgrid.needs.models import NeedEvent
from civicgrid.network.models import Membership, OrgKind, Person, RoleBinding
from civicgrid.volunteers import access
from civicgrid.volunteers import events as volunteer_events
from civicgrid.volunteers.models import (
    MemberMonth,
    PointRule,
    PointSource,
    Registration,
    RegistrationState,
    StarLevel,
    VolunteerEvent,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Rule:
    points: Decimal  # points for one hour, one need, one wish
    cap: Decimal | None  # at most this many points from the source in a month (None: no cap)


DEFAULT_RULES: dict[str, Rule] = {
    PointSource.ACTIVITY_HOUR: Rule(Decimal("1"), Decimal("40")),
    PointSource.RESOLVED_NEED: Rule(Decimal("2"), Decimal("20")),
    PointSource.FULFILLED_WISH: Rule(Decimal("5"), Decimal("20")),
    PointSource.SERVICE_HOUR: Rule(Decimal("1"), Decimal("40")),
}
# Stars → the year's points from which they are held.
DEFAULT_STARS: dict[int, Decimal] = {
    1: Decimal("10"),
    2: Decimal("30"),
    3: Decimal("60"),
    4: Decimal("100"),
    5: Decimal("150"),
}

# The events the ledger is kept from (kinds as the two apps' `subscribe` name them).
CREDIT = "credit"
CORRECT = "correct"
CONFIRM = "confirm"
RESOLVE = "resolve"
VOLUNTEER_KINDS = ("activity.credit", "activity.correct", "wish.confirm")


# --- The rules --------------------------------------------------------------------------------


def rules() -> dict[str, Rule]:
    """The rule of each source: the table's row, or the default while it has none."""
    found = {
        source: Rule(points, cap)
        for source, points, cap in PointRule.objects.values_list("source", "points", "monthly_cap")
    }
    return {source: found.get(source, default) for source, default in DEFAULT_RULES.items()}


def star_levels() -> list[tuple[int, Decimal]]:
    """(stars, threshold) from one star up: the table's, or the defaults while it is empty."""
    levels = list(StarLevel.objects.order_by("stars").values_list("stars", "threshold"))
    return levels or sorted(DEFAULT_STARS.items())


def _part(quantity: Decimal, rule: Rule) -> Decimal:
    points = max(quantity, ZERO) * rule.points
    if rule.cap is not None:
        points = min(points, rule.cap)
    return points


def month_points(
    *,
    hours: Decimal,
    needs_resolved: int,
    wishes_fulfilled: int,
    rules: Mapping[str, Rule],
    service_hours: Decimal = ZERO,
) -> Decimal:
    """A month's points from its counts: each source's points, capped, added up. `hours` are
    all the hours served, `service_hours` the part of them credited by other services."""
    total = (
        _part(Decimal(hours) - Decimal(service_hours), rules[PointSource.ACTIVITY_HOUR])
        + _part(Decimal(needs_resolved), rules[PointSource.RESOLVED_NEED])
        + _part(Decimal(wishes_fulfilled), rules[PointSource.FULFILLED_WISH])
        + _part(Decimal(service_hours), rules[PointSource.SERVICE_HOUR])
    )
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def stars_for(points: Decimal, levels: Iterable[tuple[int, Decimal]] | None = None) -> int:
    """The stars the year's points reach (0 below the first threshold)."""
    held = 0
    for stars, threshold in levels if levels is not None else star_levels():
        if points >= threshold:
            held = max(held, stars)
    return held


def next_level(
    points: Decimal, levels: Iterable[tuple[int, Decimal]] | None = None
) -> tuple[int, Decimal] | None:
    """The next star level above `points` and how many points it still needs, or None."""
    for stars, threshold in levels if levels is not None else star_levels():
        if points < threshold:
            return stars, threshold - points
    return None


def year_points(person_id: int, year: int) -> Decimal:
    """The points of a calendar year: the sum of its months."""
    total = MemberMonth.objects.filter(person_id=person_id, month__year=year).aggregate(
        s=Sum("points")
    )["s"]
    return (total or ZERO).quantize(CENT)


# --- Who counts as a member ---------------------------------------------------------------------


def member_q() -> Q:
    """People who serve: a party member or volunteer by role (anywhere), an approved
    registration with a community, or a member of a team's organisation."""
    return (
        Q(pk__in=RoleBinding.objects.filter(role__in=access.MEMBER_ROLES).values("person_id"))
        | Q(
            pk__in=Registration.objects.filter(
                state=RegistrationState.APPROVED, person__isnull=False
            ).values("person_id")
        )
        | Q(pk__in=Membership.objects.filter(organisation__kind=OrgKind.TEAM).values("person_id"))
    )


def members() -> QuerySet[Person]:
    return Person.objects.filter(member_q())


def is_member(person_id: int) -> bool:
    return members().filter(pk=person_id).exists()


# --- The month of an event ----------------------------------------------------------------------


def month_of(when: dt.datetime) -> dt.date:
    """The first day of the local month `when` falls in."""
    return timezone.localtime(when).date().replace(day=1)


def _hours(raw: Any) -> Decimal:
    """An event's hours ("2.50"); anything unreadable counts as nothing."""
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return ZERO
    return value if value.is_finite() else ZERO


@dataclass
class Counts:
    activities: int = 0
    hours: Decimal = field(default_factory=lambda: ZERO)
    needs_resolved: int = 0
    wishes_fulfilled: int = 0
    service_hours: Decimal = field(default_factory=lambda: ZERO)  # of `hours`


def _correction_month(event: VolunteerEvent) -> dt.date:
    """Where a correction belongs: the month of the member's latest credit on the activity
    before it (where the hours were counted), else the correction's own month."""
    assert event.activity_id is not None and event.person_id is not None
    credited = (
        VolunteerEvent.objects.filter(
            activity_id=event.activity_id,
            person_id=event.person_id,
            action=CREDIT,
            id__lt=event.pk,
        )
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return month_of(credited or event.created_at)


# --- The consumers ------------------------------------------------------------------------------


def _add(person_id: int, month: dt.date, delta: Counts) -> MemberMonth:
    """Add `delta` to the member's month (created if new, row locked) and recount its points."""
    row, _created = MemberMonth.objects.select_for_update().get_or_create(
        person_id=person_id, month=month
    )
    row.activities = max(row.activities + delta.activities, 0)
    row.hours = Decimal(row.hours) + delta.hours
    row.needs_resolved = max(row.needs_resolved + delta.needs_resolved, 0)
    row.wishes_fulfilled = max(row.wishes_fulfilled + delta.wishes_fulfilled, 0)
    row.service_hours = Decimal(row.service_hours) + delta.service_hours
    row.points = month_points(
        hours=row.hours,
        needs_resolved=row.needs_resolved,
        wishes_fulfilled=row.wishes_fulfilled,
        service_hours=row.service_hours,
        rules=rules(),
    )
    row.save(
        update_fields=[
            "activities",
            "hours",
            "needs_resolved",
            "wishes_fulfilled",
            "service_hours",
            "points",
        ]
    )
    return row


def _delta(event: VolunteerEvent) -> tuple[dt.date, Counts] | None:
    """What one volunteer event adds to its member's month, and which month; None if nothing."""
    if event.person_id is None:
        return None
    data = volunteer_events.read(event)
    if event.activity_id is not None and event.action == CREDIT:
        assert isinstance(data, volunteer_events.Credited)
        return month_of(event.created_at), Counts(activities=1, hours=_hours(data.hours))
    if event.activity_id is not None and event.action == CORRECT:
        assert isinstance(data, volunteer_events.Credited)
        change = _hours(data.hours) - _hours(data.was or "0")
        return _correction_month(event), Counts(hours=change)
    if event.wish_id is not None and event.action == CONFIRM:
        return month_of(event.created_at), Counts(wishes_fulfilled=1)
    return None


def on_volunteer_event(happened: volunteer_events.Happened) -> None:
    """ "activity.credit", "activity.correct", "wish.confirm": the member's month."""
    found = _delta(happened.event)
    if found is not None:
        month, delta = found
        assert happened.event.person_id is not None
        _add(happened.event.person_id, month, delta)


def on_need_resolved(happened: need_events.Happened) -> None:
    """A need resolved: one more for the resolving person, if they are a member."""
    actor_id = happened.event.actor_id
    if actor_id is None or not is_member(actor_id):
        return
    _add(actor_id, month_of(happened.event.created_at), Counts(needs_resolved=1))


def subscribe() -> None:
    """Called from the app's `ready()`: the ledger listens in the events' transactions."""
    volunteer_events.subscribe(VOLUNTEER_KINDS, on_volunteer_event, when="transaction")
    need_events.subscribe(RESOLVE, on_need_resolved, when="transaction")


# --- Hours of other services, credited by apps above --------------------------------------------

# How an app lists its credits again: (person id, when, hours) for every credit it made, or
# for one person's when given an id. `when` puts the hours in its local month, as for events.
Credits = Callable[[int | None], Iterable[tuple[int, dt.datetime, Decimal]]]

# The apps' lists, by name ("care.deliveries"), read by `recount`.
EXTRA_CREDITS: dict[str, Credits] = {}


def register_credits(name: str, credits: Credits) -> None:
    """Called from an app's `ready()`: `recount` finds its credits again with `credits`."""
    EXTRA_CREDITS[name] = credits


def credit_service_hours(*, person_id: int, when: dt.datetime, hours: Decimal) -> bool:
    """Hours of another service for a person, in their month of `when`: counted, in the
    caller's transaction, when the person is a member (as a resolved need is). The caller
    credits each of its records once and lists it in its registered `Credits`, so that a
    rebuild finds the same hours. Returns whether they were counted."""
    hours = _hours(hours)
    if hours <= 0 or not is_member(person_id):
        return False
    _add(person_id, month_of(when), Counts(hours=hours, service_hours=hours))
    return True


def _extra_credits(person_id: int | None) -> list[tuple[int, dt.date, Decimal]]:
    """Every registered app's credits to members, as (person, month, hours)."""
    found = [
        (pid, month_of(when), _hours(hours))
        for credits in EXTRA_CREDITS.values()
        for pid, when, hours in credits(person_id)
    ]
    people = {pid for pid, _month, hours in found if hours > 0}
    counted = set(members().filter(pk__in=people).values_list("pk", flat=True)) if people else set()
    return [(pid, month, hours) for pid, month, hours in found if pid in counted and hours > 0]


# --- Rebuilding from the event log --------------------------------------------------------------


def recount(person_id: int | None = None) -> dict[tuple[int, dt.date], Counts]:
    """Every member's months counted again from the events (one member's, when given)."""
    counts: dict[tuple[int, dt.date], Counts] = defaultdict(Counts)
    credit_month: dict[tuple[int, int], dt.date] = {}  # (activity, person) → its credit's month
    volunteer = VolunteerEvent.objects.filter(
        Q(activity__isnull=False, action__in=[CREDIT, CORRECT])
        | Q(wish__isnull=False, action=CONFIRM),
        person__isnull=False,
    )
    if person_id is not None:
        volunteer = volunteer.filter(person_id=person_id)
    for event in volunteer.order_by("id").only(
        "activity_id", "wish_id", "action", "person_id", "data", "created_at"
    ):
        assert event.person_id is not None
        data = volunteer_events.read(event)
        key = (event.activity_id or 0, event.person_id)
        if event.action == CREDIT and event.activity_id is not None:
            assert isinstance(data, volunteer_events.Credited)
            month = credit_month[key] = month_of(event.created_at)
            row = counts[(event.person_id, month)]
            row.activities += 1
            row.hours += _hours(data.hours)
        elif event.action == CORRECT and event.activity_id is not None:
            assert isinstance(data, volunteer_events.Credited)
            month = credit_month.get(key) or month_of(event.created_at)
            counts[(event.person_id, month)].hours += _hours(data.hours) - _hours(data.was or "0")
        elif event.action == CONFIRM and event.wish_id is not None:
            counts[(event.person_id, month_of(event.created_at))].wishes_fulfilled += 1
    resolved = NeedEvent.objects.filter(action=RESOLVE, actor__in=members())
    if person_id is not None:
        resolved = resolved.filter(actor_id=person_id)
    for actor_id, created_at in resolved.values_list("actor_id", "created_at").iterator():
        counts[(actor_id, month_of(created_at))].needs_resolved += 1
    for pid, month, hours in _extra_credits(person_id):
        row = counts[(pid, month)]
        row.hours += hours
        row.service_hours += hours
    return counts


@transaction.atomic
def rebuild(person: Person | None = None) -> int:
    """Recompute `MemberMonth` from the event log (everyone's, or one person's) with the
    current rules; returns the number of rows written."""
    months = MemberMonth.objects.all()
    if person is not None:
        months = months.filter(person=person)
    months.delete()
    current = rules()
    rows = [
        MemberMonth(
            person_id=person_id,
            month=month,
            activities=max(c.activities, 0),
            hours=c.hours,
            needs_resolved=c.needs_resolved,
            wishes_fulfilled=c.wishes_fulfilled,
            service_hours=c.service_hours,
            points=month_points(
                hours=c.hours,
                needs_resolved=c.needs_resolved,
                wishes_fulfilled=c.wishes_fulfilled,
                service_hours=c.service_hours,
                rules=current,
            ),
        )
        for (person_id, month), c in recount(person.pk if person else None).items()
    ]
    MemberMonth.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- Changing the rules -------------------------------------------------------------------------


def _decimal(raw: Any, what: str, *, optional: bool = False) -> Decimal | None:
    if optional and (raw is None or raw == ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(
            _("%(what)s must be a number such as 2 or 1.5.") % {"what": what}, code="validation"
        ) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1000000"):
        raise Invalid(
            _("%(what)s must be zero or more, below a million.") % {"what": what},
            code="validation",
        )
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def point_rules_update(
    *, by: Person, source: str, points: Any, monthly_cap: Any = None
) -> PointRule:
    """Set a source's rule and rebuild every member's months with it (a rule applies to the
    past as well as the future: points are always what the current rules give)."""
    if not access.may_set_point_rules(by):
        raise NotAllowed(_("Only an administrator of the whole network may change point rules."))
    if source not in PointSource.values:
        choices = ", ".join(PointSource.values)
        raise Invalid(
            _("Unknown source of points; choose one of: %(choices)s.") % {"choices": choices}
        )
    each = _decimal(points, _("Points each"))
    assert each is not None
    cap = _decimal(monthly_cap, _("At most a month"), optional=True)
    rule, _created = PointRule.objects.update_or_create(
        source=source, defaults={"points": each, "monthly_cap": cap}
    )
    rebuild()
    return rule


@transaction.atomic
def star_levels_update(*, by: Person, levels: Mapping[int, Any]) -> list[StarLevel]:
    """Replace the star levels (stars → the year's points from which they are held); more
    stars need more points. Stars are read from the points when shown: nothing to rebuild."""
    if not access.may_set_point_rules(by):
        raise NotAllowed(_("Only an administrator of the whole network may change star levels."))
    if not levels:
        raise Invalid(_("Give at least one star level."))
    parsed: list[tuple[int, Decimal]] = []
    for stars, raw in sorted(levels.items()):
        if not isinstance(stars, int) or not 1 <= stars <= 10:
            raise Invalid(_("Stars must be a whole number from 1 to 10."))
        threshold = _decimal(raw, _("Points from"))
        assert threshold is not None
        parsed.append((stars, threshold))
    for (_low, below), (_high, above) in pairwise(parsed):
        if above <= below:
            raise Invalid(_("Each star level needs more points than the one below it."))
    StarLevel.objects.all().delete()
    return StarLevel.objects.bulk_create(
        [StarLevel(stars=stars, threshold=threshold) for stars, threshold in parsed]
    )
