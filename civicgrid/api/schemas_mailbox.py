"""The request and response shapes of the mailbox (/mailbox/proposals, /mailbox/supports,
/mailbox/projects). Inputs are bounded as in `schemas.py`; outputs carry what the caller may
read: the public never sees a proposer, staff see the phone masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from civicgrid.api.schemas import Cursor, Day, Id, NoNul
from civicgrid.api.schemas_committees import PageSize
from civicgrid.mailbox.models import ProposalState

Phone = Annotated[str, Field(max_length=20), NoNul]
Code = Annotated[str, Field(max_length=8), NoNul]
Title = Annotated[str, Field(max_length=80), NoNul]
Note = Annotated[str, Field(max_length=300), NoNul]


class ProposalQuery(Schema):
    town: Id | None = Field(None, description="Only the mailbox of this town (its node id).")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class StaffProposalQuery(ProposalQuery):
    state: ProposalState | None = None


class ProposalOut(Schema):
    id: int
    town_id: int
    year: int
    title: str
    body: str
    place: str
    community_id: int
    community: str
    estimated_cost: Decimal | None
    state: ProposalState
    supports: int


class ProposalPage(Schema):
    items: list[ProposalOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class StaffProposalOut(ProposalOut):
    proposer_phone: str = Field(description="Masked.")
    reason: str
    merged_into: int | None
    created_at: dt.datetime


class StaffProposalPage(Schema):
    items: list[StaffProposalOut]
    next: str | None


class SupportCodeIn(Schema):
    proposal: Id
    phone: Phone


class SupportCodeOut(Schema):
    sent_to: str = Field(description="The number, masked.")


class SupportIn(Schema):
    proposal: Id
    phone: Phone
    code: Code = Field(description="The 6-digit code texted to the phone for this proposal.")


class SupportOut(Schema):
    created: bool = Field(description="false: this number supported it already (counted once).")
    supports: int


class MilestoneOut(Schema):
    id: int
    title: str
    title_mn: str
    due: dt.date
    done_on: dt.date | None
    note: str


class ProjectOut(Schema):
    id: int
    proposal: int
    title: str
    title_mn: str
    responsible: str
    budget: Decimal | None
    planned_finish: dt.date
    finished_on: dt.date | None
    percent: int
    milestones: list[MilestoneOut]


class ProjectQuery(Schema):
    town: Id | None = None
    cursor: Cursor | None = None
    limit: PageSize = 50


class LivelihoodProjectPage(Schema):
    items: list[ProjectOut]
    next: str | None


class MilestoneIn(Schema):
    title: Title
    title_mn: Annotated[str, Field(max_length=160), NoNul] = ""
    due: Day
    note: Note = ""


class MilestoneDoneIn(Schema):
    done_on: Day | None = None
    note: Note = ""
