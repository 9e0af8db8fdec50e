"""Writes about personal information (PIPL): a resident's data export, anonymising closed
needs by request or when the retention period ends, and the reveal log of bulk downloads.

Who may: a superuser, or community staff and admins for the needs under the nodes their role
is bound to (the same people who read phones in full in the ledgers). Commands and the worker
act for the operator and see everything. Every export and anonymisation is logged in
`DataRequest`; staff exports are also written to the reveal log. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.butler import personal as butler_personal
from civicgrid.care import personal as care_personal
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.hashing import phone_digest
from civicgrid.core.models import Notification, RevealLog
from civicgrid.core.notifications import render as render_text
from civicgrid.liaison import personal as liaison_personal
from civicgrid.mailbox import personal as mailbox_personal
from civicgrid.needs import events, extensions, workflow
from civicgrid.needs.models import FINAL_STATES, Need, NeedEvent, NeedPhoto, QuestionKind
from civicgrid.needs.reveal import may_read_phones, phone_paths
from civicgrid.needs.services import clean_phone, clean_text, normalise_number
from civicgrid.network.models import Person, Role, RoleBinding, mask_mobile
from civicgrid.network.scope import paths_q, within_paths
from civicgrid.privacy.models import DataRequest, RequestKind
from civicgrid.representatives import personal as representatives_personal
from civicgrid.reviews import personal as reviews_personal
from civicgrid.services import personal as service_personal
from civicgrid.volunteers import wishes as wish_rules
from civicgrid.volunteers.models import Wish

log = logging.getLogger("civicgrid.privacy")

CHUNK = 500


# --- Who may -------------------------------------------------------------------------------


# Modules that keep a little about a resident's phone, each answering the same three calls:
# `personal_export(phone=, by=)` (a dict of named lists of rows), `phone_forget(phone=, by=)`
# (a count, or a result with `.total`) and `retention(now=)`, run by the retention pass.
PERSONAL_MODULES: tuple[tuple[str, Any], ...] = (
    ("representatives", representatives_personal),
    ("liaison", liaison_personal),
    ("mailbox", mailbox_personal),
    ("reviews", reviews_personal),
    ("butler", butler_personal),
)


def may_handle_requests(user: Any) -> bool:
    """Whether the user may export or anonymise anyone's data (somewhere)."""
    return may_read_phones(user)


def needs_in_reach(user: Person | None) -> QuerySet[Need]:
    """The needs whose personal data `user` may export or remove; None: the operator."""
    needs = Need.objects.all()
    if user is None:
        return needs
    paths = phone_paths(user)
    if paths is None:
        return needs
    if not paths:
        return needs.none()
    return needs.filter(paths_q(paths, node_field="node"))


def wishes_in_reach(user: Person | None) -> QuerySet[Wish]:
    """The micro-wishes whose person's data `user` may export or remove, by their community
    (the same reach as needs); None: the operator."""
    found = Wish.objects.all()
    if user is None:
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field="community"))


def _wish_row(wish: Wish) -> dict[str, Any]:
    return {
        "title": wish.title,
        "community": wish.community.name,
        "state": wish.state,
        "posted_at": _local(wish.created_at),
        "person_name": wish.person_name,
        "phone": wish.person_mobile,
    }


def _check_reach(user: Person | None, need: Need) -> None:
    if user is None:
        return
    paths = phone_paths(user)
    if not within_paths(paths, need.node.path):
        raise NotAllowed(
            _("Only community staff and admins of this need's area may handle its personal data.")
        )


def _clean_reason(reason: str) -> str:
    return clean_text(reason, field=_("Reason"), required=False, limit=200)


# --- The resident's data export ------------------------------------------------------------


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _event_row(event: NeedEvent) -> dict[str, Any]:
    # Staff appear by kind, not by name: the export holds the resident's data, not theirs.
    who = event.actor_kind or ("staff" if event.actor_id else "")
    return {
        "seq": event.seq,
        "action": event.action,
        "action_label": str(workflow.ACTION_LABELS.get(event.action, event.action)),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "by": who,
        "note": event.note,
        "at": _local(event.created_at),
    }


def _need_row(need: Need, kept: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": need.number,
        "kind": need.kind,
        "category": need.category.label,
        "state": need.state,
        "state_label": str(need.get_state_display()),
        "channel": need.channel,
        "place": need.node.name,
        "address": need.address,
        "lat": need.lat,
        "lon": need.lon,
        "description": need.description,
        "answers": need.answers,
        "contact_name": need.contact_name,
        "contact_phone": need.contact_phone,
        "contact_email": need.contact_email,
        "anonymous": need.anonymous,
        "on_behalf_of": need.on_behalf_of,
        "raised_at": _local(need.created_at),
        "closed_at": _local(need.closed_at),
        "rating": need.rating,
        "rating_comment": need.rating_comment,
        "rated_at": _local(need.rated_at),
        "anonymised_at": _local(need.anonymised_at),
        "timeline": [_event_row(e) for e in need.events.all()],  # prefetched in seq order
        "photos": [
            {"file": p.image.name, "width": p.width, "height": p.height, "at": _local(p.created_at)}
            for p in need.photos.all()
        ],
        # What other apps keep about it (needs/extensions.py): messages sent, a WeChat openid.
        **kept,
    }


def _account(phone: str) -> dict[str, Any] | None:
    person = Person.objects.filter(mobile=phone).first()
    if person is None:
        return None
    roles = RoleBinding.objects.filter(person=person).select_related("node")
    notes = Notification.objects.filter(recipient=person).order_by("created_at", "id")
    return {
        "name": person.name,
        "mobile": person.mobile,
        "date_joined": _local(person.date_joined),
        "last_login": _local(person.last_login),
        "roles": [{"role": str(Role(b.role).label), "node": b.node.name} for b in roles],
        "notifications": [
            {
                "text": render_text(n.kind, n.data),
                "at": _local(n.created_at),
                "read_at": _local(n.read_at),
            }
            for n in notes.iterator(chunk_size=CHUNK)
        ],
    }


@transaction.atomic
def personal_data_export(
    *, phone: str, by: Person | None, via: str, reason: str = ""
) -> dict[str, Any]:
    """Everything held about a mobile number that `by` may hand out: the needs raised with
    it as contact phone (their timelines, ratings, photo list, who saw the number), the
    micro-wishes, appointments and room bookings made with it, and the account with that
    mobile (its roles and inbox). Logged; None as `by` is the operator."""
    phone = clean_phone(phone, required=True)
    reason = _clean_reason(reason)
    if by is not None and not may_handle_requests(by):
        raise NotAllowed(_("Only community staff and admins handle personal data requests."))
    needs = list(
        needs_in_reach(by)
        .filter(contact_phone=phone)
        .select_related("category", "node")
        .prefetch_related("photos", Prefetch("events", NeedEvent.objects.order_by("seq")))
        .order_by("created_at", "id")
    )
    kept = extensions.personal(needs)
    subjects = [f"need:{n.number}" for n in needs]
    reveals = RevealLog.objects.filter(subject__in=subjects, field="contact_phone")
    data = {
        "phone": phone,
        "exported_at": _local(timezone.now()),
        "needs": [_need_row(n, kept.get(n.pk, {})) for n in needs],
        # Micro-wishes posted for the person with this phone (people who serve).
        "wishes": [
            _wish_row(w)
            for w in wishes_in_reach(by)
            .filter(person_mobile=phone)
            .select_related("community")
            .order_by("created_at", "id")
        ],
        # Appointments and room bookings made with this phone (services close to home).
        "appointments": service_personal.export_appointments(
            service_personal.bookings_in_reach(by).filter(resident_phone=phone)
        ),
        "room_bookings": service_personal.export_room_bookings(
            service_personal.room_bookings_in_reach(by).filter(contact_phone=phone)
        ),
        # The care register: the person with this phone, or whose guardian it is, their
        # orders, visits and household's cards (care/personal.py).
        "care": care_personal.personal_export(phone=phone, by=by),
        # Messages to representatives, proposals and supports, department reviews, enterprise
        # contacts, and a representative's own mandates (PERSONAL_MODULES).
        "modules": {
            name: module.personal_export(phone=phone, by=by) for name, module in PERSONAL_MODULES
        },
        "phone_revealed_to_staff": [
            {"need": r.subject.split(":", 1)[1], "at": _local(r.created_at)}
            for r in reveals.order_by("created_at")
        ],
        # An account's data is everyone's business only under a superuser or the operator.
        "account": _account(phone) if by is None or by.is_superuser else None,
    }
    DataRequest.objects.create(
        kind=RequestKind.EXPORT,
        actor=by,
        via=via,
        phone_digest=phone_digest(phone),
        masked_phone=mask_mobile(phone),
        needs=len(needs),
        reason=reason,
    )
    if by is not None:
        RevealLog.objects.create(
            actor=by, subject=f"phone:{mask_mobile(phone)}", field="personal_data_export"
        )
    return data


# --- Anonymisation -------------------------------------------------------------------------

# What anonymisation removes from a need (the rest, which every figure is counted from, stays:
# state, dates, place as the grid, category, channel, kind, rating, the event log).
CLEARED = {
    "contact_phone": "",
    "contact_name": "",
    "on_behalf_of": "",
    "address": "",
    "lat": None,
    "lon": None,
    "description": "",
    "rating_comment": "",
    "contact_email": "",
    "public_summary": "",  # staff's public version may quote the resident too
    "public_reply": "",  # a copy of an event's note (the events' own notes are masked)
}

# What replaces personal data in event notes.
MASK = "***"
# A Chinese mobile number (optionally +86) and an 18-character ID-card number (17 digits and a
# check digit or X), standing alone: not part of a longer run of digits such as an order number.
MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9]{9}(?![0-9])")
ID_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_personal(text: str, *, contacts: list[str]) -> str:
    """`text` with the given contact values (a phone, a name, an e-mail) and anything shaped
    like a mobile or ID-card number replaced by MASK. Names shorter than two characters are
    left: masking every "王" would garble the note and protect no one."""
    for value in sorted({c.strip() for c in contacts if len(c.strip()) >= 2}, key=len)[::-1]:
        text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    text = ID_CARD_IN_TEXT.sub(MASK, text)
    return MOBILE_IN_TEXT.sub(MASK, text)


def _contacts(need: Need) -> list[str]:
    return [need.contact_phone, need.contact_name, need.on_behalf_of, need.contact_email]


def _mask_event_notes(need: Need) -> None:
    """Events are append-only, with one exception made here and only here: anonymisation
    masks the personal data their notes quote (`NeedEventQuerySet.privacy_mask_note`)."""
    contacts = _contacts(need)
    for pk, note in NeedEvent.objects.filter(need=need).exclude(note="").values_list("pk", "note"):
        masked = mask_personal(note, contacts=contacts)
        if masked != note:
            NeedEvent.objects.privacy_mask_note(pk, masked)


def _kept_answers(need: Need) -> dict[str, Any]:
    """Choice and number answers stay (they describe the problem); free text goes."""
    free = set(need.category.questions.filter(kind=QuestionKind.TEXT).values_list("key", flat=True))
    return {k: v for k, v in (need.answers or {}).items() if k not in free}


def _forget_notes(need: Need) -> None:
    """Notifications about the need may quote a resident's words (a reopening's reason)."""
    for row in Notification.objects.filter(url=f"/console/needs/{need.number}/"):
        if row.data.get("note"):
            row.data = {k: v for k, v in row.data.items() if k != "note"}
            row.save(update_fields=["data"])


@transaction.atomic
def need_anonymise(
    *, need: Need, by: Person | None, reason: str, via: str = "console", log_request: bool = True
) -> Need:
    """Remove the personal data of a closed need: contact phone and name, the name it was
    entered on behalf of, the address and precise point (the grid stays), the description,
    free-text answers, the rating comment and the photos; masks the contact, mobile and
    ID-card numbers quoted in event notes (the one change ever made to an event). Stamps
    `anonymised_at` and appends an "anonymise" event (docs/privacy.md).

    Raises Conflict for an open (or resolved, unrated) need, NotAllowed outside `by`'s reach."""
    reason = _clean_reason(reason)
    locked = Need.objects.select_for_update(of=("self",)).select_related("node", "category")
    need = locked.get(pk=need.pk)
    _check_reach(by, need)
    if need.state not in FINAL_STATES:
        raise Conflict(
            _(
                "Need %(number)s is %(state)s: personal data is removed only once a need is "
                "closed (closed, rejected, withdrawn or merged)."
            )
            % {"number": need.number, "state": need.get_state_display()},
            code="need_open",
        )
    if need.anonymised_at is not None:
        return need
    # Before the contact is cleared: it is what the notes are searched for.
    _mask_event_notes(need)
    reason = mask_personal(reason, contacts=_contacts(need))
    now = timezone.now()
    fields = {**CLEARED, "answers": _kept_answers(need), "anonymised_at": now}
    Need.objects.filter(pk=need.pk).update(**fields)
    for name, value in fields.items():
        setattr(need, name, value)
    photos = list(NeedPhoto.objects.filter(need=need))
    files = [(p.image.storage, p.image.name) for p in photos if p.image.name]
    NeedPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
    # Files go once the rows are gone for good: a rolled-back transaction keeps both.
    transaction.on_commit(lambda: _delete_files(files))
    _forget_notes(need)
    actor = workflow.By(person=by) if by is not None else workflow.SYSTEM
    workflow.note(need, workflow.ANONYMISE, actor, note=reason, data=events.Anonymised(via=via))
    if log_request:
        DataRequest.objects.create(
            kind=RequestKind.ANONYMISE,
            actor=by,
            via=via,
            need_number=need.number,
            needs=1,
            reason=reason,
        )
    return need


def _delete_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete photo %s", name)


@dataclass
class PhoneAnonymised:
    done: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)
    wishes: int = 0  # closed micro-wishes whose person's name and phone were forgotten
    appointments: int = 0  # closed appointments whose resident's data was forgotten
    room_bookings: int = 0  # closed room bookings whose contact was forgotten
    # Open appointments and room bookings left as they are ("一元理发 2025-05-06 09:00").
    bookings_open: list[str] = field(default_factory=list)
    # The care register: who was forgotten, and who is still on it (left untouched).
    care: care_personal.CareForgotten = field(default_factory=care_personal.CareForgotten)
    # Rows forgotten by each of PERSONAL_MODULES ("liaison": 3).
    modules: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def phone_anonymise(*, phone: str, by: Person | None, reason: str, via: str) -> PhoneAnonymised:
    """Anonymise every closed need raised with this contact phone within `by`'s reach, and
    forget the person on closed micro-wishes, appointments and room bookings; open needs,
    appointments and room bookings are left and listed (handled once closed)."""
    phone = clean_phone(phone, required=True)
    reason = _clean_reason(reason)
    if by is not None and not may_handle_requests(by):
        raise NotAllowed(_("Only community staff and admins handle personal data requests."))
    result = PhoneAnonymised()
    for need in needs_in_reach(by).filter(contact_phone=phone).order_by("created_at", "id"):
        if need.state not in FINAL_STATES:
            result.still_open.append(need.number)
            continue
        need_anonymise(need=need, by=by, reason=reason, via=via, log_request=False)
        result.done.append(need.number)
    # Micro-wishes posted for the person: closed ones forget the name and phone; open ones
    # still need them to be fulfilled (asked again once closed).
    result.wishes = wish_rules.forget_people(wishes_in_reach(by).filter(person_mobile=phone))
    # Appointments and room bookings: the same, closed ones forgotten, open ones listed.
    bookings = service_personal.bookings_in_reach(by).filter(resident_phone=phone)
    rooms = service_personal.room_bookings_in_reach(by).filter(contact_phone=phone)
    result.appointments = service_personal.forget_people(bookings)
    result.room_bookings = service_personal.forget_people(rooms)
    result.bookings_open = service_personal.open_labels(bookings) + service_personal.open_labels(
        rooms
    )
    result.care = care_personal.phone_forget(phone=phone, by=by)
    for name, module in PERSONAL_MODULES:
        forgotten = module.phone_forget(phone=phone, by=by)
        result.modules[name] = forgotten if isinstance(forgotten, int) else forgotten.total
    DataRequest.objects.create(
        kind=RequestKind.ANONYMISE,
        actor=by,
        via=via,
        phone_digest=phone_digest(phone),
        masked_phone=mask_mobile(phone),
        needs=len(result.done),
        reason=reason,
    )
    return result


def expired_needs(now: dt.datetime | None = None) -> QuerySet[Need]:
    """Closed needs whose retention period has ended and that still hold personal data."""
    days = settings.NEED_RETENTION_DAYS
    if days <= 0:
        return Need.objects.none()
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return Need.objects.filter(
        state__in=FINAL_STATES, closed_at__lt=cutoff, anonymised_at__isnull=True
    )


def anonymise_expired(*, now: dt.datetime | None = None, via: str = "worker") -> int:
    """Anonymise every need closed longer ago than NEED_RETENTION_DAYS, one transaction per
    need (a run killed half-way leaves the rest for the next). Returns how many."""
    reason = _("Retention period of %(days)d days ended.") % {"days": settings.NEED_RETENTION_DAYS}
    count = 0
    for need in expired_needs(now).order_by("closed_at", "id").iterator(chunk_size=CHUNK):
        try:
            need_anonymise(need=need, by=None, reason=reason, via=via, log_request=False)
        except Conflict:
            continue  # reopened meanwhile
        count += 1
    if count:
        DataRequest.objects.create(kind=RequestKind.RETENTION, via=via, needs=count, reason=reason)
    # Closed micro-wishes keep the person's name and phone no longer than needs keep theirs.
    if settings.NEED_RETENTION_DAYS > 0:
        cutoff = (now or timezone.now()) - dt.timedelta(days=settings.NEED_RETENTION_DAYS)
        wish_rules.forget_people(wish_rules.expired(cutoff))
    # So do appointments and room bookings (services/personal.py, in batches).
    service_personal.retention(now=now)
    # People who left the care register longer ago than CARE_RETENTION_DAYS (care/personal.py).
    care_personal.retention(now=now)
    for _name, module in PERSONAL_MODULES:
        module.retention(now=now)
    return count


def find_need(number: str) -> Need:
    need = Need.objects.filter(number=normalise_number(number)).first()
    if need is None:
        raise Invalid(_("No need has the number %(number)s.") % {"number": number}, code="no_need")
    return need
