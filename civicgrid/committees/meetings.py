"""Joint meetings (联席会议): the one module that moves a `Meeting`.

    create → scheduled ─hold→ held ─record→ recorded
    cancel (reason): scheduled → cancelled

While a meeting is scheduled or held, its agenda grows (`agenda_build` from the needs list and
the open tasks, `agenda_add` by a member) and people come (`meeting_check_in` with the poster's
key, `attendance_record` by the staff); the notice goes out once while it is scheduled
(`meeting_notify`). While it is held, the staff write the minutes and take decisions
(`meeting_decide`), each of which becomes work tasks; recording seals it.

`RULES` says who may take each action: the committee's staff, a member unit's people, or the
system (the worker creates the meetings of a schedule, builds their agenda and sends their
notice: `schedule`). Every move locks the meeting's row, checks the table, writes with a
conditional UPDATE and appends a `CommitteeEvent` (`events.append`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Max, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from civicgrid.committees import access, consultations, events, needlist, work
from civicgrid.committees.consultations import TaskSpec
from civicgrid.committees.models import (
    AgendaItem,
    AgendaKind,
    Attendance,
    Decision,
    ListedNeed,
    Meeting,
    MeetingSeries,
    MeetingState,
    Task,
)
from civicgrid.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from civicgrid.core.notifications import notify
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import Need
from civicgrid.needs.workflow import By
from civicgrid.network.geo import distance_m
from civicgrid.network.models import Membership, Node, Organisation, OrgKind, Person

SYSTEM = need_workflow.SYSTEM
log = logging.getLogger("civicgrid.committees")

# Check-in opens this long before the start and closes this long after the end (as an
# activity's); a phone that says it is farther than this from the place is refused.
CHECKIN_OPENS_BEFORE = dt.timedelta(hours=1)
CHECKIN_CLOSES_AFTER = dt.timedelta(hours=1)
CHECKIN_MAX_DISTANCE_M = 2000
# A meeting may be marked held from this long before its start.
HOLD_FROM_BEFORE = dt.timedelta(hours=1)
MAX_DURATION = dt.timedelta(hours=24)
# At most so many items of each source are drawn onto one agenda.
AGENDA_NEEDS = 60
AGENDA_TASKS = 60


class Action(enum.StrEnum):
    HOLD = "hold"
    RECORD = "record"
    CANCEL = "cancel"
    NOTIFY = "notify"
    AGENDA = "agenda"  # build the agenda from the lists, or add an item
    ATTEND = "attend"  # check in, or have one's attendance entered
    MINUTES = "minutes"
    DECIDE = "decide"


class Actor(enum.StrEnum):
    COMMITTEE = "committee"  # the committee's staff
    UNIT = "unit"  # a person of one of the committee's member units
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the state stays
    actors: frozenset[Actor]
    reason_required: bool = False


def _rule(
    sources: Iterable[str], target: str | None, actors: Iterable[Actor], reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), reason)


S = MeetingState
C, U, SYS = Actor.COMMITTEE, Actor.UNIT, Actor.SYSTEM

RULES: dict[Action, Rule] = {
    Action.HOLD: _rule([S.SCHEDULED], S.HELD, [C]),
    Action.RECORD: _rule([S.HELD], S.RECORDED, [C]),
    Action.CANCEL: _rule([S.SCHEDULED], S.CANCELLED, [C], reason=True),
    Action.NOTIFY: _rule([S.SCHEDULED], None, [C, SYS]),
    Action.AGENDA: _rule([S.SCHEDULED, S.HELD], None, [C, U, SYS]),
    Action.ATTEND: _rule([S.SCHEDULED, S.HELD], None, [C, U]),
    Action.MINUTES: _rule([S.HELD], None, [C]),
    Action.DECIDE: _rule([S.HELD], None, [C]),
}
# The moves of the state proper (the transition table).
TRANSITIONS = {a: r for a, r in RULES.items() if r.target is not None}

ACTION_LABELS: dict[str, Any] = {
    Action.HOLD: gettext_lazy("Mark as held"),
    Action.RECORD: gettext_lazy("Seal the record"),
    Action.CANCEL: gettext_lazy("Cancel"),
    Action.NOTIFY: gettext_lazy("Send the notice"),
    Action.AGENDA: gettext_lazy("Agenda"),
    Action.ATTEND: gettext_lazy("Attendance"),
    Action.MINUTES: gettext_lazy("Minutes"),
    Action.DECIDE: gettext_lazy("Decide"),
}
EVENT_LABELS: dict[str, Any] = {
    "create": gettext_lazy("Scheduled"),
    "hold": gettext_lazy("Held"),
    "record": gettext_lazy("Record sealed"),
    "cancel": gettext_lazy("Cancelled"),
    "notify": gettext_lazy("Notice sent"),
    "agenda": gettext_lazy("Agenda drawn from the lists"),
    "agenda_item": gettext_lazy("Item added to the agenda"),
    "check_in": gettext_lazy("Checked in"),
    "minutes": gettext_lazy("Minutes written"),
    "decision": pgettext_lazy("committee", "Decision"),
}


def _by_person(by: By) -> Person | None:
    return None if by.system else by.person


def actor_kinds(meeting: Meeting, by: By) -> set[Actor]:
    """What `by` is to this meeting's committee."""
    if by.system:
        return {Actor.SYSTEM}
    kinds: set[Actor] = set()
    if by.person is None:
        return kinds
    committee = meeting.committee
    if access.is_committee_staff(by.person, committee):
        kinds.add(Actor.COMMITTEE)
    if access.unit_ids(by.person, committee):
        kinds.add(Actor.UNIT)
    return kinds


def allowed_actions(meeting: Meeting, by: By) -> list[Action]:
    """The actions `by` may take on the meeting now, in the table's order (the time rules of
    holding and checking in are the commands' own)."""
    kinds = actor_kinds(meeting, by)
    return [a for a, r in RULES.items() if meeting.state in r.sources and kinds & r.actors]


def may(meeting: Meeting, by: By, action: Action) -> bool:
    return action in allowed_actions(meeting, by)


# --- The shared core ------------------------------------------------------------------------


def _lock(meeting: Meeting | int) -> Meeting:
    pk = meeting if isinstance(meeting, int) else meeting.pk
    found = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee", "committee__node", "node")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such meeting."), code="no_meeting")
    return found


def _check(locked: Meeting, action: Action, by: By, reason: str = "") -> str:
    """The table's part of every check: who, then the state, then the reason (stripped)."""
    rule = RULES[action]
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(
            _("Only the committee's own staff may do “%(action)s” on a meeting.")
            % {"action": ACTION_LABELS[action]}
            if rule.actors <= {C, SYS}
            else _("Only the committee's staff and its member units' people may do this."),
            code="not_allowed",
        )
    if locked.state not in rule.sources:
        raise Conflict(
            _("The meeting is %(state)s: “%(action)s” is not possible now.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        message = _("Say why in a few words.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return reason


def _move(
    locked: Meeting,
    action: Action,
    by: By,
    fields: dict[str, Any],
    now: dt.datetime,
    *,
    note: str = "",
) -> Meeting:
    """Move the locked meeting to the table's target (a conditional UPDATE on top of the row
    lock) and append the event."""
    before = locked.state
    target = RULES[action].target
    assert target is not None
    fields = {"state": target, "updated_at": now, **fields}
    changed = Meeting.objects.filter(pk=locked.pk, state=before).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this meeting at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        str(action),
        actor=_by_person(by),
        from_state=before,
        to_state=target,
        note=note,
        now=now,
    )
    return locked


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _local(moment: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt)


def _required(value: str, field: str, message: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(message, code="validation", fields={field: [message]})
    if len(value) > max_length:
        too_long = _("At most %(n)s characters.") % {"n": max_length}
        raise Invalid(too_long, code="validation", fields={field: [too_long]})
    return value


def _check_place(committee: Organisation, node: Node) -> None:
    if not node.is_within(committee.node):
        message = _("Choose a place in the committee's area.")
        raise Invalid(message, code="validation", fields={"node": [message]})


def _check_committee(committee: Organisation) -> None:
    if committee.kind != OrgKind.JOINT_COMMITTEE:
        raise Invalid(_("That is not a joint committee."), code="validation")


def new_checkin_key() -> str:
    return secrets.token_urlsafe(16)  # 22 characters


# --- Schedules ------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    committee: Organisation,
    by: By,
    title: str,
    day_of_month: int,
    time: dt.time,
    node: Node,
    place_detail: str = "",
    duration_minutes: int = 120,
    lead_days: int = 14,
) -> MeetingSeries:
    """A schedule (the monthly border joint meeting): the worker creates its meetings
    `lead_days` ahead, each with its agenda and its notice."""
    _check_committee(committee)
    locked = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("node")
        .get(pk=committee.pk)
    )
    access.check_staff(by.person, locked)
    title = _required(title, "title", _("Give the meetings a title."), 120)
    errors: dict[str, list[str]] = {}
    if not isinstance(day_of_month, int) or not 1 <= day_of_month <= 28:
        errors["day_of_month"] = [_("Choose a day from 1 to 28 (every month has it).")]
    if not isinstance(duration_minutes, int) or not 15 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = [_("A meeting lasts from 15 minutes to a day.")]
    if not isinstance(lead_days, int) or not 1 <= lead_days <= 60:
        errors["lead_days"] = [_("Create the meetings 1 to 60 days ahead.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], code="validation", fields=errors)
    _check_place(locked, node)
    series = MeetingSeries.objects.create(
        committee=locked,
        title=title,
        day_of_month=day_of_month,
        time=time,
        duration_minutes=duration_minutes,
        node=node,
        place_detail=(place_detail or "").strip()[:120],
        lead_days=lead_days,
    )
    events.append(
        locked,
        "change",
        actor=by.person,
        data=events.Changed(thing="series", ref=series.pk, after=title),
    )
    return series


@transaction.atomic
def series_set_active(*, series: MeetingSeries, by: By, active: bool) -> MeetingSeries:
    """Stop a schedule (the worker creates no more of its meetings) or start it again."""
    locked = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("node")
        .get(pk=series.committee_id)
    )
    access.check_staff(by.person, locked)
    before = MeetingSeries.objects.get(pk=series.pk).active
    if before != active:
        MeetingSeries.objects.filter(pk=series.pk).update(active=active)
        events.append(
            locked,
            "change",
            actor=by.person,
            data=events.Changed(
                thing="series", ref=series.pk, before=str(before), after=str(active)
            ),
        )
    series.active = active
    return series


def _month_dates(series: MeetingSeries, now: dt.datetime) -> Iterable[dt.datetime]:
    """The series' meeting starts from this month on, as aware datetimes, in order."""
    today = timezone.localtime(now).date()
    year, month = today.year, today.month
    zone = timezone.get_current_timezone()
    while True:
        day = min(series.day_of_month, calendar.monthrange(year, month)[1])
        naive = dt.datetime.combine(dt.date(year, month, day), series.time)
        yield timezone.make_aware(naive, zone)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def due_starts(series: MeetingSeries, now: dt.datetime) -> list[dt.datetime]:
    """The starts of the series' meetings that fall from now to `lead_days` ahead."""
    horizon = now + dt.timedelta(days=series.lead_days)
    found = []
    for starts in _month_dates(series, now):
        if starts > horizon:
            break
        if starts >= now:
            found.append(starts)
    return found


def schedule(now: dt.datetime) -> int:
    """The worker's step: create each active schedule's next meetings that fall within its
    lead time, each with its agenda built and its notice sent. Idempotent: a meeting exists
    once per schedule and start (`meeting_once_per_series_date`); a second worker's insert
    fails in its savepoint and is skipped. Returns how many meetings were created."""
    created = 0
    for series in MeetingSeries.objects.filter(active=True).select_related(
        "committee", "committee__node", "node"
    ):
        for starts in due_starts(series, now):
            if Meeting.objects.filter(series=series, starts_at=starts).exists():
                continue
            try:
                with transaction.atomic():
                    meeting = meeting_create(
                        committee=series.committee,
                        by=SYSTEM,
                        title=series.title,
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(minutes=series.duration_minutes),
                        node=series.node,
                        place_detail=series.place_detail,
                        series=series,
                    )
                    meeting_notify(meeting=meeting, by=SYSTEM)
            except IntegrityError:
                continue  # another worker created it at the same moment
            except DomainError as error:  # a schedule gone wrong must not stop the others
                log.warning("meeting schedule %s: %s", series.pk, error.message)
                continue
            created += 1
    return created


# --- Meetings -------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    committee: Organisation,
    by: By,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    node: Node,
    place_detail: str = "",
    series: MeetingSeries | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Meeting:
    """Set a joint meeting (scheduled), with a new check-in key for its QR poster, and draw its
    agenda from the needs list and the open tasks (`agenda_build`)."""
    _check_committee(committee)
    if not by.system:
        access.check_staff(by.person, committee)
    title = _required(title, "title", _("Give the meeting a title."), 120)
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        message = _("Give when it starts and ends.")
        raise Invalid(message, code="validation", fields={"starts_at": [message]})
    if ends_at <= starts_at:
        message = _("It must end after it starts.")
        raise Invalid(message, code="validation", fields={"ends_at": [message]})
    if ends_at - starts_at > MAX_DURATION:
        message = _("A meeting lasts at most a day.")
        raise Invalid(message, code="validation", fields={"ends_at": [message]})
    if (lat is None) != (lon is None) or (
        lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        message = _("Give both latitude and longitude of a point on Earth, or neither.")
        raise Invalid(message, code="validation", fields={"lat": [message]})
    _check_place(committee, node)
    if series is not None and series.committee_id != committee.pk:
        raise Invalid(_("That schedule is another committee's."), code="validation")
    now = timezone.now()
    meeting = Meeting.objects.create(
        committee=committee,
        series=series,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        node=node,
        place_detail=(place_detail or "").strip()[:120],
        lat=lat,
        lon=lon,
        checkin_key=new_checkin_key(),
        created_by=_by_person(by),
    )
    events.append(
        meeting,
        "create",
        actor=_by_person(by),
        to_state=MeetingState.SCHEDULED,
        note=_local(starts_at),
        now=now,
    )
    _build(meeting, by, now)
    return meeting


# --- The agenda -----------------------------------------------------------------------------


def _next_position(meeting: Meeting) -> int:
    return (AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"] or 0) + 1


def _build(locked: Meeting, by: By, now: dt.datetime) -> int:
    committee = locked.committee
    have_needs = set(
        AgendaItem.objects.filter(meeting=locked, need__isnull=False).values_list(
            "need_id", flat=True
        )
    )
    have_tasks = set(
        AgendaItem.objects.filter(meeting=locked, task__isnull=False).values_list(
            "task_id", flat=True
        )
    )
    # Escalated to the committee first, then asked for by a unit, then overdue in the area.
    asked_q = ListedNeed.objects.filter(committee=committee).values("need_id")
    needs = list(
        Need.objects.filter(needlist.listed_q(committee))
        .exclude(pk__in=have_needs)
        .annotate(
            rank=Case(
                When(consultation_id=committee.pk, then=Value(0)),
                When(pk__in=asked_q, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "overdue_at", "created_at", "pk")
        .values_list("pk", flat=True)[:AGENDA_NEEDS]
    )
    asked = dict(
        ListedNeed.objects.filter(committee=committee, need_id__in=needs).values_list(
            "need_id", "unit_id"
        )
    )
    tasks = list(
        Task.objects.filter(committee=committee)
        .open()
        .exclude(pk__in=have_tasks)
        .order_by("due", "id")
        .values_list("pk", flat=True)[:AGENDA_TASKS]
    )
    position = _next_position(locked)
    rows = []
    for need_id in needs:
        rows.append(
            AgendaItem(
                meeting=locked,
                position=position,
                kind=AgendaKind.NEED,
                need_id=need_id,
                unit_id=asked.get(need_id),
            )
        )
        position += 1
    for task_id in tasks:
        rows.append(
            AgendaItem(meeting=locked, position=position, kind=AgendaKind.TASK, task_id=task_id)
        )
        position += 1
    if rows:
        AgendaItem.objects.bulk_create(rows)
        events.append(
            locked,
            "agenda",
            actor=_by_person(by),
            note=_("%(needs)s needs, %(tasks)s tasks") % {"needs": len(needs), "tasks": len(tasks)},
            now=now,
        )
    return len(rows)


@transaction.atomic
def agenda_build(meeting: Meeting, *, by: By = SYSTEM) -> int:
    """Draw the agenda from the needs list (escalated to the committee, asked for by a member
    unit, overdue in its area: `needlist.listed_q`) and the committee's open tasks. Run again,
    it adds only what is new. Returns how many items it added."""
    locked = _lock(meeting)
    if by.system or actor_kinds(locked, by) & {C}:
        _check(locked, Action.AGENDA, by)
    else:
        raise NotAllowed(_("Only the committee's own staff may draw the agenda."))
    return _build(locked, by, timezone.now())


@transaction.atomic
def agenda_add(
    *, meeting: Meeting, by: By, text: str, unit: Organisation | None = None
) -> AgendaItem:
    """An item raised by a member: the committee's staff (for the committee or for a member
    unit), or a member unit's person for their own unit."""
    locked = _lock(meeting)
    _check(locked, Action.AGENDA, by)
    text = _required(text, "text", _("Write the item."), 300)
    staff = access.is_committee_staff(by.person, locked.committee)
    mine = access.unit_ids(by.person, locked.committee)
    if unit is None and not staff:
        if len(mine) != 1:
            message = _("Choose the unit you raise it for.")
            raise Invalid(message, code="validation", fields={"unit": [message]})
        unit = Organisation.objects.get(pk=next(iter(mine)))
    if unit is not None:
        if unit.committee_id != locked.committee_id:
            message = _("Choose one of the committee's member units.")
            raise Invalid(message, code="validation", fields={"unit": [message]})
        if not staff and unit.pk not in mine:
            raise NotAllowed(_("You may raise items only for your own unit."), code="not_allowed")
    item = AgendaItem.objects.create(
        meeting=locked,
        position=_next_position(locked),
        kind=AgendaKind.ITEM,
        text=text,
        unit=unit,
        added_by=by.person,
    )
    events.append(locked, "agenda_item", actor=by.person, unit=unit, note=text)
    return item


# --- The notice -----------------------------------------------------------------------------


def place_text(meeting: Meeting) -> str:
    return meeting.node.name + (f" · {meeting.place_detail}" if meeting.place_detail else "")


def when_text(meeting: Meeting) -> str:
    return f"{_local(meeting.starts_at)}–{_local(meeting.ends_at, '%H:%M')}"


def invited(meeting: Meeting) -> list[Person]:
    """The member units' people and the committee's own members."""
    return list(
        Person.objects.filter(
            Q(membership__organisation__committee_id=meeting.committee_id)
            | Q(membership__organisation_id=meeting.committee_id),
            is_active=True,
        ).distinct()
    )


def meeting_url(meeting: Meeting) -> str:
    return reverse("committees:meeting", args=[meeting.pk])


@transaction.atomic
def meeting_notify(*, meeting: Meeting, by: By, force: bool = False) -> int:
    """Send the notice (title, when, where) to every member unit's people and the committee's
    members, once; `force` sends it again (after a change). Returns how many were told."""
    locked = _lock(meeting)
    _check(locked, Action.NOTIFY, by)
    if locked.noticed_at is not None and not force:
        raise Conflict(
            _("The notice was sent on %(at)s already; send it again only after a change.")
            % {"at": _local(locked.noticed_at)},
            code="already_noticed",
        )
    people = invited(locked)
    notify(
        people,
        kind="meeting_notice",
        data={"title": locked.title, "when": when_text(locked), "place": place_text(locked)},
        url=meeting_url(locked),
    )
    now = timezone.now()
    Meeting.objects.filter(pk=locked.pk).update(noticed_at=now)
    locked.noticed_at = now
    events.append(
        locked,
        "notify",
        actor=_by_person(by),
        note=_("%(n)s people told") % {"n": len(people)},
        now=now,
    )
    return len(people)


# --- Attendance -----------------------------------------------------------------------------


def checkin_window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    return meeting.starts_at - CHECKIN_OPENS_BEFORE, meeting.ends_at + CHECKIN_CLOSES_AFTER


def key_matches(meeting: Meeting, key: str) -> bool:
    """Whether `key` is the meeting's check-in key, compared in constant time."""
    if not key or not meeting.checkin_key:
        return False
    return hmac.compare_digest(str(key).encode(), meeting.checkin_key.encode())


def place_point(meeting: Meeting) -> tuple[float, float] | None:
    """Where the meeting is: its own point, else its place's."""
    if meeting.lat is not None and meeting.lon is not None:
        return meeting.lat, meeting.lon
    if meeting.node.lat is not None and meeting.node.lon is not None:
        return meeting.node.lat, meeting.node.lon
    return None


def _unit_for(person: Person, committee: Organisation) -> Organisation | None:
    """The person's member unit of this committee (the first, if several)."""
    return (
        Organisation.objects.filter(committee=committee, membership__person=person)
        .order_by("pk")
        .first()
    )


def _attended(locked: Meeting, person: Person) -> None:
    existing = Attendance.objects.filter(meeting=locked, person=person).first()
    if existing is not None:
        raise Conflict(
            _("%(name)s is checked in already (at %(at)s). Thank you!")
            % {"name": person.name, "at": _local(existing.at, "%H:%M")},
            code="already_checked_in",
        )


@transaction.atomic
def meeting_check_in(
    *,
    meeting: Meeting,
    person: Person,
    key: str,
    lat: float | None = None,
    lon: float | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """Check `person` in with the key of the meeting's QR poster, from an hour before the start
    to an hour after the end, near the place when the phone says where it is; once. Their member
    unit of this committee is recorded (the committee's staff may come without one)."""
    now = _now(now)
    locked = _lock(meeting)
    if not key_matches(locked, key):
        raise NotAllowed(
            _("This check-in code is not valid: scan the poster at the meeting again."),
            code="bad_key",
        )
    by = By(person=person)
    if not actor_kinds(locked, by) & RULES[Action.ATTEND].actors:
        raise NotAllowed(
            _("This meeting is for the committee and its member units: you are in neither."),
            code="not_a_member",
        )
    _check(locked, Action.ATTEND, by)
    _attended(locked, person)
    opens, closes = checkin_window(locked)
    if now < opens:
        raise Conflict(
            _("Check-in opens at %(time)s on %(date)s.")
            % {"time": _local(opens, "%H:%M"), "date": _local(opens, "%Y-%m-%d")},
            code="too_early",
        )
    if now > closes:
        raise Conflict(
            _("Check-in closed at %(time)s.") % {"time": _local(closes, "%H:%M")},
            code="too_late",
        )
    distance = None
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Invalid(_("Your phone gave a location that is not on Earth."), code="bad_point")
        point = place_point(locked)
        if point is not None:
            distance = distance_m(lat, lon, *point)
            if distance > CHECKIN_MAX_DISTANCE_M:
                raise Invalid(
                    _(
                        "Your phone says you are %(km)s km from the meeting: check in when "
                        "you are there (within %(max)s km)."
                    )
                    % {"km": f"{distance / 1000:.1f}", "max": CHECKIN_MAX_DISTANCE_M // 1000},
                    code="too_far",
                )
    unit = _unit_for(person, locked.committee)
    attendance = Attendance.objects.create(
        meeting=locked, person=person, unit=unit, by_qr=True, distance_m=distance, at=now
    )
    events.append(
        locked,
        "check_in",
        actor=person,
        unit=unit,
        data=events.CheckedIn(person=person.pk, distance_m=distance, by_qr=True),
        now=now,
    )
    return attendance


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, by: By, person: Person, unit: Organisation | None
) -> Attendance:
    """The staff enter that `person` came for `unit` (a member unit they belong to), or for
    the committee itself (no unit: one of its own members)."""
    locked = _lock(meeting)
    if not actor_kinds(locked, by) & {C}:
        raise NotAllowed(_("Only the committee's own staff may enter attendance."))
    _check(locked, Action.ATTEND, by)
    if unit is not None:
        if unit.committee_id != locked.committee_id:
            message = _("Choose one of the committee's member units.")
            raise Invalid(message, code="validation", fields={"unit": [message]})
        if not Membership.objects.filter(organisation=unit, person=person).exists():
            message = _("%(name)s is not one of %(unit)s's people.") % {
                "name": person.name,
                "unit": unit.name,
            }
            raise Invalid(message, code="validation", fields={"person": [message]})
    elif not Membership.objects.filter(organisation=locked.committee, person=person).exists():
        message = _("Choose the unit %(name)s came for.") % {"name": person.name}
        raise Invalid(message, code="validation", fields={"unit": [message]})
    _attended(locked, person)
    now = timezone.now()
    attendance = Attendance.objects.create(
        meeting=locked, person=person, unit=unit, by_qr=False, at=now
    )
    events.append(
        locked,
        "check_in",
        actor=by.person,
        unit=unit,
        data=events.CheckedIn(person=person.pk, by_qr=False),
        now=now,
    )
    return attendance


# --- Holding, minutes, decisions, the record ------------------------------------------------


@transaction.atomic
def meeting_hold(
    *, meeting: Meeting, by: By, minutes: str = "", now: dt.datetime | None = None
) -> Meeting:
    """The meeting meets (from an hour before its start): minutes and decisions may follow."""
    now = _now(now)
    locked = _lock(meeting)
    _check(locked, Action.HOLD, by)
    if now < locked.starts_at - HOLD_FROM_BEFORE:
        raise Conflict(
            _("The meeting starts at %(at)s: mark it held when it meets.")
            % {"at": _local(locked.starts_at)},
            code="too_early",
        )
    fields: dict[str, Any] = {}
    minutes = (minutes or "").strip()
    if minutes:
        fields["minutes"] = minutes
    return _move(locked, Action.HOLD, by, fields, now)


@transaction.atomic
def meeting_minutes(*, meeting: Meeting, by: By, minutes: str) -> Meeting:
    """Write (or rewrite) the minutes while the meeting is held."""
    locked = _lock(meeting)
    _check(locked, Action.MINUTES, by)
    minutes = _required(minutes, "minutes", _("Write the minutes."), 50_000)
    now = timezone.now()
    Meeting.objects.filter(pk=locked.pk, state=MeetingState.HELD).update(
        minutes=minutes, updated_at=now
    )
    locked.minutes = minutes
    events.append(locked, "minutes", actor=by.person, now=now)
    return locked


def _check_need(locked: Meeting, need: Need) -> None:
    """A decision is about a need on the agenda, or one the committee consults on."""
    on_agenda = AgendaItem.objects.filter(meeting=locked, need=need).exists()
    if not on_agenda and need.consultation_id != locked.committee_id:
        message = _("Decide on a need of the agenda or one the committee is consulting on.")
        raise Invalid(message, code="validation", fields={"need": [message]})


@transaction.atomic
def meeting_decide(
    *,
    meeting: Meeting,
    by: By,
    text: str,
    tasks: list[TaskSpec],
    need: Need | None = None,
) -> Decision:
    """A decision of the held meeting: who does what by when, each a work task. About a need
    under the committee's consultation, the consultation decides (it moves to decided), and the
    decision carries both the meeting and the consultation."""
    locked = _lock(meeting)
    _check(locked, Action.DECIDE, by)
    text = _required(text, "text", _("Write the decision."), 5000)
    if not tasks:
        message = _("A decision says who does what by when: add at least one task.")
        raise Invalid(message, code="validation", fields={"tasks": [message]})
    if need is not None:
        _check_need(locked, need)
    if any(spec.resolves_need for spec in tasks) and need is None:
        message = _("Only a task about a need can resolve it: choose the need.")
        raise Invalid(message, code="validation", fields={"need": [message]})
    now = timezone.now()
    live = consultations.live_for(need) if need is not None else None
    if live is not None and live.committee_id == locked.committee_id:
        decision = consultations.consultation_decide(
            consultation=live, by=by, text=text, tasks=tasks, meeting=locked
        )
        made = list(decision.tasks.values_list("pk", flat=True))
    else:
        decision = Decision.objects.create(
            committee=locked.committee,
            meeting=locked,
            need=need,
            text=text,
            created_by=by.person,
            created_at=now,
        )
        made = [
            work.task_create(
                committee=locked.committee,
                by=by,
                title=spec.title,
                unit=spec.unit,
                owner=spec.owner,
                due=spec.due,
                need=need,
                decision=decision,
                resolves_need=spec.resolves_need,
            ).pk
            for spec in tasks
        ]
    events.append(
        locked,
        "decision",
        actor=by.person,
        note=text,
        data=events.Decided(decision=decision.pk, tasks=made),
        now=now,
    )
    return decision


@transaction.atomic
def meeting_record(*, meeting: Meeting, by: By) -> Meeting:
    """Seal the record (held → recorded): no more minutes or decisions."""
    locked = _lock(meeting)
    _check(locked, Action.RECORD, by)
    if not locked.minutes.strip():
        message = _("Write the minutes before sealing the record.")
        raise Invalid(message, code="no_minutes", fields={"minutes": [message]})
    return _move(locked, Action.RECORD, by, {}, timezone.now())


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: By, reason: str) -> Meeting:
    """Call the meeting off, with the reason; those told of it are told again."""
    locked = _lock(meeting)
    reason = _check(locked, Action.CANCEL, by, reason)[:300]
    now = timezone.now()
    locked = _move(locked, Action.CANCEL, by, {"cancel_reason": reason}, now, note=reason)
    if locked.noticed_at is not None:
        notify(
            invited(locked),
            kind="meeting_cancelled",
            data={"title": locked.title, "when": when_text(locked), "note": reason},
            url=meeting_url(locked),
        )
    return locked


COMMANDS = {
    Action.HOLD: meeting_hold,
    Action.RECORD: meeting_record,
    Action.CANCEL: meeting_cancel,
}


def transition(meeting: Meeting, action: Action | str, by: By, **params: Any) -> Meeting:
    """Run the command of a state move chosen at run time (a form's button, the API)."""
    try:
        command = COMMANDS[Action(action)]
    except (ValueError, KeyError):
        raise Invalid(_("No such action."), code="bad_action") from None
    return command(meeting=meeting, by=by, **params)  # type: ignore[operator]
