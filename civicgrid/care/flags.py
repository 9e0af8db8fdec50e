"""Flags for what looks wrong with the cards, for staff to check (fraud controls).

- `TWO_SHOPS`: the same card (its series) used at another shop within `TWO_SHOPS_WITHIN`: a
  household does not shop across town in ten minutes; a copied card might.
- `SHOP_SPIKE`: a shop's uses today more than `SPIKE_FACTOR` times its average day over the
  previous `SPIKE_DAYS` days, with at least `SPIKE_MIN` today (once a shop a day).
- `OVER_LIMIT`: a use refused as over the month's limit (raised by `redemptions.redeem`).
- `SUSPENDED_CARD`: a suspended, replaced or withdrawn card scanned (also by `redeem`).

The first two are looked for after each redemption, in its transaction (`after_redemption`).
A flag is decided once by staff who serve the shop's or the household's place (`flag_decide`):
nothing wrong, or misuse (say what). Each flag keeps its timeline (raised, decided).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access, access_cards, events
from civicgrid.care.models import (
    Card,
    FlagKind,
    FlagState,
    FraudFlag,
    PartnerShop,
    Redemption,
)
from civicgrid.core.errors import Conflict, Invalid, NotAllowed

TWO_SHOPS_WITHIN = dt.timedelta(minutes=10)
SPIKE_FACTOR = 3
SPIKE_DAYS = 30
SPIKE_MIN = 5
# A refused scan repeated (the clerk trying again) is one flag, not one a tap.
REPEAT_WITHIN = dt.timedelta(minutes=10)


@events.kind("flag.raise")
@dataclass(frozen=True, kw_only=True)
class Raised(events.EventData):
    kind: str
    card: int | None = None
    shop: int | None = None
    redemption: int | None = None


@events.kind("flag.decide")
@dataclass(frozen=True, kw_only=True)
class Decided(events.EventData):
    state: str


def raise_flag(
    *,
    kind: str,
    card: Card | None = None,
    shop: PartnerShop | None = None,
    redemption: Redemption | None = None,
    detail: str = "",
    now: dt.datetime | None = None,
) -> FraudFlag | None:
    """Write a flag (in the caller's transaction). A refusal flagged again within
    `REPEAT_WITHIN` for the same card and shop, still open, is not written twice (None)."""
    now = now or timezone.now()
    if kind in (FlagKind.OVER_LIMIT, FlagKind.SUSPENDED_CARD):
        again = FraudFlag.objects.filter(
            kind=kind,
            card=card,
            shop=shop,
            state=FlagState.OPEN,
            created_at__gte=now - REPEAT_WITHIN,
        ).exists()
        if again:
            return None
    flag = FraudFlag.objects.create(
        kind=kind,
        card=card,
        shop=shop,
        redemption=redemption,
        detail=detail[:200],
        created_at=now,
    )
    events.append(
        flag,
        "raise",
        actor_kind="system",
        note=flag.detail,
        data=Raised(
            kind=kind,
            card=card.pk if card else None,
            shop=shop.pk if shop else None,
            redemption=redemption.pk if redemption else None,
        ),
        now=now,
    )
    return flag


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def after_redemption(redemption: Redemption, *, now: dt.datetime | None = None) -> list[FraudFlag]:
    """Look for what the redemption shows, in its transaction (the caller holds the series'
    lock). Returns the flags raised."""
    now = now or redemption.created_at
    raised: list[FraudFlag] = []
    elsewhere = list(
        Redemption.objects.filter(
            series=redemption.series,
            created_at__gte=now - TWO_SHOPS_WITHIN,
            created_at__lte=now,
        )
        .exclude(shop_id=redemption.shop_id)
        .values_list("shop_id", flat=True)
        .distinct()
    )
    if elsewhere:
        flag = raise_flag(
            kind=FlagKind.TWO_SHOPS,
            card=redemption.card,
            shop=redemption.shop,
            redemption=redemption,
            detail="shops " + ",".join(str(s) for s in sorted(elsewhere)),
            now=now,
        )
        raised += [flag] if flag else []
    spike = _shop_spike(redemption, now)
    raised += [spike] if spike else []
    return raised


def _shop_spike(redemption: Redemption, now: dt.datetime) -> FraudFlag | None:
    start, end = _day_bounds(timezone.localdate(now))
    shop_id = redemption.shop_id
    today = Redemption.objects.filter(shop_id=shop_id, created_at__gte=start, created_at__lt=end)
    count = today.count()
    if count < SPIKE_MIN:
        return None
    before = Redemption.objects.filter(
        shop_id=shop_id,
        created_at__gte=start - dt.timedelta(days=SPIKE_DAYS),
        created_at__lt=start,
    ).count()
    # count > factor × (before / days), in whole numbers.
    if count * SPIKE_DAYS <= SPIKE_FACTOR * before:
        return None
    # Once a shop a day: the shop's row lock makes two clerks' redemptions at once write one.
    PartnerShop.objects.select_for_update().filter(pk=shop_id).first()
    if FraudFlag.objects.filter(
        kind=FlagKind.SHOP_SPIKE, shop_id=shop_id, created_at__gte=start, created_at__lt=end
    ).exists():
        return None
    return raise_flag(
        kind=FlagKind.SHOP_SPIKE,
        shop=redemption.shop,
        redemption=redemption,
        detail=f"today {count}, {SPIKE_DAYS} days before {before}",
        now=now,
    )


DECISIONS = (FlagState.CLEARED, FlagState.CONFIRMED)


def flag_decide(
    *, by: Any, flag: FraudFlag | int, state: str, note: str = "", now: dt.datetime | None = None
) -> FraudFlag:
    """Staff decide an open flag: nothing wrong (`cleared`) or misuse (`confirmed`, say what).
    Decided once (`decided`)."""
    now = now or timezone.now()
    if state not in DECISIONS:
        message = _("Choose whether something was wrong.")
        raise Invalid(message, code="state_invalid", fields={"state": [message]})
    note = (note or "").strip()[:200]
    if state == FlagState.CONFIRMED and not note:
        message = _("Say what was wrong, in a few words.")
        raise Invalid(message, code="note_required", fields={"note": [message]})
    with transaction.atomic():
        pk = flag if isinstance(flag, int) else flag.pk
        locked = (
            FraudFlag.objects.select_for_update(of=("self",))
            .select_related("shop__node", "card__household__node")
            .get(pk=pk)
        )
        if access.person_of(by) is None or not access_cards.may_decide_flag(by, locked):
            raise NotAllowed(_("You may not decide this flag."), code="not_allowed")
        changed = FraudFlag.objects.filter(pk=locked.pk, state=FlagState.OPEN).update(
            state=state, decided_by=by, decided_at=now, note=note
        )
        if not changed:
            raise Conflict(_("This flag was already decided."), code="decided")
        locked.state, locked.decided_by, locked.decided_at, locked.note = state, by, now, note
        events.append(
            locked,
            "decide",
            actor=by,
            actor_kind="staff",
            note=note,
            data=Decided(state=state),
            now=now,
        )
        return locked
