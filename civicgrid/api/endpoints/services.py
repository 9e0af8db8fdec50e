"""Services close to home: the catalogue (便民服务工坊) with its hours and free slots,
appointments, rooms and their bookings, and the stations' duty rota (坐班值班).

A façade like the rest of the API: every read starts from `services.access` (a service,
appointment, room, room booking or station the caller may not see is a 404, whether it exists
or not) and every write is the same command the console's pages call (`catalogue.service_save`,
`catalogue.hours_set`, the typed commands of `bookings` and `rooms`), which checks who may act
and in which state again. A read-only leader reads; a write is refused (403).

Staff roles and providers call these with a token or the session. The free slots of an offered
service are public, as on the resident pages: they answer without credentials too (rate-limited
per address).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Field, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import OPEN, STAFF, caller, caller_person, client_of
from civicgrid.api.errors import limit_anonymous, limit_known_caller, responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_services import (
    AppointmentAction,
    AppointmentActionIn,
    AppointmentDetail,
    AppointmentIn,
    AppointmentPage,
    AppointmentPhoneOut,
    AppointmentQuery,
    HoursSetIn,
    RoomBookingAction,
    RoomBookingActionIn,
    RoomBookingIn,
    RoomBookingList,
    RoomBookingOut,
    RoomBookingQuery,
    RoomPage,
    RoomQuery,
    ServiceDetail,
    ServiceIn,
    ServicePage,
    ServiceQuery,
    SlotQuery,
    SlotsOut,
    StationDetail,
    StationPage,
    StationQuery,
)
from civicgrid.core import once
from civicgrid.core.errors import DomainError, Invalid
from civicgrid.network import scope
from civicgrid.network.models import Node, Organisation, Person, mask_mobile, node_label
from civicgrid.network.scope import access_node
from civicgrid.services import access, bookings, catalogue, rooms, rota, slots
from civicgrid.services.models import (
    ROOM_HOLDING,
    Booking,
    Mode,
    Room,
    RoomBooking,
    Service,
    ServiceEvent,
    Station,
)
from civicgrid.volunteers.models import Activity

router = Router(auth=STAFF, tags=["services"])
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (a UUID): a retried create returns the first "
        "appointment (remembered for a day).",
    ),
]
# The one-time keys of appointments made through the API (core/once.py).
BOOK_ONCE = "api-appointment"
# The longest range of days a room's bookings are read for at once.
LONGEST_RANGE_DAYS = 62

MODE_LABELS = dict(Mode.choices)


# --- Shared helpers ---------------------------------------------------------------------------


def _bad_cursor() -> Invalid:
    return Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")


def _by_id(qs: QuerySet[Any], *, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """Rows in id order, the `limit` after `cursor`, and the cursor of the next page."""
    if cursor:
        (last,) = pagination.decode(cursor, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise _bad_cursor()
        qs = qs.filter(pk__gt=last)
    rows = list(qs.order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, pagination.encode([rows[-1].pk]) if more and rows else None


def _by_start(qs: QuerySet[Any], *, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """Rows by start time (then id), the `limit` after `cursor`, and the next page's cursor."""
    if cursor:
        at, pk = pagination.decode(cursor, 2)
        try:
            when = dt.datetime.fromisoformat(at)
            pk = int(pk)
        except (TypeError, ValueError):
            raise _bad_cursor() from None
        if timezone.is_naive(when):
            raise _bad_cursor()
        qs = qs.filter(Q(starts_at__gt=when) | Q(starts_at=when, id__gt=pk))
    rows = list(qs.order_by("starts_at", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, pagination.encode([last.starts_at.isoformat(), last.pk]) if last else None


def _field_error(field: str, message: str, code: str = "validation") -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _calling(command: Callable[[], Any], names: dict[str, str], by_code: dict[str, str]) -> Any:
    """Run a command; its error's `fields` named as the request's body names them, and an
    error without fields put on the body's field its code is about (a phone, say)."""
    try:
        return command()
    except DomainError as error:
        fields = error.details.get("fields")
        if fields:
            error.details["fields"] = {names.get(k, k): v for k, v in fields.items()}
        elif error.code in by_code:
            error.details["fields"] = {by_code[error.code]: [error.message]}
        raise


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


def _hhmm(value: dt.time) -> str:
    return f"{value:%H:%M}"


def _events(rows: QuerySet[ServiceEvent]) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor_name": e.actor.name if e.actor else None,
            "note": e.note,
            "at": e.created_at,
        }
        for e in rows.select_related("actor").order_by("seq")
    ]


# --- The catalogue ----------------------------------------------------------------------------


def _ref(row: Person | Organisation | None) -> dict[str, Any] | None:
    return {"id": row.pk, "name": row.name} if row is not None else None


def _service_item(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "name": service.name,
        "name_en": service.name_en,
        "name_mn": service.name_mn,
        "label": service.label,
        "kind": service.kind,
        "kind_label": str(service.get_kind_display()),
        "description": service.description,
        "provider_person": _ref(service.provider_person),
        "provider_org": _ref(service.provider_org),
        "provider_name": catalogue.provider_name(service),
        "node_id": service.node_id,
        "node_name": node_label(service.node),
        "lat": service.lat,
        "lon": service.lon,
        "price": f"{service.price:.2f}",
        "price_words": catalogue.price_words(service),
        "price_note": service.price_note,
        "modes": [str(m) for m in service.modes],
        "door_area_id": service.door_area_id,
        "duration_minutes": service.duration_minutes,
        "capacity": service.capacity,
        "photo": service.photo.url if service.photo else None,
        "active": service.active,
    }


def _services() -> QuerySet[Service]:
    return Service.objects.select_related("node", "provider_person", "provider_org")


def _service_out(user: Any, service_id: int) -> dict[str, Any]:
    service = access.access_service(user, service_id)
    service = _services().prefetch_related("hours").get(pk=service.pk)
    # Every working day first, then by weekday, the same on every database (NULLs sort
    # differently in SQLite and PostgreSQL).
    hours = sorted(
        service.hours.all(), key=lambda h: (h.weekday is not None, h.weekday or 0, h.starts)
    )
    return {
        **_service_item(service),
        "hours": [
            {
                "weekday": h.weekday,
                "starts": _hhmm(h.starts),
                "ends": _hhmm(h.ends),
                "after_hours": h.after_hours,
            }
            for h in hours
        ],
        "hours_words": [str(line) for line in catalogue.hours_words(hours)],
        "may_change": access.serves(user, service.node),
    }


@router.get("/services", response=responses({200: ServicePage}))
def list_services(request: HttpRequest, filters: Query[ServiceQuery]) -> Any:
    """The catalogue you may read: the services of places in your scope, and those you give
    (a provider). `node` keeps a place and what is below it."""
    user = caller_person(request)
    qs = access.visible_services(user).select_related("node", "provider_person", "provider_org")
    if filters.node is not None:
        node = access_node(user, filters.node)
        qs = qs.filter(node__path__startswith=node.path)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    rows, after = _by_id(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_service_item(s) for s in rows], "next": after}


@router.get("/services/{service_id}", response=responses({200: ServiceDetail}))
def get_service(request: HttpRequest, service_id: Id) -> Any:
    """One service with its opening hours."""
    return _service_out(caller_person(request), service_id)


# Model fields a client may not set to null (the others are nullable in the model).
NULLABLE = {"provider_person", "provider_org", "lat", "lon", "door_area"}
TEXTS = ("name", "name_en", "name_mn", "description", "price_note")


def _values(body: ServiceIn, *, creating: bool) -> dict[str, Any]:
    """The body's fields as `catalogue.service_save` takes them: ids become rows, each wrong
    one an error on its field."""
    sent = body.model_dump(exclude_unset=not creating, exclude_none=creating)
    values: dict[str, Any] = {}
    for name, value in sent.items():
        if value is None and name not in NULLABLE:
            raise _field_error(name, _("This field may not be null."))
        if name in TEXTS:
            value = value.strip()
        elif name == "kind":
            value = str(value)
        elif name == "node" or name == "door_area":
            if value is not None:
                value = Node.objects.filter(pk=value).first()
                if value is None:
                    raise _field_error(name, _("No such place."), "bad_node")
        elif name == "provider_person" and value is not None:
            value = Person.objects.filter(pk=value, is_active=True).first()
            if value is None:
                raise _field_error(name, _("No such person."))
        elif name == "provider_org" and value is not None:
            value = Organisation.objects.filter(pk=value).first()
            if value is None:
                raise _field_error(name, _("No such organisation."))
        values[name] = value
    if "name" in values and not values["name"]:
        raise _field_error("name", _("Write the service's name, e.g. 一元理发."), "required")
    if creating:
        if "name" not in values:
            raise _field_error("name", _("Write the service's name, e.g. 一元理发."), "required")
        if "kind" not in values:
            raise _field_error("kind", _("Choose the kind of service."), "required")
        # What the body leaves out takes the model's default, as a new form shows it.
        for name in catalogue.FIELDS:
            field = Service._meta.get_field(name)
            if name not in values and isinstance(field, Field) and not field.is_relation:
                values[name] = field.get_default()
    return values


@router.post("/services", response=responses({201: ServiceDetail}))
def create_service(request: HttpRequest, body: ServiceIn) -> Any:
    """Add a service to the catalogue at a place you serve (`name`, `kind`, `node` and one
    provider: `provider_person` or `provider_org`). Its hours: PUT …/hours."""
    user = caller_person(request)
    access.check_serves_anywhere(user)
    values = _values(body, creating=True)
    service = _calling(lambda: catalogue.service_save(by=user, values=values), {}, {})
    return Status(201, _service_out(user, service.pk))


@router.patch("/services/{service_id}", response=responses({200: ServiceDetail}))
def update_service(request: HttpRequest, service_id: Id, body: ServiceIn) -> Any:
    """Change a service (the staff who serve its place): only the fields sent change.
    `active: false` withdraws it from the resident pages."""
    user = caller_person(request)
    service = access.access_service(user, service_id, write=True)
    values = _values(body, creating=False)
    _calling(lambda: catalogue.service_save(by=user, values=values, service=service), {}, {})
    return _service_out(user, service.pk)


@router.put("/services/{service_id}/hours", response=responses({200: ServiceDetail}))
def set_service_hours(request: HttpRequest, service_id: Id, body: HoursSetIn) -> Any:
    """Replace the service's opening hours: windows with a weekday (0 is Monday) or without
    one (every working day of the calendar), `after_hours` for the evening 延时办. Windows of
    one day may not overlap."""
    user = caller_person(request)
    service = access.access_service(user, service_id, write=True)
    rows = [(h.weekday, h.starts, h.ends, h.after_hours) for h in body.hours]
    catalogue.hours_set(by=user, service=service, rows=rows)
    return _service_out(user, service.pk)


@router.get(
    "/services/{service_id}/slots",
    response=responses({200: SlotsOut}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def list_service_slots(request: HttpRequest, service_id: Id, filters: Query[SlotQuery]) -> Any:
    """The slots of a day (today by default) with the places each has left, from now on.
    Public for an offered service, as on the resident pages (no credentials needed, limited
    per address); a withdrawn one only for those who may read it."""
    person = caller(request)
    if person is None:
        limit_anonymous(request, "read", settings.API_ANON_READS_PER_MINUTE)
    service = Service.objects.filter(pk=service_id).first()
    if service is None or not service.active:
        service = access.access_service(person, service_id)
    day = filters.day or timezone.localdate()
    return {
        "service_id": service.pk,
        "day": day,
        "slots": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "key": s.key,
                "free": s.free,
                "after_hours": s.after_hours,
            }
            for s in slots.slots_on(service, day)
        ],
        "days_open": slots.days_open(service),
    }


# --- Appointments -----------------------------------------------------------------------------


class _Reader:
    """What one caller may read of appointments, asked once per service: the address of a
    door-to-door visit goes to who must go there (`access.may_reveal`)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.provides = access.provider_ids(user)
        self.cache: dict[int, bool] = {}

    def sees_address(self, booking: Booking) -> bool:
        service = booking.service
        if service.pk not in self.cache:
            self.cache[service.pk] = service.pk in self.provides or access.serves(
                self.user, service.node
            )
        return self.cache[service.pk]


def _appointment_item(booking: Booking, reader: _Reader) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "service_id": booking.service_id,
        "service_name": booking.service.label,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "mode": booking.mode,
        "mode_label": str(MODE_LABELS.get(booking.mode, booking.mode)),
        "state": booking.state,
        "state_label": str(booking.get_state_display()),
        "resident_name": booking.resident_name,
        "resident_phone": booking.masked_phone,
        "address": booking.address if reader.sees_address(booking) else "",
        "node_id": booking.node_id,
        "node_name": node_label(booking.node),
        "note": booking.note,
        "on_behalf": booking.booked_by_id is not None,
        "rating": booking.rating,
        "created_at": booking.created_at,
    }


def _api_action(action: bookings.Action) -> str:
    return "no-show" if action == bookings.Action.NO_SHOW else str(action)


def _appointment_out(user: Any, booking_id: int) -> dict[str, Any]:
    booking = access.access_booking(user, booking_id)
    booked_by = booking.booked_by
    return {
        **_appointment_item(booking, _Reader(user)),
        "booked_by_name": booked_by.name if booked_by else None,
        "done_note": booking.done_note,
        "price_paid": f"{booking.price_paid:.2f}" if booking.price_paid is not None else None,
        "rating_comment": booking.rating_comment,
        "reason": booking.reason,
        "done_at": booking.done_at,
        "events": _events(ServiceEvent.objects.filter(booking=booking)),
        "allowed": [
            _api_action(a)
            for a in bookings.allowed_actions(booking, bookings.By(person=user))
            if a != bookings.Action.RATE
        ],
    }


@router.get("/appointments", response=responses({200: AppointmentPage}), tags=["appointments"])
def list_appointments(request: HttpRequest, filters: Query[AppointmentQuery]) -> Any:
    """The appointments you may read (of services in your scope, and of those you give), by
    start time, a page at a time. The resident's phone is masked (…/reveal-phone)."""
    user = caller_person(request)
    qs = access.visible_bookings(user).select_related("service", "service__node", "node")
    if filters.service is not None:
        qs = qs.filter(service_id=filters.service)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    if filters.mode is not None:
        qs = qs.filter(mode=filters.mode)
    if filters.since is not None:
        qs = qs.filter(starts_at__gte=_day_bounds(filters.since, filters.since)[0])
    if filters.until is not None:
        qs = qs.filter(starts_at__lt=_day_bounds(filters.until, filters.until)[1])
    rows, after = _by_start(qs, cursor=filters.cursor, limit=filters.limit)
    reader = _Reader(user)
    return {"items": [_appointment_item(b, reader) for b in rows], "next": after}


@router.get(
    "/appointments/{booking_id}",
    response=responses({200: AppointmentDetail}),
    url_name="get_appointment",
    tags=["appointments"],
)
def get_appointment(request: HttpRequest, booking_id: Id) -> Any:
    """One appointment with its timeline and what you may do to it now (`allowed`)."""
    return _appointment_out(caller_person(request), booking_id)


def _once_key(client: str, key: str) -> str:
    # A client's key as a one-time key of fixed length: its keys never meet another's.
    return hashlib.sha256(f"{client}\n{key}".encode()).hexdigest()


def booking_book_once(*, client: str, key: str | None, **book: Any) -> tuple[Booking, bool]:
    """`bookings.booking_book`, at most once per (client, Idempotency-Key); returns the
    appointment and whether it was made now (False: a retry, the first one returned).

    The key is claimed first, in the booking's own transaction: a retry, or the loser of two
    concurrent requests with one key, waits on the key's unique constraint and fails to insert
    it (rather than on the slot, which would refuse it as taken), and is given the appointment
    the key names. A create that fails keeps no key."""
    if not key:
        return bookings.booking_book(**book), True
    once_key = _once_key(client, key)
    try:
        with transaction.atomic():
            once.claim(BOOK_ONCE, once_key, "")
            booking = bookings.booking_book(**book)
            once.set_result(BOOK_ONCE, once_key, str(booking.pk))
    except IntegrityError:
        first = once.result_of(BOOK_ONCE, once_key)
        if not first:
            raise  # not the key: let it be seen
        return Booking.objects.get(pk=int(first)), False
    return booking, True


@router.post(
    "/appointments",
    response=responses({201: AppointmentDetail, 200: AppointmentDetail}, 409),
    tags=["appointments"],
)
def create_appointment(
    request: HttpRequest,
    response: HttpResponse,
    body: AppointmentIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Book a slot for a resident (代办): staff who serve the service's place, or its
    provider. `starts_at` is a slot's start (GET /services/{id}/slots); 409 `slot_taken` when
    none of its places is left. With an `Idempotency-Key` header a retry returns the first
    appointment (200, header `Idempotent-Replay: true`) instead of booking twice."""
    user = caller_person(request)
    limit_known_caller(request, "token-create", settings.API_TOKEN_CREATES_PER_MINUTE)
    service = access.access_service(user, body.service)
    node = None
    if body.node is not None:
        node = Node.objects.filter(pk=body.node).first()
        if node is None:
            raise _field_error("node", _("No such place."), "bad_node")
    mode = str(body.mode) if body.mode is not None else (service.modes or [""])[0]
    booking, made = _calling(
        lambda: booking_book_once(
            client=client_of(request),
            key=idempotency_key,
            service=service,
            starts_at=body.starts_at,
            mode=mode,
            resident_name=body.resident_name,
            resident_phone=body.resident_phone,
            by=bookings.By(person=user),
            address=body.address,
            node=node,
            note=body.note,
            language=get_language() or settings.LANGUAGE_CODE,
        ),
        {"slot": "starts_at"},
        {"phone_required": "resident_phone", "phone_invalid": "resident_phone"},
    )
    response["Location"] = reverse("api:get_appointment", kwargs={"booking_id": booking.pk})
    if not made:
        response["Idempotent-Replay"] = "true"
    return Status(201 if made else 200, _appointment_out(user, booking.pk))


@router.post(
    "/appointments/{booking_id}/reveal-phone",
    response=responses({200: AppointmentPhoneOut}),
    tags=["appointments"],
)
def reveal_appointment_phone(request: HttpRequest, booking_id: Id) -> Any:
    """The resident's phone in full, logged as a reveal: the staff who serve the place and the
    provider (who must call or visit); a reader is refused (403)."""
    user = caller_person(request)
    booking = access.access_booking(user, booking_id)
    return {"id": booking.pk, "resident_phone": access.reveal_phone(user, booking)}


@router.post(
    "/appointments/{booking_id}/{action}",
    response=responses({200: AppointmentDetail}, 409),
    tags=["appointments"],
)
def act_on_appointment(
    request: HttpRequest, booking_id: Id, action: AppointmentAction, body: AppointmentActionIn
) -> Any:
    """Move an appointment (its provider, the staff who serve the place): confirm; done
    (`done_note` required, `price_paid` if any); cancel (`reason` required, the resident is
    told); no-show (once its time has come). 403 `not_allowed` for a reader; 409
    `wrong_state` or `not_now` when the state or the clock does not allow it."""
    user = caller_person(request)
    booking = access.access_booking(user, booking_id)
    by = bookings.By(person=user)
    commands: dict[str, Callable[[], Any]] = {
        "confirm": lambda: bookings.booking_confirm(booking=booking, by=by),
        "done": lambda: bookings.booking_done(
            booking=booking, by=by, done_note=body.done_note, price_paid=body.price_paid
        ),
        "cancel": lambda: bookings.booking_cancel(booking=booking, by=by, reason=body.reason),
        "no-show": lambda: bookings.booking_no_show(booking=booking, by=by, reason=body.reason),
    }
    _calling(commands[action], {}, {})
    return _appointment_out(user, booking.pk)


# --- Rooms ------------------------------------------------------------------------------------


def _room_item(room: Room) -> dict[str, Any]:
    opens, closes = rooms.opening(room)
    return {
        "id": room.pk,
        "name": room.name,
        "label": room.label,
        "kind": room.kind,
        "kind_label": str(room.get_kind_display()),
        "node_id": room.node_id,
        "node_name": node_label(room.node),
        "capacity": room.capacity,
        "area_m2": room.area_m2,
        "equipment": room.equipment,
        "rules": room.rules,
        "who_may_book": room.who_may_book,
        "days_ahead": room.days_ahead,
        "longest_minutes": room.longest_minutes,
        "needs_approval": room.needs_approval,
        "opens": _hhmm(opens),
        "closes": _hhmm(closes),
        "public": room.public,
        "active": room.active,
    }


@router.get("/rooms", response=responses({200: RoomPage}), tags=["rooms"])
def list_rooms(request: HttpRequest, filters: Query[RoomQuery]) -> Any:
    """The rooms, reading-room seats, halls and stages of your scope, with their rules."""
    user = caller_person(request)
    qs = access.visible_rooms(user).select_related("node")
    if filters.node is not None:
        node = access_node(user, filters.node)
        qs = qs.filter(node__path__startswith=node.path)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    rows, after = _by_id(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_room_item(r) for r in rows], "next": after}


def _room_booking_out(booking: RoomBooking, user: Any) -> dict[str, Any]:
    booked_by = booking.booked_by
    return {
        "id": booking.pk,
        "room_id": booking.room_id,
        "room_name": booking.room.label,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "state": booking.state,
        "state_label": str(booking.get_state_display()),
        "title": booking.title,
        "organiser": booking.organiser,
        "people": booking.people,
        "activity_id": booking.activity_id,
        "booked_by_name": booked_by.name if booked_by else None,
        "contact_name": booking.contact_name,
        "contact_phone": mask_mobile(booking.contact_phone) if booking.contact_phone else "",
        "reason": booking.reason,
        "created_at": booking.created_at,
        "allowed": [str(a) for a in rooms.allowed_actions(booking, rooms.By(person=user))],
    }


@router.get("/rooms/{room_id}/bookings", response=responses({200: RoomBookingList}), tags=["rooms"])
def list_room_bookings(request: HttpRequest, room_id: Id, filters: Query[RoomBookingQuery]) -> Any:
    """A room's bookings that touch the days `from`–`to` (today and the six days after by
    default; at most 62 days), live ones (waiting or approved) unless `state` asks for
    another; contact phones masked."""
    user = caller_person(request)
    room = access.access_room(user, room_id)
    first = filters.from_ or timezone.localdate()
    last = filters.to or first + dt.timedelta(days=6)
    if last < first:
        raise _field_error("to", _("The last day must not be before the first."))
    if (last - first).days >= LONGEST_RANGE_DAYS:
        raise _field_error(
            "to", _("Ask for at most %(days)d days at once.") % {"days": LONGEST_RANGE_DAYS}
        )
    start, end = _day_bounds(first, last)
    qs = RoomBooking.objects.filter(room=room, starts_at__lt=end, ends_at__gt=start)
    qs = qs.filter(state=filters.state) if filters.state else qs.filter(state__in=ROOM_HOLDING)
    found = qs.select_related("room", "room__node", "booked_by").order_by("starts_at", "id")
    return {
        "room_id": room.pk,
        "first_day": first,
        "last_day": last,
        "items": [_room_booking_out(b, user) for b in found],
    }


@router.post(
    "/rooms/{room_id}/bookings",
    response=responses({201: RoomBookingOut}, 409),
    tags=["rooms"],
)
def create_room_booking(request: HttpRequest, room_id: Id, body: RoomBookingIn) -> Any:
    """Book a room (staff who serve its place), for an activity (its time and title are the
    defaults) or on its own. Waiting for approval when the room asks for it, else booked at
    once; 409 `room_taken` when a live booking holds any of that time."""
    user = caller_person(request)
    limit_known_caller(request, "token-create", settings.API_TOKEN_CREATES_PER_MINUTE)
    room = access.access_room(user, room_id, write=True)
    activity = None
    if body.activity is not None:
        activity = Activity.objects.select_related("node").filter(pk=body.activity).first()
        if activity is None:
            raise _field_error("activity", _("No such activity."))
    booking = _calling(
        lambda: rooms.room_book(
            room=room,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            title=body.title,
            by=rooms.By(person=user),
            organiser=body.organiser,
            people=body.people,
            activity=activity,
            contact_name=body.contact_name,
            contact_phone=body.contact_phone,
        ),
        {},
        {},
    )
    fresh = access.access_room_booking(user, booking.pk)
    return Status(201, _room_booking_out(fresh, user))


@router.post(
    "/room-bookings/{booking_id}/{action}",
    response=responses({200: RoomBookingOut}, 409),
    tags=["rooms"],
)
def act_on_room_booking(
    request: HttpRequest, booking_id: Id, action: RoomBookingAction, body: RoomBookingActionIn
) -> Any:
    """Decide or cancel a room booking: approve, refuse (`reason` required) — the staff who
    serve the room's place; cancel — the booker, or staff with a `reason`. 403 for a reader;
    409 when the state or the clock does not allow it."""
    user = caller_person(request)
    booking = access.access_room_booking(user, booking_id)
    by = rooms.By(person=user)
    commands: dict[str, Callable[[], Any]] = {
        "approve": lambda: rooms.room_approve(booking=booking, by=by),
        "refuse": lambda: rooms.room_refuse(booking=booking, by=by, reason=body.reason),
        "cancel": lambda: rooms.room_cancel(booking=booking, by=by, reason=body.reason),
    }
    _calling(commands[action], {}, {})
    return _room_booking_out(access.access_room_booking(user, booking.pk), user)


# --- Stations and the rota --------------------------------------------------------------------


def _on_duty(people: list[Person]) -> list[dict[str, Any]]:
    return [{"id": p.pk, "name": p.name} for p in people]


def _station_item(station: Station, on_duty: list[Person]) -> dict[str, Any]:
    return {
        "id": station.pk,
        "node_id": station.node_id,
        "node_name": node_label(station.node),
        "phone": station.phone,
        "route_to_duty": station.route_to_duty,
        "on_duty": _on_duty(on_duty),
    }


@router.get("/stations", response=responses({200: StationPage}), tags=["stations"])
def list_stations(request: HttpRequest, filters: Query[StationQuery]) -> Any:
    """The stations of your scope (坐班值班), each with who is on duty now."""
    user = caller_person(request)
    qs = scope.within_scope(Station.objects.select_related("node"), user, node_field="node")
    if filters.node is not None:
        node = access_node(user, filters.node)
        qs = qs.filter(node__path__startswith=node.path)
    rows, after = _by_id(qs, cursor=filters.cursor, limit=filters.limit)
    sitting = rota.on_duty_many(rows)
    return {"items": [_station_item(s, sitting[s.pk]) for s in rows], "next": after}


@router.get("/stations/{station_id}", response=responses({200: StationDetail}), tags=["stations"])
def get_station(request: HttpRequest, station_id: Id) -> Any:
    """One station: who is on duty now, when someone is next, and this week's shifts day by
    day (the weekly pattern with its exceptions: people away, covers, closed days)."""
    user = caller_person(request)
    station = access.access_station(user, station_id)
    return {
        **_station_item(station, rota.on_duty(station)),
        "next_duty": rota.next_duty(station),
        "week": [
            {
                "day": row.day,
                "weekday": row.weekday,
                "label": row.label,
                "closed": row.closed,
                "entries": [
                    {
                        "starts": _hhmm(e.starts),
                        "ends": _hhmm(e.ends),
                        "person_id": e.person_id,
                        "name": e.name,
                        "kind": e.kind,
                        "away": e.away,
                    }
                    for e in row.entries
                ],
            }
            for row in rota.week_rows(station)
        ],
    }
