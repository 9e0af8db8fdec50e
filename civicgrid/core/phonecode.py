"""One-time codes by text message: proof that someone holds a mobile number, for people
without an account (a resident who lost the receipt of a need finds it again by phone).

    sent = phonecode.send(phone, purpose="find-needs", text=_("… %(code)s …"))
    ...
    if phonecode.check(phone, purpose="find-needs", code=typed) is Checked.OK: ...

A code is six digits, lives `LIFETIME`, takes `MAX_ATTEMPTS` guesses and is spent when right.
Only keyed digests of the number and the code are stored. The text goes out through the
notification backends (`notifications.send_text`: the log in the demo, an SMS gateway in
production) from the worker, never from the request. How often a number may be sent a code
is limited here (`PER_PHONE` in `PER_PHONE_WINDOW`); how often one address may ask is the
caller's rate limit.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from civicgrid.core import notifications, ratelimit
from civicgrid.core.hashing import keyed_digest, phone_digest
from civicgrid.core.models import PhoneCode

LIFETIME = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Codes sent to one number: a stranger typing someone's number cannot flood their phone.
PER_PHONE = 3
PER_PHONE_WINDOW = 3600
# Spent and expired codes are kept this long (a record of what was sent), then deleted.
KEEP = dt.timedelta(days=1)


class Checked(enum.Enum):
    OK = "ok"
    WRONG = "wrong"  # a guess was used; the code is still alive
    SPENT = "spent"  # no live code: never sent, expired, used, or out of guesses


def _code_digest(code: str, phone: str) -> str:
    # The number is part of the digest: a code is only good with its own number.
    return keyed_digest(f"{phone}:{code}", purpose="phone-code")


def send(phone: str, *, purpose: str, text: str, deliver: bool = True) -> int:
    """Draw a code for `phone`, store its digest and have `text % {"code": code}` sent.
    Returns 0, or the seconds to wait when the number has been asked for `PER_PHONE` codes
    already in this window (nothing is sent then). Earlier live codes for the number are spent.

    With `deliver=False` (a number the caller knows nothing of) the request is counted the
    same and nothing is stored or sent: the asker sees the same answer either way, so the
    page does not tell who left needs with us."""
    digest = phone_digest(phone)
    wait = ratelimit.hit(f"phone-code:{purpose}", digest, limit=PER_PHONE, per=PER_PHONE_WINDOW)
    if wait or not deliver:
        return wait
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(phone_digest=digest, purpose=purpose, spent=False).update(
            spent=True
        )
        PhoneCode.objects.create(
            purpose=purpose,
            phone_digest=digest,
            code_digest=_code_digest(code, phone),
            created_at=now,
            expires_at=now + LIFETIME,
        )
        notifications.send_text(phone, text % {"code": code})
    return 0


def check(phone: str, *, purpose: str, code: str) -> Checked:
    """Whether `code` is the live code of `phone` for `purpose`. Each call uses a guess; the
    right one spends the code, so it proves the number once."""
    code = "".join(ch for ch in code if ch.isdigit())
    live = PhoneCode.objects.filter(
        phone_digest=phone_digest(phone),
        purpose=purpose,
        spent=False,
        expires_at__gt=timezone.now(),
        attempts__lt=MAX_ATTEMPTS,
    )
    with transaction.atomic():
        row = live.select_for_update().order_by("-created_at").first()
        if row is None:
            return Checked.SPENT
        right = len(code) == 6 and constant_time_compare(row.code_digest, _code_digest(code, phone))
        PhoneCode.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, spent=right or row.attempts + 1 >= MAX_ATTEMPTS
        )
    return Checked.OK if right else Checked.WRONG


def prune(now: dt.datetime | None = None) -> int:
    """Delete codes created over `KEEP` ago; returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _by_model = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted
