"""Receptions held (代表进家入站接待群众): recorded, corrected, their matters raised, and a
matter that needs action made a need.

- **Recording** (`reception_record`): the station, the day, from–until, the representatives
  present, the topic, the people received (attendance, counted at the door) and the matters
  raised (a summary, who raised it — a name, masked in lists — and the answer given). Where
  the station has a room and the reception is still to come, the room is booked for that
  time through `services/rooms.py` (a clash is `Conflict(code="room_taken")` and nothing is
  saved). A reception recorded after the fact books nothing: a room's calendar takes no past
  times.
- **Correcting** (`reception_change`, `matter_add`, `matter_change`): staff who serve the
  station's place; a changed time moves the room booking (the old one cancelled, a new one
  booked, in one transaction: a clash leaves everything as it was).
- **A matter becomes a need** (`matter_to_need`) with one click: `needs.services.need_raise`,
  channel REPRESENTATIVE, the representative as `source_person`, the category staff choose;
  linked on `ReceptionMatter.need`. Once only (`Conflict(code="already_need")`).
- Every write appends a `ReceptionChange` row (who, when, what changed): the reception's
  log, append-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, DomainError, Invalid
from civicgrid.needs import services as need_services
from civicgrid.needs.models import Category, Channel, Need
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person
from civicgrid.representatives import access
from civicgrid.representatives.models import (
    LiaisonStation,
    Reception,
    ReceptionChange,
    ReceptionMatter,
    Representative,
)
from civicgrid.services import rooms
from civicgrid.services.models import ROOM_HOLDING, RoomBooking

MAX_ATTENDANCE = 10_000
# A reception may be recorded this far ahead (a planned one, to hold the room).
DAYS_AHEAD = 90
RECORD, CHANGE, MATTER, NEED = "record", "change", "matter", "need"
PROACTIVE = "proactive"
ROOM_FIELDS = {"starts_at": "starts", "ends_at": "ends", "people": "attendance"}


@dataclass(frozen=True)
class MatterIn:
    summary: str
    raised_by: str = ""
    answer: str = ""


def _invalid(message: str, code: str, field: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _clean(value: str, field: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(str(value or "").replace("\x00", "").split())
    if required and not text:
        raise _invalid(_("Write what was raised."), "summary_required", field)
    if len(text) > limit:
        message = _("At most %(limit)d characters, not %(n)d.") % {"limit": limit, "n": len(text)}
        raise _invalid(message, "too_long", field)
    return text


def _check(
    *,
    day: dt.date,
    starts: dt.time,
    ends: dt.time,
    representatives: Sequence[Representative],
    attendance: int,
    today: dt.date,
) -> None:
    if day is None:
        raise _invalid(_("Choose the day."), "day_required", "day")
    if day > today + dt.timedelta(days=DAYS_AHEAD):
        message = _("Record a reception at most %(days)d days ahead.") % {"days": DAYS_AHEAD}
        raise _invalid(message, "too_far_ahead", "day")
    if starts is None or ends is None:
        raise _invalid(_("Choose the time from and until."), "time_required", "starts")
    if ends <= starts:
        raise _invalid(_("The end must be after the start."), "end_before_start", "ends")
    if not representatives:
        message = _("Choose the representatives who received.")
        raise _invalid(message, "representatives_required", "representatives")
    if not isinstance(attendance, int) or not 0 <= attendance <= MAX_ATTENDANCE:
        message = _("Write how many people were received: 0 to %(max)d.") % {"max": MAX_ATTENDANCE}
        raise _invalid(message, "bad_attendance", "attendance")


def _moment(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _book(
    station: LiaisonStation,
    *,
    by: Person,
    day: dt.date,
    starts: dt.time,
    ends: dt.time,
    topic: str,
    people: int,
    now: dt.datetime,
) -> RoomBooking | None:
    """Hold the station's room for a reception still to come; None when there is no room or
    the time has begun. The room's own rules and clashes come back as its errors."""
    if station.room is None:
        return None
    starts_at, ends_at = _moment(day, starts), _moment(day, ends)
    if starts_at <= now:
        return None
    try:
        return rooms.room_book(
            room=station.room,
            starts_at=starts_at,
            ends_at=ends_at,
            title=topic or _("Representatives receive residents"),
            by=rooms.By(person=by),
            organiser=station.name,
            people=max(1, people),
            now=now,
        )
    except DomainError as failure:
        # The room speaks of its own fields; the reception's form has these.
        fields = failure.details.get("fields") or {}
        failure.details["fields"] = {ROOM_FIELDS.get(k, k): v for k, v in fields.items()}
        raise


def _log(reception: Reception, action: str, by: Person | None, data: dict[str, Any]) -> None:
    """Append to the reception's log; the caller holds the reception's row lock."""
    last = ReceptionChange.objects.filter(reception_id=reception.pk).aggregate(m=Max("seq"))["m"]
    ReceptionChange.objects.create(
        reception=reception,
        seq=(last or 0) + 1,
        action=action,
        actor=by,
        data=data,
        created_at=timezone.now(),
    )


def _lock(reception: Reception) -> Reception:
    """The reception's row, locked (its station read after: PostgreSQL locks no row on the
    nullable side of a join, the station's room)."""
    locked = Reception.objects.select_for_update().get(pk=reception.pk)
    locked.station = LiaisonStation.objects.select_related("room", "node").get(pk=locked.station_id)
    return locked


@transaction.atomic
def reception_record(
    *,
    by: Person,
    station: LiaisonStation,
    day: dt.date,
    starts: dt.time,
    ends: dt.time,
    representatives: Iterable[Representative],
    topic: str = "",
    attendance: int = 0,
    matters: Sequence[MatterIn] = (),
    now: dt.datetime | None = None,
) -> Reception:
    """Record a reception at `station` (staff who serve its place)."""
    access.check_serves(by, station.node)
    now = now or timezone.now()
    reps = list(dict.fromkeys(representatives))
    _check(
        day=day,
        starts=starts,
        ends=ends,
        representatives=reps,
        attendance=attendance,
        today=timezone.localdate(now),
    )
    topic = _clean(topic, "topic", 120)
    cleaned = [
        MatterIn(
            summary=_clean(m.summary, "matters", 300, required=True),
            raised_by=_clean(m.raised_by, "matters", 64),
            answer=_clean(m.answer, "matters", 300),
        )
        for m in matters
    ]
    booking = _book(
        station,
        by=by,
        day=day,
        starts=starts,
        ends=ends,
        topic=topic,
        people=attendance,
        now=now,
    )
    reception = Reception.objects.create(
        station=station,
        day=day,
        starts=starts,
        ends=ends,
        topic=topic,
        attendance=attendance,
        room_booking=booking,
        recorded_by=by,
    )
    reception.representatives.set(reps)
    for matter in cleaned:
        ReceptionMatter.objects.create(
            reception=reception,
            summary=matter.summary,
            raised_by=matter.raised_by,
            answer=matter.answer,
        )
    _log(
        reception,
        RECORD,
        by,
        {
            "day": day.isoformat(),
            "starts": starts.strftime("%H:%M"),
            "ends": ends.strftime("%H:%M"),
            "attendance": attendance,
            "representatives": sorted(r.pk for r in reps),
            "matters": len(cleaned),
            "room_booking": booking.pk if booking else None,
        },
    )
    return reception


@transaction.atomic
def reception_change(
    *,
    by: Person,
    reception: Reception,
    day: dt.date,
    starts: dt.time,
    ends: dt.time,
    representatives: Iterable[Representative],
    topic: str = "",
    attendance: int = 0,
    now: dt.datetime | None = None,
) -> Reception:
    """Correct a reception. A changed time moves its room booking (cancel, book again)."""
    access.check_serves(by, reception.station.node)
    now = now or timezone.now()
    locked = _lock(reception)
    reps = list(dict.fromkeys(representatives))
    _check(
        day=day,
        starts=starts,
        ends=ends,
        representatives=reps,
        attendance=attendance,
        today=timezone.localdate(now),
    )
    topic = _clean(topic, "topic", 120)
    before = {
        "day": locked.day.isoformat(),
        "starts": locked.starts.strftime("%H:%M"),
        "ends": locked.ends.strftime("%H:%M"),
        "topic": locked.topic,
        "attendance": locked.attendance,
        "representatives": sorted(locked.representatives.values_list("pk", flat=True)),
    }
    after = {
        "day": day.isoformat(),
        "starts": starts.strftime("%H:%M"),
        "ends": ends.strftime("%H:%M"),
        "topic": topic,
        "attendance": attendance,
        "representatives": sorted(r.pk for r in reps),
    }
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changed:
        return locked
    moved = any(k in changed for k in ("day", "starts", "ends"))
    if moved:
        old = locked.room_booking
        if old is not None and old.state in ROOM_HOLDING:
            rooms.room_cancel(
                booking=old,
                by=rooms.By(person=by),
                reason=_("The reception moved to another time."),
                now=now,
            )
        locked.room_booking = _book(
            locked.station,
            by=by,
            day=day,
            starts=starts,
            ends=ends,
            topic=topic,
            people=attendance,
            now=now,
        )
        changed["room_booking"] = [old.pk if old else None, locked.room_booking_id]
    locked.day, locked.starts, locked.ends = day, starts, ends
    locked.topic, locked.attendance = topic, attendance
    locked.save(update_fields=["day", "starts", "ends", "topic", "attendance", "room_booking"])
    locked.representatives.set(reps)
    _log(locked, CHANGE, by, changed)
    return locked


@transaction.atomic
def matter_add(
    *, by: Person, reception: Reception, summary: str, raised_by: str = "", answer: str = ""
) -> ReceptionMatter:
    access.check_serves(by, reception.station.node)
    locked = _lock(reception)
    matter = ReceptionMatter.objects.create(
        reception=locked,
        summary=_clean(summary, "summary", 300, required=True),
        raised_by=_clean(raised_by, "raised_by", 64),
        answer=_clean(answer, "answer", 300),
    )
    _log(locked, MATTER, by, {"matter": matter.pk, "added": True})
    return matter


@transaction.atomic
def matter_change(
    *, by: Person, matter: ReceptionMatter, summary: str, raised_by: str = "", answer: str = ""
) -> ReceptionMatter:
    reception = matter.reception
    access.check_serves(by, reception.station.node)
    locked = _lock(reception)
    row = ReceptionMatter.objects.select_for_update().get(pk=matter.pk)
    values = {
        "summary": _clean(summary, "summary", 300, required=True),
        "raised_by": _clean(raised_by, "raised_by", 64),
        "answer": _clean(answer, "answer", 300),
    }
    fields = [k for k, v in values.items() if getattr(row, k) != v]
    if not fields:
        return row
    for k in fields:
        setattr(row, k, values[k])
    row.save(update_fields=fields)
    # The log names what changed, not the resident's name.
    _log(locked, MATTER, by, {"matter": row.pk, "fields": sorted(fields)})
    return row


def need_categories() -> QuerySet[Category]:
    """The kinds of need a matter may become: active leaf kinds that ask no required question
    (a matter carries no answers), proactive work left out."""
    return (
        Category.objects.filter(is_active=True, children__isnull=True)
        .exclude(questions__required=True)
        .exclude(code=PROACTIVE)
        .exclude(parent__code=PROACTIVE)
        .distinct()
        .order_by("code")
    )


@transaction.atomic
def matter_to_need(
    *,
    by: Person,
    matter: ReceptionMatter,
    category: Category,
    representative: Representative | None = None,
) -> Need:
    """Raise a need from a matter (once): channel REPRESENTATIVE, at the station's place, the
    representative (by default the reception's first) as its source person."""
    reception = matter.reception
    access.check_serves(by, reception.station.node)
    locked = _lock(reception)
    row = ReceptionMatter.objects.select_for_update().get(pk=matter.pk)
    if row.need_id is not None:
        raise Conflict(_("This matter is already a need."), code="already_need")
    present = list(locked.representatives.select_related("person").order_by("pk"))
    if representative is None:
        representative = present[0] if present else None
    elif representative not in present:
        message = _("Choose a representative who was at this reception.")
        raise _invalid(message, "rep_absent", "representative")
    need = need_services.need_raise(
        by=By(by),
        category=category,
        description=row.summary,
        channel=Channel.REPRESENTATIVE,
        node=locked.station.node,
        address=locked.station.address,
        contact_name=row.raised_by,
        on_behalf_of=row.raised_by or locked.station.name,
        source_person=representative.person if representative is not None else None,
    )
    row.need = need
    row.save(update_fields=["need"])
    _log(locked, NEED, by, {"matter": row.pk, "need": need.pk})
    return need
