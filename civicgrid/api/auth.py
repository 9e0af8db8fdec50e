"""Who is calling: a personal token (Bearer), the browser session (same-site pages, with CSRF),
or, on the few endpoints the resident page offers without an account, nobody.

Whoever it is acts with their own roles and scope: `request.user` is set to the token's
person, so every selector and service sees the same user as the console would.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from civicgrid.api.models import ApiToken
from civicgrid.api.services import is_demo_token, split_token, token_hash
from civicgrid.core.errors import NotAllowed
from civicgrid.core.ratelimit import client_ip
from civicgrid.network.models import Person

# last_used_at is for people deciding which token to revoke: minute precision is plenty, and
# it spares a write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cg_<prefix>_<secret>`. A token that is sent but wrong, revoked
    or belongs to a deactivated person is refused (401), never treated as anonymous."""

    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        parsed = split_token(token.strip())
        row = None
        if parsed is not None:
            prefix, whole = parsed
            # get(), not first(): the prefix is unique, and first() would sort by the model's
            # ordering, which Django rebuilds on every request.
            try:
                row = ApiToken.objects.select_related("person").get(
                    prefix=prefix, revoked_at__isnull=True
                )
            except ApiToken.DoesNotExist:
                row = None
            # Compare the hashes in constant time even though they are hashes: it costs
            # nothing and leaves nothing to reason about.
            if row is not None and not hmac.compare_digest(row.token_hash, token_hash(whole)):
                row = None
        # The demo's published token must not open a database that now serves for real.
        if row is not None and is_demo_token(row.prefix) and not settings.DEMO_MODE:
            row = None
        if row is None or not row.person.is_active:
            raise AuthenticationError(message=_("The API token is unknown or revoked."))
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        person = row.person
        request.user = person
        request.api_client = f"token:{row.pk}"  # type: ignore[attr-defined]
        return person


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, for the site's own pages. Writes need the CSRF token
    (X-CSRFToken header), as every form of the site does."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: let the next method (or none) answer
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise NotAllowed(
                _("The CSRF token is missing or wrong: send it in the X-CSRFToken header."),
                code="csrf_failed",
            )
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        request.api_client = f"user:{request.user.pk}"  # type: ignore[attr-defined]
        return request.user


class Anonymous:
    """Lets the call through without credentials (last in the list: a token or a session, if
    any, is used first). Such callers are rate-limited per address by the endpoints."""

    def __call__(self, request: HttpRequest) -> AnonymousUser:
        request.api_client = f"anon:{client_ip(request)}"  # type: ignore[attr-defined]
        return AnonymousUser()


token_auth = TokenAuth()
session_auth = SessionAuth()
STAFF = [token_auth, session_auth]
OPEN = [token_auth, session_auth, Anonymous()]


def caller(request: HttpRequest) -> Person | None:
    """The person behind the request, or None for an anonymous caller."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Person) else None


def client_of(request: HttpRequest) -> str:
    """Who sent the request, for idempotency keys: "token:<id>", "user:<id>", "anon:<ip>"."""
    return str(getattr(request, "api_client", "") or f"anon:{client_ip(request)}")
