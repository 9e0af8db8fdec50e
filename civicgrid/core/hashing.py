"""Keyed hashes that stand in for identifiers we must match but need not read back.

No model stores an identity-card number (身份证号). If a module ever needs to recognise one
(say, to tell whether a person was visited before), it stores `identity_digest(number)` in a
field whose name ends in `_digest`, never the number: the same number always gives the same
digest, and without PRIVACY_HMAC_KEY nobody can test guesses against a stolen table.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.crypto import salted_hmac

_SPACES = re.compile(r"[\s\-]")


def keyed_digest(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of `value` under PRIVACY_HMAC_KEY, separated by `purpose` (64 hex)."""
    # The salt keeps the name of the app this module came from: stored digests stay valid.
    return salted_hmac(
        f"civicgrid.privacy.{purpose}", value, secret=settings.PRIVACY_HMAC_KEY, algorithm="sha256"
    ).hexdigest()


def identity_digest(number: str) -> str:
    """The digest of an identity-card number, written any way (spaces, lower-case x)."""
    return keyed_digest(_SPACES.sub("", number or "").upper(), purpose="identity-card")


def phone_digest(phone: str) -> str:
    """The digest of a mobile number: how the request log names whose data was asked for."""
    return keyed_digest(_SPACES.sub("", phone or ""), purpose="phone")
