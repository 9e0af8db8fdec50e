"""The mailbox (民生实事): published proposals and their supports, the projects with their
milestones. `mailbox_router`.

Public reads answer without credentials (rate-limited per address) through the mailbox's
publication rule; staff read every proposal of the towns in their scope, phones masked. A
support is made only with the code texted to the phone for that proposal: POST
/mailbox/supports/code texts it, POST /mailbox/supports checks it (`mailbox.residents`), so
no client can add a support without holding the phone. Milestones are kept by staff who
serve the town (`mailbox.projects`), a read-only leader is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import OPEN, STAFF, caller_person
from civicgrid.api.errors import limit_anonymous, responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_mailbox import (
    LivelihoodProjectPage,
    MilestoneDoneIn,
    MilestoneIn,
    MilestoneOut,
    ProjectOut,
    ProjectQuery,
    ProposalOut,
    ProposalPage,
    ProposalQuery,
    StaffProposalPage,
    StaffProposalQuery,
    SupportCodeIn,
    SupportCodeOut,
    SupportIn,
    SupportOut,
)
from civicgrid.core.errors import Invalid
from civicgrid.core.ratelimit import client_ip
from civicgrid.mailbox import access, projects, publication, residents
from civicgrid.mailbox.models import PUBLIC_STATES, LivelihoodProject, Milestone, Proposal
from civicgrid.network.models import mask_mobile

mailbox_router = Router(auth=STAFF, tags=["mailbox"])
PUBLIC_PER_MINUTE = 60


def _page(qs: QuerySet[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    if cursor:
        (last,) = pagination.decode(cursor, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
        qs = qs.filter(pk__gt=last)
    rows = list(qs.order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, pagination.encode([rows[-1].pk]) if more and rows else None


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "town_id": p.call.mailbox.node_id,
        "year": p.call.year,
        "title": p.title,
        "body": p.body,
        "place": p.place,
        "community_id": p.node_id,
        "community": p.node.name,
        "estimated_cost": p.estimated_cost,
        "state": p.state,
        "supports": p.supports_count,  # type: ignore[attr-defined]
    }


def _proposals() -> QuerySet[Proposal]:
    return Proposal.objects.select_related("call__mailbox", "node").annotate(
        supports_count=Count("supports")
    )


@mailbox_router.get("/mailbox/proposals", auth=OPEN, response=responses({200: ProposalPage}))
def list_public_proposals(request: HttpRequest, filters: Query[ProposalQuery]) -> Any:
    """Published proposals (and those selected or not at the yearly selection), with their
    support counts. No proposer is shown."""
    limit_anonymous(request, "mailbox-read", PUBLIC_PER_MINUTE)
    qs = _proposals().filter(state__in=PUBLIC_STATES, forgotten_at__isnull=True)
    if filters.town is not None:
        qs = qs.filter(call__mailbox__node_id=filters.town)
    rows, after = _page(qs, filters.cursor, filters.limit)
    return {"items": [_proposal(p) for p in rows], "next": after}


@mailbox_router.get(
    "/mailbox/proposals/{proposal_id}", auth=OPEN, response=responses({200: ProposalOut})
)
def get_public_proposal(request: HttpRequest, proposal_id: Id) -> Any:
    limit_anonymous(request, "mailbox-read", PUBLIC_PER_MINUTE)
    found = publication.public_proposal(proposal_id)
    if found is None:
        raise Http404
    return _proposal(found)


@mailbox_router.get("/mailbox/staff/proposals", response=responses({200: StaffProposalPage}))
def list_staff_proposals(request: HttpRequest, filters: Query[StaffProposalQuery]) -> Any:
    """Every proposal of the towns in your scope (submitted and declined too), phones
    masked."""
    user = caller_person(request)
    qs = access.visible_proposals(user).select_related("call__mailbox", "node")
    qs = qs.annotate(supports_count=Count("supports"))
    if filters.town is not None:
        qs = qs.filter(call__mailbox__node_id=filters.town)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    rows, after = _page(qs, filters.cursor, filters.limit)
    items = [
        {
            **_proposal(p),
            "proposer_phone": mask_mobile(p.proposer_phone),
            "reason": p.reason,
            "merged_into": p.merged_into_id,
            "created_at": p.created_at,
        }
        for p in rows
    ]
    return {"items": items, "next": after}


# --- Supports ---------------------------------------------------------------------------------


def _supportable(proposal_id: int) -> Proposal:
    found = publication.public_proposal(proposal_id)
    if found is None:
        raise Invalid(
            _("No such published proposal."),
            code="not_published",
            fields={"proposal": [_("No such published proposal.")]},
        )
    return found


@mailbox_router.post(
    "/mailbox/supports/code", auth=OPEN, response=responses({200: SupportCodeOut}, 409, 429)
)
def send_support_code(request: HttpRequest, body: SupportCodeIn) -> Any:
    """Text a 6-digit code to the phone, good for supporting this proposal once, within ten
    minutes."""
    proposal = _supportable(body.proposal)
    number = residents.support_code_send(proposal=proposal, phone=body.phone, ip=client_ip(request))
    return {"sent_to": mask_mobile(number)}


@mailbox_router.post(
    "/mailbox/supports", auth=OPEN, response=responses({200: SupportOut}, 409, 429)
)
def create_support(request: HttpRequest, body: SupportIn) -> Any:
    """Support a published proposal with the phone and the code texted to it. The same number
    again counts once (`created` false)."""
    proposal = _supportable(body.proposal)
    done = residents.support_add(
        proposal=proposal, phone=body.phone, code=body.code, ip=client_ip(request)
    )
    return {"created": done.created, "supports": done.count}


# --- Projects ---------------------------------------------------------------------------------


def _project(pr: LivelihoodProject) -> dict[str, Any]:
    progress = projects.progress(pr)
    return {
        "id": pr.pk,
        "proposal": pr.proposal_id,
        "title": pr.title,
        "title_mn": pr.title_mn,
        "responsible": pr.organisation.name if pr.organisation else pr.responsible,
        "budget": pr.budget,
        "planned_finish": pr.planned_finish,
        "finished_on": pr.finished_on,
        "percent": progress["percent"],
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "title_mn": m.title_mn,
                "due": m.due,
                "done_on": m.done_on,
                "note": m.note,
            }
            for m in progress["milestones"]
        ],
    }


def _public_projects() -> QuerySet[LivelihoodProject]:
    return LivelihoodProject.objects.select_related("organisation").filter(
        proposal__forgotten_at__isnull=True
    )


@mailbox_router.get(
    "/mailbox/projects", auth=OPEN, response=responses({200: LivelihoodProjectPage})
)
def list_livelihood_projects(request: HttpRequest, filters: Query[ProjectQuery]) -> Any:
    """Livelihood projects with their milestones (public)."""
    limit_anonymous(request, "mailbox-read", PUBLIC_PER_MINUTE)
    qs = _public_projects()
    if filters.town is not None:
        qs = qs.filter(proposal__call__mailbox__node_id=filters.town)
    rows, after = _page(qs, filters.cursor, filters.limit)
    return {"items": [_project(p) for p in rows], "next": after}


@mailbox_router.get(
    "/mailbox/projects/{project_id}", auth=OPEN, response=responses({200: ProjectOut})
)
def get_livelihood_project(request: HttpRequest, project_id: Id) -> Any:
    limit_anonymous(request, "mailbox-read", PUBLIC_PER_MINUTE)
    return _project(get_object_or_404(_public_projects(), pk=project_id))


@mailbox_router.post(
    "/mailbox/projects/{project_id}/milestones",
    response=responses({201: MilestoneOut}, 409),
)
def add_milestone(request: HttpRequest, project_id: Id, body: MilestoneIn) -> Any:
    """Staff who serve the town add a milestone."""
    user = caller_person(request)
    project = access.access_project(user, project_id, write=True)
    made = projects.milestone_add(
        by=user, project=project, title=body.title, title_mn=body.title_mn, due=body.due,
        note=body.note,
    )  # fmt: skip
    return Status(201, made)


@mailbox_router.post(
    "/mailbox/milestones/{milestone_id}/done", response=responses({200: MilestoneOut}, 409)
)
def milestone_done(request: HttpRequest, milestone_id: Id, body: MilestoneDoneIn) -> Any:
    """Record a milestone reached (today unless `done_on` says an earlier day)."""
    user = caller_person(request)
    milestone = get_object_or_404(Milestone.objects.only("project_id"), pk=milestone_id)
    access.access_project(user, milestone.project_id, write=True)
    return projects.milestone_done(
        by=user, milestone=milestone_id, done_on=body.done_on, note=body.note
    )
