"""Who may see and change what of the care module: the base every area's access builds on,
and the register's own.

- **Staff who serve the place** (a write role bound to the person's node or above: community
  staff, the grid's worker, an administrator) keep the register, the meal points, menus,
  orders on someone's behalf, delivery runs, cards and shops, visiting plans.
- **Readers** (a leader; staff whose scope holds the place) read lists and counts with
  phones and addresses masked; they change nothing and reveal nothing.
- A meal point's **staff** (`MealPoint.staff`) keep its menus and orders; a route's
  **deliverer** reads the addresses of their own route; a shop's **clerks** redeem cards at
  their shop. Each of those is checked by the area's module (`orders.py`, `deliveries.py`,
  `cards.py`) with the helpers here.
- The elderly person and their family hold a keyed link (`person_key`), no account.

Phones, addresses and guardians are masked everywhere they are listed (`mask_mobile`,
`mask_address`). Who may read them in full is `may_reveal` (staff who serve the place); each
reveal writes a `RevealLog` row (`reveal`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from civicgrid.care.models import CaredPerson
from civicgrid.core.errors import NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.network import scope
from civicgrid.network.models import Node, Person

KEY_LENGTH = 12


def person_of(user: Any) -> Person | None:
    """The signed-in, active person, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


# --- Keyed links (no account) -----------------------------------------------------------------


def key_for(purpose: str, record_id: int) -> str:
    """A keyed hash of a record's id for a link: who holds it may act on that record. Nothing
    stored; it cannot be guessed from the id. `purpose` keeps links of different kinds apart."""
    return salted_hmac(f"civicgrid.care.{purpose}", str(record_id)).hexdigest()[:KEY_LENGTH]


def key_ok(purpose: str, record_id: int, key: str) -> bool:
    return bool(key) and constant_time_compare(key_for(purpose, record_id), key)


def person_key(person_id: int) -> str:
    """The key of a cared-for person's order link, for the person and their family."""
    return key_for("order-link", person_id)


# --- Staff ------------------------------------------------------------------------------------


def serves(user: Any, node: Node) -> bool:
    """Staff who may change things at `node` (a write role over it)."""
    return person_of(user) is not None and scope.can_change(user, node)


def reads(user: Any, node: Node) -> bool:
    return person_of(user) is not None and scope.can_see(user, node)


def serves_anywhere(user: Any) -> bool:
    """Whether the user may change things somewhere (a read-only leader may not): asked before
    a form is read."""
    if person_of(user) is None:
        return False
    paths = scope.scope_paths(user, write=True)
    return paths is None or bool(paths)


def check_serves_anywhere(user: Any) -> None:
    if not serves_anywhere(user):
        raise NotAllowed(_("Your role may not change the care register."), code="not_allowed")


def check_serves(user: Any, node: Node) -> None:
    if not serves(user, node):
        raise NotAllowed(_("That place is outside your area."), code="outside_area")


def may_reveal(user: Any, node: Node) -> bool:
    """Who reads a cared-for person's phone, address and guardian in full: staff who serve
    the place (never a read-only leader)."""
    return serves(user, node)


def reveal(user: Any, *, subject: str, field: str) -> None:
    """Log one reveal of personal data in full ("care-person:12", "phone")."""
    person = person_of(user)
    if person is None:
        raise PermissionDenied
    RevealLog.objects.create(actor=person, subject=subject[:60], field=field[:40])


def mask_address(address: str) -> str:
    """An address with its detail hidden: the first few characters, then ***."""
    address = address.strip()
    if not address:
        return ""
    keep = min(4, max(1, len(address) // 3))
    return address[:keep] + "***"


# --- The register -----------------------------------------------------------------------------


def visible_cared(user: Any) -> QuerySet[CaredPerson]:
    """The register as staff read it: people of places in their scope."""
    if person_of(user) is None:
        return CaredPerson.objects.none()
    q = scope.scope_q(user, node_field="node")
    if q is None:
        return CaredPerson.objects.all()
    return CaredPerson.objects.filter(q)


def access_cared(user: Any, person_id: int, *, write: bool = False) -> CaredPerson:
    """One person of the register: 404 outside the reader's scope, 403 to a reader who may
    not change it."""
    if person_of(user) is None:
        raise Http404
    cared = CaredPerson.objects.select_related("node", "household").filter(pk=person_id).first()
    if cared is None or cared.forgotten_at is not None or not reads(user, cared.node):
        raise Http404
    if write and not serves(user, cared.node):
        raise PermissionDenied
    return cared
