"""The caller's own notifications, and the people in their scope."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router

from civicgrid.api import selectors
from civicgrid.api.auth import STAFF, caller_person
from civicgrid.api.errors import responses
from civicgrid.api.schemas import (
    Cursor,
    Id,
    NotificationOut,
    NotificationPage,
    PersonOut,
    ReadAllOut,
    SearchText,
)
from civicgrid.core.errors import NotFound
from civicgrid.core.notifications import mark_all_read, mark_read

router = Router(auth=STAFF)
Limit = Annotated[int, Field(ge=1, le=100)]


@router.get("/notifications", response=responses({200: NotificationPage}), tags=["notifications"])
def list_notifications(
    request: HttpRequest, unread: bool = False, cursor: Cursor | None = None, limit: Limit = 50
) -> Any:
    """Your notifications, newest first, worded in the request's language."""
    items, after = selectors.notification_page(
        caller_person(request), unread=unread, cursor=cursor, limit=limit
    )
    return {"items": items, "next": after}


@router.post(
    "/notifications/read-all", response=responses({200: ReadAllOut}), tags=["notifications"]
)
def read_all(request: HttpRequest) -> Any:
    return {"updated": mark_all_read(person=caller_person(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response=responses({200: NotificationOut}),
    tags=["notifications"],
)
def read_one(request: HttpRequest, notification_id: Id) -> Any:
    row = mark_read(person=caller_person(request), notification_id=notification_id)
    if row is None:
        raise NotFound(_("No such notification."))
    return {
        "id": row.pk,
        "kind": row.kind,
        "text": selectors.render(row.kind, row.data or {}),
        "url": row.url,
        "created_at": row.created_at,
        "read": True,
    }


@router.get("/people", response=responses({200: list[PersonOut]}), tags=["people"])
def list_people(request: HttpRequest, q: SearchText = "", limit: Limit = 50) -> Any:
    """People holding a role at a node within your scope (name, or their whole mobile number:
    part of a number never matches), with those roles. Mobiles are masked."""
    return selectors.people(request.user, q=q, limit=limit)
