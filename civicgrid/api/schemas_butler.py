"""The request and response shapes of the project butler (/butler/projects, /butler/matters).

Inputs are bounded as in `schemas.py`; outputs carry only what the caller may read: contacts'
phones are masked, a matter's state and due dates are its need's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from civicgrid.api.schemas import Cursor, NoNul

PageSize = Annotated[int, Field(ge=1, le=200)]
Phone = Annotated[str, Field(max_length=20), NoNul]
MatterText = Annotated[str, Field(min_length=1, max_length=1000), NoNul]
MatterKindIn = Literal["approval", "problem"]


class ButlerPageQuery(Schema):
    cursor: Cursor | None = None
    limit: PageSize = 50


class TeamSeatOut(Schema):
    role: str
    person_id: int | None
    organisation_id: int | None
    name: str


class ProjectContactOut(Schema):
    id: int
    name: str
    title: str
    phone: str  # masked


class FiguresOut(Schema):
    raised: int
    resolved: int
    on_time: int
    escalated: int
    average_rating: Decimal | None
    visits: int
    milestones_done: int


class ProjectItem(Schema):
    id: int
    name: str
    enterprise: str
    node_id: int
    place: str
    stage: str
    investment: Decimal
    started_on: dt.date | None


class KeyProjectPage(Schema):
    items: list[ProjectItem]
    next: str | None


class ProjectDetail(ProjectItem):
    team: list[TeamSeatOut]
    contacts: list[ProjectContactOut]
    figures: FiguresOut


class MatterItem(Schema):
    id: int
    project_id: int
    kind: str
    via: str
    number: str
    state: str
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None
    resolved_at: dt.datetime | None
    rating: str
    created_at: dt.datetime


class MatterPage(Schema):
    items: list[MatterItem]
    next: str | None


class ProjectMatterIn(Schema):
    kind: MatterKindIn
    description: MatterText
    contact_id: int | None = Field(None, ge=1, description="A contact of the project, or none.")


class PublicMatterIn(Schema):
    key: Annotated[str, Field(max_length=40), NoNul] = Field(
        description="The key of the project's QR link."
    )
    phone: Phone = Field(description="One of the project's contact phones.")
    kind: MatterKindIn
    description: MatterText


class MatterCreated(Schema):
    id: int
    number: str
    state: str
    tracking_url: str = Field(description="The need's tracking link, to follow and rate it.")
