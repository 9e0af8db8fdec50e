"""Who may see and change what of the services close to home, written once.

- **Staff who serve the place** (a write role in the network bound to the service's or room's
  node or above it: community staff, a grid worker of that grid, an administrator): keep the
  catalogue, rooms and rota; book on a resident's behalf (代办); confirm, record, cancel and
  mark no-shows; approve room bookings.
- **The provider** (the service's person, or a person of its organisation): sees the service's
  appointments on the phone with the door-to-door addresses, confirms them and records them.
- **Readers** (a leader, staff whose scope holds the place): read lists and counts, with
  phones masked.
- **The resident** holds a keyed link to their own appointment (`booking_key`): cancels it
  before it starts, rates it when done. No account.

Every role-and-path check goes through `network/scope.py`; services check again, so a surface
that forgets cannot write. Who reads a resident's phone in full is `may_reveal` (each reveal
logged by `reveal_phone`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from civicgrid.core.errors import NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.network import scope
from civicgrid.network.models import Membership, Node, Person
from civicgrid.services.models import Booking, Room, RoomBooking, Service, Station

KEY_LENGTH = 12


def _person(user: Any) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


# --- The resident's keyed link ----------------------------------------------------------------


def booking_key(booking_id: int) -> str:
    """The key in an appointment's link: who holds it may cancel or rate the appointment. A
    keyed hash of the id, so nothing is stored and it cannot be guessed from the id."""
    return salted_hmac("civicgrid.services.booking-link", str(booking_id)).hexdigest()[:KEY_LENGTH]


def key_ok(booking_id: int, key: str) -> bool:
    return bool(key) and constant_time_compare(booking_key(booking_id), key)


# --- Staff ------------------------------------------------------------------------------------


def serves(user: Any, node: Node) -> bool:
    """Staff who may change things at `node` (a write role over it)."""
    return _person(user) is not None and scope.can_change(user, node)


def serves_anywhere(user: Any) -> bool:
    """Whether the user may change things somewhere (a read-only leader may not): asked
    before a form to add a service or a room is even read."""
    if _person(user) is None:
        return False
    paths = scope.scope_paths(user, write=True)
    return paths is None or bool(paths)


def check_serves_anywhere(user: Any) -> None:
    if not serves_anywhere(user):
        raise NotAllowed(_("Your role may not add services or rooms."), code="not_allowed")


def reads(user: Any, node: Node) -> bool:
    return _person(user) is not None and scope.can_see(user, node)


def provider_ids(user: Any) -> set[int]:
    """The services the user gives: as their person, or as a person of their organisation."""
    person = _person(user)
    if person is None:
        return set()
    orgs = Membership.objects.filter(person=person).values("organisation_id")
    return set(
        Service.objects.filter(Q(provider_person=person) | Q(provider_org__in=orgs)).values_list(
            "pk", flat=True
        )
    )


def is_provider(user: Any, service: Service) -> bool:
    person = _person(user)
    if person is None:
        return False
    if service.provider_person_id is not None:
        return service.provider_person_id == person.pk
    return Membership.objects.filter(
        organisation_id=service.provider_org_id or 0, person=person
    ).exists()


def visible_services(user: Any) -> QuerySet[Service]:
    """The catalogue as staff read it: the services of places in their scope, and their own."""
    person = _person(user)
    if person is None:
        return Service.objects.none()
    q = scope.scope_q(user, node_field="node")
    if q is None:
        return Service.objects.all()
    return Service.objects.filter(q | Q(pk__in=provider_ids(user)))


def visible_bookings(user: Any) -> QuerySet[Booking]:
    """Appointments staff read: of services in their scope, and of the services they give."""
    person = _person(user)
    if person is None:
        return Booking.objects.none()
    q = scope.scope_q(user, node_field="service__node")
    if q is None:
        return Booking.objects.all()
    return Booking.objects.filter(q | Q(service_id__in=provider_ids(user)))


def may_see_booking(user: Any, booking: Booking) -> bool:
    """The Python form of `visible_bookings` for one appointment."""
    return reads(user, booking.service.node) or is_provider(user, booking.service)


def access_service(user: Any, service_id: int, *, write: bool = False) -> Service:
    service = Service.objects.select_related("node").filter(pk=service_id).first()
    if service is None or not (reads(user, service.node) or is_provider(user, service)):
        raise Http404(_("No such service in your area."))
    if write and not serves(user, service.node):
        raise PermissionDenied(_("Your role may read this service but not change it."))
    return service


def access_booking(user: Any, booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_related("service", "service__node", "node")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not may_see_booking(user, booking):
        raise Http404(_("No such appointment in your area."))
    return booking


def may_reveal(user: Any, booking: Booking) -> bool:
    """Who reads the resident's phone in full (on a button, logged): staff who serve the place
    and the provider, who must call or visit. Readers see it masked."""
    return serves(user, booking.service.node) or is_provider(user, booking.service)


def reveal_phone(user: Any, booking: Booking) -> str:
    if not may_reveal(user, booking):
        raise NotAllowed(_("Your role may not read this phone in full."), code="not_allowed")
    RevealLog.objects.create(actor=user, subject=f"booking:{booking.pk}", field="phone")
    return booking.resident_phone


# --- Rooms and stations -----------------------------------------------------------------------


def visible_rooms(user: Any) -> QuerySet[Room]:
    if _person(user) is None:
        return Room.objects.none()
    return scope.within_scope(Room.objects.all(), user, node_field="node")


def access_room(user: Any, room_id: int, *, write: bool = False) -> Room:
    room = Room.objects.select_related("node").filter(pk=room_id).first()
    if room is None or not reads(user, room.node):
        raise Http404(_("No such room in your area."))
    if write and not serves(user, room.node):
        raise PermissionDenied(_("Your role may read this room but not change it."))
    return room


def access_room_booking(user: Any, booking_id: int, *, write: bool = False) -> RoomBooking:
    booking = RoomBooking.objects.select_related("room", "room__node").filter(pk=booking_id).first()
    if booking is None or not reads(user, booking.room.node):
        raise Http404(_("No such room booking in your area."))
    if write and not serves(user, booking.room.node):
        raise PermissionDenied(_("Your role may read this booking but not change it."))
    return booking


def reveal_room_phone(user: Any, booking: RoomBooking) -> str:
    """A resident's phone on a room request, in full: staff who serve the room's place, who
    call back about it. Each reveal logged."""
    if not serves(user, booking.room.node) or not booking.contact_phone:
        raise NotAllowed(_("Your role may not read this phone in full."), code="not_allowed")
    RevealLog.objects.create(actor=user, subject=f"room_booking:{booking.pk}", field="phone")
    return booking.contact_phone


def access_station(user: Any, station_id: int, *, write: bool = False) -> Station:
    station = Station.objects.select_related("node").filter(pk=station_id).first()
    if station is None or not reads(user, station.node):
        raise Http404(_("No such station in your area."))
    if write and not serves(user, station.node):
        raise PermissionDenied(_("Your role may read this station but not change it."))
    return station


def check_serves(user: Any, node: Node) -> None:
    """For services: refuse a write by someone who does not serve the place."""
    if not serves(user, node):
        raise NotAllowed(_("Your role may not change things at this place."), code="not_allowed")
