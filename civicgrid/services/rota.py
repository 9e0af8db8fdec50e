"""The stations' duty rota (坐班值班) as data: who sits at a station when.

A station's week is its pattern (`DutyShift`: a person, a weekday, from, until) changed on a
given day by its exceptions (`DutyChange`):

- **absent**: the pattern's person does not sit that day (or only not from/until, when given);
- **cover**: someone sits that day from/until (a swap, an extra evening);
- **closed**: nobody sits that day (or only not from/until, when given): a holiday.

Reads: `on_duty` (who sits now), `on_duty_many` (several stations in two queries),
`next_duty` (when someone sits next: "back at 14:00"), `week_rows` (the week, day by day, for
the console and the station page) and `duty_hours` (the pattern's hours by weekday, for the
poster). Writes: `station_set`, `shift_add`, `shift_remove`, `change_add`, `change_remove`,
for staff who serve the station's place (`access.check_serves`, asked again here).

Who may sit: an active grid worker or community staff member bound in the area that holds the
needs raised at the station (`needs.services.owner_for`: its community, else its town), the
same people a need there may be dispatched to (`needs.targets.dispatch_targets`), so that a
need raised in duty hours can be handed to the person on duty (`routing.py`).

Times are the station's local wall-clock times (`TIME_ZONE`); a shift runs from `starts`
until before `ends` on one day (no shift crosses midnight).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Invalid
from civicgrid.needs.services import owner_for
from civicgrid.needs.targets import DISPATCH_ROLES
from civicgrid.network.models import Node, Person, RoleBinding
from civicgrid.services.access import check_serves
from civicgrid.services.models import DutyChange, DutyChangeKind, DutyShift, Station

WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
# How far `next_duty` looks ahead: a station with nobody on duty for two weeks says so.
LOOK_AHEAD_DAYS = 14
# A duty phone as people write it: a landline with its area code (0482-8212345), a mobile, or
# a short service number (12345).
PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{3,18}[0-9]$")


def local(at: dt.datetime | None = None) -> tuple[dt.date, dt.time]:
    """The station's day and wall-clock time at `at` (now by default)."""
    moment = timezone.localtime(at or timezone.now())
    return moment.date(), moment.time().replace(tzinfo=None)


def _in(change: DutyChange, t: dt.time) -> bool:
    """Whether a change without hours (the whole day) or with hours holds at `t`."""
    if change.starts is None or change.ends is None:
        return True
    return change.starts <= t < change.ends


def _sitting(
    shifts: Iterable[DutyShift], changes: Iterable[DutyChange], t: dt.time
) -> list[Person]:
    """Who sits at `t` on one day, given that day's shifts (of its weekday) and changes."""
    changes = list(changes)
    if any(c.kind == DutyChangeKind.CLOSED and _in(c, t) for c in changes):
        return []
    away = {c.person_id for c in changes if c.kind == DutyChangeKind.ABSENT and _in(c, t)}
    rows: list[tuple[dt.time, str, Person]] = []
    for s in shifts:
        if s.starts <= t < s.ends and s.person_id not in away:
            rows.append((s.starts, s.person.name, s.person))
    for c in changes:
        if c.kind == DutyChangeKind.COVER and c.person is not None and _in(c, t):
            rows.append((c.starts or dt.time(0), c.person.name, c.person))
    seen: set[int] = set()
    people: list[Person] = []
    for _starts, _name, person in sorted(rows, key=lambda row: (row[0], row[1], row[2].pk)):
        if person.pk not in seen and person.is_active:
            seen.add(person.pk)
            people.append(person)
    return people


def on_duty_many(
    stations: Sequence[Station], at: dt.datetime | None = None
) -> dict[int, list[Person]]:
    """Who is on duty at each station at `at` (now by default), by station id, in the order
    their duty began. Two queries however many stations."""
    ids = [s.pk for s in stations]
    if not ids:
        return {}
    day, t = local(at)
    shifts: dict[int, list[DutyShift]] = defaultdict(list)
    for shift in DutyShift.objects.filter(
        station_id__in=ids, weekday=day.weekday(), starts__lte=t, ends__gt=t
    ).select_related("person"):
        shifts[shift.station_id].append(shift)
    changes: dict[int, list[DutyChange]] = defaultdict(list)
    for change in DutyChange.objects.filter(station_id__in=ids, day=day).select_related("person"):
        changes[change.station_id].append(change)
    return {pk: _sitting(shifts[pk], changes[pk], t) for pk in ids}


def on_duty(station: Station, at: dt.datetime | None = None) -> list[Person]:
    """Who is on duty at the station at `at` (now by default). Two queries."""
    return on_duty_many([station], at)[station.pk]


def next_duty(station: Station, at: dt.datetime | None = None) -> dt.datetime | None:
    """The first moment from `at` (now by default) when someone is on duty at the station:
    `at` itself when someone is, None when nobody is within `LOOK_AHEAD_DAYS`. Two queries."""
    start = timezone.localtime(at or timezone.now())
    first_day = start.date()
    last_day = first_day + dt.timedelta(days=LOOK_AHEAD_DAYS)
    by_weekday: dict[int, list[DutyShift]] = defaultdict(list)
    for shift in DutyShift.objects.filter(station=station).select_related("person"):
        by_weekday[shift.weekday].append(shift)
    by_day: dict[dt.date, list[DutyChange]] = defaultdict(list)
    for change in DutyChange.objects.filter(
        station=station, day__gte=first_day, day__lte=last_day
    ).select_related("person"):
        by_day[change.day].append(change)
    tz = timezone.get_current_timezone()
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = first_day + dt.timedelta(days=offset)
        shifts, changes = by_weekday[day.weekday()], by_day[day]
        # Someone starts sitting only at a shift's or a cover's start, or when an absence or a
        # closure ends: those moments (and the start itself) are the candidates.
        moments = {s.starts for s in shifts}
        for c in changes:
            if c.kind == DutyChangeKind.COVER and c.starts is not None:
                moments.add(c.starts)
            elif c.ends is not None:
                moments.add(c.ends)
        earliest = start.time().replace(tzinfo=None) if offset == 0 else dt.time(0)
        candidates = sorted({earliest} | {m for m in moments if m > earliest})
        for t in candidates:
            if _sitting(shifts, changes, t):
                if offset == 0 and t == earliest:
                    return start
                return timezone.make_aware(dt.datetime.combine(day, t), tz)
    return None


# --- The week, day by day ---------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a day: a shift of the pattern (struck through when its person is away), or
    a cover. `id` is the shift's or the change's."""

    starts: dt.time
    ends: dt.time
    name: str
    person_id: int
    kind: str  # "shift" or "cover"
    id: int
    away: bool = False


@dataclass
class DayRow:
    day: dt.date
    weekday: int
    label: str
    entries: list[Entry] = field(default_factory=list)
    changes: list[DutyChange] = field(default_factory=list)
    closed: bool = False  # closed the whole day
    today: bool = False

    @property
    def sitting(self) -> list[Entry]:
        """The lines of people who do sit that day (not away)."""
        return [] if self.closed else [e for e in self.entries if not e.away]


def week_start(day: dt.date | None = None) -> dt.date:
    """The Monday of the week holding `day` (today by default)."""
    day = day or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def week_rows(station: Station, start: dt.date | None = None) -> list[DayRow]:
    """The seven days from `start` (this week's Monday by default): each day's pattern with
    its changes applied (away people marked, covers added, closed days), for the console and
    the station page. Two queries."""
    start = start or week_start()
    end = start + dt.timedelta(days=6)
    by_weekday: dict[int, list[DutyShift]] = defaultdict(list)
    for shift in DutyShift.objects.filter(station=station).select_related("person"):
        by_weekday[shift.weekday].append(shift)
    by_day: dict[dt.date, list[DutyChange]] = defaultdict(list)
    for change in DutyChange.objects.filter(
        station=station, day__gte=start, day__lte=end
    ).select_related("person"):
        by_day[change.day].append(change)
    today = timezone.localdate()
    rows = []
    for offset in range(7):
        day = start + dt.timedelta(days=offset)
        changes = by_day[day]
        whole_day_away = {
            c.person_id
            for c in changes
            if c.kind == DutyChangeKind.ABSENT and (c.starts is None or c.ends is None)
        }
        entries = [
            Entry(
                s.starts,
                s.ends,
                s.person.name,
                s.person_id,
                "shift",
                s.pk,
                away=s.person_id in whole_day_away,
            )
            for s in by_weekday[day.weekday()]
        ]
        entries += [
            Entry(c.starts, c.ends, c.person.name, c.person.pk, "cover", c.pk)
            for c in changes
            if c.kind == DutyChangeKind.COVER
            and c.person is not None
            and c.starts is not None
            and c.ends is not None
        ]
        entries.sort(key=lambda e: (e.starts, e.name, e.id))
        closed = any(
            c.kind == DutyChangeKind.CLOSED and (c.starts is None or c.ends is None)
            for c in changes
        )
        rows.append(
            DayRow(
                day=day,
                weekday=day.weekday(),
                label=str(WEEKDAYS[day.weekday()]),
                entries=entries,
                changes=changes,
                closed=closed,
                today=day == today,
            )
        )
    return rows


def duty_hours(station: Station) -> list[tuple[str, list[tuple[dt.time, dt.time]]]]:
    """The pattern's hours by weekday, overlapping shifts merged: what a poster prints
    ("Monday 08:30–12:00, 14:30–17:30"). One query."""
    spans: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for weekday, starts, ends in (
        DutyShift.objects.filter(station=station)
        .order_by("weekday", "starts", "ends")
        .values_list("weekday", "starts", "ends")
    ):
        merged = spans[weekday]
        if merged and starts <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((starts, ends))
    return [(str(WEEKDAYS[d]), spans[d]) for d in range(7)]


# --- Who may sit --------------------------------------------------------------------------------


def duty_area(station: Station) -> Node:
    """The area whose staff and grid workers may sit at the station: the level that holds
    the needs raised there."""
    return owner_for(station.node)


def eligible_q(station: Station) -> Q:
    area = duty_area(station)
    return Q(
        roles__role__in=DISPATCH_ROLES,
        roles__node__path__startswith=area.path,
        is_active=True,
    )


def eligible_people(station: Station) -> list[tuple[int, str]]:
    """(id, name) of who may sit at the station, by name: one query."""
    return list(
        Person.objects.filter(eligible_q(station))
        .distinct()
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def _check_person(station: Station, person: Person | None, *, field_name: str = "person") -> None:
    if person is None:
        message = _("Choose who is on duty.")
        raise Invalid(message, code="validation", fields={field_name: [message]})
    area = duty_area(station)
    held = RoleBinding.objects.filter(
        person=person, role__in=DISPATCH_ROLES, node__path__startswith=area.path
    ).exists()
    if not (person.is_active and held):
        message = _(
            "%(name)s is not a grid worker or staff member of %(area)s, so cannot sit at "
            "this station."
        ) % {"name": person.name, "area": area.name}
        raise Invalid(message, code="not_eligible", fields={field_name: [message]})


def _check_hours(starts: dt.time | None, ends: dt.time | None) -> None:
    if starts is None or ends is None:
        message = _("Give the time duty starts and the time it ends.")
        raise Invalid(message, code="validation", fields={"starts": [message]})
    if ends <= starts:
        message = _("Duty must end after it starts, on the same day (from %(s)s until %(e)s?).") % {
            "s": f"{starts:%H:%M}",
            "e": f"{ends:%H:%M}",
        }
        raise Invalid(message, code="validation", fields={"ends": [message]})


# --- Writes --------------------------------------------------------------------------------------


def clean_station_phone(phone: str) -> str:
    """A duty phone: a landline with its area code, a mobile or a short service number;
    spaces dropped."""
    phone = re.sub(r"\s", "", phone or "")
    if phone and not PHONE_RE.match(phone):
        message = _(
            "“%(phone)s” is not a phone number: write digits, e.g. 0482-8212345 or 13912345678."
        ) % {"phone": phone[:20]}
        raise Invalid(message, code="phone_invalid", fields={"phone": [message]})
    return phone


@transaction.atomic
def station_set(*, node: Node, phone: str, route_to_duty: bool, by: Any) -> Station:
    """Make `node` a station, or change its duty phone and routing. The duty phone is the
    station's (a desk phone or a duty mobile), never a person's own."""
    check_serves(by, node)
    phone = clean_station_phone(phone)
    if route_to_duty and not phone:
        message = _("Give the station's duty phone first.")
        raise Invalid(message, code="validation", fields={"phone": [message]})
    station, _created = Station.objects.select_for_update().update_or_create(
        node=node, defaults={"phone": phone, "route_to_duty": bool(route_to_duty)}
    )
    return station


@transaction.atomic
def shift_add(
    *, station: Station, person: Person | None, weekday: int, starts: Any, ends: Any, by: Any
) -> DutyShift:
    """Add a line to the weekly pattern: `person` sits on `weekday` (0 is Monday) from
    `starts` until `ends`."""
    check_serves(by, station.node)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        message = _("Choose a weekday from Monday to Sunday.")
        raise Invalid(message, code="validation", fields={"weekday": [message]})
    _check_hours(starts, ends)
    _check_person(station, person)
    assert person is not None
    clash = (
        DutyShift.objects.filter(
            station=station, person=person, weekday=weekday, starts__lt=ends, ends__gt=starts
        )
        .order_by("starts")
        .first()
    )
    if clash is not None:
        message = _(
            "%(name)s already sits on %(weekday)s from %(s)s until %(e)s: change that shift "
            "instead."
        ) % {
            "name": person.name,
            "weekday": WEEKDAYS[weekday],
            "s": f"{clash.starts:%H:%M}",
            "e": f"{clash.ends:%H:%M}",
        }
        raise Invalid(message, code="overlap", fields={"starts": [message]})
    return DutyShift.objects.create(
        station=station, person=person, weekday=weekday, starts=starts, ends=ends
    )


@transaction.atomic
def shift_remove(*, shift: DutyShift, by: Any) -> None:
    station = Station.objects.select_related("node").get(pk=shift.station_id)
    check_serves(by, station.node)
    DutyShift.objects.filter(pk=shift.pk).delete()


@transaction.atomic
def change_add(
    *,
    station: Station,
    day: dt.date | None,
    kind: str,
    person: Person | None = None,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
    note: str = "",
    by: Any,
) -> DutyChange:
    """An exception on one day: `absent` (the pattern's person does not sit, all day or from/
    until), `cover` (someone sits from/until), `closed` (nobody sits, all day or from/until)."""
    check_serves(by, station.node)
    if kind not in DutyChangeKind.values:
        message = _("Choose what changes: away, covering or closed.")
        raise Invalid(message, code="validation", fields={"kind": [message]})
    if day is None:
        message = _("Give the day.")
        raise Invalid(message, code="validation", fields={"day": [message]})
    if day < timezone.localdate():
        message = _("That day has passed: give today or a later day.")
        raise Invalid(message, code="validation", fields={"day": [message]})
    if (starts is None) != (ends is None):
        message = _("Give both times, or neither for the whole day.")
        raise Invalid(message, code="validation", fields={"starts": [message]})
    if kind == DutyChangeKind.COVER or starts is not None:
        _check_hours(starts, ends)
    if kind == DutyChangeKind.CLOSED:
        if person is not None:
            message = _("A closed day names nobody: leave the person empty.")
            raise Invalid(message, code="validation", fields={"person": [message]})
    elif kind == DutyChangeKind.COVER:
        _check_person(station, person)
    else:
        if person is None:
            message = _("Choose who is away.")
            raise Invalid(message, code="validation", fields={"person": [message]})
        if not DutyShift.objects.filter(
            station=station, person=person, weekday=day.weekday()
        ).exists():
            message = _("%(name)s does not sit on %(weekday)s, so cannot be away then.") % {
                "name": person.name,
                "weekday": WEEKDAYS[day.weekday()],
            }
            raise Invalid(message, code="validation", fields={"person": [message]})
    return DutyChange.objects.create(
        station=station,
        day=day,
        kind=kind,
        person=person,
        starts=starts,
        ends=ends,
        note=(note or "").strip()[:120],
    )


@transaction.atomic
def change_remove(*, change: DutyChange, by: Any) -> None:
    station = Station.objects.select_related("node").get(pk=change.station_id)
    check_serves(by, station.node)
    DutyChange.objects.filter(pk=change.pk).delete()
