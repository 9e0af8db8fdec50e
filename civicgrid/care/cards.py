"""Assistance cards (爱心帮扶卡): the one module that moves a `Card`.

    issue → active ─suspend→ suspended ─resume→ active
    active/suspended ─reissue→ replaced     (a new active card takes its place, same series)
    active/suspended ─withdraw→ withdrawn   (the household no longer holds a card)

`TRANSITIONS` says who may take each move: the staff who serve the household's place, and
for a withdrawal the system too (a household leaving the register). A replaced or withdrawn
card is finished; nothing moves it again.

A card's number is ten characters of Crockford's base 32 (no I, L, O, U: nothing to misread
on a worn card), nine drawn at random and a check character (Luhn mod 32), so a mistyped
number is caught before it is looked up and numbers cannot be guessed from one another. A
reissued card gets a new number and keeps the old card's `series`: the month's limits are the
series', so a card reported lost and reissued has no fresh allowance.

Every move locks the cards of the series (the same lock a redemption takes, `lock_series`),
so a card suspended at the desk is never redeemed at a shop in the same instant.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.care import access, access_cards, events
from civicgrid.care.models import Card, CardKind, CardState, CareMark, Household
from civicgrid.core.errors import Conflict, Invalid, NotAllowed

# --- Numbers ----------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
BODY_LENGTH = 9
NUMBER_LENGTH = BODY_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# What people write for what they read (Crockford): O is 0, I and L are 1.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _luhn_sum(values: Iterable[int], *, double_first: bool) -> int:
    n = len(ALPHABET)
    total = 0
    double = double_first
    for value in values:
        addend = value * 2 if double else value
        total += addend // n + addend % n
        double = not double
    return total


def check_character(body: str) -> str:
    """Luhn mod 32 over the body: catches any one character mistyped and most swaps of two
    neighbours."""
    total = _luhn_sum((_VALUE[ch] for ch in reversed(body)), double_first=True)
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def new_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def clean_number(raw: str) -> str | None:
    """The card number written in any case, with spaces or dashes, O for 0 and I or L for 1;
    None when it is not a well-formed number (wrong length, letters outside the alphabet, the
    check character wrong)."""
    text = "".join((raw or "").split()).replace("-", "").upper().translate(_READ_AS)
    if len(text) != NUMBER_LENGTH or any(ch not in _VALUE for ch in text):
        return None
    if check_character(text[:BODY_LENGTH]) != text[-1]:
        return None
    return text


def grouped(number: str) -> str:
    """As printed: two groups of five (ABCDE-FGH2K)."""
    return f"{number[:5]}-{number[5:]}" if len(number) == NUMBER_LENGTH else number


def card_url(number: str) -> str:
    """The absolute address in the card's QR code: on a clerk's phone it opens the redemption
    form of their shop; for anyone else it only says this is an assistance card."""
    return settings.SITE_URL.rstrip("/") + reverse("care_public:card", args=[number])


# --- The transition table ---------------------------------------------------------------------


class Action(enum.StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    REISSUE = "reissue"
    WITHDRAW = "withdraw"


class Actor(enum.StrEnum):
    STAFF = "staff"  # serves the household's place
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    reason_required: bool


S = CardState
LIVE = (S.ACTIVE, S.SUSPENDED)

TRANSITIONS: dict[Action, Rule] = {
    Action.SUSPEND: Rule(frozenset([S.ACTIVE]), S.SUSPENDED, frozenset([Actor.STAFF]), True),
    Action.RESUME: Rule(frozenset([S.SUSPENDED]), S.ACTIVE, frozenset([Actor.STAFF]), False),
    Action.REISSUE: Rule(frozenset(LIVE), S.REPLACED, frozenset([Actor.STAFF]), True),
    Action.WITHDRAW: Rule(
        frozenset(LIVE), S.WITHDRAWN, frozenset([Actor.STAFF, Actor.SYSTEM]), True
    ),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.SUSPEND: gettext_lazy("Suspend"),
    Action.RESUME: gettext_lazy("Resume"),
    Action.REISSUE: gettext_lazy("Reissue (lost or damaged)"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
}

EVENT_LABELS: dict[str, Any] = {
    "issue": gettext_lazy("Issued"),
    "suspend": gettext_lazy("Suspended"),
    "resume": gettext_lazy("Resumed"),
    "reissue": gettext_lazy("Replaced by a new card"),
    "withdraw": gettext_lazy("Withdrawn"),
    "redeem": gettext_lazy("Used at a shop"),
}


class _System:
    """The system acting (a household leaving the register), not a person."""

    pk = None


SYSTEM = _System()


def actor_kinds(card: Card, by: Any) -> set[Actor]:
    if by is SYSTEM:
        return {Actor.SYSTEM}
    if access.serves(by, card.household.node):
        return {Actor.STAFF}
    return set()


def allowed_actions(card: Card, by: Any) -> list[Action]:
    kinds = actor_kinds(card, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if card.state in rule.sources and kinds & rule.actors
    ]


def may(card: Card, by: Any, action: Action) -> bool:
    return action in allowed_actions(card, by)


# --- Events -----------------------------------------------------------------------------------


@events.kind("card.issue")
@dataclass(frozen=True, kw_only=True)
class Issued(events.EventData):
    kind: int
    household: int
    series: int
    replaces: int | None = None


@events.kind("card.suspend")
@events.kind("card.resume")
@events.kind("card.withdraw")
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    """A move of state (the note is the reason)."""

    KEYS = {"from_state": "from"}

    from_state: str
    to_state: str


@events.kind("card.reissue")
@dataclass(frozen=True, kw_only=True)
class Reissued(events.EventData):
    KEYS = {"from_state": "from"}

    from_state: str
    new_card: int


@events.kind("card.redeem")
@dataclass(frozen=True, kw_only=True)
class Redeemed(events.EventData):
    """A use at a shop (yuan as text, exact)."""

    redemption: int
    shop: int
    amount: str
    discount: str


# --- The shared core --------------------------------------------------------------------------


def lock_series(card: Card | int) -> Card:
    """Lock every card of the card's series (in id order, so two lockers never deadlock) and
    return the card as it is now. Redemptions, which count the series' month, take the same
    lock."""
    pk = card if isinstance(card, int) else card.pk
    series = Card.objects.filter(pk=pk).values_list("series", flat=True).first()
    locked = {
        c.pk: c
        for c in Card.objects.select_for_update(of=("self",))
        .select_related("household", "household__node", "kind")
        .filter(series=series)
        .order_by("pk")
    }
    return locked[pk]


def _begin(card: Card | int, action: Action, by: Any, reason: str) -> tuple[Card, str]:
    locked = lock_series(card)
    rule = TRANSITIONS[action]
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(_("You may not change this card."), code="not_allowed")
    if locked.state not in rule.sources:
        raise _wrong_state(locked)
    reason = (reason or "").strip()[:200]
    if rule.reason_required and not reason:
        message = _("Say why in a few words (lost, moved away…).")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return locked, reason


def _wrong_state(card: Card) -> Conflict:
    return Conflict(
        _("The card is %(state)s: it cannot be changed that way now.")
        % {"state": card.get_state_display()},
        code="wrong_state",
    )


def _move(
    locked: Card,
    action: Action,
    by: Any,
    *,
    note: str,
    data: events.EventData,
    now: dt.datetime,
) -> Card:
    target = TRANSITIONS[action].target
    changed = Card.objects.filter(pk=locked.pk, state=locked.state).update(state=target)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The card changed meanwhile; try again."), code="changed")
    locked.state = target
    events.append(
        locked,
        action.value,
        actor=by,
        actor_kind=_actor_kind(by),
        note=note,
        data=data,
        now=now,
    )
    return locked


def _actor_kind(by: Any) -> str:
    return Actor.SYSTEM.value if by is SYSTEM else Actor.STAFF.value


# --- Issue ------------------------------------------------------------------------------------


def _check_eligible(household: Household, kind: CardKind) -> None:
    if not kind.active:
        raise Conflict(_("This card kind is no longer issued."), code="kind_inactive")
    if not access_cards.kind_covers(kind, household.node):
        message = _("This card kind is not issued at the household's place.")
        raise Invalid(message, code="kind_elsewhere", fields={"kind": [message]})
    wanted = [k for k in kind.eligible_kinds or [] if isinstance(k, str)]
    if wanted:
        eligible = CareMark.objects.filter(
            person__household=household,
            person__left_at__isnull=True,
            person__forgotten_at__isnull=True,
            kind__in=wanted,
        ).exists()
        if not eligible:
            message = _("No one of this household is on the register for this card kind.")
            raise Invalid(message, code="not_eligible", fields={"kind": [message]})


def _create(
    *,
    household: Household,
    kind: CardKind,
    by: Any,
    now: dt.datetime,
    series: int | None,
    replaces: Card | None,
    reason: str,
) -> Card:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    number=new_number(),
                    household=household,
                    kind=kind,
                    state=CardState.ACTIVE,
                    series=series,
                    replaces=replaces,
                    issued_at=now,
                    issued_by=by if getattr(by, "pk", None) else None,
                    reason=reason,
                )
        except IntegrityError as failure:
            if "card_one_live_per_household" in str(failure) or "household" in str(failure):
                raise Conflict(
                    _("The household already holds a card: reissue or withdraw it first."),
                    code="has_card",
                ) from None
            continue  # the number was taken (one chance in 2**45): draw another
        break
    else:  # pragma: no cover - five collisions in a row
        raise Conflict(_("No card number could be drawn; try again."), code="number_taken")
    if series is None:
        Card.objects.filter(pk=card.pk).update(series=card.pk)
        card.series = card.pk
    return card


def card_issue(
    *,
    by: Any,
    household: Household,
    kind: CardKind,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Card:
    """Issue a card to a household (staff who serve its place). Refused when the household
    already holds a live card (`has_card`), the kind is not issued there or no member of the
    household is on the register for it (`not_eligible`)."""
    now = now or timezone.now()
    with transaction.atomic():
        household = (
            Household.objects.select_for_update().select_related("node").get(pk=household.pk)
        )
        if household.forgotten_at is not None:
            raise Conflict(_("This household has been forgotten."), code="forgotten")
        if by is not SYSTEM and not access.serves(by, household.node):
            raise NotAllowed(_("That place is outside your area."), code="outside_area")
        _check_eligible(household, kind)
        if Card.objects.filter(household=household, state__in=LIVE).exists():
            raise Conflict(
                _("The household already holds a card: reissue or withdraw it first."),
                code="has_card",
            )
        card = _create(
            household=household,
            kind=kind,
            by=by,
            now=now,
            series=None,
            replaces=None,
            reason=(reason or "").strip()[:200],
        )
        events.append(
            card,
            "issue",
            actor=by,
            actor_kind=_actor_kind(by),
            note=card.reason,
            data=Issued(kind=kind.pk, household=household.pk, series=card.pk),
            now=now,
        )
        return card


# --- Moves ------------------------------------------------------------------------------------


def card_suspend(*, by: Any, card: Card | int, reason: str, now: dt.datetime | None = None) -> Card:
    """Stop a card for now (reported lost and maybe found, under review): shops refuse it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(card, Action.SUSPEND, by, reason)
        data = Moved(from_state=locked.state, to_state=S.SUSPENDED)
        return _move(locked, Action.SUSPEND, by, note=reason, data=data, now=now)


def card_resume(
    *, by: Any, card: Card | int, reason: str = "", now: dt.datetime | None = None
) -> Card:
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(card, Action.RESUME, by, reason)
        data = Moved(from_state=locked.state, to_state=S.ACTIVE)
        return _move(locked, Action.RESUME, by, note=reason, data=data, now=now)


def card_withdraw(
    *, by: Any, card: Card | int, reason: str, now: dt.datetime | None = None
) -> Card:
    """The household no longer holds a card (no longer eligible, moved away)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(card, Action.WITHDRAW, by, reason)
        data = Moved(from_state=locked.state, to_state=S.WITHDRAWN)
        return _move(locked, Action.WITHDRAW, by, note=reason, data=data, now=now)


def card_reissue(*, by: Any, card: Card | int, reason: str, now: dt.datetime | None = None) -> Card:
    """A new card (a new number) in place of a lost or damaged one: the old card is replaced,
    the new one is active, of the same kind and series (the month's use carries over).
    Returns the new card."""
    now = now or timezone.now()
    with transaction.atomic():
        old, reason = _begin(card, Action.REISSUE, by, reason)
        from_state = old.state
        # The old card leaves the live states first: a household holds one live card.
        changed = Card.objects.filter(pk=old.pk, state=from_state).update(state=S.REPLACED)
        if not changed:  # pragma: no cover - the row lock makes this unreachable
            raise Conflict(_("The card changed meanwhile; try again."), code="changed")
        old.state = S.REPLACED
        new = _create(
            household=old.household,
            kind=old.kind,
            by=by,
            now=now,
            series=old.series,
            replaces=old,
            reason=reason,
        )
        events.append(
            old,
            Action.REISSUE.value,
            actor=by,
            actor_kind=_actor_kind(by),
            note=reason,
            data=Reissued(from_state=from_state, new_card=new.pk),
            now=now,
        )
        events.append(
            new,
            "issue",
            actor=by,
            actor_kind=_actor_kind(by),
            note=reason,
            data=Issued(
                kind=old.kind_id,
                household=old.household_id,
                series=old.series or old.pk,
                replaces=old.pk,
            ),
            now=now,
        )
        return new


COMMANDS = {
    Action.SUSPEND: card_suspend,
    Action.RESUME: card_resume,
    Action.REISSUE: card_reissue,
    Action.WITHDRAW: card_withdraw,
}


def card_act(
    *, by: Any, card: Card | int, action: Action, reason: str = "", now: dt.datetime | None = None
) -> Card:
    """One move by its name (a console form's button): the card it leaves in use (the new one
    after a reissue)."""
    return COMMANDS[action](by=by, card=card, reason=reason, now=now)


def current_of(series: int) -> Card | None:
    """The series' card in use or suspended (None once withdrawn)."""
    return Card.objects.filter(series=series, state__in=LIVE).order_by("-pk").first()
