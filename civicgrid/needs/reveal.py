"""Who reads residents' phones in full beyond one need, written once.

One need's phone (and email) is shown by Reveal to whoever may see the need
(`needs.services.contact_reveal`).
Reading many at once is for community staff and admins (and superusers), under the nodes their
roles bind: the ledgers with phones in full, personal-data requests, and finding needs by a
phone number, which tells the searcher which needs that number raised. Each such read is logged
in `RevealLog`.

A search never matches part of a number: with one more digit each time, a masked 139****5678
was rebuilt in 24 queries. A whole number (an 11-digit mobile, or a full international number)
matches only for the roles above, and each search is a logged reveal.

The rule sits with the needs, below every surface that reads phones (the console's search,
ledgers, the REST API, personal-data requests); its paths come from `network/scope.py`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from civicgrid.core.errors import Invalid
from civicgrid.core.models import RevealLog
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Person, Role, mask_mobile
from civicgrid.network.scope import paths_q, role_scope_paths

# Roles whose holders read the resident's phone and name in full beyond one need.
PHONE_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)


def phone_paths(user: Any) -> list[str] | None:
    """Paths under which the user reads phones and names in full; None: everywhere."""
    return role_scope_paths(user, PHONE_ROLES)


def may_read_phones(user: Any) -> bool:
    """Whether the user reads phones and names in full anywhere."""
    paths = phone_paths(user)
    return paths is None or bool(paths)


def whole_phone(text: str) -> str:
    """The number as stored if `text` is a whole phone number (spaces, dashes, +86 allowed),
    else "": part of a number is never a phone to search by."""
    try:
        return clean_phone(text, required=False, international=True)
    except Invalid:
        return ""


def phone_search_q(user: Any, text: str, *, node_field: str = "node") -> Q | None:
    """Rows whose contact phone is the whole number in `text`, under the nodes where the user
    reads phones in full, or None when `text` is no whole number or the user may not search
    by phone. A search that may match is logged as a reveal, with the number masked."""
    phone = whole_phone(text)
    if not phone or user is None or not getattr(user, "is_authenticated", False):
        return None
    paths = phone_paths(user)
    if paths is not None and not paths:
        return None
    RevealLog.objects.create(
        actor=user, subject=f"search:{mask_mobile(phone)}"[:60], field="contact_phone_search"
    )
    match = Q(contact_phone=phone)
    if paths is None:
        return match
    return match & paths_q(paths, node_field=node_field)


def reveal_log(*, actor: Person, subject: str, field: str) -> None:
    """Log a reveal of personal data in bulk (a ledger with phones in full)."""
    RevealLog.objects.create(actor=actor, subject=subject[:60], field=field[:40])
