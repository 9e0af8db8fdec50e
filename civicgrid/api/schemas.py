"""The API's request and response shapes. Inputs are bounded (lengths, id ranges, dates) so
that nothing a client sends can reach the database as a value it refuses with a server error."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from ninja import Field, Schema
from pydantic import AfterValidator, model_validator

from civicgrid.needs.access import STAFF_ACTIONS
from civicgrid.needs.models import Channel, Priority, State
from civicgrid.needs.selectors import INBOXES


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store or compare a NUL character: refuse it here with a 400.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Code = Annotated[str, Field(max_length=40), NoNul]
Short = Annotated[str, Field(max_length=128), NoNul]
SearchText = Annotated[str, Field(max_length=100), NoNul]
Cursor = Annotated[str, Field(max_length=200), NoNul]
Address = Annotated[str, Field(max_length=400), NoNul]
Text = Annotated[str, Field(max_length=4000), NoNul]

# Ids fit the database's 64-bit integers; anything larger is a validation error, not a crash.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Number = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z \-]+$")]
# Dates far outside the service's life would overflow time-zone arithmetic.
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]

# The console's actions and inboxes, spelled out for the OpenAPI document; the asserts keep
# them equal to the workflow's own lists.
ApiAction = Literal[
    "accept", "reject", "dispatch", "take", "start", "resolve", "return", "escalate",
    "confirm", "reopen", "merge", "restore",
]  # fmt: skip
assert set(get_args(ApiAction)) == {str(a) for a in STAFF_ACTIONS}
Inbox = Literal["to_accept", "to_dispatch", "mine", "overdue", "escalated"]
assert set(get_args(Inbox)) == set(INBOXES)
# How a need reaches the API: on its own, or typed in by staff for someone (代办).
ApiChannel = Literal["api", "phone", "visit", "walk_in", "hotline"]


# --- Errors ---------------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str = Field(description="Stable machine code, e.g. validation, already_taken.")
    message: str = Field(description="What went wrong, in the request's language.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(Schema):
    error: ErrorBody


# --- Categories -----------------------------------------------------------------------------


class ChoiceOut(Schema):
    value: str
    label: str


class QuestionOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    choices: list[ChoiceOut]


class DeadlineOut(Schema):
    priority: str
    response_minutes: int
    resolve_minutes: int


class CategoryOut(Schema):
    id: int
    code: str
    parent: str | None = Field(description="The parent category's code.")
    label: str = Field(description="The name in the request's language.")
    name: str
    name_en: str
    hint: str
    shown_to_residents: bool
    time_basis: str
    questions: list[QuestionOut]
    deadlines: list[DeadlineOut]


# --- Nodes ----------------------------------------------------------------------------------


class NodeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent_id: int | None
    depth: int
    lat: float | None
    lon: float | None


class NodeDetailOut(NodeOut):
    polygon: dict[str, Any] | None


class NodePage(Schema):
    items: list[NodeOut]
    next: str | None


# --- Needs ----------------------------------------------------------------------------------


class NeedIn(Schema):
    category: Code = Field(description="Category code, from GET /categories.")
    description: Text
    priority: Priority = Priority.NORMAL
    answers: dict[str, Any] = Field(
        default_factory=dict, description="Answers to the category's questions, by key."
    )
    node: Id | None = Field(None, description="Where: a node id (usually a small grid) ...")
    lat: float | None = Field(None, description="... or a point, routed to its small grid.")
    lon: float | None = None
    address: Address = ""
    contact_phone: Code = ""
    contact_name: Short = ""
    anonymous: bool = False
    channel: ApiChannel = Field(
        "api", description="Staff only: phone, visit, walk_in or hotline enter it on behalf of"
    )
    on_behalf_of: Short = ""


class NeedCreated(Schema):
    number: str
    state: str
    category: str
    node_id: int
    node_name: str
    created_at: dt.datetime
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None
    url: str = Field(description="This need in the API (for staff who may see it).")
    track_url: str = Field(
        description="The resident's tracking page; its key allows rating and withdrawing."
    )


class NeedQuery(Schema):
    state: State | None = None
    category: Code | None = Field(None, description="Category code; includes its children.")
    node: Id | None = Field(None, description="Only needs in this node's subtree.")
    channel: Channel | None = None
    since: Day | None = None
    until: Day | None = None
    overdue: bool = False
    q: SearchText = Field(
        "",
        description="Tracking number or words; a whole phone number (community staff and "
        "admins only, logged as a reveal). Part of a number never matches a phone.",
    )
    inbox: Inbox | None = Field(None, description="One of the console's inboxes.")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: int = Field(50, ge=1, le=100)


class NeedItem(Schema):
    number: str
    kind: str
    state: str
    priority: str
    category: str
    category_label: str
    node_id: int
    node_name: str
    owner_node_id: int
    channel: str
    description: str
    contact_name: str
    contact_phone: str = Field(description="Masked: 138****1234.")
    contact_email: str = Field(description="Masked: b***@example.org (Open311 reports).")
    assignee_id: int | None
    assignee_name: str | None
    assignee_org_id: int | None
    assignee_org_name: str | None
    overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None


class NeedPage(Schema):
    items: list[NeedItem]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor_name: str
    actor_kind: str = Field(description='"resident", "system" or "" (a person: actor_name).')
    note: str
    public: bool = Field(description="A public reply; otherwise the note is internal.")
    data: dict[str, Any]
    at: dt.datetime
    photos: list[str] = Field(description="URLs of the event's photos (with your credentials).")


class NeedDetail(NeedItem):
    answers: dict[str, Any]
    address: str
    lat: float | None
    lon: float | None
    anonymous: bool
    on_behalf_of: str
    consultation: str | None
    merged_into: str | None
    rating: str
    rating_comment: str
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_actions: list[str] = Field(description="Actions you may take now.")
    timeline: list[EventOut]


class ActionIn(Schema):
    reason: Text = ""
    assignee_id: Id | None = Field(None, description="dispatch: to this person ...")
    assignee_org_id: Id | None = Field(None, description="... or to this unit; neither: undirected")
    consultation_id: Id | None = Field(
        None, description="escalate: to a consultation of this joint committee (else one level up)"
    )
    target: Number | None = Field(None, description="merge: the tracking number to merge into")
    rating: Literal["", "satisfied", "fair"] = Field("", description="confirm: resident's rating")
    public: bool = Field(
        False,
        description="The reason is a public reply (tracking page, Open311); else internal. "
        "Not for confirm: a rating comment is the resident's and never public.",
    )

    @model_validator(mode="after")
    def one_assignee(self) -> ActionIn:
        if self.assignee_id is not None and self.assignee_org_id is not None:
            raise ValueError("give assignee_id or assignee_org_id, not both")
        return self


class ActionOut(Schema):
    number: str
    state: str
    assignee_name: str | None
    assignee_org_name: str | None
    rating: str


class PhoneOut(Schema):
    number: str
    contact_phone: str
    contact_email: str


# --- Notifications and people ---------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next: str | None


class ReadAllOut(Schema):
    updated: int


class RoleOut(Schema):
    role: str
    role_label: str
    node_id: int
    node_name: str


class PersonOut(Schema):
    id: int
    name: str
    mobile: str = Field(description="Masked: 138****1234.")
    roles: list[RoleOut]
