"""Who may see and change what of the assistance cards, on the care module's base rules
(`care/access.py`).

- **Staff who serve the place** keep the card kinds of their place (a kind with no place is
  kept by administrators), the partner shops at their place with their clerks, the cards of
  households at their place (issue, suspend, resume, reissue, withdraw), the shops' monthly
  reconciliations (compute, approve) and the flags (decide).
- **Readers** (a leader, staff whose scope holds the place) read all of it, with household
  names masked in the ledger; they change nothing.
- A shop's **clerks** (`PartnerShop.clerks`, people who may hold no staff role) redeem cards
  at their own shop, on its phone page, and read their shop's page. Staff who serve the shop's
  place may redeem there too (a desk that helps a shop out).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.care.access import person_of, reads, serves
from civicgrid.care.models import (
    Card,
    CardKind,
    FraudFlag,
    Household,
    PartnerShop,
    Reconciliation,
    Redemption,
)
from civicgrid.core.errors import NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import Node

# --- Card kinds -------------------------------------------------------------------------------


def _ancestor_ids(paths: list[str]) -> set[int]:
    return {int(part) for path in paths for part in path.split("/") if part}


def visible_kinds(user: Any) -> QuerySet[CardKind]:
    """The kinds staff read: those of everywhere, of places in their scope, and of the places
    above it (a banner's kind is issued in its communities)."""
    if person_of(user) is None:
        return CardKind.objects.none()
    paths = scope.scope_paths(user)
    if paths is None:
        return CardKind.objects.all()
    if not paths:
        return CardKind.objects.none()
    q = Q(node__isnull=True) | scope.paths_q(paths, node_field="node")
    return CardKind.objects.filter(q | Q(node_id__in=_ancestor_ids(paths)))


def may_keep_kind(user: Any, node: Node | None) -> bool:
    """A kind of a place is kept by the staff who serve it; a kind of everywhere by
    administrators (staff whose write scope is everything)."""
    if person_of(user) is None:
        return False
    if node is None:
        return scope.scope_paths(user, write=True) is None
    return serves(user, node)


def access_kind(user: Any, kind_id: int, *, write: bool = False) -> CardKind:
    kind = visible_kinds(user).select_related("node").filter(pk=kind_id).first()
    if kind is None:
        raise Http404(_("No such card kind in your area."))
    if write and not may_keep_kind(user, kind.node):
        raise PermissionDenied(_("Your role may read this card kind but not change it."))
    return kind


def kinds_for(household: Household) -> QuerySet[CardKind]:
    """The kinds a household may be issued: active, of everywhere or of a place above it."""
    ids = _ancestor_ids([household.node.path])
    return CardKind.objects.filter(Q(node__isnull=True) | Q(node_id__in=ids), active=True)


def kind_covers(kind: CardKind, node: Node) -> bool:
    return kind.node_id is None or node.path.startswith(kind.node.path)  # type: ignore[union-attr]


# --- Partner shops and their clerks -----------------------------------------------------------


def is_clerk(user: Any, shop: PartnerShop) -> bool:
    person = person_of(user)
    return person is not None and shop.clerks.filter(pk=person.pk).exists()


def clerk_shops(user: Any) -> QuerySet[PartnerShop]:
    """The shops where the user is a clerk."""
    person = person_of(user)
    if person is None:
        return PartnerShop.objects.none()
    return PartnerShop.objects.filter(clerks=person)


def may_redeem(user: Any, shop: PartnerShop) -> bool:
    """A clerk of the shop, or staff who serve its place."""
    return is_clerk(user, shop) or serves(user, shop.node)


def check_may_redeem(user: Any, shop: PartnerShop) -> None:
    if not may_redeem(user, shop):
        raise NotAllowed(_("Only the shop's clerks may redeem cards here."), code="not_clerk")


def visible_shops(user: Any) -> QuerySet[PartnerShop]:
    """Shops staff read: those at places in their scope."""
    if person_of(user) is None:
        return PartnerShop.objects.none()
    q = scope.scope_q(user, node_field="node")
    if q is None:
        return PartnerShop.objects.all()
    return PartnerShop.objects.filter(q)


def access_shop(user: Any, shop_id: int, *, write: bool = False) -> PartnerShop:
    """A shop for staff: 404 outside their scope, 403 to a reader asked to change it."""
    shop = PartnerShop.objects.select_related("node", "enterprise").filter(pk=shop_id).first()
    if shop is None or person_of(user) is None or not reads(user, shop.node):
        raise Http404(_("No such shop in your area."))
    if write and not serves(user, shop.node):
        raise PermissionDenied(_("Your role may read this shop but not change it."))
    return shop


def access_shop_counter(user: Any, shop_id: int) -> PartnerShop:
    """A shop's phone page: its clerks and the staff who serve its place; 403 to anyone else
    signed in (a leader reads the console's pages, never the till)."""
    shop = PartnerShop.objects.select_related("node").filter(pk=shop_id).first()
    if shop is None:
        raise Http404(_("No such shop."))
    if not may_redeem(user, shop):
        raise PermissionDenied(_("Only the shop's clerks may redeem cards here."))
    return shop


# --- Households and their cards ---------------------------------------------------------------


def visible_households(user: Any) -> QuerySet[Household]:
    if person_of(user) is None:
        return Household.objects.none()
    households = Household.objects.filter(forgotten_at__isnull=True)
    q = scope.scope_q(user, node_field="node")
    return households if q is None else households.filter(q)


def access_household(user: Any, household_id: int, *, write: bool = False) -> Household:
    household = Household.objects.select_related("node").filter(pk=household_id).first()
    if (
        household is None
        or household.forgotten_at is not None
        or person_of(user) is None
        or not reads(user, household.node)
    ):
        raise Http404(_("No such household in your area."))
    if write and not serves(user, household.node):
        raise PermissionDenied(_("Your role may read this household but not change it."))
    return household


def visible_cards(user: Any) -> QuerySet[Card]:
    if person_of(user) is None:
        return Card.objects.none()
    q = scope.scope_q(user, node_field="household__node")
    return Card.objects.all() if q is None else Card.objects.filter(q)


def access_card(user: Any, card_id: int, *, write: bool = False) -> Card:
    card = (
        Card.objects.select_related("household", "household__node", "kind")
        .filter(pk=card_id)
        .first()
    )
    if card is None or person_of(user) is None or not reads(user, card.household.node):
        raise Http404(_("No such card in your area."))
    if write and not serves(user, card.household.node):
        raise PermissionDenied(_("Your role may read this card but not change it."))
    return card


# --- The ledger, reconciliations and flags ----------------------------------------------------


def visible_redemptions(user: Any) -> QuerySet[Redemption]:
    """Redemptions at shops in the reader's scope, or of cards of households in it."""
    if person_of(user) is None:
        return Redemption.objects.none()
    paths = scope.scope_paths(user)
    if paths is None:
        return Redemption.objects.all()
    q = scope.paths_q(paths, node_field="shop__node") | scope.paths_q(
        paths, node_field="card__household__node"
    )
    return Redemption.objects.filter(q)


def visible_reconciliations(user: Any) -> QuerySet[Reconciliation]:
    if person_of(user) is None:
        return Reconciliation.objects.none()
    q = scope.scope_q(user, node_field="shop__node")
    return Reconciliation.objects.all() if q is None else Reconciliation.objects.filter(q)


def access_reconciliation(user: Any, rec_id: int, *, write: bool = False) -> Reconciliation:
    rec = (
        Reconciliation.objects.select_related("shop", "shop__node", "approved_by")
        .filter(pk=rec_id)
        .first()
    )
    if rec is None or person_of(user) is None or not reads(user, rec.shop.node):
        raise Http404(_("No such reconciliation in your area."))
    if write and not serves(user, rec.shop.node):
        raise PermissionDenied(_("Your role may read this reconciliation but not approve it."))
    return rec


def _flag_places(flag: FraudFlag) -> list[Node]:
    places = []
    if flag.shop is not None:
        places.append(flag.shop.node)
    if flag.card is not None:
        places.append(flag.card.household.node)
    return places


def may_decide_flag(user: Any, flag: FraudFlag) -> bool:
    return any(serves(user, node) for node in _flag_places(flag))


def visible_flags(user: Any) -> QuerySet[FraudFlag]:
    """Flags about shops or cards' households in the reader's scope."""
    if person_of(user) is None:
        return FraudFlag.objects.none()
    paths = scope.scope_paths(user)
    if paths is None:
        return FraudFlag.objects.all()
    q = scope.paths_q(paths, node_field="shop__node") | scope.paths_q(
        paths, node_field="card__household__node"
    )
    return FraudFlag.objects.filter(q)


def access_flag(user: Any, flag_id: int, *, write: bool = False) -> FraudFlag:
    flag = (
        FraudFlag.objects.select_related("shop__node", "card__household__node")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None or person_of(user) is None:
        raise Http404(_("No such flag in your area."))
    if not any(reads(user, node) for node in _flag_places(flag)):
        raise Http404(_("No such flag in your area."))
    if write and not may_decide_flag(user, flag):
        raise PermissionDenied(_("Your role may read this flag but not decide it."))
    return flag
