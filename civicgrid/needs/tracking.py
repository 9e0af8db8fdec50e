"""Tracking links: the number of a need with a key that proves the holder raised it. The
resident pages, the REST API and Open311 all hand out the same link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

KEY_LENGTH = 10


def tracking_key(number: str) -> str:
    """The key in a tracking link: who holds the link may rate or withdraw the need. A keyed
    hash of the number, so nothing is stored and it cannot be worked out from the number."""
    return salted_hmac("civicgrid.needs.tracking-link", number).hexdigest()[:KEY_LENGTH]


def key_ok(number: str, key: str) -> bool:
    return bool(key) and constant_time_compare(tracking_key(number), key)


def tracking_url(number: str, *, key: bool = True) -> str:
    url = reverse("resident:track", args=[number])
    return f"{url}?{urlencode({'k': tracking_key(number)})}" if key else url
