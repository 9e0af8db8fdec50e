"""Who reads and answers which message.

- The **representative** a message is addressed to answers it; so do the **station's staff**
  (`LiaisonStation.staff`) for a message to the station, and for a message to a
  representative the staff of that representative's station. Neither needs a staff role.
- **Staff of the place** (community staff or an administrator bound to the message's place or
  above) read every message of their area and reassign one: the fallback when a representative
  is away. They do not answer in someone's name.
- **Readers** (a leader; any staff whose scope holds the place) read lists with phones masked.
- The **resident** holds the keyed tracking link (`publication.py`), no account.

Phones are masked in every list; a full phone is shown on a button, each time logged
(`reveal`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from civicgrid.core.models import RevealLog
from civicgrid.liaison.models import Message
from civicgrid.network import scope
from civicgrid.network.models import Node, Person, Role, mask_mobile
from civicgrid.representatives.models import LiaisonStation, Representative

# Who serves a place for messages: reads all, reassigns.
PLACE_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
# Who reads the messages of their area (no writes).
READ_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN, Role.LEADER)

__all__ = ["mask_mobile"]


def person_of(user: Any) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


# --- Relations to one message -------------------------------------------------------------


def is_representative(user: Any, message: Message) -> bool:
    person = person_of(user)
    if person is None or message.representative_id is None:
        return False
    return bool(message.representative and message.representative.person_id == person.pk)


def station_of(message: Message) -> LiaisonStation | None:
    """The station whose staff answer the message: its own, or its representative's."""
    if message.station_id is not None:
        return message.station
    rep = message.representative
    return rep.station if rep is not None and rep.station_id is not None else None


def is_station_staff(user: Any, message: Message) -> bool:
    person = person_of(user)
    station = station_of(message)
    if person is None or station is None:
        return False
    return station.staff.filter(pk=person.pk).exists()


def serves_place(user: Any, node: Node) -> bool:
    person = person_of(user)
    return person is not None and scope.holds_role_over(person, PLACE_ROLES, node)


def reads_place(user: Any, node: Node) -> bool:
    person = person_of(user)
    return person is not None and (
        getattr(person, "is_superuser", False) or scope.holds_role_over(person, READ_ROLES, node)
    )


def answers(user: Any, message: Message) -> bool:
    """The representative or station staff: who answers the message."""
    return is_representative(user, message) or is_station_staff(user, message)


def may_read(user: Any, message: Message) -> bool:
    return answers(user, message) or reads_place(user, message.node)


def may_write(user: Any, message: Message) -> bool:
    return answers(user, message) or serves_place(user, message.node)


def may_reveal(user: Any, message: Message) -> bool:
    """Who reads the resident's phone in full: who answers, and staff of the place."""
    return may_write(user, message)


# --- Lists --------------------------------------------------------------------------------


def mine_q(user: Any) -> Q:
    """Messages the user answers: to them, to their stations, to their stations' people."""
    person = person_of(user)
    if person is None:
        return Q(pk__in=[])
    stations = list(LiaisonStation.objects.filter(staff=person).values_list("pk", flat=True))
    q = Q(representative__person_id=person.pk)
    if stations:
        q |= Q(station_id__in=stations) | Q(representative__station_id__in=stations)
    return q


def visible_messages(user: Any) -> QuerySet[Message]:
    """The messages the user reads: their own (as representative or station staff), and those
    of the places where they read (community staff, a leader, an administrator)."""
    person = person_of(user)
    if person is None:
        return Message.objects.none()
    paths = scope.role_scope_paths(person, READ_ROLES)
    if paths is None:
        return Message.objects.all()
    q = mine_q(person)
    if paths:
        q |= scope.paths_q(paths, node_field="node")
    return Message.objects.filter(q)


def answers_anything(user: Any) -> bool:
    """Whether the user is a representative with a mandate or a station's staff."""
    person = person_of(user)
    if person is None:
        return False
    return (
        Representative.objects.filter(person=person, active=True).exists()
        or LiaisonStation.objects.filter(staff=person).exists()
    )


def access_message(user: Any, message_id: int, *, write: bool = False) -> Message:
    """One message for the console: 404 to whoever may not read it, 403 to a reader who may
    not change it (a leader)."""
    message = (
        Message.objects.select_related(
            "representative__person", "representative__station", "station", "node", "need"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None or not may_read(user, message):
        raise Http404
    if write and not may_write(user, message):
        raise PermissionDenied
    return message


def access_by_number(user: Any, number: str, *, write: bool = False) -> Message:
    pk = Message.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    return access_message(user, pk, write=write)


def writes_anywhere(user: Any) -> bool:
    """Asked before a form is read: a read-only leader writes nothing."""
    person = person_of(user)
    if person is None:
        return False
    if answers_anything(person):
        return True
    paths = scope.role_scope_paths(person, PLACE_ROLES)
    return paths is None or bool(paths)


def reveal(user: Any, message: Message) -> str:
    """The resident's phone in full, logged."""
    person = person_of(user)
    if person is None or not may_reveal(person, message):
        raise PermissionDenied
    RevealLog.objects.create(actor=person, subject=f"liaison:{message.number}", field="phone")
    return message.phone
