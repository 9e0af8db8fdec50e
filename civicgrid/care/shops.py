"""The rules and the places of the cards: card kinds (who is eligible, the monthly limits, as
data) and partner shops (licensed, with their agreement, discount and clerks).

A kind of a place is kept by the staff who serve it (a kind of everywhere by administrators);
a shop by the staff who serve its place. A shop's clerks are people with a mobile number: one
the system does not know yet is added without a password (they are given one as any other
person is, by an administrator) and holds no staff role; the shop's phone page is theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.care import access, access_cards
from civicgrid.care.models import CardKind, CareKind, PartnerShop
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.network.models import Node, Person, validate_mobile

KIND_FIELDS = (
    "name",
    "name_mn",
    "node",
    "description",
    "eligible_kinds",
    "monthly_amount",
    "monthly_uses",
    "active",
)
SHOP_FIELDS = (
    "name",
    "name_mn",
    "node",
    "enterprise",
    "address",
    "lat",
    "lon",
    "licence_number",
    "licensed_on",
    "agreement_from",
    "agreement_until",
    "discount_percent",
    "active",
)
# Clerks a shop may have (a counter, not a staff list).
MAX_CLERKS = 20


def _required(values: Mapping[str, Any], name: str, message: str) -> Any:
    value = values.get(name)
    if value in (None, ""):
        raise Invalid(message, code="validation", fields={name: [message]})
    return value


def card_kind_save(*, by: Any, values: Mapping[str, Any], kind: CardKind | None = None) -> CardKind:
    """Add or change a card kind. `values` holds `KIND_FIELDS`; `node` None means everywhere
    (administrators only). A change applies from the next use: past redemptions keep the
    amounts they were made at."""
    node: Node | None = values.get("node")
    for place in [node, *([kind.node] if kind else [])]:
        if not access_cards.may_keep_kind(by, place):
            raise NotAllowed(_("Your role may not keep card kinds there."), code="not_allowed")
    name = str(_required(values, "name", _("Name the card kind."))).strip()[:60]
    amount = Decimal(_required(values, "monthly_amount", _("Give the amount a month.")))
    uses = int(_required(values, "monthly_uses", _("Give the number of uses a month.")))
    if amount < 0:
        message = _("The amount a month cannot be negative.")
        raise Invalid(message, code="validation", fields={"monthly_amount": [message]})
    if not 1 <= uses <= 100:
        message = _("Between 1 and 100 uses a month.")
        raise Invalid(message, code="validation", fields={"monthly_uses": [message]})
    eligible = [str(k) for k in values.get("eligible_kinds") or []]
    unknown = [k for k in eligible if k not in CareKind.values]
    if unknown:
        message = _("Choose care kinds from the list.")
        raise Invalid(message, code="validation", fields={"eligible_kinds": [message]})
    fields = {
        "name": name,
        "name_mn": str(values.get("name_mn") or "").strip()[:120],
        "node": node,
        "description": str(values.get("description") or "").strip()[:200],
        "eligible_kinds": eligible,
        "monthly_amount": amount,
        "monthly_uses": uses,
        "active": bool(values.get("active", True)),
    }
    with transaction.atomic():
        if kind is None:
            return CardKind.objects.create(**fields)
        CardKind.objects.filter(pk=kind.pk).update(**fields)
        kind.refresh_from_db()
        return kind


def shop_save(
    *, by: Any, values: Mapping[str, Any], shop: PartnerShop | None = None
) -> PartnerShop:
    """Add or change a partner shop (staff who serve its place, and the place it moves to).
    `values` holds `SHOP_FIELDS`."""
    node = _required(values, "node", _("Choose the shop's place."))
    for place in (node, shop.node) if shop else (node,):
        access.check_serves(by, place)
    name = str(_required(values, "name", _("Name the shop."))).strip()[:100]
    licensed_on = _required(values, "licensed_on", _("Give the day the shop was licensed."))
    agreement_from = _required(values, "agreement_from", _("Give the day the agreement starts."))
    agreement_until = values.get("agreement_until") or None
    if agreement_until is not None and agreement_until < agreement_from:
        message = _("The agreement cannot end before it starts.")
        raise Invalid(message, code="validation", fields={"agreement_until": [message]})
    discount = Decimal(_required(values, "discount_percent", _("Give the discount in percent.")))
    if not Decimal(0) <= discount <= Decimal(100):
        message = _("A discount is between 0 and 100 percent.")
        raise Invalid(message, code="validation", fields={"discount_percent": [message]})
    fields = {
        "name": name,
        "name_mn": str(values.get("name_mn") or "").strip()[:200],
        "node": node,
        "enterprise": values.get("enterprise") or None,
        "address": str(values.get("address") or "").strip()[:200],
        "lat": values.get("lat"),
        "lon": values.get("lon"),
        "licence_number": str(values.get("licence_number") or "").strip()[:40],
        "licensed_on": licensed_on,
        "agreement_from": agreement_from,
        "agreement_until": agreement_until,
        "discount_percent": discount,
        "active": bool(values.get("active", True)),
    }
    with transaction.atomic():
        if shop is None:
            return PartnerShop.objects.create(**fields)
        PartnerShop.objects.filter(pk=shop.pk).update(**fields)
        shop.refresh_from_db()
        return shop


def _clerk(name: str, mobile: str) -> Person:
    mobile = (mobile or "").strip()
    try:
        validate_mobile(mobile)
    except ValidationError:
        message = _("Write an 11-digit mobile number starting with 1 for each clerk.")
        raise Invalid(message, code="mobile_invalid", fields={"clerks": [message]}) from None
    person = Person.objects.filter(mobile=mobile).first()
    if person is not None:
        return person
    name = (name or "").strip()[:64]
    if not name:
        message = _("Write the name of a clerk the system does not know yet: name and mobile.")
        raise Invalid(message, code="name_required", fields={"clerks": [message]})
    return Person.objects.create_user(mobile=mobile, name=name)


def shop_clerks_set(
    *, by: Any, shop: PartnerShop, clerks: Sequence[tuple[str, str]]
) -> list[Person]:
    """Set the shop's clerks, each given as (name, mobile): a person already known by the
    mobile is taken as they are; one not known yet is added (no password, no role). Clerks
    not listed any more are removed from the shop (they keep their account)."""
    access.check_serves(by, shop.node)
    if len(clerks) > MAX_CLERKS:
        message = _("At most %(n)s clerks a shop.") % {"n": MAX_CLERKS}
        raise Invalid(message, code="too_many", fields={"clerks": [message]})
    with transaction.atomic():
        people: list[Person] = []
        for name, mobile in clerks:
            person = _clerk(name, mobile)
            if person.pk not in {p.pk for p in people}:
                people.append(person)
        shop.clerks.set(people)
        return people


def parse_clerks(text: str) -> list[tuple[str, str]]:
    """A form's clerks, one a line: "name mobile" or just the mobile of a known person."""
    lines = []
    for raw in (text or "").splitlines():
        parts = raw.replace(",", " ").replace("，", " ").split()
        if not parts:
            continue
        mobile = parts[-1]
        lines.append((" ".join(parts[:-1]), mobile))
    return lines
