"""Failed-login throttling, in the authentication backend so every login form is covered.

The staff console's login and the admin's both authenticate through this backend. Failures
are counted in the shared cache (core/ratelimit.py) per mobile number and per client address;
once either reaches its limit (LOGIN_FAILURES_PER_MOBILE, LOGIN_FAILURES_PER_IP) within a
window of LOGIN_FAILURE_WINDOW seconds, every login for that number or from that address is
refused for LOGIN_FAILURE_WINDOW seconds, with the same message whether the number exists or
not. A successful login clears its number's count (not the address's: one's own good account
must not reset an attacker's count).

The refusal is a ValidationError raised from authenticate(): Django's AuthenticationForm
(and the admin's, which extends it) shows it as the form's error.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext

from civicgrid.core import ratelimit


class LoginThrottled(ValidationError):
    """Too many failed logins for this number or from this address."""


def _subjects(request: HttpRequest | None, mobile: str) -> list[tuple[str, str, int]]:
    """(scope, who, limit) for each count this login attempt belongs to."""
    # Hashed: the key holds no phone number and has a fixed length whatever was typed.
    digest = hashlib.sha256(mobile.strip().encode()).hexdigest()[:32]
    subjects = [("login-mobile", digest, settings.LOGIN_FAILURES_PER_MOBILE)]
    if request is not None:
        ip = ratelimit.client_ip(request)
        subjects.append(("login-ip", ip, settings.LOGIN_FAILURES_PER_IP))
    return subjects


def throttled_message(wait_seconds: int) -> str:
    minutes = max(1, math.ceil(wait_seconds / 60))
    return ngettext(
        "Too many failed logins. Try again in %(minutes)d minute.",
        "Too many failed logins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


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
        per = settings.LOGIN_FAILURE_WINDOW
        subjects = _subjects(request, username)
        wait = max(ratelimit.blocked(scope, who) for scope, who, _limit in subjects)
        if wait:
            raise LoginThrottled(throttled_message(wait), code="throttled")
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            for scope, who, limit in subjects:
                ratelimit.count(scope, who, limit=limit, per=per)
        else:
            scope, who, _limit = subjects[0]
            ratelimit.forget(scope, who, per=per)
        return user
