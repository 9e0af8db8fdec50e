"""The micro-wish life cycle (微心愿): the one module that changes `Wish.state`.

    post → posted ─claim→ claimed ─fulfil→ fulfilled ─confirm→ confirmed
    release (the claimer gives it back): claimed → posted
    return (reason; staff send a fulfilment back): fulfilled → claimed
    withdraw (reason; staff): posted/claimed → withdrawn

`TRANSITIONS` says, for each action, the states it leaves from, the state it reaches, who may
take it and whether a reason is required. "Who" is an actor kind worked out per wish: the
staff who post and look after the wishes of its community (`POSTER_STAFF`: a grid worker of
one of its grids, community staff or an administrator over it; a leader only reads), the
claimer (the member who claimed it, or a contact of the unit it was claimed for), any member
(a party member, a volunteer or a unit's contact, who may claim), the person the wish is for
(`BENEFICIARY`, no account: proven by a code texted to the phone left with the wish) and the
system.

One keyword-only command per action (`wish_claim(*, wish, by, unit=None)`, …): each locks the
row (`_lock`), checks the table (`_check`), then its own rules, then moves the wish through
`_commit` (a conditional UPDATE … WHERE state = old, the event appended through
`volunteers.events.append`, which hands it to its subscribers: the points consumer hears
"wish.confirm" and credits the event's `person`, the claiming member).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import FileField, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    Person,
    Role,
    validate_mobile,
)
from civicgrid.network.scope import holds_any_role, holds_role_over, role_paths
from civicgrid.volunteers import events
from civicgrid.volunteers.models import Wish, WishState


class Action(enum.StrEnum):
    POST = "post"
    CLAIM = "claim"
    RELEASE = "release"
    FULFIL = "fulfil"
    CONFIRM = "confirm"
    RETURN = "return"
    WITHDRAW = "withdraw"


# A timeline entry that is not a transition: the reminder that nobody has claimed it yet.
REMIND = "remind"

ACTION_LABELS: dict[str, Any] = {
    Action.POST: gettext_lazy("Posted"),
    Action.CLAIM: gettext_lazy("Claim"),
    Action.RELEASE: gettext_lazy("Give it back"),
    Action.FULFIL: gettext_lazy("Fulfilled"),
    Action.CONFIRM: gettext_lazy("Confirm"),
    Action.RETURN: gettext_lazy("Send back"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
    REMIND: gettext_lazy("Reminder: not claimed yet"),
}


class Actor(enum.StrEnum):
    POSTER_STAFF = "poster_staff"  # grid worker, community staff or admin over its community
    CLAIMER = "claimer"  # the claiming member, or a contact of the claiming unit
    MEMBER = "member"  # a party member or volunteer (anywhere), or a unit's contact
    BENEFICIARY = "beneficiary"  # the person the wish is for, proven by a texted code
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    reason_required: bool = False


def _rule(
    sources: Iterable[str], target: str, actors: Iterable[Actor], reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), reason)


P, CL, M, B = Actor.POSTER_STAFF, Actor.CLAIMER, Actor.MEMBER, Actor.BENEFICIARY
W = WishState

TRANSITIONS: dict[Action, Rule] = {
    # Posting creates the wish: it leaves from no state (`wish_post`, `may_post`).
    Action.POST: _rule([], W.POSTED, [P]),
    Action.CLAIM: _rule([W.POSTED], W.CLAIMED, [M]),
    Action.RELEASE: _rule([W.CLAIMED], W.POSTED, [CL]),
    Action.FULFIL: _rule([W.CLAIMED], W.FULFILLED, [CL]),
    Action.CONFIRM: _rule([W.FULFILLED], W.CONFIRMED, [P, B]),
    Action.RETURN: _rule([W.FULFILLED], W.CLAIMED, [P], reason=True),
    Action.WITHDRAW: _rule([W.POSTED, W.CLAIMED], W.WITHDRAWN, [P], reason=True),
}

# What the public wall shows, and what the console's staff buttons offer.
STAFF_ACTIONS = (Action.CONFIRM, Action.RETURN, Action.WITHDRAW)


@dataclass(frozen=True)
class By:
    """Who acts: a signed-in person, the person the wish is for (by a code), or the system."""

    person: Person | None = None
    beneficiary: bool = False
    system: bool = False


BENEFICIARY = By(beneficiary=True)
SYSTEM = By(system=True)

# Roles whose holders post and look after the wishes of a community they serve. A grid worker
# serves the community their grid lies in; the others, the subtree of the node they are bound
# to. A leader (read-only) is none of them.
POSTER_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN, Role.GRID_WORKER)
MEMBER_ROLES = (Role.PARTY_MEMBER, Role.VOLUNTEER)


def _active(person: Person | None) -> bool:
    return bool(person is not None and person.is_authenticated and person.is_active)


def serves_community(person: Person | None, community: Node) -> bool:
    """Whether the person posts and looks after wishes at `community`: a role of
    `POSTER_ROLES` over it, or a grid worker of a grid inside it."""
    if not _active(person):
        return False
    assert person is not None
    if person.is_superuser or holds_role_over(person, POSTER_ROLES, community):
        return True
    return any(
        path.startswith(community.path) for path in role_paths(person).get(Role.GRID_WORKER, ())
    )


def is_member(person: Person | None) -> bool:
    """A party member or volunteer anywhere, or a contact (membership) of a unit."""
    if not _active(person):
        return False
    return (
        holds_any_role(person, MEMBER_ROLES)
        or Membership.objects.filter(person_id=person.pk).exists()  # type: ignore[union-attr]
    )


def actor_kinds(wish: Wish, by: By) -> set[Actor]:
    """What `by` is to this wish (a few small queries for a person)."""
    if by.system:
        return {Actor.SYSTEM}
    if by.beneficiary:
        return {Actor.BENEFICIARY}
    person = by.person
    if not _active(person):
        return set()
    assert person is not None
    kinds: set[Actor] = set()
    if serves_community(person, wish.community):
        kinds.add(Actor.POSTER_STAFF)
    if (wish.claimed_by_id is not None and wish.claimed_by_id == person.pk) or (
        wish.claimed_unit_id is not None
        and Membership.objects.filter(organisation_id=wish.claimed_unit_id, person=person).exists()
    ):
        kinds.add(Actor.CLAIMER)
    if is_member(person):
        kinds.add(Actor.MEMBER)
    return kinds


def allowed_actions(wish: Wish, by: By) -> list[Action]:
    """The actions `by` may take on the wish now, in the table's order."""
    kinds = actor_kinds(wish, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if wish.state in rule.sources and kinds & rule.actors
    ]


def may(wish: Wish, by: By, action: Action) -> bool:
    return action in allowed_actions(wish, by)


def may_post(by: By, community: Node) -> bool:
    """Whether `by` may post a wish at `community` (the table's POST actors: its staff)."""
    return not by.system and not by.beneficiary and serves_community(by.person, community)


# --- The shared core ------------------------------------------------------------------------


def _lock(wish: Wish) -> Wish:
    """The wish's row, locked until the commit and read again after any lock wait."""
    found = (
        Wish.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk=wish.pk)
        .first()
    )
    if found is None:
        raise Wish.DoesNotExist(f"wish {wish.pk}")
    return found


def _check(locked: Wish, action: Action, by: By, reason: str = "") -> str:
    """The table's part of every check: the state, then the actor, then the reason."""
    rule = TRANSITIONS[action]
    if locked.state not in rule.sources:
        raise Conflict(
            _("This wish is “%(state)s” now; it cannot be changed by “%(action)s”.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
            state=locked.state,
        )
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(
            _("You may not do “%(action)s” on this wish.") % {"action": ACTION_LABELS[action]},
            code="not_allowed",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise Invalid(
            _("Give a reason."), code="reason_required", fields={"reason": [_("Give a reason.")]}
        )
    if len(reason) > 300:
        raise Invalid(
            _("Keep the reason under 300 characters."),
            code="reason_too_long",
            fields={"reason": [_("Keep the reason under 300 characters.")]},
        )
    return reason


def _begin(wish: Wish, action: Action, by: By, reason: str = "") -> tuple[Wish, str]:
    locked = _lock(wish)
    return locked, _check(locked, action, by, reason)


def _commit(
    locked: Wish,
    action: Action,
    by: By,
    fields: dict[str, Any],
    *,
    data: events.EventData | None = None,
    note: str = "",
    person: Person | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """Move the locked wish to the table's target with `fields` (conditional UPDATE), append
    the event and hand it to its subscribers."""
    now = now or timezone.now()
    old = locked.state
    target = TRANSITIONS[action].target
    fields = {"state": target, **fields}
    changed = Wish.objects.filter(pk=locked.pk, state=old).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this wish at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action,
        actor=by.person,
        person=person,
        from_state=old,
        to_state=target,
        note=note,
        data=data,
        now=now,
    )
    return locked


def _claimer(wish: Wish) -> Person | None:
    """The claiming person (whom confirmations and fulfilments are credited to)."""
    if wish.claimed_by_id is None:
        return None
    return Person.objects.filter(pk=wish.claimed_by_id).first()


# --- Checking what people typed ----------------------------------------------------------------


def _invalid(field: str, message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def default_public_name() -> str:
    """What the public reads when staff give no name: "a resident", in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(gettext_lazy("A resident"))


def clean_post(
    *,
    title: str,
    story: str,
    public_name: str,
    person_name: str,
    person_mobile: str,
    needed_by: dt.date | None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The wish's fields, stripped and checked, or Invalid naming the field to fix."""
    title = (title or "").strip()
    story = (story or "").strip()
    public_name = (public_name or "").strip()
    person_name = (person_name or "").strip()
    person_mobile = "".join((person_mobile or "").split()).replace("-", "")
    if not title:
        raise _invalid("title", _("Write the wish, e.g. “a winter coat”."), "title_required")
    if len(title) > 120:
        raise _invalid("title", _("Keep the wish under 120 characters."), "title_too_long")
    if len(story) > 2000:
        raise _invalid("story", _("Keep the story under 2,000 characters."), "story_too_long")
    if len(public_name) > 40:
        raise _invalid(
            "public_name", _("Keep the public name under 40 characters."), "public_name_too_long"
        )
    if len(person_name) > 64:
        raise _invalid("person_name", _("Keep the name under 64 characters."), "name_too_long")
    if person_name and public_name and len(person_name) >= 2 and person_name in public_name:
        raise _invalid(
            "public_name",
            _(
                "The public must not read the person's full name: write only a first name or "
                "words such as “一位老人” (an elderly resident)."
            ),
            "public_name_is_full_name",
        )
    if person_mobile:
        try:
            validate_mobile(person_mobile)
        except ValidationError as exc:
            raise _invalid("person_mobile", str(exc.messages[0]), "invalid_mobile") from exc
    if needed_by is None:
        raise _invalid("needed_by", _("Give the date it is wanted by."), "needed_by_required")
    if needed_by < (today or timezone.localdate()):
        raise _invalid("needed_by", _("The date it is wanted by is in the past."), "needed_by_past")
    return {
        "title": title,
        "story": story,
        "public_name": public_name or default_public_name(),
        "person_name": person_name,
        "person_mobile": person_mobile,
        "needed_by": needed_by,
    }


# --- The commands, one per action ---------------------------------------------------------


@transaction.atomic
def wish_post(
    *,
    by: By,
    community: Node,
    title: str,
    story: str = "",
    public_name: str = "",
    person_name: str = "",
    person_mobile: str = "",
    needed_by: dt.date | None,
) -> Wish:
    """Post a wish for someone at `community` (a gacha or community)."""
    if community.kind != NodeKind.COMMUNITY:
        raise _invalid("community", _("Post the wish at a community or gacha."), "not_a_community")
    if not may_post(by, community):
        raise NotAllowed(
            _("You may post wishes only for a community you serve."), code="not_allowed"
        )
    fields = clean_post(
        title=title,
        story=story,
        public_name=public_name,
        person_name=person_name,
        person_mobile=person_mobile,
        needed_by=needed_by,
    )
    now = timezone.now()
    wish = Wish.objects.create(
        community=community,
        posted_by=by.person,
        state=WishState.POSTED,
        created_at=now,
        **fields,
    )
    events.append(wish, Action.POST, actor=by.person, to_state=WishState.POSTED, now=now)
    return wish


@transaction.atomic
def wish_claim(*, wish: Wish, by: By, unit: Organisation | None = None) -> Wish:
    """Claim the wish, for oneself or for a unit one is a contact of. Of two members claiming
    at the same moment the second waits for the row lock, then finds it claimed."""
    locked = _lock(wish)
    if locked.state in (WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED):
        raise Conflict(_("Someone has already claimed this wish."), code="already_claimed")
    _check(locked, Action.CLAIM, by)
    person = by.person
    assert person is not None  # a MEMBER is a person
    if (
        unit is not None
        and not Membership.objects.filter(organisation=unit, person=person).exists()
    ):
        raise NotAllowed(
            _("You may claim only for a unit you are a contact of."), code="not_unit_member"
        )
    now = timezone.now()
    fields = {"claimed_by": person, "claimed_unit": unit, "claimed_at": now}
    data = events.Claimed(unit=unit.pk if unit else None)
    return _commit(locked, Action.CLAIM, by, fields, data=data, person=person, now=now)


@transaction.atomic
def wish_release(*, wish: Wish, by: By, reason: str = "") -> Wish:
    """The claimer gives the wish back: it waits for someone again."""
    locked, reason = _begin(wish, Action.RELEASE, by, reason)
    fields = {"claimed_by": None, "claimed_unit": None, "claimed_at": None}
    return _commit(locked, Action.RELEASE, by, fields, note=reason, person=_claimer(locked))


@transaction.atomic
def wish_fulfil(*, wish: Wish, by: By, note: str, photo: Any = None) -> Wish:
    """The claimer says it is done: how (required), with a photo if they have one (checked and
    re-encoded as the needs' photos are, `needs/photos.py`)."""
    locked, _reason = _begin(wish, Action.FULFIL, by)
    note = (note or "").strip()
    if not note:
        raise _invalid("note", _("Say in a few words how the wish was fulfilled."), "note_required")
    if len(note) > 2000:
        raise _invalid("note", _("Keep the note under 2,000 characters."), "note_too_long")
    fields: dict[str, Any] = {"fulfilled_note": note, "fulfilled_at": timezone.now()}
    if photo is not None:
        from civicgrid.needs.photos import clean_photo

        clean = clean_photo(photo)
        field = Wish._meta.get_field("fulfilled_photo")
        assert isinstance(field, FileField)
        name = field.generate_filename(locked, clean.name or "photo.jpg")
        fields["fulfilled_photo"] = field.storage.save(name, clean)
    return _commit(
        locked,
        Action.FULFIL,
        by,
        fields,
        note=note,
        person=_claimer(locked),
        now=fields["fulfilled_at"],
    )


@transaction.atomic
def wish_confirm(*, wish: Wish, by: By) -> Wish:
    """Staff of its community, or the person (by a texted code), confirm it was fulfilled.
    The event's `person` is the claiming member: the points consumer credits them."""
    locked, _reason = _begin(wish, Action.CONFIRM, by)
    now = timezone.now()
    return _commit(
        locked, Action.CONFIRM, by, {"confirmed_at": now}, person=_claimer(locked), now=now
    )


@transaction.atomic
def wish_return(*, wish: Wish, by: By, reason: str) -> Wish:
    """Staff send a fulfilment back to the claimer, with a reason; it is claimed again."""
    locked, reason = _begin(wish, Action.RETURN, by, reason)
    fields = {"fulfilled_at": None}
    return _commit(locked, Action.RETURN, by, fields, note=reason, person=_claimer(locked))


@transaction.atomic
def wish_withdraw(*, wish: Wish, by: By, reason: str) -> Wish:
    """Staff take the wish down (no longer wanted, met otherwise), with a reason."""
    locked, reason = _begin(wish, Action.WITHDRAW, by, reason)
    fields = {"withdraw_reason": reason}
    return _commit(locked, Action.WITHDRAW, by, fields, note=reason, person=_claimer(locked))


COMMANDS: dict[Action, Callable[..., Wish]] = {
    Action.CLAIM: wish_claim,
    Action.RELEASE: wish_release,
    Action.FULFIL: wish_fulfil,
    Action.CONFIRM: wish_confirm,
    Action.RETURN: wish_return,
    Action.WITHDRAW: wish_withdraw,
}


def transition(wish: Wish, action: Action | str, by: By, **params: Any) -> Wish:
    """Run the command of `action` with its own `params` (console buttons, table tests)."""
    return COMMANDS[Action(action)](wish=wish, by=by, **params)


# --- The reminder's step (wish_reminders.py) ------------------------------------------------


@transaction.atomic
def mark_reminded(wish_id: int, now: dt.datetime) -> Wish | None:
    """Claim the wish's reminder (once ever) with a conditional UPDATE and write it on the
    timeline; None when it was claimed already or is no longer waiting."""
    claimed = Wish.objects.filter(
        Q(pk=wish_id, state=WishState.POSTED, reminded_at__isnull=True)
    ).update(reminded_at=now)
    if not claimed:
        return None
    wish = Wish.objects.select_related("community", "posted_by").get(pk=wish_id)
    events.append(wish, REMIND, now=now)
    return wish


# --- Personal data (privacy/services.py: export, anonymisation, retention) ------------------

# A wish that can change no more: its person's name and phone may be forgotten.
CLOSED = (WishState.CONFIRMED, WishState.WITHDRAWN)


def holding_person(wishes: Any) -> Any:
    """The wishes of a queryset that still hold the person's name or phone."""
    return wishes.exclude(person_name="", person_mobile="")


def expired(before: dt.datetime) -> Any:
    """Closed wishes older than `before` (confirmed then, or posted then and withdrawn) that
    still hold the person's name or phone: what the retention period removes."""
    old = Q(state=WishState.CONFIRMED, confirmed_at__lt=before) | Q(
        state=WishState.WITHDRAWN, created_at__lt=before
    )
    return holding_person(Wish.objects.filter(old))


def forget_people(wishes: Any) -> int:
    """Clear the person's name and phone of the closed wishes among `wishes` (the wish itself,
    its public name and its timeline stay: the public never read more). Returns how many."""
    return holding_person(wishes.filter(state__in=CLOSED)).update(person_name="", person_mobile="")
