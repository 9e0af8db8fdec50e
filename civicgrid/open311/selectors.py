"""Reads behind Open311: which needs and events are public, and when the services changed.

What residents may raise and what the public timeline shows are decided in
`civicgrid.needs`; this module only narrows them to what a public feed may carry."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery

from civicgrid.needs.models import Category, Kind, Need, NeedEvent, NeedQuerySet
from civicgrid.needs.selectors import public_events

# When the service list was last changed in code (the seed categories); edits in the admin
# after that move the changeset on.
SERVICES_RELEASED = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


def public_requests() -> NeedQuerySet:
    """Needs raised by or for residents in kinds residents may raise: never proactive work or
    hidden kinds such as petitions. Each carries `public_events` (its public timeline, in
    order) and its photos, fetched in three queries for the whole list. What of each the
    public may read is `needs.publication`'s answer."""
    return (
        Need.objects.requests()
        .filter(category__shown_to_residents=True)
        .select_related("category", "node", "owner_node", "assignee_org", "consultation")
        .select_related("merged_into")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=public_events().order_by("seq"),
                to_attr="public_events",
            ),
            "photos",
        )
    )


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
