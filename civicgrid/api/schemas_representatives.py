"""The request and response shapes of representatives, liaison stations and receptions
(/representatives, /liaison-stations, /receptions).

Representatives and stations carry only their public fields (`representatives/publication.py`):
never a person's phone; a station's own phone is public. Receptions name who raised a matter
masked (张**). Inputs are bounded as in `schemas.py`; what a command requires is checked by
the command and named in the error's `details.fields`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from civicgrid.api.schemas import Cursor, Day, Id, NoNul
from civicgrid.api.schemas_committees import PageSize
from civicgrid.api.schemas_services import Clock

Topic = Annotated[str, Field(max_length=120), NoNul]
Summary = Annotated[str, Field(max_length=300), NoNul]
PersonName = Annotated[str, Field(max_length=64), NoNul]


class RepresentativeQuery(Schema):
    node: Id | None = Field(None, description="Only those kept at this place and below it.")
    station: Id | None = None
    cursor: Cursor | None = None
    limit: PageSize = 50


class RepresentativeOut(Schema):
    id: int
    name: str
    name_mn: str
    body: str
    body_label: str
    level: str
    level_label: str
    elected_at_id: int
    elected_at: str
    constituency: list[str]
    station_id: int | None
    station_name: str
    title: str
    title_mn: str
    profile: str
    profile_mn: str
    term: str
    public: bool
    active: bool


class RepresentativePage(Schema):
    items: list[RepresentativeOut]
    next: str | None


class LiaisonStationQuery(Schema):
    node: Id | None = Field(None, description="Only stations at this place and below it.")
    cursor: Cursor | None = None
    limit: PageSize = 50


class ReceptionSlotOut(Schema):
    day: dt.date
    starts: str
    ends: str
    representative_id: int | None
    representative_name: str


class TimeOut(Schema):
    weekday: int = Field(description="0 Monday … 6 Sunday.")
    week_of_month: int | None = Field(description="1–5: only that week of the month.")
    starts: str
    ends: str
    representative_id: int | None


class StationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    name_en: str
    name_mn: str
    node_id: int
    node_name: str
    address: str
    address_mn: str
    phone: str = Field(description="The station's own phone (public).")
    lat: float | None
    lon: float | None
    active: bool
    times: list[TimeOut]
    upcoming: list[ReceptionSlotOut]


class LiaisonStationPage(Schema):
    items: list[StationOut]
    next: str | None


class ReceptionQuery(Schema):
    station: Id | None = None
    node: Id | None = Field(None, description="Only receptions at stations of this place.")
    from_: Day | None = Field(None, alias="from")
    to: Day | None = None
    cursor: Cursor | None = None
    limit: PageSize = 50


class ReceptionMatterIn(Schema):
    summary: Summary
    raised_by: PersonName = ""
    answer: Summary = ""


class ReceptionIn(Schema):
    station: Id
    day: Day
    starts: Clock
    ends: Clock
    representatives: list[Id] = Field(max_length=50)
    topic: Topic = ""
    attendance: int = Field(0, ge=0, le=10_000)
    matters: list[ReceptionMatterIn] = Field(default_factory=list, max_length=100)


class MatterOut(Schema):
    id: int
    summary: str
    raised_by: str = Field(description="Masked: 张**.")
    answer: str
    need_number: str | None


class ReceptionOut(Schema):
    id: int
    station_id: int
    station_name: str
    day: dt.date
    starts: str
    ends: str
    topic: str
    attendance: int
    representative_ids: list[int]
    room_booking_id: int | None
    matters: list[MatterOut]


class ReceptionPage(Schema):
    items: list[ReceptionOut]
    next: str | None
