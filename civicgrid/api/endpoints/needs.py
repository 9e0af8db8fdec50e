"""Needs: raise (open to anonymous callers for the categories the resident page offers), list,
read with the timeline, move through the workflow, photos.

Each endpoint parses, checks access, calls one service or selector: the same ones as the
console (`needs.services`, `needs.selectors`, `needs.access`; the workflow's commands check
whom a need may go to), so a rule is never written twice. A need outside the caller's scope
is a 404, whether it exists or not.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status, UploadedFile

from civicgrid.api import selectors
from civicgrid.api.auth import OPEN, STAFF, caller, caller_person, client_of
from civicgrid.api.errors import limit_anonymous, limit_known_caller, responses
from civicgrid.api.rendering import shaped
from civicgrid.api.schemas import (
    ActionIn,
    ActionOut,
    ApiAction,
    Id,
    NeedCreated,
    NeedDetail,
    NeedIn,
    NeedPage,
    NeedQuery,
    Number,
    PhoneOut,
    Text,
)
from civicgrid.api.services import need_raise_once
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs import cached, services, workflow
from civicgrid.needs import selectors as need_selectors
from civicgrid.needs.access import access_need, may_write_somewhere, resident_category
from civicgrid.needs.models import Category, Channel, Need, NeedPhoto
from civicgrid.needs.tracking import tracking_url
from civicgrid.network.models import Node, Organisation, Person
from civicgrid.network.scope import access_node

router = Router(tags=["needs"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (a UUID): a retried create returns the first need.",
    ),
]


def _category(code: str, *, resident: bool) -> Category:
    """The category by code. Anonymous callers may use only what the resident page offers
    (shown to residents, and precise: a leaf)."""
    try:
        category = resident_category(code) if resident else cached.category_by_code(code)
    except Http404:
        category = None
    if category is None:
        raise Invalid(
            _("Choose one of the listed kinds of need."), code="bad_category", category=code
        )
    return category


@router.post(
    "/needs",
    response=responses({201: NeedCreated, 200: NeedCreated}),
    auth=OPEN,
    openapi_extra={"security": [{}]},
)
def create_need(
    request: HttpRequest,
    response: HttpResponse,
    body: NeedIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Raise a need. Without credentials it is a resident's, through the API channel, for the
    categories the resident page offers. Staff may enter one for someone else with the
    channel they heard it on (phone, visit, walk_in, hotline) and `on_behalf_of`, only at a
    place where their role writes (then categories hidden from residents too); a read-only
    leader's or a resident's credentials are refused (403).

    With an `Idempotency-Key` header a retry returns the first need (200, header
    `Idempotent-Replay: true`) instead of raising a second one."""
    person = caller(request)
    if person is None:
        limit_anonymous(request, "create", settings.API_ANON_CREATES_PER_MINUTE)
    else:
        limit_known_caller(request, "token-create", settings.API_TOKEN_CREATES_PER_MINUTE)
    if person is not None and not may_write_somewhere(person):
        # A leader's or a resident's account: refused before anything of the body is looked up.
        raise NotAllowed(_("Your role may not enter needs."))
    node = None
    if body.node is not None:
        node = Node.objects.filter(pk=body.node).first()
        if node is None:
            raise Invalid(_("No such place."), code="bad_node", node=body.node)
    need, made = need_raise_once(
        client=client_of(request),
        key=idempotency_key,
        by=workflow.By(person) if person else workflow.RESIDENT,
        category=_category(body.category, resident=person is None),
        description=body.description,
        channel=body.channel if person else Channel.API,
        node=node,
        lat=body.lat,
        lon=body.lon,
        address=body.address,
        priority=body.priority,
        answers=body.answers,
        contact_phone=body.contact_phone,
        contact_name=body.contact_name,
        anonymous=body.anonymous,
        on_behalf_of=body.on_behalf_of,
        # A resident's report no grid holds waits unplaced, as on the resident page; staff are
        # asked for the place instead (they enter needs where their role writes).
        unplaced_at=services.region_root() if person is None else None,
    )
    url = reverse("api:get_need", kwargs={"number": need.number})
    response["Location"] = url
    if not made:
        response["Idempotent-Replay"] = "true"
    created = {
        "number": need.number,
        "state": need.state,
        "category": need.category.code,
        "node_id": need.node_id,
        "node_name": need.node.name,
        "created_at": need.created_at,
        "response_due": need.response_due,
        "resolve_due": need.resolve_due,
        "url": url,
        "track_url": request.build_absolute_uri(tracking_url(need.number)),
    }
    return Status(201 if made else 200, created)


@router.get("/needs", response=responses({200: NeedPage}), auth=STAFF)
def list_needs(request: HttpRequest, filters: Query[NeedQuery]) -> Any:
    """The needs you may see, newest first, filtered, a page at a time (follow `next`)."""
    user = request.user
    category = None
    if filters.category:
        category = Category.objects.filter(code=filters.category).values_list("pk", flat=True)
        if not category:
            raise Invalid(_("Unknown category."), code="bad_category", category=filters.category)
    wanted = need_selectors.NeedFilter(
        category=category[0] if category else None,
        state=filters.state or "",
        node=access_node(user, filters.node) if filters.node else None,
        channel=filters.channel or "",
        since=filters.since,
        until=filters.until,
        overdue=filters.overdue,
        q=filters.q.strip(),
    )
    if not filters.inbox and not filters.cursor and wanted == need_selectors.NeedFilter():
        items, after = selectors.first_page(user, limit=filters.limit)
    else:
        qs = (
            need_selectors.inbox(user, filters.inbox)
            if filters.inbox
            else need_selectors.visible_needs(user)
        )
        items, after = selectors.need_page(
            need_selectors.filtered(qs, wanted, user=user),
            cursor=filters.cursor,
            limit=filters.limit,
        )
    return shaped(request, {"items": items, "next": after})  # NeedPage, row for row


@router.get(
    "/needs/{number}", response=responses({200: NeedDetail}), auth=STAFF, url_name="get_need"
)
def get_need(request: HttpRequest, number: Number) -> Any:
    """One need with its timeline and the actions you may take on it now. The contact phone
    is masked: POST …/reveal-phone shows it in full (and logs that you did)."""
    return shaped(request, selectors.need_detail(access_need(request.user, number), request.user))


@router.post("/needs/{number}/reveal-phone", response=responses({200: PhoneOut}), auth=STAFF)
def reveal_phone(request: HttpRequest, number: Number) -> Any:
    need = access_need(request.user, number)
    phone, email = services.contact_reveal(need=need, person=caller_person(request))
    return {"number": need.number, "contact_phone": phone, "contact_email": email}


@router.post(
    "/needs/{number}/actions/{action}",
    response=responses({200: ActionOut}, 409),
    auth=STAFF,
)
def act_on_need(request: HttpRequest, number: Number, action: ApiAction, body: ActionIn) -> Any:
    """Move the need through the workflow: accept, reject (reason), dispatch (to
    assignee_id, assignee_org_id or neither: any grid worker of its grid), take, start,
    resolve, return (reason), escalate (reason; consultation_id for a joint committee),
    confirm (rating), reopen (reason), merge (target). 409 when the need is not in a state
    that allows it; a second taker is told who has it (code already_taken, details.holder)."""
    need = access_need(request.user, number)  # the transition table says who may act
    chosen = workflow.Action(action)
    by = workflow.By(caller_person(request))
    moved = services.need_act(
        need=need, action=chosen, by=by, **_params(request, need, by, chosen, body)
    )
    return {
        "number": moved.number,
        "state": moved.state,
        "assignee_name": moved.assignee.name if moved.assignee else None,
        "assignee_org_name": moved.assignee_org.name if moved.assignee_org else None,
        "rating": moved.rating,
    }


def _params(
    request: HttpRequest, need: Need, by: workflow.By, action: workflow.Action, body: ActionIn
) -> dict[str, Any]:
    """The body as the command's own parameters: ids become the people, units, committees and
    needs they name; whether the caller may pick them is the command's check
    (`needs.targets`), the same the console's choices come from."""
    params: dict[str, Any] = {}
    if action in workflow.NOTE_ACTIONS:
        params["reason"] = body.reason
    if body.public and action in workflow.PUBLIC_REPLY_ACTIONS:
        params["public"] = True  # a public reply (docs/privacy.md); never on confirm
    if action == workflow.Action.DISPATCH:
        if body.assignee_id:
            params["to"] = _named(need, by, action, Person.objects.filter(pk=body.assignee_id))
        elif body.assignee_org_id:
            units = Organisation.objects.filter(pk=body.assignee_org_id)
            params["to"] = _named(need, by, action, units)
    elif action == workflow.Action.ESCALATE and body.consultation_id:
        committees = Organisation.objects.filter(pk=body.consultation_id)
        params["to"] = _named(need, by, action, committees)
    elif action == workflow.Action.MERGE:
        into = need_selectors.visible_needs(request.user).filter(
            number=services.normalise_number(body.target or "")
        )
        params["into"] = _named(need, by, action, into, _("No need with that number in your area."))
    elif action == workflow.Action.CONFIRM:
        params["rating"] = body.rating
    return params


def _named(
    need: Need, by: workflow.By, action: workflow.Action, found: Any, message: str = ""
) -> Any:
    """The one row `found` names, else a validation error on `target` (or not_allowed for
    someone who may not take the action at all)."""
    row = found.first()
    if row is not None:
        return row
    if not workflow.may(need, by, action):
        raise NotAllowed(_("This action is not open to you on this need now."))
    message = message or _("Select a valid choice.")
    raise Invalid(
        _("The request is not valid: see details."), code="validation", fields={"target": [message]}
    )


@router.post(
    "/needs/{number}/photos",
    response=responses({201: NeedDetail}),
    auth=STAFF,
)
def add_photos(
    request: HttpRequest,
    number: Number,
    text: Form[Text],
    photos: File[list[UploadedFile]],
) -> Any:
    """Add a comment with photos (multipart/form-data: `text`, one or more `photos`) to the
    timeline. Photos are re-encoded, their metadata (GPS included) dropped."""
    need = access_need(request.user, number, write=True)
    services.need_comment(
        need=need, by=workflow.By(caller_person(request)), text=text, photos=photos
    )
    return Status(201, selectors.need_detail(access_need(request.user, number), request.user))


@router.get(
    "/needs/{number}/photos/{photo_id}",
    response=responses({200: None}),
    auth=STAFF,
    url_name="need_photo",
    openapi_extra={
        "responses": {
            200: {
                "description": "The photo (JPEG).",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_photo(request: HttpRequest, number: Number, photo_id: Id) -> FileResponse:
    """A photo of a need you may see."""
    need: Need = access_need(request.user, number)
    photo = NeedPhoto.objects.filter(pk=photo_id, need=need).first()
    if photo is None:
        raise Http404(_("No such photo."))
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
