"""The request and response shapes of the services close to home (/services, /appointments,
/rooms, /room-bookings, /stations).

Inputs are bounded as in `schemas.py` (ids fit the database, texts are limited and carry no
NUL, times carry no zone, datetimes fall between 2000 and 2100), so that nothing a client sends
reaches the database as a value it refuses with a server error; what a command requires is
checked by the command and named in the error's `details.fields`. Outputs carry only what the
caller may read: a resident's phone is masked (POST …/reveal-phone shows it, logged), and a
door-to-door address only to those who must go there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from civicgrid.api.schemas import Cursor, Day, Id, NoNul
from civicgrid.api.schemas_committees import Moment, PageSize
from civicgrid.services.models import BookingState, Mode, RoomBookingState, ServiceKind

Name = Annotated[str, Field(max_length=100), NoNul]
OtherName = Annotated[str, Field(max_length=150), NoNul]
Description = Annotated[str, Field(max_length=300), NoNul]
PriceNote = Annotated[str, Field(max_length=60), NoNul]
PersonName = Annotated[str, Field(max_length=64), NoNul]
Phone = Annotated[str, Field(max_length=20), NoNul]
Address = Annotated[str, Field(max_length=200), NoNul]
Reason = Annotated[str, Field(max_length=300), NoNul]
Title = Annotated[str, Field(max_length=120), NoNul]
Price = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("999999.99"), max_digits=8, decimal_places=2),
]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]


def _wall_clock(value: dt.time) -> dt.time:
    # Opening hours are the place's wall-clock times: a zone means nothing there, and the
    # database would refuse it.
    if value.tzinfo is not None:
        raise ValueError("give a time without a zone, e.g. 09:30")
    return value


# A wall-clock time as the API writes it: "09:30" (JSON Schema's "time" format wants a zone).
HourMinute = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="HH:MM.")]
Clock = Annotated[
    dt.time,
    AfterValidator(_wall_clock),
    Field(description="A wall-clock time without a zone, e.g. 09:30."),
]

# The appointment moves the API offers (bookings.Action, "no-show" spelled as a path part).
AppointmentAction = Literal["confirm", "done", "cancel", "no-show"]
RoomBookingAction = Literal["approve", "refuse", "cancel"]


class Ref(Schema):
    id: int
    name: str


# --- The catalogue ----------------------------------------------------------------------------


class ServiceQuery(Schema):
    node: Id | None = Field(None, description="Only services at this node and below it.")
    kind: ServiceKind | None = None
    active: bool | None = Field(None, description="true: offered now; false: withdrawn.")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class HoursOut(Schema):
    weekday: int | None = Field(description="0 is Monday; null: every working day.")
    starts: HourMinute
    ends: HourMinute
    after_hours: bool = Field(description="A window after the working day (延时办).")


class ServiceItem(Schema):
    id: int
    name: str
    name_en: str
    name_mn: str
    label: str = Field(description="The name in the request's language.")
    kind: str
    kind_label: str
    description: str
    provider_person: Ref | None = Field(description="The provider, when a person.")
    provider_org: Ref | None = Field(description="The provider, when an organisation.")
    provider_name: str
    node_id: int
    node_name: str
    lat: float | None
    lon: float | None
    price: str = Field(description='Yuan with two decimals: "1.00" (一元); "0.00" is free.')
    price_words: str = Field(description="The price as the resident pages say it.")
    price_note: str
    modes: list[str] = Field(description="workshop, door, after_hours, appointment.")
    door_area_id: int | None = Field(description="Door to door within this area (null: node).")
    duration_minutes: int
    capacity: int = Field(description="Bookings one slot takes at once.")
    photo: str | None = Field(description="The photo's URL.")
    active: bool


class ServicePage(Schema):
    items: list[ServiceItem]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class ServiceDetail(ServiceItem):
    hours: list[HoursOut]
    hours_words: list[str] = Field(description="The hours as a resident reads them.")
    may_change: bool = Field(description="You serve the place: you may change the service.")


class ServiceIn(Schema):
    """A service's fields. POST: `name`, `kind`, `node` and one provider are required; PATCH:
    only the fields sent change."""

    name: Name | None = None
    name_en: OtherName | None = None
    name_mn: OtherName | None = None
    kind: ServiceKind | None = None
    description: Description | None = None
    provider_person: Id | None = Field(None, description="A person's id: the provider ...")
    provider_org: Id | None = Field(None, description="... or an organisation's id, not both.")
    node: Id | None = Field(None, description="Where it is given (a node you serve).")
    lat: Lat | None = None
    lon: Lon | None = None
    price: Price | None = Field(None, description="Yuan; 0 is free, 1 is 一元.")
    price_note: PriceNote | None = None
    at_workshop: bool | None = None
    door_to_door: bool | None = None
    door_area: Id | None = Field(None, description="Door to door within this node.")
    after_hours: bool | None = None
    by_appointment: bool | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    capacity: int | None = Field(None, ge=1, le=20)
    active: bool | None = None


class HoursIn(Schema):
    weekday: int | None = Field(
        None, ge=0, le=6, description="0 is Monday; null: every working day of the calendar."
    )
    starts: Clock
    ends: Clock
    after_hours: bool = False


class HoursSetIn(Schema):
    hours: list[HoursIn] = Field(max_length=50, description="The new hours, all of them.")


class SlotQuery(Schema):
    day: Day | None = Field(None, description="YYYY-MM-DD; today by default.")


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    key: str = Field(description='The local start, as the resident form sends it: "…T09:30".')
    free: int = Field(description="Places left.")
    after_hours: bool


class SlotsOut(Schema):
    service_id: int
    day: dt.date
    slots: list[SlotOut]
    days_open: list[dt.date] = Field(description="The next days with a window (two weeks).")


# --- Appointments -----------------------------------------------------------------------------


class AppointmentQuery(Schema):
    service: Id | None = None
    state: BookingState | None = None
    mode: Mode | None = None
    since: Day | None = Field(None, description="Starting on this day or later.")
    until: Day | None = Field(None, description="Starting on this day or earlier.")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class AppointmentItem(Schema):
    id: int
    service_id: int
    service_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    mode_label: str
    state: str
    state_label: str
    resident_name: str
    resident_phone: str = Field(description="Masked: 139****1111.")
    address: str = Field(
        description="Door to door: where to go; only for the provider and the staff who "
        "serve the place, else empty."
    )
    node_id: int
    node_name: str
    note: str
    on_behalf: bool = Field(description="Booked by staff for the resident (代办).")
    rating: int | None
    created_at: dt.datetime


class AppointmentPage(Schema):
    items: list[AppointmentItem]
    next: str | None


class ServiceEventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor_name: str | None = Field(description="Null: the resident or the system.")
    note: str
    at: dt.datetime


class AppointmentDetail(AppointmentItem):
    booked_by_name: str | None
    done_note: str
    price_paid: str | None = Field(description="Yuan, when recorded.")
    rating_comment: str
    reason: str
    done_at: dt.datetime | None
    events: list[ServiceEventOut]
    allowed: list[str] = Field(description="What you may do now: confirm, done, cancel, no-show.")


class AppointmentIn(Schema):
    service: Id = Field(description="The service's id.")
    starts_at: Moment = Field(description="A slot's start (GET /services/{id}/slots).")
    mode: Mode | None = Field(None, description="One the service offers; its first by default.")
    resident_name: PersonName = Field("", description="Whom to ask for (required).")
    resident_phone: Phone = Field("", description="The resident's mobile (required).")
    address: Address = Field("", description="Door to door: where to go (required then).")
    node: Id | None = Field(None, description="Door to door: the resident's grid.")
    note: Description = Field("", description="What is needed.")


class AppointmentActionIn(Schema):
    reason: Reason = Field("", description="cancel (staff: required), no-show: why.")
    done_note: Description = Field("", description="done: what was done (required).")
    price_paid: Price | None = Field(None, description="done: yuan paid, if any.")


class AppointmentPhoneOut(Schema):
    id: int
    resident_phone: str


# --- Rooms ------------------------------------------------------------------------------------


class RoomQuery(Schema):
    node: Id | None = Field(None, description="Only rooms at this node and below it.")
    active: bool | None = None
    cursor: Cursor | None = None
    limit: PageSize = 50


class RoomItem(Schema):
    id: int
    name: str
    label: str
    kind: str
    kind_label: str
    node_id: int
    node_name: str
    capacity: int
    area_m2: int | None
    equipment: str
    rules: str
    who_may_book: str = Field(description="staff, or residents (and staff).")
    days_ahead: int
    longest_minutes: int
    needs_approval: bool
    opens: HourMinute
    closes: HourMinute
    public: bool
    active: bool


class RoomPage(Schema):
    items: list[RoomItem]
    next: str | None


class RoomBookingQuery(Schema):
    from_: Day | None = Field(None, alias="from", description="First day; today by default.")
    to: Day | None = Field(None, description="Last day; a week after `from` by default.")
    state: RoomBookingState | None = Field(None, description="Only this state (else live).")


class RoomBookingOut(Schema):
    id: int
    room_id: int
    room_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str
    state_label: str
    title: str
    organiser: str
    people: int
    activity_id: int | None
    booked_by_name: str | None
    contact_name: str
    contact_phone: str = Field(description="Masked.")
    reason: str
    created_at: dt.datetime
    allowed: list[str] = Field(description="What you may do now: approve, refuse, cancel.")


class RoomBookingList(Schema):
    room_id: int
    first_day: dt.date
    last_day: dt.date
    items: list[RoomBookingOut]


class RoomBookingIn(Schema):
    starts_at: Moment | None = Field(None, description="Required unless an activity gives it.")
    ends_at: Moment | None = Field(None, description="Required unless an activity gives it.")
    title: Title = Field("", description="What for (required unless an activity gives it).")
    organiser: Title = ""
    people: int = Field(1, ge=1, le=10000)
    activity: Id | None = Field(None, description="An activity that holds the room.")
    contact_name: PersonName = ""
    contact_phone: Phone = ""


class RoomBookingActionIn(Schema):
    reason: Reason = Field("", description="refuse: required; cancel by staff: required.")


# --- Stations and the rota --------------------------------------------------------------------


class StationQuery(Schema):
    node: Id | None = Field(None, description="Only stations at this node and below it.")
    cursor: Cursor | None = None
    limit: PageSize = 50


class OnDutyOut(Schema):
    id: int
    name: str


class StationItem(Schema):
    id: int
    node_id: int
    node_name: str
    phone: str
    route_to_duty: bool = Field(description="Needs raised here in duty hours go to who is on duty.")
    on_duty: list[OnDutyOut] = Field(description="Who is on duty now.")


class StationPage(Schema):
    items: list[StationItem]
    next: str | None


class DutyEntryOut(Schema):
    starts: HourMinute
    ends: HourMinute
    person_id: int
    name: str
    kind: str = Field(description="shift (the weekly pattern) or cover.")
    away: bool = Field(description="The pattern's person is away that day.")


class DutyDayOut(Schema):
    day: dt.date
    weekday: int
    label: str
    closed: bool
    entries: list[DutyEntryOut]


class StationDetail(StationItem):
    next_duty: dt.datetime | None = Field(
        description="When someone is on duty next (now, when someone is); null: not in two weeks."
    )
    week: list[DutyDayOut] = Field(description="This week, Monday to Sunday, changes applied.")
