"""The request and response shapes of the people-who-serve endpoints (/volunteers/...).

Inputs are bounded as in `schemas.py`; outputs carry only what the caller may read: a wish's
public fields for members, its contact (name and a masked phone) only for the staff whose
scope holds its community.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import model_validator

from civicgrid.api.schemas import Cursor, Day, Id, NoNul
from civicgrid.volunteers.models import ActivityState, Theme, WishState

PageSize = Annotated[int, Field(ge=1, le=100)]
Note = Annotated[str, Field(max_length=2000), NoNul]
Reason = Annotated[str, Field(max_length=300), NoNul]
Key = Annotated[str, Field(max_length=64), NoNul]

# --- Activities -----------------------------------------------------------------------------


class ActivityQuery(Schema):
    community: Id | None = Field(None, description="Only activities at this node or below it.")
    state: ActivityState | None = None
    theme: Theme | None = None
    since: Day | None = Field(None, description="Starting on or after this day (local time).")
    until: Day | None = Field(None, description="Starting on or before this day (local time).")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class ActivityItem(Schema):
    id: int
    title: str = Field(description="In the request's language when there is a translation.")
    theme: str
    theme_label: str
    state: str
    state_label: str
    audience: str = Field(description="public, members or team: who may sign up.")
    node_id: int
    node_name: str
    place_detail: str
    team_id: int | None
    team_name: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = Field(description="Null: no limit.")
    confirmed_count: int
    places_left: int | None = Field(description="Null: no limit.")


class ActivityPage(Schema):
    items: list[ActivityItem]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class MySignUp(Schema):
    state: str = Field(description="confirmed, waiting or cancelled.")
    state_label: str
    waiting_position: int | None = Field(description="1 for the first on the waiting list.")
    signed_up_at: dt.datetime
    checked_in_at: dt.datetime | None
    hours: float = Field(description="Hours credited once the activity is recorded.")


class ActivityDetail(ActivityItem):
    description: str
    lat: float | None
    lon: float | None
    waiting_count: int
    summary: str
    solved_count: int
    duration_minutes: int | None
    mine: MySignUp | None = Field(description="Your sign-up; null if you never signed up.")
    may_sign_up: bool = Field(description="Whether a sign-up by you would be accepted now.")
    actions: list[str] = Field(
        description="What you may do to it in its state: sign_up, leave, check_in (a member); "
        "open, edit, hold, record, cancel, correct (an organiser, in the console)."
    )


class SignUpOut(Schema):
    activity_id: int
    mine: MySignUp
    places_left: int | None
    waiting_count: int


class CheckInIn(Schema):
    key: Key = Field("", description="The key the activity's QR poster carries.")
    lat: float | None = Field(None, ge=-90, le=90, description="Where the phone is (WGS84) ...")
    lon: float | None = Field(None, ge=-180, le=180, description="... both or neither.")

    @model_validator(mode="after")
    def both_or_neither(self) -> CheckInIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class CheckInOut(Schema):
    activity_id: int
    checked_in_at: dt.datetime
    already: bool = Field(description="You had checked in before (at checked_in_at).")
    walk_in: bool = Field(description="You were not signed up: signed up at the door.")
    distance_m: int | None = Field(description="How far the phone said it was from the place.")


# --- Teams ----------------------------------------------------------------------------------


class TeamQuery(Schema):
    community: Id | None = Field(None, description="Only teams at this node or below it.")
    mine: bool = Field(False, description="Only the teams you belong to.")
    cursor: Cursor | None = None
    limit: PageSize = 50


class TeamMonthOut(Schema):
    month: dt.date = Field(description="The month's first day.")
    held: int | None = Field(description="Themed activities held; null: not checked yet.")
    required: int | None
    missed: bool


class TeamItem(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    theme: str
    theme_label: str
    node_id: int
    node_name: str
    active: bool
    members_count: int
    leaders: list[str] = Field(description="The leaders' names.")
    monthly_minimum: int = Field(description="Themed service activities a month, at least.")
    member: bool = Field(description="You belong to the team.")
    months: list[TeamMonthOut] = Field(description="The last six months, oldest first.")


class TeamPage(Schema):
    items: list[TeamItem]
    next: str | None


# --- Wishes ---------------------------------------------------------------------------------


class WishQuery(Schema):
    community: Id | None = Field(None, description="Only wishes at this node or below it.")
    state: WishState | None = None
    cursor: Cursor | None = None
    limit: PageSize = 50


class WishContact(Schema):
    person_name: str
    person_mobile: str = Field(description="Masked: 138****1234.")


class WishItem(Schema):
    id: int
    title: str
    story: str
    public_name: str = Field(description="What the public reads instead of the person's name.")
    community_id: int
    community_name: str
    state: str
    state_label: str
    needed_by: dt.date
    created_at: dt.datetime
    claimed_by_me: bool
    contact: WishContact | None = Field(
        description="Only for the staff whose scope holds the wish's community."
    )


class WishPage(Schema):
    items: list[WishItem]
    next: str | None


class ClaimIn(Schema):
    unit_id: Id | None = Field(None, description="Claim for a unit you are a contact of.")


class ReleaseIn(Schema):
    reason: Reason = ""


# --- The member's own record ----------------------------------------------------------------


class PlaceOut(Schema):
    id: int
    name: str


class TallyOut(Schema):
    period: str = Field(description='"2026-03" (a month) or "2026" (a year).')
    activities: int = Field(description="Activities attended (credited).")
    hours: float
    needs_resolved: int
    wishes_fulfilled: int
    points: float


class NextLevelOut(Schema):
    stars: int
    points_needed: float


class MeOut(Schema):
    person_id: int
    name: str
    home_community: PlaceOut | None
    this_month: TallyOut
    this_year: TallyOut
    stars: int = Field(description="Stars held by this year's points (0 to 5).")
    next_level: NextLevelOut | None
    teams: list[PlaceOut] = Field(description="The teams you belong to (id, name).")
