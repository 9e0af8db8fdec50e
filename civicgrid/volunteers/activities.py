"""The activity life cycle, sign-up with its waiting list, check-in by QR code, and hours: the
one module that changes `Activity.state`, `Activity.confirmed_count` and `SignUp` rows.

    create → planned ─open→ open ─hold→ held ─record→ recorded
    cancel (reason): planned/open → cancelled
    hold: planned/open → held, by an organiser once the activity has started, by the system
        once it has ended (`hold_ended`)
    edit: the details, while planned or open
    sign_up / leave: a member, while open and before the start
    check_in: a member with the poster's key, while open or held, in the check-in window
    correct (reason): an organiser corrects one member's credited hours, once recorded

`RULES` says, for each action, the states it acts in, the state it reaches (None: it stays)
and who may take it. "Who" is an actor kind worked out per activity: an organiser (staff who
organise at its place, `access.organises_place`, or a leader of its team), a member (a
signed-in person its audience admits, or already signed up), the system.

One keyword-only command per action. Each locks the activity's row (`_lock`), checks the table
and its own rules, writes with conditional UPDATEs and appends its events (`events.append`,
which hands them to their subscribers: points count "activity.credit" and
"activity.correct"). Every write to an activity's sign-ups holds the activity's row lock, so
the confirmed count, the waiting order and the event numbering stay right under concurrency;
the database's `activity_not_overbooked` constraint backs the count.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed, NotFound
from civicgrid.needs.photos import clean_photo
from civicgrid.network.geo import distance_m
from civicgrid.network.models import Node, Person
from civicgrid.volunteers import access, events
from civicgrid.volunteers.models import (
    Activity,
    ActivityPhoto,
    ActivityState,
    Audience,
    SignUp,
    SignUpState,
    Team,
    Theme,
)

# Check-in opens this long before the start and closes this long after the end.
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=60)
CHECKIN_CLOSES_AFTER = dt.timedelta(minutes=60)
# A phone that says it is farther than this from the place is refused.
CHECKIN_MAX_DISTANCE_M = 2000
# The longest duration that may be recorded, and the most hours a correction may credit.
MAX_DURATION_MINUTES = 24 * 60
MAX_PHOTOS = 3
MAX_HOURS = Decimal(24)


class Action(enum.StrEnum):
    CREATE = "create"
    OPEN = "open"
    EDIT = "edit"
    HOLD = "hold"
    RECORD = "record"
    CANCEL = "cancel"
    SIGN_UP = "sign_up"
    LEAVE = "leave"
    CHECK_IN = "check_in"
    CORRECT = "correct"


# Timeline entries that are not actions of the table.
CREDIT = "credit"  # hours credited to one member at recording (events.Credited)

ACTION_LABELS: dict[str, Any] = {
    Action.CREATE: gettext_lazy("Planned"),
    Action.OPEN: gettext_lazy("Open for sign-up"),
    Action.EDIT: gettext_lazy("Edit"),
    Action.HOLD: gettext_lazy("Mark as held"),
    Action.RECORD: gettext_lazy("Record"),
    Action.CANCEL: gettext_lazy("Cancel"),
    Action.SIGN_UP: gettext_lazy("Sign up"),
    Action.LEAVE: gettext_lazy("Leave"),
    Action.CHECK_IN: gettext_lazy("Check in"),
    Action.CORRECT: gettext_lazy("Correct hours"),
    CREDIT: gettext_lazy("Hours credited"),
}


class Actor(enum.StrEnum):
    ORGANISER = "organiser"  # staff who organise at its place, or a leader of its team
    MEMBER = "member"  # a signed-in person the audience admits (or already signed up)
    SYSTEM = "system"  # the worker process


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


ORG, MEM, SYS = Actor.ORGANISER, Actor.MEMBER, Actor.SYSTEM
St = ActivityState

RULES: dict[Action, Rule] = {
    Action.OPEN: _rule([St.PLANNED], St.OPEN, [ORG]),
    Action.EDIT: _rule([St.PLANNED, St.OPEN], None, [ORG]),
    Action.HOLD: _rule([St.PLANNED, St.OPEN], St.HELD, [ORG, SYS]),
    Action.RECORD: _rule([St.HELD], St.RECORDED, [ORG]),
    Action.CANCEL: _rule([St.PLANNED, St.OPEN], St.CANCELLED, [ORG], reason=True),
    Action.SIGN_UP: _rule([St.OPEN], None, [MEM]),
    Action.LEAVE: _rule([St.OPEN], None, [MEM]),
    Action.CHECK_IN: _rule([St.OPEN, St.HELD], None, [MEM]),
    Action.CORRECT: _rule([St.RECORDED], None, [ORG], reason=True),
}
# The actions that move the state (the transition table proper).
TRANSITIONS = {a: r for a, r in RULES.items() if r.target is not None}
# What the console offers organisers, in this order.
ORGANISER_ACTIONS = (Action.OPEN, Action.HOLD, Action.RECORD, Action.CANCEL, Action.CORRECT)


@dataclass(frozen=True)
class By:
    """Who acts: a person, or the system (the worker)."""

    person: Person | None = None
    system: bool = False


SYSTEM = By(system=True)


def _as_by(by: By | Person | None) -> By:
    return by if isinstance(by, By) else By(person=by)


def actor_kinds(activity: Activity, by: By | Person | None) -> set[Actor]:
    """What `by` is to this activity. A few small queries for a person."""
    by = _as_by(by)
    if by.system:
        return {Actor.SYSTEM}
    person = by.person
    if person is None or not person.is_authenticated or not person.is_active:
        return set()
    kinds: set[Actor] = set()
    if access.organises_activity(person, activity):
        kinds.add(Actor.ORGANISER)
    if (
        access.may_join(person, activity)
        or SignUp.objects.filter(activity_id=activity.pk, person_id=person.pk)
        .exclude(state=SignUpState.CANCELLED)
        .exists()
    ):
        kinds.add(Actor.MEMBER)
    return kinds


def allowed_actions(activity: Activity, by: By | Person | None) -> list[Action]:
    """The actions `by` may take on the activity now, in the table's order (the time rules of
    sign-up, check-in and holding are the commands' own)."""
    kinds = actor_kinds(activity, by)
    return [
        action
        for action, rule in RULES.items()
        if activity.state in rule.sources and kinds & rule.actors
    ]


def may(activity: Activity, by: By | Person | None, action: Action) -> bool:
    return action in allowed_actions(activity, by)


# --- The shared core ------------------------------------------------------------------------


def _lock(activity: Activity | int) -> Activity:
    """The activity's row, locked until the commit and read again after any lock wait."""
    pk = activity if isinstance(activity, int) else activity.pk
    found = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("node", "team", "team__organisation")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such activity."), code="no_activity")
    return found


def _check(locked: Activity, action: Action, by: By, reason: str = "") -> str:
    """The table's part of every check: the state, then the actor, then the reason (returned
    stripped)."""
    rule = RULES[action]
    if locked.state not in rule.sources:
        raise Conflict(
            _("This activity is %(state)s now; it cannot be changed by “%(action)s”.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
            state=locked.state,
        )
    if not actor_kinds(locked, by) & rule.actors:
        if action in (Action.SIGN_UP, Action.CHECK_IN):
            raise NotAllowed(_audience_refusal(locked), code="audience")
        raise NotAllowed(
            _("You may not do “%(action)s” on this activity.") % {"action": ACTION_LABELS[action]},
            code="not_allowed",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise Invalid(
            _("Give a reason."), code="reason_required", fields={"reason": [_("Give a reason.")]}
        )
    return reason


def _audience_refusal(activity: Activity) -> str:
    if activity.audience == Audience.TEAM:
        return _("This activity is for the members of its team only.")
    return _("This activity is for registered party members and volunteers only.")


def _move(
    locked: Activity,
    action: Action,
    by: By,
    fields: dict[str, Any],
    now: dt.datetime,
    *,
    note: str = "",
    data: events.EventData | None = None,
) -> Activity:
    """Move the locked activity to the table's target with `fields` (a conditional UPDATE on
    top of the row lock) and append the event."""
    old = locked.state
    target = RULES[action].target
    assert target is not None
    fields = {"state": target, "updated_at": now, **fields}
    changed = Activity.objects.filter(pk=locked.pk, state=old).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this activity at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action,
        actor=by.person,
        from_state=old,
        to_state=target,
        note=note,
        data=data,
        now=now,
    )
    return locked


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def new_checkin_key() -> str:
    return secrets.token_urlsafe(16)  # 22 characters


# --- Planning -------------------------------------------------------------------------------

EDITABLE = (
    "title",
    "title_en",
    "title_mn",
    "theme",
    "description",
    "node",
    "team",
    "place_detail",
    "lat",
    "lon",
    "starts_at",
    "ends_at",
    "capacity",
    "audience",
)


def _clean_details(values: dict[str, Any]) -> dict[str, Any]:
    """Check the details of an activity (all of them, as they will be); returns them cleaned."""
    errors: dict[str, list[str]] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the activity a title.")]
    if values.get("theme") not in Theme.values:
        errors["theme"] = [_("Choose a theme.")]
    if values.get("audience") not in Audience.values:
        errors["audience"] = [_("Choose who may sign up.")]
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts, dt.datetime) or not isinstance(ends, dt.datetime):
        errors["starts_at"] = [_("Give when it starts and ends.")]
    elif ends <= starts:
        errors["ends_at"] = [_("It must end after it starts.")]
    elif ends - starts > dt.timedelta(days=3):
        errors["ends_at"] = [_("An activity lasts at most three days; plan several instead.")]
    capacity = values.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        errors["capacity"] = [_("Give at least one place, or leave it empty for no limit.")]
    if values.get("audience") == Audience.TEAM and values.get("team") is None:
        errors["audience"] = [_("Only an activity organised by a team can be for its members.")]
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["lat"] = [_("That is not a point on Earth.")]
    team = values.get("team")
    if team is not None and not team.active:
        errors["team"] = [_("That team is no longer active.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, code="validation", fields=errors)
    return {**values, "title": title}


def _check_place(person: Person, node: Node, team: Team | None) -> None:
    """Who may plan at `node` for `team`: staff who organise the place (and, for a team, its
    place or the team's), or a leader of the team at the team's place or below."""
    staff = access.organises_place(person, node)
    leader = team is not None and access.leads_team_id(person, team.pk)
    if leader and team is not None and not node.is_within(team.organisation.node):
        raise NotAllowed(
            _("A team plans activities at its own place or below it."), code="outside_team"
        )
    if not (staff or leader):
        raise NotAllowed(
            _("That place is outside the area where you may organise activities."),
            code="outside_scope",
        )
    if staff and team is not None and not leader:
        team_node = team.organisation.node
        if not (access.organises_place(person, team_node) or node.is_within(team_node)):
            raise NotAllowed(_("That team is outside your area."), code="outside_scope")


@transaction.atomic
def activity_create(
    *,
    by: Person,
    node: Node,
    title: str,
    theme: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    team: Team | None = None,
    audience: str = Audience.MEMBERS,
    capacity: int | None = None,
    description: str = "",
    place_detail: str = "",
    lat: float | None = None,
    lon: float | None = None,
    title_en: str = "",
    title_mn: str = "",
    open_now: bool = False,
) -> Activity:
    """Plan an activity (planned; open for sign-up at once with `open_now`). It gets a new
    check-in key for its QR poster."""
    if by is None or not by.is_authenticated or not by.is_active:
        raise NotAllowed(_("Log in to plan an activity."), code="not_allowed")
    values = _clean_details(
        {
            "title": title,
            "title_en": (title_en or "").strip(),
            "title_mn": (title_mn or "").strip(),
            "theme": theme,
            "description": (description or "").strip(),
            "node": node,
            "team": team,
            "place_detail": (place_detail or "").strip(),
            "lat": lat,
            "lon": lon,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "capacity": capacity,
            "audience": audience,
        }
    )
    _check_place(by, node, team)
    now = timezone.now()
    activity = Activity.objects.create(
        **values,
        organiser_org=team.organisation if team is not None else None,
        state=ActivityState.PLANNED,
        checkin_key=new_checkin_key(),
        created_by=by,
    )
    locked = _lock(activity)
    events.append(locked, Action.CREATE, actor=by, to_state=ActivityState.PLANNED, now=now)
    if open_now:
        _move(locked, Action.OPEN, By(person=by), {}, now)
    return locked


@transaction.atomic
def activity_open(*, activity: Activity, by: By | Person) -> Activity:
    """Open for sign-up."""
    by = _as_by(by)
    locked = _lock(activity)
    _check(locked, Action.OPEN, by)
    return _move(locked, Action.OPEN, by, {}, timezone.now())


@transaction.atomic
def activity_edit(*, activity: Activity, by: By | Person, **changes: Any) -> Activity:
    """Change the details of a planned or open activity (`EDITABLE` fields). Fewer places than
    are taken is refused; more places move the waiting list up."""
    by = _as_by(by)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(
            _("These details cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    locked = _lock(activity)
    _check(locked, Action.EDIT, by)
    assert by.person is not None
    values = _clean_details({name: changes.get(name, getattr(locked, name)) for name in EDITABLE})
    if values["node"].pk != locked.node_id or values["team"] != locked.team:
        _check_place(by.person, values["node"], values["team"])
    capacity = values["capacity"]
    if capacity is not None and capacity < locked.confirmed_count:
        message = _("%(count)s people are signed up already: give at least that many places.") % {
            "count": locked.confirmed_count
        }
        raise Invalid(message, code="capacity_taken", fields={"capacity": [message]})
    changed = [name for name in EDITABLE if values[name] != getattr(locked, name)]
    if not changed:
        return locked
    now = timezone.now()
    fields = {name: values[name] for name in changed}
    if "team" in fields:
        fields["organiser_org"] = values["team"].organisation if values["team"] else None
    Activity.objects.filter(pk=locked.pk, state=locked.state).update(**fields, updated_at=now)
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(locked, Action.EDIT, actor=by.person, note=", ".join(changed), now=now)
    if "capacity" in fields:
        _fill_places(locked, by, now)
    return locked


@transaction.atomic
def activity_cancel(*, activity: Activity, by: By | Person, reason: str) -> Activity:
    by = _as_by(by)
    locked = _lock(activity)
    reason = _check(locked, Action.CANCEL, by, reason)
    return _move(
        locked, Action.CANCEL, by, {"cancel_reason": reason[:300]}, timezone.now(), note=reason
    )


@transaction.atomic
def activity_hold(
    *, activity: Activity, by: By | Person, now: dt.datetime | None = None
) -> Activity:
    """Mark as held: an organiser once it has started, the system once it has ended."""
    by = _as_by(by)
    now = _now(now)
    locked = _lock(activity)
    _check(locked, Action.HOLD, by)
    if by.system and now < locked.ends_at:
        raise Conflict(_("It has not ended yet."), code="too_early")
    if not by.system and now < locked.starts_at:
        raise Conflict(
            _("It has not started yet: mark it held once it has taken place."), code="too_early"
        )
    return _move(locked, Action.HOLD, by, {}, now)


def hold_ended(now: dt.datetime | None = None) -> int:
    """The system marks held every planned or open activity that ended (for the worker's
    periodic run); returns how many."""
    now = _now(now)
    done = 0
    ids = Activity.objects.filter(
        state__in=RULES[Action.HOLD].sources, ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(ids):
        try:
            activity_hold(activity=Activity(pk=pk), by=SYSTEM, now=now)
        except (Conflict, NotAllowed, NotFound):
            continue  # someone moved it first
        done += 1
    return done


def hours_for(minutes: int) -> Decimal:
    """Hours for a duration, to the quarter hour (half up)."""
    quarters = (Decimal(minutes) / Decimal(15)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (quarters / Decimal(4)).quantize(Decimal("0.01"))


@transaction.atomic
def activity_record(
    *,
    activity: Activity,
    by: By | Person,
    duration_minutes: int,
    summary: str = "",
    solved: str = "",
    solved_count: int = 0,
    attended: Sequence[int] | None = None,
    photos: Sequence[Any] = (),
) -> Activity:
    """Record a held activity: what it did, its photos (at most `MAX_PHOTOS`), and who
    attended (by default, those who checked in). Each attendee is credited the duration in
    hours, to the quarter hour: one "credit" event each, which points count."""
    by = _as_by(by)
    locked = _lock(activity)
    _check(locked, Action.RECORD, by)
    if len(photos) > MAX_PHOTOS:
        message = _("Add at most %(n)d photos.") % {"n": MAX_PHOTOS}
        raise Invalid(message, code="too_many_photos", fields={"photos": [message]})
    cleaned = [clean_photo(photo) for photo in photos]
    if not isinstance(duration_minutes, int) or not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        message = _("Give how long it lasted, in minutes (at most a day).")
        raise Invalid(message, code="validation", fields={"duration_minutes": [message]})
    if not isinstance(solved_count, int) or solved_count < 0:
        message = _("Give how many problems were solved (0 or more).")
        raise Invalid(message, code="validation", fields={"solved_count": [message]})
    signups = {
        s.person_id: s
        for s in SignUp.objects.filter(activity=locked, state=SignUpState.CONFIRMED).select_related(
            "person"
        )
    }
    if attended is None:
        present = [pid for pid, s in signups.items() if s.checked_in_at is not None]
    else:
        present = list(dict.fromkeys(int(pid) for pid in attended))
        strangers = [pid for pid in present if pid not in signups]
        if strangers:
            message = _("Only people signed up for the activity can be marked as attending.")
            raise Invalid(message, code="not_signed_up", fields={"attended": [message]})
    now = timezone.now()
    hours = hours_for(duration_minutes)
    fields = {
        "duration_minutes": duration_minutes,
        "summary": (summary or "").strip(),
        "solved": (solved or "").strip(),
        "solved_count": solved_count,
    }
    data = events.Recorded(
        duration_minutes=duration_minutes, solved_count=solved_count, attendance=len(present)
    )
    _move(locked, Action.RECORD, by, fields, now, data=data)
    for photo in cleaned:
        ActivityPhoto.objects.create(activity=locked, image=photo)
    SignUp.objects.filter(activity=locked, person_id__in=present).update(hours=hours)
    for pid in present:
        signups[pid].hours = hours
        events.append(
            locked,
            CREDIT,
            actor=by.person,
            person=signups[pid].person,
            data=events.Credited(hours=f"{hours:.2f}"),
            now=now,
        )
    return locked


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if (
        not hours.is_finite()
        or hours < 0
        or hours > MAX_HOURS
        or hours != hours.quantize(Decimal("0.01"))
    ):
        message = _("Give the hours as a number from 0 to 24, at most two decimals.")
        raise Invalid(message, code="validation", fields={"hours": [message]})
    return hours.quantize(Decimal("0.01"))


@transaction.atomic
def activity_correct_hours(
    *, activity: Activity, by: By | Person, person: Person, hours: Decimal | str, reason: str
) -> SignUp:
    """An organiser corrects the hours credited to one member, with a reason (a "correct"
    event with the new and the old hours, which points count)."""
    by = _as_by(by)
    new = _hours(hours)
    locked = _lock(activity)
    reason = _check(locked, Action.CORRECT, by, reason)
    signup = (
        SignUp.objects.filter(activity=locked, person=person)
        .exclude(state=SignUpState.CANCELLED)
        .first()
    )
    if signup is None:
        raise Invalid(_("That person is not signed up for this activity."), code="not_signed_up")
    old = signup.hours
    if old == new:
        raise Invalid(_("Those are the hours already credited."), code="no_change")
    SignUp.objects.filter(pk=signup.pk).update(hours=new)
    signup.hours = new
    events.append(
        locked,
        Action.CORRECT,
        actor=by.person,
        person=person,
        note=reason,
        data=events.Credited(hours=f"{new:.2f}", was=f"{old:.2f}"),
    )
    return signup


# --- Sign-up and the waiting list ------------------------------------------------------------


def _take_place(activity: Activity) -> bool:
    """Take a place if one is free (a conditional UPDATE: the constraint's guard)."""
    free = Q(capacity__isnull=True) | Q(confirmed_count__lt=F("capacity"))
    taken = (
        Activity.objects.filter(pk=activity.pk)
        .filter(free)
        .update(confirmed_count=F("confirmed_count") + 1)
    )
    if taken:
        activity.confirmed_count += 1
    return bool(taken)


def _fill_places(
    locked: Activity, by: By, now: dt.datetime, *, announce: bool = True
) -> list[SignUp]:
    """Move the waiting list up, first come first served, while places are free; each move is
    a "sign_up" event (noted "promoted") unless the caller's own event says it (`announce`)."""
    promoted = []
    for waiting in SignUp.objects.filter(activity=locked, state=SignUpState.WAITING).order_by(
        "created_at", "id"
    ):
        if not _take_place(locked):
            break
        SignUp.objects.filter(pk=waiting.pk).update(state=SignUpState.CONFIRMED)
        waiting.state = SignUpState.CONFIRMED
        promoted.append(waiting)
        if not announce:
            continue
        events.append(
            locked,
            Action.SIGN_UP,
            actor=by.person,
            person=waiting.person,
            note="promoted",
            data=events.SignedUp(waiting=False),
            now=now,
        )
    return promoted


def waiting_position(signup: SignUp) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if signup.state != SignUpState.WAITING:
        return None
    ahead = (
        SignUp.objects.filter(activity_id=signup.activity_id, state=SignUpState.WAITING)
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
        )
        .count()
    )
    return ahead + 1


@transaction.atomic
def activity_sign_up(
    *, activity: Activity, person: Person, now: dt.datetime | None = None
) -> SignUp:
    """Sign `person` up: confirmed while a place is free, else on the waiting list. Signing up
    twice is a conflict; a cancelled sign-up is revived (at the back of the queue)."""
    now = _now(now)
    by = By(person=person)
    locked = _lock(activity)
    _check(locked, Action.SIGN_UP, by)
    if now >= locked.starts_at:
        raise Conflict(_("Sign-up closed when the activity started."), code="started")
    existing = SignUp.objects.filter(activity=locked, person=person).first()
    if existing is not None and existing.state != SignUpState.CANCELLED:
        if existing.state == SignUpState.WAITING:
            message = _("You are already on the waiting list (number %(n)s).") % {
                "n": waiting_position(existing)
            }
        else:
            message = _("You are already signed up for this activity.")
        raise Conflict(message, code="already_signed_up")
    if not access.may_join(person, locked):
        raise NotAllowed(_audience_refusal(locked), code="audience")
    state = SignUpState.CONFIRMED if _take_place(locked) else SignUpState.WAITING
    if existing is None:
        signup = SignUp.objects.create(activity=locked, person=person, state=state, created_at=now)
    else:
        SignUp.objects.filter(pk=existing.pk, state=SignUpState.CANCELLED).update(
            state=state, created_at=now, checked_in_at=None, checkin_distance_m=None, hours=0
        )
        signup = SignUp.objects.get(pk=existing.pk)
    events.append(
        locked,
        Action.SIGN_UP,
        actor=person,
        person=person,
        data=events.SignedUp(waiting=state == SignUpState.WAITING),
        now=now,
    )
    return signup


@dataclass(frozen=True)
class LeaveResult:
    signup: SignUp
    promoted: SignUp | None


@transaction.atomic
def activity_leave(
    *, activity: Activity, person: Person, now: dt.datetime | None = None
) -> LeaveResult:
    """Cancel `person`'s sign-up before the start; a confirmed place that frees moves the first
    on the waiting list up."""
    now = _now(now)
    by = By(person=person)
    locked = _lock(activity)
    _check(locked, Action.LEAVE, by)
    signup = (
        SignUp.objects.filter(activity=locked, person=person)
        .exclude(state=SignUpState.CANCELLED)
        .first()
    )
    if signup is None:
        raise Conflict(_("You are not signed up for this activity."), code="not_signed_up")
    if now >= locked.starts_at:
        raise Conflict(_("It has started: you can no longer leave it."), code="started")
    if signup.checked_in_at is not None:
        raise Conflict(_("You have checked in already."), code="checked_in")
    was = signup.state
    SignUp.objects.filter(pk=signup.pk).update(state=SignUpState.CANCELLED)
    signup.state = SignUpState.CANCELLED
    promoted = None
    if was == SignUpState.CONFIRMED:
        Activity.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") - 1)
        locked.confirmed_count -= 1
        moved = _fill_places(locked, SYSTEM, now, announce=False)[:1]
        promoted = moved[0] if moved else None
    events.append(
        locked,
        Action.LEAVE,
        actor=person,
        person=person,
        data=events.Left(promoted=promoted.person_id if promoted else None),
        now=now,
    )
    return LeaveResult(signup=signup, promoted=promoted)


# --- Check-in by QR code -------------------------------------------------------------------


def place_point(activity: Activity) -> tuple[float, float] | None:
    """Where the activity is: its own point, else its place's."""
    if activity.lat is not None and activity.lon is not None:
        return activity.lat, activity.lon
    node = activity.node
    if node.lat is not None and node.lon is not None:
        return node.lat, node.lon
    return None


def checkin_window(activity: Activity) -> tuple[dt.datetime, dt.datetime]:
    return activity.starts_at - CHECKIN_OPENS_BEFORE, activity.ends_at + CHECKIN_CLOSES_AFTER


def key_matches(activity: Activity, key: str) -> bool:
    return bool(key) and constant_time_compare(str(key), activity.checkin_key)


@dataclass(frozen=True)
class CheckIn:
    signup: SignUp
    already: bool = False  # checked in before (at signup.checked_in_at)
    walk_in: bool = False  # not signed up before: signed up at the door


def _hhmm(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


@transaction.atomic
def activity_check_in(
    *,
    activity: Activity,
    person: Person,
    key: str,
    lat: float | None = None,
    lon: float | None = None,
    now: dt.datetime | None = None,
) -> CheckIn:
    """Check `person` in with the key of the activity's QR poster, in the check-in window, near
    the place when the phone says where it is. Once per person: again, it answers when. One not
    signed up is signed up at the door if a place is free."""
    now = _now(now)
    by = By(person=person)
    locked = _lock(activity)
    if not key_matches(locked, key):
        raise NotAllowed(
            _("This check-in code is not valid: scan the poster at the activity again."),
            code="bad_key",
        )
    _check(locked, Action.CHECK_IN, by)
    signup = SignUp.objects.filter(activity=locked, person=person).first()
    if signup is not None and signup.checked_in_at is not None:
        return CheckIn(signup=signup, already=True)
    opens, closes = checkin_window(locked)
    if now < opens:
        raise Conflict(
            _("Check-in opens at %(time)s on %(date)s.")
            % {"time": _hhmm(opens), "date": timezone.localtime(opens).strftime("%Y-%m-%d")},
            code="too_early",
        )
    if now > closes:
        raise Conflict(_("Check-in closed at %(time)s.") % {"time": _hhmm(closes)}, code="too_late")
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
                        "Your phone says you are %(km)s km from the activity: check in when "
                        "you are there (within %(max)s km)."
                    )
                    % {"km": f"{distance / 1000:.1f}", "max": CHECKIN_MAX_DISTANCE_M // 1000},
                    code="too_far",
                )
    walk_in = signup is None or signup.state != SignUpState.CONFIRMED
    if walk_in:
        if not access.may_join(person, locked):
            raise NotAllowed(_audience_refusal(locked), code="audience")
        if not _take_place(locked):
            raise Conflict(
                _("The activity is full and you are not signed up: ask the organiser."),
                code="full",
            )
        if signup is None:
            signup = SignUp.objects.create(
                activity=locked, person=person, state=SignUpState.CONFIRMED, created_at=now
            )
        else:
            SignUp.objects.filter(pk=signup.pk).update(state=SignUpState.CONFIRMED, hours=0)
        events.append(
            locked,
            Action.SIGN_UP,
            actor=person,
            person=person,
            note="walk-in",
            data=events.SignedUp(waiting=False),
            now=now,
        )
    assert signup is not None
    SignUp.objects.filter(pk=signup.pk).update(
        state=SignUpState.CONFIRMED, checked_in_at=now, checkin_distance_m=distance
    )
    signup.refresh_from_db()
    events.append(
        locked,
        Action.CHECK_IN,
        actor=person,
        person=person,
        data=events.CheckedIn(distance_m=distance),
        now=now,
    )
    return CheckIn(signup=signup, walk_in=walk_in)


COMMANDS = {
    Action.OPEN: activity_open,
    Action.EDIT: activity_edit,
    Action.HOLD: activity_hold,
    Action.RECORD: activity_record,
    Action.CANCEL: activity_cancel,
    Action.CORRECT: activity_correct_hours,
}
