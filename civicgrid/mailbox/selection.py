"""The yearly selection: once the call has closed, staff who serve the town read the ranked
list of published proposals (supports, then the lower cost), select some, each with a reason,
and the rest become not selected. Each selected proposal becomes a `LivelihoodProject`.
Done once per call (the call's row lock and `selected_at`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, Invalid
from civicgrid.mailbox import access, events, workflow
from civicgrid.mailbox.models import Call, LivelihoodProject, Proposal, ProposalState
from civicgrid.network.models import Person


def ranked(call: Call) -> QuerySet[Proposal]:
    """The call's published proposals, most supported first, then the cheaper."""
    return (
        Proposal.objects.filter(call=call, state=ProposalState.PUBLISHED, forgotten_at__isnull=True)
        .select_related("node")
        .annotate(supports_count=Count("supports"))
        .order_by("-supports_count", F("estimated_cost").asc(nulls_last=True), "pk")
    )


def selection_make(
    *,
    by: Person,
    call: Call,
    selected: Mapping[int, str],
    now: dt.datetime | None = None,
) -> list[LivelihoodProject]:
    """Select the proposals `selected` names (id → reason); the call's other published
    proposals become not selected. Returns the projects made, planned to finish by the end of
    the year, the estimated cost as budget (staff change both on the project's page).

    Refusals: `not_allowed`, `call_open`, `already_selected`, `none_selected`,
    `reason_required`, `not_in_call`."""
    now = now or timezone.now()
    access.check_serves(by, call.mailbox.node)
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("mailbox__node").get(pk=call.pk)
        if locked.selected_at is not None:
            raise Conflict(
                _("The selection of this year is made already."), code="already_selected"
            )
        if timezone.localdate(now) <= locked.closes_on:
            raise Conflict(
                _("Proposals are taken until %(day)s: select after that.")
                % {"day": locked.closes_on.isoformat()},
                code="call_open",
            )
        if not selected:
            raise Invalid(_("Select at least one proposal."), code="none_selected")
        published = {p.pk: p for p in ranked(locked)}
        for pk, reason in selected.items():
            if pk not in published:
                raise Invalid(_("Select proposals published in this call."), code="not_in_call")
            if not (reason or "").strip():
                message = _("Give a reason for each proposal selected.")
                raise Invalid(message, code="reason_required", fields={"reason": [message]})
        made = []
        for pk, reason in selected.items():
            proposal = workflow.proposal_select(by=by, proposal=pk, reason=reason.strip(), now=now)
            project = LivelihoodProject.objects.create(
                proposal=proposal,
                title=proposal.title,
                budget=proposal.estimated_cost,
                planned_finish=dt.date(locked.year, 12, 31),
                created_at=now,
            )
            events.append(project, "create", actor=by, actor_kind="staff", now=now)
            made.append(project)
        for pk in published:
            if pk not in selected:
                workflow.proposal_not_select(by=workflow.SYSTEM, proposal=pk, now=now)
        Call.objects.filter(pk=locked.pk).update(selected_at=now)
        call.selected_at = now
        events.append(locked, "select", actor=by, actor_kind="staff", note=f"{len(made)}", now=now)
    return made
