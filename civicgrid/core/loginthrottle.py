"""Failed-login throttling, in the authentication backend so every login form is covered.

The staff console's login and the admin's both authenticate through this backend. Three counts,
each aimed at one attack without locking out the people it is not aimed at (docs/deploy.md):

- **Number and address** (guessing one account from one place): after
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS failures within LOGIN_LOCK_SECONDS, that number is
  refused from that address for LOGIN_LOCK_SECONDS. Its owner elsewhere is not.
- **Number, from anywhere** (guessing one account from many places): after
  LOGIN_BACKOFF_FREE_FAILURES failures each further attempt waits twice as long as the last,
  from one second up to LOGIN_BACKOFF_MAX_SECONDS. A back-off, never a lock: anyone can keep
  its owner out for at most that long, while a botnet gets one guess per delay. The count
  fades after LOGIN_FAILURE_WINDOW seconds without a failure.
- **Address, across numbers** (one place trying many accounts): an address that failed on
  LOGIN_FAILED_ACCOUNTS_PER_ADDRESS different numbers within LOGIN_FAILURE_WINDOW is refused
  for that long. Failures on one number count once, so one person's mistakes, or a few
  colleagues' behind one office NAT, never lock the office.

Every refusal is the same whether the number exists or not, and is decided before the password
is checked (no hash work, nothing learned). A successful login clears its number's counts (not
the address's: one's own good account must not reset an attacker's count).

Outside demo mode, a password that is the demo's published one is refused even when right: a
database built by `civicgrid demo` and then served for real must not open with it. The check
compares the typed password after a successful login, so failures cost nothing more.

The refusal is a ValidationError raised from authenticate(): Django's AuthenticationForm
(and the admin's, which extends it) shows it as the form's error.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from civicgrid.core import demoguard, ratelimit


class LoginThrottled(ValidationError):
    """Too many failed logins for this number or from this address."""


def _account(mobile: str) -> str:
    # Hashed: the key holds no phone number and has a fixed length whatever was typed.
    return hashlib.sha256(mobile.strip().encode()).hexdigest()[:32]


def throttled_message(wait_seconds: int) -> str:
    if wait_seconds < 60:
        return ngettext(
            "Too many failed logins. Try again in %(seconds)d second.",
            "Too many failed logins. Try again in %(seconds)d seconds.",
            wait_seconds,
        ) % {"seconds": wait_seconds}
    minutes = math.ceil(wait_seconds / 60)
    return ngettext(
        "Too many failed logins. Try again in %(minutes)d minute.",
        "Too many failed logins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# --- Per number, from anywhere: a growing delay ----------------------------------------------


def _backoff_keys(account: str) -> tuple[str, str]:
    return f"login-backoff:{account}", f"login-backoff-gate:{account}"


def _delay(failures: int) -> int:
    """Seconds the number waits after its `failures`-th failure."""
    free = settings.LOGIN_BACKOFF_FREE_FAILURES
    if failures < free:
        return 0
    # Capped exponent: 2**huge would be a huge int for nothing.
    return int(min(settings.LOGIN_BACKOFF_MAX_SECONDS, 2 ** min(failures - free, 30)))


def _gate_wait(gate: str) -> int:
    until = caches["default"].get(gate)
    return 0 if until is None else max(0, math.ceil(until - time.time()))


def account_wait(mobile: str) -> int:
    """Seconds before this number may be tried again (0: now)."""
    return _gate_wait(_backoff_keys(_account(mobile))[1])


def _claim(account: str) -> int:
    """0 if this attempt may go ahead, else the seconds to wait. In back-off, an attempt takes
    the gate for the current delay with an atomic add(): of many parallel guesses sent the
    moment a delay ends, one is tried and the rest are refused."""
    cache = caches["default"]
    count_key, gate = _backoff_keys(account)
    wait = _gate_wait(gate)
    if wait:
        return wait
    delay = _delay(cache.get(count_key, 0))
    if delay and not cache.add(gate, time.time() + delay, timeout=delay):
        return max(1, _gate_wait(gate))
    return 0


def _account_failed(account: str) -> None:
    cache = caches["default"]
    count_key, gate = _backoff_keys(account)
    window = settings.LOGIN_FAILURE_WINDOW
    failures = int(cache.get(count_key, 0)) + 1
    # Read, add one, write: two racing failures may count as one, which is the attacker's
    # gain of one guess; the gate taken in _claim is what bounds parallel guessing.
    cache.set(count_key, failures, timeout=window)
    delay = _delay(failures)
    if delay:
        cache.set(gate, time.time() + delay, timeout=delay)


def _account_succeeded(account: str) -> None:
    caches["default"].delete_many(list(_backoff_keys(account)))


# --- The backend -----------------------------------------------------------------------------


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        account = _account(username)
        ip = ratelimit.client_ip(request) if request is not None else ""
        pair = f"{account}:{ip}"
        lock = settings.LOGIN_LOCK_SECONDS
        window = settings.LOGIN_FAILURE_WINDOW
        wait = 0
        if ip:
            wait = max(ratelimit.blocked("login-ip", ip), ratelimit.blocked("login-pair", pair))
        # The back-off's gate is claimed last: a refusal above must not take it.
        wait = wait or _claim(account)
        if wait:
            raise LoginThrottled(throttled_message(wait), code="throttled")
        user = super().authenticate(request, username, password, **kwargs)
        demo_password = user is not None and _is_demo_password(password)
        if user is None or demo_password:
            _account_failed(account)
            if ip:
                limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
                ratelimit.count("login-pair", pair, limit=limit, per=lock)
                _address_failed(ip, account, window)
        else:
            _account_succeeded(account)
            ratelimit.forget("login-pair", pair, per=lock)
        if demo_password:
            raise ValidationError(
                gettext(
                    "This account still has the demo password, which works only in demo mode. "
                    "An administrator must set a new password: "
                    "civicgrid changepassword <mobile number>."
                ),
                code="demo_password",
            )
        return user


def _address_failed(ip: str, account: str, window: int) -> None:
    """Count the number for the address once per window, however often it failed there."""
    seen = f"login-ip-seen:{ip}:{account}:{int(time.time() // window)}"
    if caches["default"].add(seen, 1, timeout=window + 5):
        limit = settings.LOGIN_FAILED_ACCOUNTS_PER_ADDRESS
        ratelimit.count("login-ip", ip, limit=limit, per=window)


def _is_demo_password(password: str) -> bool:
    if settings.DEMO_MODE:
        return False
    return demoguard.is_demo_password(password)
