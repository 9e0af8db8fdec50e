"""Writes on needs. The resident page, the console, the API, Open311, commands and tasks all
raise and move needs through these functions; state changes go on to `workflow`."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.needs import cached, deadlines, events, publication, workflow
from civicgrid.needs.models import (
    FINAL_STATES,
    ON_BEHALF_CHANNELS,
    PROACTIVE_KINDS,
    Category,
    Channel,
    Kind,
    Need,
    Priority,
    QuestionKind,
)
from civicgrid.needs.photos import clean_photos
from civicgrid.network.geo import grid_containing
from civicgrid.network.models import MOBILE_RE, Node, NodeKind, Person
from civicgrid.network.scope import can_change, can_see, is_staff_user

# Tracking numbers: 8 characters from 32 that cannot be mistaken for one another (no 0/O,
# 1/I/L), drawn at random: 32^8 ≈ 10^12 numbers, so the next one cannot be guessed from the
# last, and short enough to read out on the phone ("K7M4-QXP2").
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 8
# The Open311 spec's limit: what the intake accepts from any channel. The resident page asks
# for less (forms_resident.RESIDENT_MAX_DESCRIPTION): a phone keyboard, not a CRM export.
MAX_DESCRIPTION = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# E.164: a "+", a country code that does not start with 0, at most 15 digits in all.
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def new_number() -> str:
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def normalise_number(text: str) -> str:
    """What a person typed or read out, as stored: no spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def clean_text(
    text: str, *, field: str, required: bool = True, limit: int = MAX_DESCRIPTION
) -> str:
    text = _CONTROL.sub("", text or "").strip()
    if required and not text:
        raise Invalid(_("%(field)s: please write something.") % {"field": field}, code="required")
    if len(text) > limit:
        raise Invalid(
            _("%(field)s is %(n)d characters long; keep it under %(max)d.")
            % {"field": field, "n": len(text), "max": limit},
            code="too_long",
        )
    return text


def clean_phone(phone: str, *, required: bool, international: bool = False) -> str:
    """A Chinese mobile as its 11 digits. With `international` (Open311 clients, which serve
    residents from anywhere), any other number in E.164 as well, e.g. +4915112345678."""
    phone = re.sub(r"[\s\-]", "", phone or "")
    if international:
        phone = re.sub(r"[().]", "", phone)
        if phone.startswith("00"):
            phone = "+" + phone[2:]
    if phone.startswith("+86") and not (international and not MOBILE_RE.match(phone[3:])):
        phone = phone[3:]  # a Chinese mobile keeps its 11 digits (a landline stays E.164)
    if not phone:
        if required:
            raise Invalid(
                _("Leave a mobile number so that we can call you back."), code="phone_required"
            )
        return ""
    if international and not MOBILE_RE.match(phone):
        if E164_RE.match(phone):
            return phone
        raise Invalid(
            _(
                "“%(phone)s” is not a phone number we can call: send an international number "
                "as + and the country code, e.g. +4915112345678, or a Chinese mobile."
            )
            % {"phone": phone[:20]},
            code="phone_invalid",
        )
    if not MOBILE_RE.match(phone):
        raise Invalid(
            _("“%(phone)s” is not a mobile number: use 11 digits starting with 13 to 19.")
            % {"phone": phone},
            code="phone_invalid",
        )
    return phone


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        if len(email) > 254:  # Need.contact_email's length, RFC 5321's limit
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise Invalid(
            _("“%(email)s” is not an email address.") % {"email": email[:40]},
            code="email_invalid",
        ) from None
    return email


def clean_answers(category: Category, answers: dict[str, Any] | None) -> dict[str, Any]:
    """Check the answers to the category's extra questions; return them typed."""
    answers = answers or {}
    cleaned: dict[str, Any] = {}
    for q in category.questions.all():
        raw = answers.get(q.key)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            if q.required:
                raise Invalid(
                    _("Please answer: %(q)s") % {"q": q.text},
                    code="answer_required",
                    question=q.key,
                )
            continue
        if q.kind == QuestionKind.NUMBER:
            try:
                cleaned[q.key] = float(raw)
            except (TypeError, ValueError):
                raise Invalid(
                    _("%(q)s: write a number, e.g. 3.") % {"q": q.text},
                    code="answer_number",
                    question=q.key,
                ) from None
        elif q.kind == QuestionKind.CHOICE:
            values = [value for value, _label in q.choice_options()]
            if raw not in values:
                raise Invalid(
                    _("%(q)s: choose one of the options.") % {"q": q.text},
                    code="answer_choice",
                    question=q.key,
                )
            cleaned[q.key] = raw
        else:
            try:
                cleaned[q.key] = clean_text(str(raw), field=q.text, limit=500)
            except Invalid as exc:
                exc.details["question"] = q.key  # say which answer, not the description
                raise
    return cleaned


def owner_for(node: Node) -> Node:
    """The level whose dispatcher receives a need raised at `node`: the nearest community
    (or gacha) above it, else the nearest town, else the node itself."""
    above = cached.nearest_above(node)  # the upper levels change rarely: cached per process
    for kind in (NodeKind.COMMUNITY, NodeKind.TOWN):
        if node.kind == kind:
            return node
        if kind in above:
            return above[kind]
    return node


def _outside_grids() -> Invalid:
    return Invalid(
        _(
            "That location is outside every grid we serve. "
            "Choose your community from the list instead."
        ),
        code="outside_grids",
    )


def locate(*, node: Node | None, lat: float | None, lon: float | None) -> Node:
    if node is not None:
        return node
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Invalid(
                _("The location is not a valid latitude and longitude."), code="bad_location"
            )
        grid = grid_containing(lon, lat)
        if grid is None:
            raise _outside_grids()
        return grid
    raise Invalid(
        _("Say where: scan a QR code, use your location or choose your community."), code="no_place"
    )


def region_root() -> Node:
    """The top of the network: where a report waits, unplaced, when neither a place nor a grid
    could be found for it and its channel names no other jurisdiction (the first top node by
    path if a database holds several trees)."""
    root = cached.region_root()  # read on every Open311 intake: cached per process
    if root is None:
        raise Invalid(_("No network has been set up yet."), code="no_network")
    return root


def _place_or_unplaced(
    *, node: Node | None, lat: float | None, lon: float | None, unplaced_at: Node | None
) -> tuple[Node, bool]:
    """Where the need is, and whether it still waits to be placed. A report is never turned
    away for where it is when the caller names the jurisdiction it came through
    (`unplaced_at`): without a place, or outside every grid, it waits there unplaced."""
    try:
        return locate(node=node, lat=lat, lon=lon), False
    except Invalid as exc:
        if unplaced_at is None or exc.code not in ("outside_grids", "no_place"):
            raise
        return unplaced_at, True


# Not atomic as a whole: the checks before the writes only read, and the writes run in the
# transaction (or savepoint) of the retry loop below. One savepoint fewer per intake: each is
# a round trip to the database while the rollups' shared rows may be locked.
def need_raise(
    *,
    by: workflow.By,
    category: Category,
    description: str,
    channel: str,
    node: Node | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    priority: str = Priority.NORMAL,
    answers: dict[str, Any] | None = None,
    contact_phone: str = "",
    contact_name: str = "",
    contact_email: str = "",
    anonymous: bool = False,
    photos: Sequence[Any] = (),
    on_behalf_of: str = "",
    source_person: Person | None = None,
    unplaced_at: Node | None = None,
    also: Callable[[Need], object] | None = None,
    language: str = "",
) -> Need:
    """Raise a need (群众点单) from any channel. Without a place, or outside every grid, it
    waits unplaced at `unplaced_at` when the channel names one (docs/workflow.md). `also(need)`
    is the caller's own write in the need's transaction (the API's idempotency key): its
    IntegrityError rolls the need back and reaches the caller. `language`: the page's language
    (what the resident is told later is in it); blank, or one not offered: the site's.
    Raises Invalid with a message that says what to fix; nothing is saved then."""
    if channel in ON_BEHALF_CHANNELS:
        unplaced_at = None  # staff enter needs where their role writes: they say where
    place, unplaced = _check_raise(by, category, channel, priority, node, lat, lon, unplaced_at)
    description = clean_text(description, field=_("Description"))
    cleaned_photos = clean_photos(list(photos))
    need = Need(
        number="",
        kind=Kind.REQUEST,
        category=category,
        priority=priority,
        description=description,
        answers=clean_answers(category, answers),
        node=place,
        owner_node=owner_for(place),
        unplaced=unplaced,
        lat=lat,
        lon=lon,
        address=clean_text(address, field=_("Address"), required=False, limit=200),
        channel=channel,
        source_person=source_person,
        language=language if language in dict(settings.LANGUAGES) else "",
        **_contact(
            by,
            channel,
            phone=contact_phone,
            name=contact_name,
            email=contact_email,
            anonymous=anonymous,
            on_behalf_of=on_behalf_of,
        ),
    )
    _set_clocks(need, timezone.now())
    actor = by if channel in ON_BEHALF_CHANNELS or by.person else workflow.RESIDENT
    return _write_new_need(need, actor, photos=cleaned_photos, also=also, unplaced_at=unplaced_at)


def _contact(
    by: workflow.By,
    channel: str,
    *,
    phone: str,
    name: str,
    email: str,
    anonymous: bool,
    on_behalf_of: str,
) -> dict[str, Any]:
    """Who to call back, cleaned: a resident's phone is required except from Open311 (a phone
    only if its user gave one, from anywhere, in E.164); staff entering on someone's behalf
    name that person and are not the submitter."""
    staff_entry = channel in ON_BEHALF_CHANNELS
    open311 = channel == Channel.OPEN311
    return {
        "contact_phone": clean_phone(
            phone, required=not staff_entry and not open311, international=open311
        ),
        "contact_name": clean_text(name, field=_("Name"), required=False, limit=64),
        "contact_email": clean_email(email),
        "anonymous": anonymous,
        "submitter": by.person if by.person and not staff_entry else None,
        "entered_by": by.person if staff_entry else None,
        "on_behalf_of": (
            clean_text(on_behalf_of or name, field=_("On behalf of"), limit=64)
            if staff_entry
            else ""
        ),
    }


def _check_raise(
    by: workflow.By,
    category: Category,
    channel: str,
    priority: str,
    node: Node | None,
    lat: float | None,
    lon: float | None,
    unplaced_at: Node | None,
) -> tuple[Node, bool]:
    """need_raise's checks, before anything is built: the channel, priority and category, the
    place (or the jurisdiction where an unplaceable report waits), and who may raise there.
    Returns the place and whether the need waits there unplaced."""
    if channel not in Channel.values or channel == Channel.PROACTIVE:
        raise Invalid(_("Unknown channel."), code="bad_channel")
    if priority not in Priority.values:
        raise Invalid(_("Unknown priority."), code="bad_priority")
    if not category.is_active or (by.person is None and not category.shown_to_residents):
        raise Invalid(_("Choose one of the listed kinds of need."), code="bad_category")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(_("The location is not a valid latitude and longitude."), code="bad_location")
    place, unplaced = _place_or_unplaced(node=node, lat=lat, lon=lon, unplaced_at=unplaced_at)
    if by.person is not None:
        # Whoever raises with an account (the console, a token, a session) does it only where
        # their role writes: not a leader, not a resident's account; hidden categories too.
        # (needs/access.py reads through selectors, which import this module: a late import.)
        from civicgrid.needs.access import check_may_raise

        check_may_raise(by.person, place=place)
    if channel in ON_BEHALF_CHANNELS and (by.person is None or not is_staff_user(by.person)):
        raise NotAllowed(_("Only staff enter needs on someone's behalf."))
    return place, unplaced


def _set_clocks(need: Need, now: dt.datetime) -> None:
    """A new need's deadlines, and its publication when its category publishes by default."""
    if need.category.public_by_default and publication.publishable(need):
        need.published_at = now  # open reports in this category (docs/privacy.md)
    limits = deadlines.limits_for(need.category, need.priority)  # read once for both
    need.response_due = deadlines.add_time(now, limits.response_minutes, limits.basis)
    need.resolve_due = deadlines.add_time(now, limits.resolve_minutes, limits.basis)


def _write_new_need(
    need: Need,
    actor: workflow.By,
    *,
    photos: list[Any],
    also: Callable[[Need], object] | None,
    unplaced_at: Node | None,
) -> Need:
    """Write the need, its first event and the caller's `also` in one transaction, drawing a
    tracking number again on the (1 in 10^12 per pair) collision."""
    for _attempt in range(5):
        need.number = new_number()
        try:
            with transaction.atomic():
                workflow.open_need(need, actor, photos=photos)
                if also is not None:
                    also(need)
                return need
        except IntegrityError:
            need.pk, need._state.adding = None, True  # a new row again, for the next attempt
            if need.lat is not None and not Node.objects.filter(pk=need.node_id).exists():
                # A grid deleted since this process's routing index was read (network/geo.py).
                if unplaced_at is None:
                    raise _outside_grids() from None
                need.node, need.owner_node = unplaced_at, owner_for(unplaced_at)
                need.unplaced = True
                continue
            if not Need.objects.filter(number=need.number).exists():
                raise  # not the tracking number: the caller's own write failed
            continue  # a tracking number collision: draw again
    raise RuntimeError("could not draw a unique tracking number")


@transaction.atomic
def proactive_record(
    *,
    by: workflow.By,
    kind: str,
    category: Category,
    node: Node,
    note: str,
    photos: Sequence[Any] = (),
    contact_name: str = "",
) -> Need:
    """Record proactive work (a visit, an inspection, a mediation, information collected) in
    the same timeline model as needs, already done."""
    if kind not in PROACTIVE_KINDS:
        raise Invalid(_("Unknown kind of proactive work."), code="bad_kind")
    if by.person is None or not can_change(by.person, node):
        raise NotAllowed(_("That place is outside your area."))
    need = Need(
        number=new_number(),
        kind=kind,
        category=category,
        description=clean_text(note, field=_("Note")),
        node=node,
        owner_node=owner_for(node),
        channel=Channel.PROACTIVE,
        contact_name=clean_text(contact_name, field=_("Name"), required=False, limit=64),
        entered_by=by.person,
        assignee=by.person,
    )
    return workflow.open_need(need, by, photos=clean_photos(list(photos)), record=True)


def need_act(
    *, need: Need, action: str, by: workflow.By, photos: Sequence[Any] = (), **params: Any
) -> Need:
    """The command of a workflow action chosen at run time (the console's and the API's action
    endpoints), with uploaded photos cleaned first; `params` are that command's own."""
    if photos:
        params["photos"] = clean_photos(list(photos))
    return workflow.transition(need, action, by, **params)


def need_place(
    *,
    need: Need,
    by: workflow.By,
    node: Node | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Need:
    """Place an unplaced need (the dispatchers' "unplaced" queue): on a node chosen in the
    placer's area (a small grid, or a community that routes it on), or at a point on the map,
    routed to its small grid like any report. A point given with a node is kept as the need's
    position. Then it is held as any need raised there would be (`owner_for`)."""
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(_("The location is not a valid latitude and longitude."), code="bad_location")
    if node is None and (lat is None or lon is None):
        raise Invalid(_("Choose a place or click the map."), code="no_place")
    place = locate(node=node, lat=lat, lon=lon)
    if by.person is None or not can_change(by.person, place):
        raise NotAllowed(_("That place is outside your area."))
    return workflow.place(need, by, node=place, lat=lat, lon=lon, owner=owner_for(place))


def need_comment(
    *,
    need: Need,
    by: workflow.By,
    text: str,
    photos: Sequence[Any] = (),
    public: bool = False,
    question: bool = False,
) -> None:
    """A note on the timeline: internal (staff only) unless `public`, a public reply that the
    resident and the public read (docs/privacy.md). A `question` is a public reply that asks
    the resident for more information: they answer on the tracking page (`need_answer`)."""
    if by.person is None:
        raise NotAllowed(_("You may not comment on this need."))
    from civicgrid.needs.access import check_may_write  # late: access → selectors → here

    check_may_write(by.person, need, "comment")
    workflow.note(
        need,
        workflow.COMMENT,
        by,
        note=clean_text(text, field=_("Comment")),
        photos=clean_photos(list(photos)),
        public=public or question,
        data=events.Commented(question=True) if question else None,
    )


def need_answer(*, need: Need, text: str) -> None:
    """The resident's answer to staff's question, from the tracking page (its key checked by
    the caller): a resident's note on the timeline, which the owner and staff read, never the
    public; the people handling the need are told (needs/notices.py)."""
    if need.state in FINAL_STATES:
        raise Conflict(
            _("This need is closed: call your community or grid worker instead."), code="closed"
        )
    workflow.note(
        need, workflow.COMMENT, workflow.RESIDENT, note=clean_text(text, field=_("Answer"))
    )


@transaction.atomic
def need_stop_messages(*, need: Need, stop: bool = True) -> Need:
    """Stop (or, with `stop=False`, resume) the messages sent to the resident about this need,
    for the holder of its tracking link; written in the timeline for staff. Its consumers
    (civicgrid/outreach) stop the messages still queued. Doing it twice changes nothing."""
    locked = Need.objects.select_for_update(of=("self",)).get(pk=need.pk)
    if (locked.messages_stopped_at is not None) == stop:
        need.messages_stopped_at = locked.messages_stopped_at
        return need
    stopped_at = timezone.now() if stop else None
    Need.objects.filter(pk=need.pk).update(messages_stopped_at=stopped_at)
    need.messages_stopped_at = stopped_at
    action = workflow.MESSAGES_STOP if stop else workflow.MESSAGES_RESUME
    workflow.note(need, action, workflow.RESIDENT)
    return need


def _check_may_publish(need: Need, by: workflow.By) -> None:
    """Publishing is a write on the need: whoever may change it (needs/access.py)."""
    from civicgrid.needs.access import check_may_write  # late: access → selectors → here

    if by.person is None:
        raise NotAllowed(_("You may not publish or unpublish this need."), code="not_allowed")
    check_may_write(by.person, need, "publish")


@transaction.atomic
def need_publish(*, need: Need, by: workflow.By, summary: str = "") -> Need:
    """Make the need's text and photos public (needs/publication.py): as `summary`, staff's
    edited public version, if given, else as the resident wrote it. Publishing again changes
    the summary. Refused for needs that may never be published (anonymous, entered by staff,
    hidden kinds, anonymised) and for people who may not change the need."""
    _check_may_publish(need, by)
    locked = Need.objects.select_for_update(of=("self",)).select_related("category").get(pk=need.pk)
    if not publication.publishable(locked):
        raise Invalid(
            _(
                "This need cannot be published: it is anonymous, was entered by staff on "
                "someone's behalf, is of a kind not shown to residents, or its personal data "
                "was removed."
            ),
            code="not_publishable",
        )
    summary = clean_text(summary, field=_("Public summary"), required=False)
    now = timezone.now()
    published_at = locked.published_at or now
    Need.objects.filter(pk=locked.pk).update(
        published_at=published_at, public_summary=summary, updated_at=now
    )
    need.published_at, need.public_summary = published_at, summary
    workflow.note(need, workflow.PUBLISH, by, data=events.Published(summary=bool(summary)))
    return need


@transaction.atomic
def need_unpublish(*, need: Need, by: workflow.By) -> Need:
    """Take the need's text and photos back from the public; the summary is kept for staff."""
    _check_may_publish(need, by)
    locked = Need.objects.select_for_update(of=("self",)).get(pk=need.pk)
    if locked.published_at is None:
        raise Conflict(_("This need is not published."), code="not_published")
    Need.objects.filter(pk=locked.pk).update(published_at=None, updated_at=timezone.now())
    need.published_at = None
    workflow.note(need, workflow.UNPUBLISH, by)
    return need


def contact_reveal(*, need: Need, person: Person) -> tuple[str, str]:
    """The contact phone and email in full, for someone who may see the need; every reveal
    is logged, one row per field shown."""
    if not can_see(person, need.node) and not workflow.actor_kinds(need, workflow.By(person)):
        raise NotAllowed(_("You may not see this number."))
    subject = f"need:{need.number}"
    fields = [f for f in ("contact_phone", "contact_email") if getattr(need, f)] or [
        "contact_phone"
    ]
    RevealLog.objects.bulk_create(RevealLog(actor=person, subject=subject, field=f) for f in fields)
    return need.contact_phone, need.contact_email
