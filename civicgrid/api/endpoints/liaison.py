"""Messages to representatives (码上找代表): the answerer's list and detail, answering, and a
resident-style intake.

Reads start from `liaison.access` (a message the caller may not read is a 404); writes are the
commands the pages call (`liaison.workflow`), which check who may act again. The intake is open
(no credentials: a resident's app or a kiosk), rate-limited per address, with an
`Idempotency-Key` so a retry makes one message.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import OPEN, STAFF, caller_person, client_of
from civicgrid.api.errors import limit_anonymous, limit_known_caller, responses
from civicgrid.api.schemas_liaison import (
    MessageAnswerIn,
    MessageCreated,
    MessageDetail,
    MessageIn,
    MessagePage,
    MessageQuery,
)
from civicgrid.core import once
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.liaison import access, events, publication, workflow
from civicgrid.liaison.models import Message, MessageState
from civicgrid.network.models import mask_mobile, mask_name
from civicgrid.representatives.models import LiaisonStation, Representative

liaison_router = Router(auth=STAFF, tags=["liaison"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (a UUID): a retried create returns the first message.",
    ),
]
SEND_ONCE = "api-liaison-message"


def _item(m: Message, now: Any) -> dict[str, Any]:
    return {
        "number": m.number,
        "kind": m.kind,
        "state": m.state,
        "to_representative": m.representative_id,
        "to_station": m.station_id,
        "node_id": m.node_id,
        "name": mask_name(m.name) if m.name else "",
        "phone": mask_mobile(m.phone),
        "created_at": m.created_at,
        "answer_due": m.answer_due,
        "overdue": m.state == MessageState.RECEIVED and m.answer_due <= now,
        "need_number": m.need.number if m.need_id and m.need else None,
    }


def _detail(user: Any, number: str) -> dict[str, Any]:
    m = access.access_by_number(user, number)
    return _item(m, timezone.now()) | {
        "text": m.text,
        "answer": m.answer,
        "answered_at": m.answered_at,
        "events": [
            {"seq": e.seq, "action": e.action, "actor_kind": e.actor_kind, "at": e.created_at}
            for e in events.timeline(m)
        ],
        "allowed": [a.value for a in workflow.allowed_actions(user, m)],
    }


@liaison_router.get("/liaison/messages", response=responses({200: MessagePage}))
def list_messages(request: HttpRequest, filters: Query[MessageQuery]) -> Any:
    """The messages you read (to you as representative or station staff; of your area as its
    staff), newest first, a page at a time. Names and phones masked."""
    user = caller_person(request)
    qs = access.visible_messages(user)
    if filters.mine:
        qs = qs.filter(access.mine_q(user))
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.cursor:
        (last,) = pagination.decode(filters.cursor, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
        qs = qs.filter(pk__lt=last)
    rows = list(qs.select_related("need").order_by("-id")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    now = timezone.now()
    return {
        "items": [_item(m, now) for m in rows],
        "next": pagination.encode([rows[-1].pk]) if more and rows else None,
    }


@liaison_router.get(
    "/liaison/messages/{number}",
    response=responses({200: MessageDetail}),
    url_name="get_liaison_message",
)
def get_message(request: HttpRequest, number: str) -> Any:
    """One message with its timeline and what you may do to it now (`allowed`)."""
    return _detail(caller_person(request), number)


def _once_key(client: str, key: str) -> str:
    return hashlib.sha256(f"{client}\n{key}".encode()).hexdigest()


@liaison_router.post(
    "/liaison/messages",
    auth=OPEN,
    response=responses({201: MessageCreated, 200: MessageCreated}),
    openapi_extra={"security": [{}]},
)
def create_message(
    request: HttpRequest,
    response: HttpResponse,
    body: MessageIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """A resident leaves a message for a representative or a station (one of the two). The
    answer's tracking link is returned: only its holder reads the message. With an
    `Idempotency-Key` a retry returns the first message (200, `Idempotent-Replay: true`)."""
    limit_anonymous(request, "liaison-create", 10)
    limit_known_caller(request, "liaison-create", 30)
    rep = station = None
    if body.representative is not None:
        rep = Representative.objects.filter(pk=body.representative, public=True).first()
        if rep is None:
            raise Invalid(_("No such representative."), code="bad_representative")
    if body.station is not None:
        station = LiaisonStation.objects.filter(pk=body.station).first()
        if station is None:
            raise Invalid(_("No such station."), code="bad_station")
    fields: dict[str, Any] = {
        "representative": rep,
        "station": station,
        "kind": str(body.kind),
        "text": body.text,
        "name": body.name,
        "phone": body.phone,
        "language": get_language() or settings.LANGUAGE_CODE,
    }
    made = True
    if idempotency_key:
        key = _once_key(client_of(request), idempotency_key)
        try:
            with transaction.atomic():
                message = workflow.message_send(
                    **fields, also=lambda m: once.claim(SEND_ONCE, key, m.number)
                )
        except IntegrityError:
            first = once.result_of(SEND_ONCE, key)
            if not first:
                raise
            message = Message.objects.get(number=first)
            made = False
    else:
        message = workflow.message_send(**fields)
    if not made:
        response["Idempotent-Replay"] = "true"
    out = {
        "number": message.number,
        "state": message.state,
        "answer_due": message.answer_due,
        "tracking_url": request.build_absolute_uri(publication.tracking_path(message.number)),
    }
    return Status(201 if made else 200, out)


@liaison_router.post(
    "/liaison/messages/{number}/answer", response=responses({200: MessageDetail}, 409)
)
def answer_message(request: HttpRequest, number: str, body: MessageAnswerIn) -> Any:
    """Answer a message: its representative, or the station's staff."""
    user = caller_person(request)
    if not access.writes_anywhere(user):
        raise NotAllowed(_("Your role may not answer messages."), code="not_allowed")
    message = access.access_by_number(user, number, write=True)
    workflow.message_answer(by=user, message=message, answer=body.answer)
    return _detail(user, number)
