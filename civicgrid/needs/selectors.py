"""Reads of needs for the console, the API and the tracking page. Every staff list starts from
`visible_needs`, which applies the scope rule."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgrid.core.localcache import cached, forget
from civicgrid.core.statements import ModelStatement
from civicgrid.needs import workflow
from civicgrid.needs.models import (
    AWAITING_RESPONSE,
    OPEN_STATES,
    Kind,
    Need,
    NeedEvent,
    NeedPhoto,
    NeedQuerySet,
    State,
)
from civicgrid.needs.reveal import phone_search_q
from civicgrid.needs.services import NUMBER_ALPHABET, NUMBER_LENGTH, normalise_number
from civicgrid.network.models import Membership, Node, Role
from civicgrid.network.scope import (
    paths_q,
    role_paths,
    role_scope_paths,
    scope_paths,
    within_paths,
)


def visible_needs(user: Any) -> NeedQuerySet:
    """Needs at a place in the user's scope, plus needs dispatched to them or their units and
    consultations of their committees (member units sit across the tree). Callers select
    what they print: every relation joined costs PostgreSQL planning time on every read
    (issue 13: ten joined relations took 8 ms to plan and 0.2 ms to run)."""
    qs = Need.objects.all()
    paths = scope_paths(user)
    if paths is None:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(visible_q(paths, user.pk))


def visible_q(paths: list[str], person: int) -> Q:
    """`visible_needs` of the person `person` whose scope is `paths` (a person's, never
    None), as a Q object: written once, for the queryset and for the statement the REST
    list's first page is read by (`api.selectors.first_page`)."""
    orgs = Membership.objects.filter(person_id=person).values("organisation_id")
    mine = Q(assignee_id=person) | Q(assignee_org__in=orgs) | Q(consultation__in=orgs)
    # Subqueries rather than joins through memberships: no duplicate rows, so no DISTINCT,
    # and a page of the newest needs is read from the index on created_at.
    return paths_q(paths, node_field="node") | mine


def may_see(user: Any, need: Need) -> bool:
    """Whether `visible_needs(user)` holds `need`, decided from the need in hand (its node
    read): the same rule for one need fetched by number, which spares building the rule's SQL
    on every read. `tests/test_visibility_rule.py` holds the two equal for every kind of
    caller and need."""
    paths = scope_paths(user)
    if paths is None:
        return True
    if not user.is_authenticated:
        return False
    if within_paths(paths, need.node.path):
        return True
    if need.assignee_id is not None and need.assignee_id == user.pk:
        return True
    units = {pk for pk in (need.assignee_org_id, need.consultation_id) if pk is not None}
    return bool(units) and organisations_of(user).filter(organisation_id__in=units).exists()


def organisations_of(user: Any) -> QuerySet[Membership, Any]:
    """The ids of the organisations the user is a member of, as a subquery."""
    return Membership.objects.filter(person=user).values("organisation_id")


INBOXES = ("to_accept", "to_dispatch", "mine", "overdue", "escalated")  # the REST API's


def inbox(user: Any, name: str) -> NeedQuerySet:
    """The console's inboxes by role."""
    return visible_needs(user).filter(inbox_q(user, name))


def inbox_q(user: Any, name: str) -> Q:
    """Which of the user's visible needs are in the inbox `name` (`inbox` and
    `inbox_counts` filter by it)."""
    orgs = organisations_of(user)
    dispatchers = role_scope_paths(user, workflow.DISPATCHER_ROLES)  # None: a superuser
    dispatch_q = (
        Q()
        if dispatchers is None
        else paths_q(dispatchers, node_field="owner_node") | Q(consultation__in=orgs)
    )
    open_q = Q(state__in=OPEN_STATES)
    if name == "to_accept":
        return (dispatch_q & Q(state=State.SUBMITTED, consultation__isnull=True)) | Q(
            state=State.SUBMITTED, consultation__in=orgs
        )
    if name == "to_dispatch":
        return dispatch_q & Q(state__in=[State.ACCEPTED, State.ESCALATED])
    if name == "mine":
        grids = role_paths(user).get(Role.GRID_WORKER, [])
        undirected = Q(assignee__isnull=True, assignee_org__isnull=True, state=State.DISPATCHED) & (
            paths_q(grids, node_field="node")
        )
        return (Q(assignee=user) | Q(assignee_org__in=orgs) | undirected) & Q(
            state__in=[State.DISPATCHED, State.TAKEN, State.IN_PROGRESS]
        )
    if name == "overdue":
        return open_q & Q(overdue_at__isnull=False)
    if name == "escalated":
        return dispatch_q & Q(state=State.ESCALATED)
    if name == "unplaced":
        # Reports no grid could be found for, waiting at the level of the dispatchers who
        # place them (services.need_place): in their scope, held at their level or below.
        return open_q & dispatch_q & Q(unplaced=True)
    return Q(pk__in=[])


def inbox_counts(user: Any, names: Iterable[str]) -> dict[str, int]:
    """How many needs each inbox holds, in one statement over the user's open needs (every
    inbox holds open needs only): the console shows them on every list page."""
    counts = {name: Count("pk", filter=inbox_q(user, name)) for name in names}
    return visible_needs(user).filter(state__in=OPEN_STATES).aggregate(**counts)


INBOX_COUNTS = "needs.inbox_counts"


def recent_inbox_counts(user: Any, names: Iterable[str]) -> dict[str, int]:
    """`inbox_counts`, kept per person in this process for `LOCAL_CACHE_TTL` seconds: the
    console shows them on every list page, and counting the open needs of a busy subdistrict
    cost more than the rest of the page (issue 13). Any event of any need in this process
    forgets them (`forget_inbox_counts`), so people see their own work counted at once; what
    others do elsewhere shows within the TTL. The list itself is always read fresh."""
    wanted = tuple(names)
    key = (user.pk, wanted)
    return dict(cached(INBOX_COUNTS, key, lambda: inbox_counts(user, wanted)))


def forget_inbox_counts(_happened: Any = None) -> None:
    forget(INBOX_COUNTS)


@dataclass
class NeedFilter:
    category: int | None = None
    state: str = ""
    node: Node | None = None
    channel: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    overdue: bool = False
    q: str = ""


def filtered(qs: NeedQuerySet, f: NeedFilter, *, user: Any = None) -> NeedQuerySet:
    """The needs of `qs` that pass the filter. `user` is who searches: a search by a whole
    phone number matches only for those who read phones in full, and is logged as a reveal
    (needs/reveal.py); without a user, no search matches a phone."""
    if f.category:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.node is not None:
        qs = qs.filter(node__path__startswith=f.node.path)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    tz = timezone.get_current_timezone()
    if f.since:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.since, dt.time.min, tzinfo=tz))
    if f.until:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(
                f.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    if f.overdue:
        qs = qs.open().filter(overdue_at__isnull=False)
    if f.q:
        qs = qs.filter(search_q(f.q, user))
    return qs


# The start of a tracking number people read out or half remember: 4 characters at least (a
# shorter one matches too many to be a search by number).
NUMBER_PREFIX_MIN = 4


def number_prefix(text: str) -> str:
    """`text` as the start of a tracking number ("K7M4-Q" → "K7M4Q"), or "" if it is not one."""
    candidate = normalise_number(text)
    if NUMBER_PREFIX_MIN <= len(candidate) <= NUMBER_LENGTH and all(
        c in NUMBER_ALPHABET for c in candidate
    ):
        return candidate
    return ""


def search_q(text: str, user: Any = None) -> Q:
    """A tracking number or its start, or words of the description; a whole phone number for
    those who may search by one (never part of a phone number: the digits of a mask rebuilt it
    one at a time)."""
    text = text.strip()
    q = Q(description__icontains=text) | Q(number=normalise_number(text))
    prefix = number_prefix(text)
    if prefix:
        q |= Q(number__startswith=prefix)
    by_phone = phone_search_q(user, text)
    return q if by_phone is None else q | by_phone


# A need's events with who acted, and its photos: two statements compiled once
# (core/statements.py), read by every need page, the REST detail and the tracking page.
_EVENTS = ModelStatement(
    lambda need: NeedEvent.objects.filter(need_id=need).select_related("actor").order_by("seq"),
    need=int,
)
_PHOTOS = ModelStatement(lambda need: NeedPhoto.objects.filter(need_id=need), need=int)


@dataclass(frozen=True)
class TimelineEvent:
    event: NeedEvent
    photos: list[NeedPhoto]


def timeline(need: Need) -> list[TimelineEvent]:
    """The need's events in order, each with its photos (two queries)."""
    photos: dict[int | None, list[NeedPhoto]] = {}
    for photo in _PHOTOS(need=need.pk):
        photos.setdefault(photo.event_id, []).append(photo)
    return [TimelineEvent(e, photos.get(e.pk, [])) for e in _EVENTS(need=need.pk)]


# Timeline entries for staff only: the public timeline leaves them out.
STAFF_ONLY_ACTIONS = workflow.STAFF_ONLY_ACTIONS


def public_timeline(need: Need) -> list[TimelineEvent]:
    """What the resident sees: state changes and comments, with staff shown by role only."""
    return [t for t in timeline(need) if t.event.action not in STAFF_ONLY_ACTIONS]


def public_events() -> QuerySet[NeedEvent]:
    """Every need's public timeline entries at once (for lists and feeds: no query per need)."""
    return NeedEvent.objects.exclude(action__in=STAFF_ONLY_ACTIONS).prefetch_related("photos")


@dataclass(frozen=True)
class Duplicate:
    """An open need that may be the same report, and why it is offered."""

    need: Need
    similarity: float  # of the two descriptions, 0–1
    same_grid: bool  # else a neighbouring grid (the same big grid)
    apart: dt.timedelta  # between the two reports


def _candidates(near: Q, category: Any, since: Any, until: Any, need: Any) -> QuerySet[Need]:
    # The grids as a subquery of node ids: PostgreSQL then reads each grid's needs of the
    # category from their index, where a join to the grids' parent read the category's needs
    # everywhere (issue 13: 5.4 → 0.2 ms).
    return (
        Need.objects.filter(
            node__in=Node.objects.filter(near).values("pk"),
            category_id=category,
            state__in=OPEN_STATES,
            created_at__range=(since, until),
            merged_into__isnull=True,
        )
        .exclude(pk=need)
        .only("id", "number", "description", "created_at", "state", "node_id")[:50]
    )


# Read on every rendering of an open need's console page: built once (issue 13), planned each
# time (the window's dates decide the plan).
_WINDOW = {"category": int, "since": dt.datetime, "until": dt.datetime, "need": int}
_SAME_GRID = ModelStatement(
    lambda grid, **rest: _candidates(Q(pk=grid), **rest), prepare=False, grid=int, **_WINDOW
)
_NEAR_GRIDS = ModelStatement(
    lambda grid, big_grid, **rest: _candidates(Q(pk=grid) | Q(parent_id=big_grid), **rest),
    prepare=False,
    grid=int,
    big_grid=int,
    **_WINDOW,
)


def duplicate_candidates(need: Need, limit: int = 5) -> list[Duplicate]:
    """What a dispatcher is offered to merge: open needs of the same category raised within
    NEED_DUPLICATE_DAYS in the same small grid or a neighbouring one (the same big grid), whose
    words are at least NEED_DUPLICATE_SIMILARITY alike; the same grid first, then the most
    alike. A closed need is no merge target, and a 5 % likeness is no duplicate (issue 14)."""
    window = dt.timedelta(days=settings.NEED_DUPLICATE_DAYS)
    around = {
        "grid": need.node_id,
        "category": need.category_id,
        "since": need.created_at - window,
        "until": need.created_at + window,
        "need": need.pk,
    }
    if need.node.parent_id is None:
        rows = _SAME_GRID(**around)
    else:
        rows = _NEAR_GRIDS(**around, big_grid=need.node.parent_id)
    found = []
    least = settings.NEED_DUPLICATE_SIMILARITY
    for other in rows:
        if other.description == need.description:
            alike = 1.0
        else:
            # The cheap upper bounds first: most descriptions are nothing alike.
            matcher = difflib.SequenceMatcher(None, need.description, other.description)
            if matcher.real_quick_ratio() < least or matcher.quick_ratio() < least:
                continue
            alike = matcher.ratio()
        if alike >= least:
            apart = abs(other.created_at - need.created_at)
            found.append(Duplicate(other, alike, other.node_id == need.node_id, apart))
    found.sort(key=lambda d: (not d.same_grid, -d.similarity))
    return found[:limit]


# A need by its number for the resident pages, compiled once (core/statements.py): the
# tracking page is the most read page of all, and planning this statement (three relations,
# one of them the needs table again) took longer than running it (issue 13).
_BY_NUMBER = ModelStatement(
    lambda number: Need.objects.select_related("category", "node", "merged_into").filter(
        number=number
    ),
    number=str,
)


def by_number(number: str) -> Need | None:
    found = _BY_NUMBER(number=normalise_number(number))
    return found[0] if found else None


# How many of a number's needs a resident who proved the number sees, newest first.
NEEDS_OF_A_PHONE = 50


def _of_phone(phone: str) -> NeedQuerySet:
    return Need.objects.filter(contact_phone=phone, kind=Kind.REQUEST)


def needs_of_phone(phone: str) -> list[Need]:
    """The needs a resident left this mobile number with (asked once the number is proved by
    a code: views/resident.find_by_phone)."""
    rows = _of_phone(phone).select_related("category").order_by("-created_at", "-id")
    return list(rows[:NEEDS_OF_A_PHONE])


def left_needs(phone: str) -> bool:
    """Whether a resident left any need with this number (whether a code is worth texting)."""
    return _of_phone(phone).exists()


def awaiting_response(need: Need) -> bool:
    return need.state in AWAITING_RESPONSE
