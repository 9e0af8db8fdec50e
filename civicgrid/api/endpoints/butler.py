"""The project butler (项目管家): key projects and their matters.

Every read starts from `butler.access` (a project or matter the caller may not read is a 404,
whether it exists or not); every create is the command the console and the QR page call
(`butler.matters`), which checks who may act again. A read-only leader reads; a create is
refused (403). An enterprise's contact creates a matter without a token, with the project's
QR key and a contact phone (rate-limited per address). Creates are idempotent with an
`Idempotency-Key` header (core/once.py, remembered for a day).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import OPEN, STAFF, caller_person, client_of
from civicgrid.api.errors import limit_anonymous, limit_known_caller, responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_butler import (
    ButlerPageQuery,
    KeyProjectPage,
    MatterCreated,
    MatterPage,
    ProjectDetail,
    ProjectMatterIn,
    PublicMatterIn,
)
from civicgrid.butler import access, counts, matters
from civicgrid.butler.models import Contact, Matter, Project, TeamMember, Via
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs.models import format_number
from civicgrid.needs.tracking import tracking_url
from civicgrid.network.models import mask_mobile

router = Router(auth=STAFF, tags=["butler"])
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (a UUID): a retried create returns the first matter.",
    ),
]
ONCE_SCOPE = "api-butler-matter"


def _project_row(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "enterprise": p.enterprise.name,
        "node_id": p.node_id,
        "place": p.node.name,
        "stage": p.stage,
        "investment": p.investment,
        "started_on": p.started_on,
    }


@router.get("/butler/projects", response=responses({200: KeyProjectPage}))
def list_key_projects(request: HttpRequest, filters: Query[ButlerPageQuery]) -> Any:
    """The key projects the caller reads (staff over the place, readers, the team), by id."""
    qs = access.visible_projects(caller_person(request)).select_related("enterprise", "node")
    if filters.cursor:
        (last,) = pagination.decode(filters.cursor, 1)
        if not isinstance(last, int):
            raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
        qs = qs.filter(pk__gt=last)
    rows = list(qs.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_project_row(p) for p in rows],
        "next": pagination.encode([rows[-1].pk]) if more and rows else None,
    }


def _seat_name(seat: TeamMember) -> str:
    if seat.person is not None:
        return seat.person.name
    return seat.organisation.name if seat.organisation is not None else ""


@router.get("/butler/projects/{project_id}", response=responses({200: ProjectDetail}))
def get_key_project(request: HttpRequest, project_id: Id) -> Any:
    project = access.access_project(caller_person(request), project_id)
    f = counts.per_project([project.pk])[project.pk]
    seats = TeamMember.objects.filter(project=project).select_related("person", "organisation")
    return {
        **_project_row(project),
        "team": [
            {
                "role": s.role,
                "person_id": s.person_id,
                "organisation_id": s.organisation_id,
                "name": s.person.name
                if s.person
                else s.organisation.name
                if s.organisation
                else "",
            }
            for s in seats.order_by("role", "pk")
        ],
        "contacts": [
            {"id": c.pk, "name": c.name, "title": c.title, "phone": mask_mobile(c.phone)}
            for c in Contact.objects.filter(project=project).order_by("pk")
        ],
        "figures": {
            "raised": f.raised,
            "resolved": f.resolved,
            "on_time": f.on_time,
            "escalated": f.escalated,
            "average_rating": f.average_rating,
            "visits": f.visits,
            "milestones_done": f.milestones_done,
        },
    }


FIELDS = (
    "project_id",
    "kind",
    "via",
    "need__number",
    "need__state",
    "need__response_due",
    "need__resolve_due",
    "need__resolved_at",
    "need__rating",
)


@router.get("/butler/projects/{project_id}/matters", response=responses({200: MatterPage}))
def list_matters(request: HttpRequest, project_id: Id, filters: Query[ButlerPageQuery]) -> Any:
    """A project's matters, newest first, with their need's state and due dates."""
    project = access.access_project(caller_person(request), project_id)
    rows, cursor = pagination.newest_first(
        Matter.objects.filter(project=project),
        cursor=filters.cursor,
        limit=filters.limit,
        fields=FIELDS,
    )
    return {
        "items": [
            {
                "id": r["id"],
                "project_id": r["project_id"],
                "kind": r["kind"],
                "via": r["via"],
                "number": format_number(r["need__number"]),
                "state": r["need__state"],
                "response_due": r["need__response_due"],
                "resolve_due": r["need__resolve_due"],
                "resolved_at": r["need__resolved_at"],
                "rating": r["need__rating"],
                "created_at": r["created_at"],
            }
            for r in rows
        ],
        "next": cursor,
    }


def _created(matter: Matter, made: bool) -> Any:
    return Status(
        201 if made else 200,
        {
            "id": matter.pk,
            "number": format_number(matter.need.number),
            "state": matter.need.state,
            "tracking_url": tracking_url(matter.need.number),
        },
    )


@router.post(
    "/butler/projects/{project_id}/matters",
    response=responses({201: MatterCreated, 200: MatterCreated}),
)
def create_matter(
    request: HttpRequest,
    project_id: Id,
    body: ProjectMatterIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Staff or a working team member enters a matter on the enterprise's behalf."""
    person = caller_person(request)
    limit_known_caller(request, "create", settings.API_TOKEN_CREATES_PER_MINUTE)
    if not access.works_anywhere(person):
        raise NotAllowed(_("Your role may not change key projects."), code="read_only")
    project = access.access_project(person, project_id)
    contact = None
    if body.contact_id is not None:
        contact = Contact.objects.filter(project=project, pk=body.contact_id).first()
        if contact is None:
            message = _("No such contact of this project.")
            raise Invalid(message, code="bad_contact", fields={"contact_id": [message]})
    matter, made = matters.matter_raise(
        by=person,
        project=project,
        kind=body.kind,
        description=body.description,
        contact=contact,
        via=Via.API,
        once_key=idempotency_key or "",
        once_scope=f"{ONCE_SCOPE}:{client_of(request)}",
    )
    return _created(matter, made)


@router.post(
    "/butler/public/projects/{project_id}/matters",
    response=responses({201: MatterCreated, 200: MatterCreated}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def create_matter_by_contact(
    request: HttpRequest,
    project_id: Id,
    body: PublicMatterIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """The enterprise's contact raises a matter with the project's QR key and a contact phone
    (no token; limited per address). A wrong key is a 404."""
    limit_anonymous(request, "create", settings.API_ANON_CREATES_PER_MINUTE)
    project = Project.objects.select_related("enterprise", "node").filter(pk=project_id).first()
    if project is None or not access.qr_key_ok(project_id, body.key):
        raise Http404
    matter, made = matters.matter_raise_by_contact(
        project=project,
        phone=body.phone,
        kind=body.kind,
        description=body.description,
        once_key=idempotency_key or "",
        once_scope=f"{ONCE_SCOPE}:public:{project.pk}",
    )
    return _created(matter, made)


# The name the lead registers in api/api.py: `api.add_router("", butler.butler_router)`.
butler_router = router
