"""Reads behind Open311: which needs and events are public, and when the services changed.

What residents may raise and what the public timeline shows are decided in
`civicgrid.needs`; this module only narrows them to what a public feed may carry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any, cast

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language

from civicgrid.core.i18n import localised
from civicgrid.core.statements import Statement
from civicgrid.needs import publication, workflow
from civicgrid.needs.models import Category, Kind, Need, NeedEvent, NeedPhoto, NeedQuerySet
from civicgrid.needs.selectors import STAFF_ONLY_ACTIONS, public_events
from civicgrid.network.models import Organisation

# When the service list was last changed in code (the seed categories); edits in the admin
# after that move the changeset on.
SERVICES_RELEASED = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


def public_requests() -> NeedQuerySet:
    """Needs raised by or for residents in kinds residents may raise: never proactive work or
    hidden kinds such as petitions. What of each the public may read is `needs.publication`'s
    answer; `read_requests` reads what an answer prints."""
    return Need.objects.requests().filter(category__shown_to_residents=True)


# What a GeoReport request prints, read as plain values: the need, its kind and its grid.
# Joining more (the owner's node, the organisations, the need it was merged into) made
# PostgreSQL spend ten times longer planning the statement than running it (issue 13);
# those names come from one small query each, for the whole list.


@dataclass(slots=True)
class PublicCategory:
    code: str
    name: str
    name_en: str
    shown_to_residents: bool = True  # public_requests() reads no other


@dataclass(slots=True)
class PublicNode:
    name: str
    name_en: str
    lat: float | None
    lon: float | None


@dataclass(slots=True)
class PublicEvent:
    """A public timeline entry, with what the publication rule reads of a NeedEvent."""

    pk: int
    need_id: int
    action: str
    from_state: str
    to_state: str
    note: str
    public: bool
    actor_kind: str
    created_at: dt.datetime


@dataclass(slots=True)
class PublicPhoto:
    pk: int
    event_id: int | None


@dataclass(slots=True)
class PublicRequest:
    """A need as a public read prints it, with what the publication rule reads of a Need."""

    id: int
    number: str
    kind: str
    state: str
    priority: str
    channel: str
    description: str
    public_summary: str
    address: str
    lat: float | None
    lon: float | None
    anonymous: bool
    anonymised_at: dt.datetime | None
    published_at: dt.datetime | None
    created_at: dt.datetime
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    overdue_at: dt.datetime | None
    public_updated_at: dt.datetime | None
    public_changed_at: dt.datetime | None
    public_reply: str
    merged_into_id: int | None
    assignee_org_id: int | None
    consultation_id: int | None
    owner_node_id: int
    category: PublicCategory
    node: PublicNode
    owner_name: str  # the node that holds it
    owner_name_en: str
    public_events: list[PublicEvent] = field(default_factory=list)
    photos: list[PublicPhoto] = field(default_factory=list)
    media_urls: list[str] = field(default_factory=list)  # remote photos sent with the report
    agency: str = ""  # who is responsible, in the reader's language
    merged_into_number: str | None = None


SCALARS = 27  # PublicRequest's fields read as they are, before its category and grid
NEED_VALUES = (
    *(f.name for f in fields(PublicRequest)[:SCALARS]),
    "category__code", "category__name", "category__name_en",
    "node__name", "node__name_en", "node__lat", "node__lon",
    "owner_node__name", "owner_node__name_en",
)  # fmt: skip
EVENT_VALUES = tuple(f.name if f.name != "pk" else "id" for f in fields(PublicEvent))


def _request(v: tuple[Any, ...]) -> PublicRequest:
    n = SCALARS
    return PublicRequest(
        *v[:n], PublicCategory(*v[n : n + 3]), PublicNode(*v[n + 3 : n + 7]), *v[n + 7 :]
    )  # type: ignore[call-arg]


def read_requests(needs: QuerySet[Need], *, timeline: bool = False) -> list[PublicRequest]:
    """The needs as `PublicRequest` rows with their photos and remote photo addresses (of
    published needs), who is responsible and the number of the need each was merged into;
    with `timeline`, each one's public timeline (`public_events`, in order). The status and
    the last update come from the need's own fields (`public_*`): without the timeline, a
    list reads the events of its published needs only. A fixed number of queries whatever
    the length, and no model instance."""
    return _read([_request(v) for v in needs.values_list(*NEED_VALUES)], timeline=timeline)


MAX_REQUESTS = 1000  # the spec's default cap on GET requests (and on the updates feed)

# The newest requests raised in a window, unfiltered otherwise: the list clients poll (the
# no-parameter list is the last 90 days). Statements built once (one per length): Django
# built and compiled its SQL on every request (2.4 ms, a quarter of a list of 100; issue 13).
_WINDOWS: dict[int, Statement] = {}  # by how many at most


def _window(most: int) -> Statement:
    statement = _WINDOWS.get(most)
    if statement is None:
        statement = _WINDOWS.setdefault(
            most,
            Statement(
                lambda start, end: (
                    public_requests()
                    .filter(created_at__gte=start, created_at__lte=end)
                    .order_by("-created_at", "-id")
                    .values_list(*NEED_VALUES)[:most]
                ),
                prepare=False,
                start=dt.datetime,
                end=dt.datetime,
            ),
        )
    return statement


def read_window(
    start: dt.datetime, end: dt.datetime, *, most: int = MAX_REQUESTS, timeline: bool = False
) -> list[PublicRequest]:
    """`read_requests` of the newest `most` public requests raised from `start` to `end`
    (both included)."""
    rows = _window(most)(start=start, end=end)
    return _read([_request(v) for v in rows], timeline=timeline)


def _read(rows: list[PublicRequest], *, timeline: bool) -> list[PublicRequest]:
    if not rows:
        return rows
    by_id = {row.id: row for row in rows}
    published = [row.id for row in rows if publication.is_published(cast(Need, row))]
    wanted = list(by_id) if timeline else published  # photos are shown as their events say
    if wanted:
        events = (
            NeedEvent.objects.filter(need_id__in=wanted)
            .exclude(action__in=STAFF_ONLY_ACTIONS)
            .order_by("need_id", "seq")
            .values_list(*EVENT_VALUES)
        )
        for values in events:
            by_id[values[1]].public_events.append(PublicEvent(*values))
    _complete(rows, published)
    return rows


# One request by its number, the read Open311 clients repeat most: statements built once.
_BY_NUMBER = Statement(
    lambda number: public_requests().filter(number=number).values_list(*NEED_VALUES),
    number=str,
)
_EVENTS_OF = Statement(
    lambda need: (
        NeedEvent.objects.filter(need_id=need)
        .exclude(action__in=STAFF_ONLY_ACTIONS)
        .order_by("seq")
        .values_list(*EVENT_VALUES)
    ),
    need=int,
)
_ORGANISATION = Statement(
    lambda pk: Organisation.objects.filter(pk=pk).values_list("id", "name"), pk=int
)
_NUMBER_OF = Statement(lambda pk: Need.objects.filter(pk=pk).values_list("id", "number"), pk=int)


def read_request(number: str, *, timeline: bool = False) -> PublicRequest | None:
    """One public request by its tracking number, as `read_requests` reads a list."""
    found = _BY_NUMBER(number=number)
    if not found:
        return None
    row = _request(found[0])
    published = [row.id] if publication.is_published(cast(Need, row)) else []
    if timeline or published:
        row.public_events = [PublicEvent(*values) for values in _EVENTS_OF(need=row.id)]
    _complete([row], published)
    return row


def _complete(rows: list[PublicRequest], published: list[int]) -> None:
    """Photos (of published needs), who is responsible and the merged-into numbers: a query
    each only where a row has any."""
    if published:
        _read_published({row.id: row for row in rows}, published)
    orgs = _names(
        {org for row in rows if (org := row.consultation_id or row.assignee_org_id)},
        Organisation.objects.all(),
        _ORGANISATION,
        "name",
    )
    merged = _names(
        {row.merged_into_id for row in rows if row.merged_into_id},
        Need.objects.all(),
        _NUMBER_OF,
        "number",
    )
    language = get_language()  # once: asking for it costs more than the rest of a row
    for row in rows:
        # The committee consulting on it, else the organisation it was dispatched to, else
        # the node that holds it.
        org = row.consultation_id or row.assignee_org_id
        row.agency = (
            orgs.get(org, "") if org else localised(row.owner_name, row.owner_name_en, language)
        )
        if row.merged_into_id:
            row.merged_into_number = merged.get(row.merged_into_id)


def _names(ids: set[int], rows: QuerySet[Any], one: Statement, field: str) -> dict[int, Any]:
    """`field` of the rows with these ids: none read for none, one by a built statement."""
    if not ids:
        return {}
    if len(ids) == 1:
        return dict(one(pk=next(iter(ids))))
    return dict(rows.filter(id__in=ids).values_list("id", field))


def _read_published(by_id: dict[int, PublicRequest], published: list[int]) -> None:
    """Photos and remote photo addresses: only published needs show any."""
    for photo_id, need_id, event_id in (
        NeedPhoto.objects.filter(need_id__in=published)
        .order_by("id")
        .values_list("id", "need_id", "event_id")
    ):
        by_id[need_id].photos.append(PublicPhoto(photo_id, event_id))
    comments = NeedEvent.objects.filter(need_id__in=published, action=workflow.COMMENT)
    for need_id, data in comments.order_by("need_id", "seq").values_list("need_id", "data"):
        url = (data or {}).get("media_url")
        if isinstance(url, str):
            by_id[need_id].media_urls.append(url)


def public_updates(start: dt.datetime, end: dt.datetime) -> QuerySet[NeedEvent]:
    """Public timeline entries of public needs in [start, end], oldest first. Each carries
    `state_before`: the state its need was in, for entries that change none (comments)."""
    state_before = (
        NeedEvent.objects.filter(need=OuterRef("need"), seq__lt=OuterRef("seq"))
        .exclude(to_state="")
        .order_by("-seq")
        .values("to_state")[:1]
    )
    return (
        public_events()
        .filter(
            created_at__gte=start,
            created_at__lte=end,
            need__kind=Kind.REQUEST,
            need__category__shown_to_residents=True,
        )
        .select_related("need", "need__category")  # the publication rule reads both
        .annotate(state_before=Subquery(state_before))
        .order_by("created_at", "id")
    )


def services_changed() -> dt.datetime:
    """The last change to the kinds of need or their questions: categories are edited in the
    admin (questions inline), which logs every change."""
    kind = ContentType.objects.get_for_model(Category)
    last = LogEntry.objects.filter(content_type=kind).aggregate(m=Max("action_time"))["m"]
    return max(last, SERVICES_RELEASED) if last else SERVICES_RELEASED
