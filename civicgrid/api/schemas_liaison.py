"""The request and response shapes of messages to representatives (/liaison/messages).

Inputs are bounded (texts limited, no NUL); outputs carry what the caller may read: the
resident's phone masked, never a staff member's phone."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from civicgrid.api.schemas import Cursor, Id, NoNul
from civicgrid.api.schemas_committees import PageSize
from civicgrid.liaison.models import MessageKind, MessageState

Text = Annotated[str, Field(min_length=1, max_length=2000), NoNul]
Name = Annotated[str, Field(max_length=60), NoNul]
Phone = Annotated[str, Field(max_length=20), NoNul]


class MessageQuery(Schema):
    state: MessageState | None = None
    kind: MessageKind | None = None
    mine: bool = Field(False, description="Only messages you answer.")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class MessageItem(Schema):
    number: str
    kind: MessageKind
    state: MessageState
    to_representative: int | None
    to_station: int | None
    node_id: int
    name: str = Field(description="The resident's name, masked.")
    phone: str = Field(description="The resident's phone, masked.")
    created_at: dt.datetime
    answer_due: dt.datetime
    overdue: bool
    need_number: str | None


class MessagePage(Schema):
    items: list[MessageItem]
    next: str | None


class MessageEventOut(Schema):
    seq: int
    action: str
    actor_kind: str
    at: dt.datetime


class MessageDetail(MessageItem):
    text: str
    answer: str
    answered_at: dt.datetime | None
    events: list[MessageEventOut]
    allowed: list[str]


class MessageIn(Schema):
    representative: Id | None = None
    station: Id | None = None
    kind: MessageKind
    text: Text
    name: Name = ""
    phone: Phone = ""


class MessageCreated(Schema):
    number: str
    state: MessageState
    answer_due: dt.datetime
    tracking_url: str = Field(description="The keyed tracking link: give it to the resident.")


class MessageAnswerIn(Schema):
    answer: Text
