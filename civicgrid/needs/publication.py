"""The publication rule: what the public may read of a need (docs/privacy.md, issue 11).

Every public surface — the tracking page without its key, its photo view, Open311 GET and the
updates feed — asks this module, and nothing else decides it. By default the public sees the
category, the state, the area's name, the dates and a coarse point. What a resident typed (the
description, the address) and the photos become public only when staff publish the need
(`services.need_publish`, optionally as an edited `public_summary`; the original stays
internal), or from intake in a category that is `public_by_default`. Never, whatever is
stored, for anonymous needs, needs staff entered on someone's behalf, hidden categories,
proactive work or anonymised needs. Staff notes are internal unless sent as a public reply
(`NeedEvent.public`); residents' own notes (withdraw and rating comments) are never public.

The holder of the keyed tracking link is not "the public": `owner_note`, and `event_photos` /
`photo_visible` with `owner=True`, say what they see of their own need.

Every function reads only the need's own fields, its category and node (select_related) and
its prefetched events and photos: a list of a thousand needs costs no query per need.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from civicgrid.needs import workflow
from civicgrid.needs.models import (
    ON_BEHALF_CHANNELS,
    OPEN_STATES,
    Kind,
    Need,
    NeedEvent,
    NeedPhoto,
    is_public_reply,
)

# 0.001° is ~111 m of latitude (~77 m of longitude at 46°N): a street, not a door.
COARSE_DIGITS = 3

# Timeline entries whose photos are the resident's report itself.
REPORT_ACTIONS = (workflow.RAISE,)


def publishable(need: Need) -> bool:
    """Whether the need may ever be published: a resident's own report, not anonymous, in a
    kind of need shown to residents, not anonymised. Reads `need.category` (select it)."""
    return (
        need.kind == Kind.REQUEST
        and not need.anonymous
        and need.channel not in ON_BEHALF_CHANNELS
        and need.anonymised_at is None
        and need.category.shown_to_residents
    )


def is_published(need: Need) -> bool:
    return need.published_at is not None and publishable(need)


def published_q(prefix: str = "") -> Q:
    """`is_published` as a filter, for lists (`prefix` "need__" for events and photos)."""
    p = prefix
    return Q(
        **{
            f"{p}published_at__isnull": False,
            f"{p}kind": Kind.REQUEST,
            f"{p}anonymous": False,
            f"{p}anonymised_at__isnull": True,
            f"{p}category__shown_to_residents": True,
        }
    ) & ~Q(**{f"{p}channel__in": list(ON_BEHALF_CHANNELS)})


def public_description(need: Need) -> str:
    """Staff's public summary, else the resident's description, once published; else ""."""
    if not is_published(need):
        return ""
    return need.public_summary or need.description


def public_address(need: Need) -> str:
    """The address the resident typed, once published; else "" (say the area's name)."""
    return need.address if is_published(need) else ""


def public_point(need: Need) -> tuple[float | None, float | None]:
    """The grid's centre when it has one, else the need's point rounded to ~100 m. Reads
    `need.node` (select it). Published or not: a door is never public."""
    node = need.node
    if node is not None and node.lat is not None and node.lon is not None:
        return node.lat, node.lon
    if need.lat is None or need.lon is None:
        return None, None
    return round(need.lat, COARSE_DIGITS), round(need.lon, COARSE_DIGITS)


def consulting(need: Need) -> bool:
    """Whether the public reads that a joint party committee is consulting on the need
    (联合党委会商中): it is open and held by the committee. What its units said stays with the
    staff; the outcome reaches the public as the public note of the resolution or of the return
    to the community."""
    return need.consultation_id is not None and need.state in OPEN_STATES


def public_note(event: NeedEvent, need: Need) -> str:
    """The event's note as the public may read it: public replies only, none once the need
    is anonymised (notes may quote the resident)."""
    if need.anonymised_at is not None or not is_public_reply(event):
        return ""
    return event.note


def public_status_note(need: Need) -> str:
    """The public reply sent with the need's last change of state (`public_note` of that
    event, kept on the need by the workflow: `Need.public_reply`)."""
    return "" if need.anonymised_at is not None else need.public_reply


def owner_note(event: NeedEvent, need: Need) -> str:
    """What the holder of the tracking link reads: public replies and their own notes."""
    if need.anonymised_at is not None:
        return ""
    if event.actor_kind == "resident" or is_public_reply(event):
        return event.note
    return ""


def _photo_public(event: NeedEvent | None) -> bool:
    """A photo is public (once its need is) when it is the report's own or a public reply's."""
    return event is None or event.action in REPORT_ACTIONS or is_public_reply(event)


def public_photos(
    need: Need,
    events: Iterable[NeedEvent] | None = None,
    photos: Iterable[NeedPhoto] | None = None,
) -> list[NeedPhoto]:
    """The need's photos the public may see: none until it is published; then the report's
    own photos and those sent with public replies. `events` are the need's events (those
    prefetched for a list); without them each photo's event is read. `photos` are the need's
    photos when the caller has read them (else `need.photos.all()`)."""
    if not is_published(need):
        return []
    by_id = {e.pk: e for e in events} if events is not None else None
    shown = []
    for photo in need.photos.all() if photos is None else photos:
        if photo.event_id is None:
            event = None
        elif by_id is not None:
            event = by_id.get(photo.event_id)
            if event is None:
                continue  # an event the caller left out (staff only): so is its photo
        else:
            event = photo.event
        if _photo_public(event):
            shown.append(photo)
    return shown


def event_photos(
    event: NeedEvent, need: Need, photos: Iterable[NeedPhoto], *, owner: bool = False
) -> list[NeedPhoto]:
    """Of one timeline entry's `photos`, those the public (or, with `owner`, the link's
    holder) may see."""
    if owner:
        mine = event.actor_kind == "resident" or _photo_public(event)
        return list(photos) if mine else []
    if not is_published(need) or not _photo_public(event):
        return []
    return list(photos)


def photo_visible(photo: NeedPhoto, need: Need, *, owner: bool = False) -> bool:
    """Whether the photo view may serve `photo` (of `need`) without login."""
    event = photo.event if photo.event_id else None
    if owner:
        return (event is not None and event.actor_kind == "resident") or _photo_public(event)
    return is_published(need) and _photo_public(event)
