"""What a public reader sees of a message: the one rule every public surface asks.

Nothing of a message is public without its key (the tracking link `/liaison/t/<number>/<key>/`,
a keyed hash of the number: nothing stored). With the key: the message's kind, text, state,
due date, the answer and who answered by their public name (the representative's name, the
station's name; a station's staff member is shown as the station), and the need's public
tracking link when it became one. Never a phone (the resident's or anyone's), never staff
names other than the representative's, never the timeline's notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language

from civicgrid.liaison.models import Message, MessageState
from civicgrid.needs.tracking import tracking_url

KEY_LENGTH = 10


def message_key(number: str) -> str:
    return salted_hmac("civicgrid.liaison.tracking-link", number).hexdigest()[:KEY_LENGTH]


def key_ok(number: str, key: str) -> bool:
    return bool(key) and constant_time_compare(message_key(number), key)


def tracking_path(number: str) -> str:
    return reverse("liaison_public:track", args=[number, message_key(number)])


def _mongolian() -> bool:
    return (get_language() or "").startswith("mn")


def addressee_name(message: Message) -> str:
    """The public name of whom the message went to: the representative, or the station."""
    mn = _mongolian()
    rep = message.representative
    if rep is not None:
        return (rep.name_mn if mn and rep.name_mn else "") or rep.person.name
    station = message.station
    if station is None:
        return ""
    return (station.name_mn if mn and station.name_mn else "") or station.name


def answerer_name(message: Message) -> str:
    """Who answered, by public name: the representative when they did, else the station (or
    the representative's station) — never a staff member's own name."""
    if message.answered_by_id is None:
        return ""
    rep = message.representative
    if rep is not None and message.answered_by_id == rep.person_id:
        return addressee_name(message)
    station = message.station or (rep.station if rep is not None else None)
    if station is not None:
        mn = _mongolian()
        return (station.name_mn if mn and station.name_mn else "") or station.name
    return addressee_name(message)


@dataclass(frozen=True)
class PublicMessage:
    number: str
    kind: str
    kind_label: str
    text: str
    state: str
    state_label: str
    to: str
    created_at: dt.datetime
    answer_due: dt.datetime
    overdue: bool
    answer: str
    answered_at: dt.datetime | None
    answered_by: str
    by_need: bool
    need_url: str
    may_close: bool
    may_withdraw: bool


def public_view(message: Message, key: str) -> PublicMessage | None:
    """What the holder of `key` reads; None for a wrong key or a forgotten message."""
    if not key_ok(message.number, key) or message.forgotten_at is not None:
        return None
    need_url = tracking_url(message.need.number) if message.need_id and message.need else ""
    return PublicMessage(
        number=message.number,
        kind=message.kind,
        kind_label=str(message.get_kind_display()),
        text=message.text,
        state=message.state,
        state_label=str(message.get_state_display()),
        to=addressee_name(message),
        created_at=message.created_at,
        answer_due=message.answer_due,
        overdue=message.overdue_at is not None and message.state == MessageState.RECEIVED,
        answer=message.answer,
        answered_at=message.answered_at,
        answered_by=answerer_name(message),
        by_need=message.answered_at is not None and message.answered_by_id is None,
        need_url=need_url,
        may_close=message.state == MessageState.ANSWERED,
        may_withdraw=message.state == MessageState.RECEIVED,
    )
