"""The request and response shapes of the joint committees' endpoints (/committees/...).

Inputs are bounded as in `schemas.py`; fields a command requires are checked by the command,
after the access check (a body never tells a caller out of sight anything), and named in the
error's `details.fields`. Further: ids fit the database, texts are limited and carry no
NUL, datetimes fall between 2000 and 2100 (a datetime without a zone is read in the server's
local time). Outputs carry only what the caller may read: contacts' mobiles are masked, and a
need's text is the one the committees module chose for the reader (the resident's words for
those who see the need anyway, else its public summary).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, model_validator

from civicgrid.api.schemas import Cursor, Id, NoNul, Number
from civicgrid.committees.models import TaskState

PageSize = Annotated[int, Field(ge=1, le=100)]
Title = Annotated[str, Field(max_length=160), NoNul]
Reason = Annotated[str, Field(max_length=300), NoNul]
Text = Annotated[str, Field(max_length=5000), NoNul]
Item = Annotated[str, Field(max_length=300), NoNul]
Key = Annotated[str, Field(max_length=64), NoNul]
Year = Annotated[int, Field(ge=2000, le=2100)]


def _moment(value: dt.datetime) -> dt.datetime:
    # Far-off years overflow time-zone arithmetic: refused before any is done.
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the server's local time (Asia/Shanghai)
    return value


Moment = Annotated[
    dt.datetime,
    AfterValidator(_moment),
    Field(description="ISO 8601; without a zone, the server's local time."),
]

# `state` of the task list: the open ones (the default), the open ones past their deadline,
# every state, or one state.
TaskStateFilter = Literal[
    "open", "overdue", "all", "assigned", "accepted", "done", "verified", "returned", "cancelled"
]
assert {"assigned", "accepted", "done", "verified", "returned", "cancelled"} == set(
    TaskState.values
)
TaskUnitFilter = Annotated[str, Field(pattern=r"^(mine|all|[1-9][0-9]{0,17})$")]


class UnitRef(Schema):
    id: int
    name: str


# --- Committees -----------------------------------------------------------------------------


class CommitteeQuery(Schema):
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class CommitteeItem(Schema):
    id: int
    name: str
    node_id: int
    node_name: str
    staff: bool = Field(description="You are the committee's staff (secretary, members).")
    my_units: list[UnitRef] = Field(description="The member units you belong to.")


class CommitteePage(Schema):
    items: list[CommitteeItem]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class ContactOut(Schema):
    name: str
    title: str
    mobile: str = Field(description="Masked: 138****1234.")


class PledgeOut(Schema):
    id: int
    kind: str = Field(description="people, vehicle, equipment, skill or other.")
    kind_label: str
    description: str
    quantity: int
    active: bool = Field(description="Still offered.")


class UnitOut(Schema):
    id: int
    name: str
    unit_kind: str
    unit_kind_label: str
    mine: bool = Field(description="You belong to this unit.")
    contacts: list[ContactOut]
    pledges: list[PledgeOut] = Field(description="What the unit pledged (资源清单).")
    open_tasks: int
    overdue_tasks: int


class CommitteeDetail(CommitteeItem):
    units: list[UnitOut]


class GoalQuery(Schema):
    year: Year | None = Field(None, description="The goals' year; this year by default.")


class GoalOut(Schema):
    id: int
    year: int
    title: str
    measure: str = Field(
        description="needs_resolved, helped, tasks_done, meetings_held or typed (a number "
        "the committee's staff type in)."
    )
    measure_label: str
    unit_label: str
    target: float
    value: float = Field(description="The figure so far.")
    percent: int = Field(description="value / target, in percent (may pass 100).")
    elapsed_percent: int = Field(description="How much of the year has passed, in percent.")
    behind: bool = Field(description="Further behind the year than a tenth of the target.")


class GoalList(Schema):
    year: int
    items: list[GoalOut]


class ListedNeedOut(Schema):
    number: str
    category: str
    place: str
    state: str
    state_label: str
    why: list[str] = Field(description="Escalated to the committee, overdue, asked for by a unit.")
    asked_by: list[str] = Field(description="The member units that asked for it.")
    text: str = Field(
        description="The resident's words for readers who see the need anyway, else its "
        "public summary."
    )
    open_tasks: int


class ThemeOut(Schema):
    name: str
    items: list[ListedNeedOut]


class NeedsListOut(Schema):
    themes: list[ThemeOut] = Field(description="Grouped by theme, the largest first.")


# --- Tasks ----------------------------------------------------------------------------------


class TaskQuery(Schema):
    state: TaskStateFilter = Field("open", description="open (default), overdue, all, or one.")
    unit: TaskUnitFilter | None = Field(
        None,
        description="mine, all, or a unit's id. Without it: your units' tasks if you belong "
        "to a member unit, else all.",
    )
    cursor: Cursor | None = None
    limit: PageSize = 50


class TaskItem(Schema):
    id: int
    committee_id: int
    title: str
    unit_id: int
    unit_name: str
    owner_name: str | None
    due: dt.datetime
    state: str
    state_label: str
    overdue: bool = Field(description="Marked overdue by the worker and not done since.")
    need_number: str | None
    goal_id: int | None
    decision_id: int | None
    resolves_need: bool = Field(description="Verifying it resolves the need.")
    created_at: dt.datetime


class TaskPage(Schema):
    items: list[TaskItem]
    next: str | None


class TaskEventOut(Schema):
    seq: int
    action: str
    label: str
    at: dt.datetime
    actor_name: str | None = Field(description="Null: the system (reminders, overdue marks).")
    note: str


class TaskDetail(TaskItem):
    detail: str
    result: str
    return_reason: str
    accepted_at: dt.datetime | None
    done_at: dt.datetime | None
    done_on_time: bool | None
    verified_at: dt.datetime | None
    events: list[TaskEventOut]
    allowed: list[str] = Field(
        description="What you may do now: accept, return, done (the unit's people); verify, "
        "send_back, reassign, cancel (the committee's staff)."
    )


class TaskIn(Schema):
    unit: Id | None = Field(None, description="The member unit's id (required).")
    title: Title = Field("", description="What the task is (required).")
    detail: Text = ""
    due: Moment | None = Field(None, description="The deadline (required).")
    owner: Id | None = Field(None, description="One of the unit's people (a person's id).")
    need: Number | None = Field(None, description="The tracking number of the need it is for.")
    goal: Id | None = Field(None, description="The id of the goal it serves.")
    resolves_need: bool = Field(
        False, description="Verifying it resolves the need (one the committee consults on)."
    )


class TaskActionIn(Schema):
    reason: Reason = Field(
        "", description="return, send_back, cancel: why (required); reassign, verify: a note."
    )
    result: Text = Field("", description="done: what was done (required).")
    public_reply: Text = Field(
        "", description="verify: what the resident reads when the task resolves its need."
    )
    unit: Id | None = Field(None, description="reassign: the member unit to give it to.")
    owner: Id | None = Field(None, description="reassign: one of the unit's people.")
    due: Moment | None = Field(None, description="reassign: the new deadline.")


# --- Consultations --------------------------------------------------------------------------


class PageQuery(Schema):
    cursor: Cursor | None = None
    limit: PageSize = 50


class ConsultationItem(Schema):
    id: int
    committee_id: int
    need_number: str
    state: str = Field(description="open, decided, resolved, returned or closed.")
    state_label: str
    units: list[UnitRef] = Field(description="The units involved.")
    held_on: dt.date | None
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None


class ConsultationPage(Schema):
    items: list[ConsultationItem]
    next: str | None


class ContributionOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    person_name: str | None
    text: str
    created_at: dt.datetime


class DecisionOut(Schema):
    id: int
    text: str
    created_at: dt.datetime
    meeting_id: int | None
    need_number: str | None
    task_ids: list[int]


class ConsultationDetail(ConsultationItem):
    need_text: str = Field(
        description="The resident's words for readers who see the need anyway, else its "
        "public summary."
    )
    contributions: list[ContributionOut]
    decisions: list[DecisionOut]
    outcome: str = Field(description="What the resident reads of the outcome.")


class ContributionIn(Schema):
    unit: Id | None = Field(None, description="The member unit you speak for (required).")
    text: Text = Field("", description="What the unit can contribute (required).")


class TaskSpecIn(Schema):
    unit: Id = Field(description="The member unit's id.")
    title: Title
    due: Moment
    owner: Id | None = None
    resolves_need: bool = False


class ConsultationDecisionIn(Schema):
    text: Text = Field("", description="The decision (required).")
    outcome: Text = Field("", description="What the resident reads when the need ends.")
    tasks: list[TaskSpecIn] = Field(
        default_factory=list, max_length=10, description="Who does what by when."
    )


class ConsultationReturnIn(Schema):
    outcome: Text = Field(
        "", description="The decision the community (and the resident) receives (required)."
    )


# --- Meetings -------------------------------------------------------------------------------


class MeetingItem(Schema):
    id: int
    committee_id: int
    title: str
    state: str = Field(description="scheduled, held, recorded or cancelled.")
    state_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    node_id: int
    node_name: str
    place_detail: str


class MeetingPage(Schema):
    items: list[MeetingItem]
    next: str | None


class AgendaOut(Schema):
    id: int
    position: int
    kind: str = Field(description="need, task or item (raised by a member).")
    title: str
    detail: str
    why: str
    state: str
    need_number: str | None
    unit_name: str | None


class AttendanceOut(Schema):
    unit_id: int | None = Field(description="Null: the committee's own members.")
    unit_name: str
    count: int


class MeetingDetail(MeetingItem):
    cancel_reason: str
    agenda: list[AgendaOut]
    attendance: list[AttendanceOut] = Field(description="How many came, per unit.")
    absent: list[str] = Field(description="The member units nobody came for.")
    minutes: str
    decisions: list[DecisionOut]
    allowed: list[str] = Field(description="What you may do at the meeting now.")
    checked_in: bool = Field(description="You are checked in.")


class AgendaIn(Schema):
    text: Item = Field("", description="The item (required).")
    unit: Id | None = Field(
        None, description="The unit you raise it for (required if you belong to several)."
    )


class MeetingCheckInIn(Schema):
    key: Key = Field("", description="The key the meeting's QR poster carries.")
    lat: float | None = Field(None, ge=-90, le=90, description="Where the phone is (WGS84) ...")
    lon: float | None = Field(None, ge=-180, le=180, description="... both or neither.")

    @model_validator(mode="after")
    def both_or_neither(self) -> MeetingCheckInIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class MeetingCheckInOut(Schema):
    meeting_id: int
    checked_in_at: dt.datetime
    unit: UnitRef | None = Field(description="The member unit you came for.")
    distance_m: int | None
