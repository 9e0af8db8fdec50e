"""What the public reads of the mailbox, written once: every public surface (the landing
page, a proposal's page, a project's page, the REST API's open reads) asks here.

- A proposal is public once screened in: published, selected or not selected. Submitted,
  declined and merged proposals are not (a merged one's page sends to the one it joined).
- Public fields: title, what and why, where, the community, the estimated cost, the state and
  the support count. The proposer's name and phone are never public.
- A project is public with its milestones (titles, due, done), its responsible department and
  budget.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from civicgrid.mailbox.models import PUBLIC_STATES, Call, Mailbox, Proposal

PUBLIC_FIELDS = ("id", "title", "body", "place", "estimated_cost", "state", "node_id")


def is_public(proposal: Proposal) -> bool:
    return proposal.state in PUBLIC_STATES and proposal.forgotten_at is None


def public_proposals(call: Call) -> QuerySet[Proposal]:
    """The call's public proposals with their support counts (`supports_count`), most
    supported first."""
    return (
        Proposal.objects.filter(call=call, state__in=PUBLIC_STATES, forgotten_at__isnull=True)
        .annotate(supports_count=Count("supports"))
        .order_by("-supports_count", "pk")
    )


def public_proposal(proposal_id: int) -> Proposal | None:
    return (
        Proposal.objects.select_related("call__mailbox__node", "node")
        .filter(pk=proposal_id, state__in=PUBLIC_STATES, forgotten_at__isnull=True)
        .annotate(supports_count=Count("supports"))
        .first()
    )


def public_mailbox(node_id: int) -> Mailbox | None:
    return Mailbox.objects.select_related("node").filter(node_id=node_id, active=True).first()


def current_call(mailbox: Mailbox, today: dt.date | None = None) -> Call | None:
    """This year's call, else the latest."""
    today = today or timezone.localdate()
    calls = list(mailbox.calls.order_by("-year")[:5])
    for call in calls:
        if call.year == today.year:
            return call
    return calls[0] if calls else None


def is_open(call: Call, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return call.opens_on <= today <= call.closes_on and call.selected_at is None


def as_public(proposal: Proposal) -> dict[str, Any]:
    """The public fields of a proposal (no proposer)."""
    return {name: getattr(proposal, name) for name in PUBLIC_FIELDS}
