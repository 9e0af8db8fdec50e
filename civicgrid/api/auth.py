"""Who is calling: a personal token (Bearer), the browser session (same-site pages, with CSRF),
or, on the few endpoints the resident page offers without an account, nobody.

Whoever it is acts with their own roles and scope: `request.user` is set to the token's
person, so every selector and service sees the same user as the console would.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connections, router
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from civicgrid.api.models import ApiToken
from civicgrid.api.services import is_demo_token, may_hold_token, split_token, token_hash
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
        person = None
        if parsed is not None:
            prefix, whole = parsed
            person = _holder(prefix)
            # Compare the hashes in constant time even though they are hashes: it costs
            # nothing and leaves nothing to reason about.
            if person is not None and not hmac.compare_digest(person.token_hash, token_hash(whole)):
                person = None
            # The demo's published token must not open a database that now serves for real.
            if person is not None and is_demo_token(prefix) and not settings.DEMO_MODE:
                person = None
        if person is None or not person.is_active:
            raise AuthenticationError(message=_("The API token is unknown or revoked."))
        # Checked on use, not only when made: a person whose staff role ends keeps no API.
        if not may_hold_token(person):
            raise AuthenticationError(message=_("API tokens are only for staff roles."))
        now = timezone.now()
        last_used = _aware(person.token_last_used_at)
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=person.token_id).update(last_used_at=now)
        request.user = person
        request.api_client = f"token:{person.token_id}"  # type: ignore[attr-defined]
        return person


def _holder(prefix: str) -> Any:
    """The person holding the unrevoked token with this prefix, read fresh on every request,
    with the token's `token_id`, `token_hash` and `token_last_used_at` as attributes; or None.

    One raw query through `Person.objects.raw`, which converts the columns as the ORM does:
    the same join written with `select_related(...).get()` cost 0.33 ms of CPU a request
    against 0.12 ms, most of it building the statement (docs/performance.md, fourth pass)."""
    alias = router.db_for_read(Person) or "default"
    for person in Person.objects.using(alias).raw(_holder_sql(alias), [prefix]):
        return person
    return None


def _aware(value: Any) -> dt.datetime | None:
    """A datetime read as an extra column of a raw query, which the ORM leaves as the driver
    gives it: aware on PostgreSQL, UTC text or a naive datetime on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


@functools.cache
def _holder_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    token, people = ApiToken._meta, Person._meta
    columns = ", ".join(f"p.{quote(str(f.column))}" for f in people.concrete_fields)
    t = {f.name: f"t.{quote(str(f.column))}" for f in token.concrete_fields}
    # Names come from the models; the prefix is the one parameter.
    return (
        f"SELECT {columns}, {t['id']} AS token_id, {t['token_hash']} AS token_hash, "  # noqa: S608
        f"{t['last_used_at']} AS token_last_used_at "
        f"FROM {quote(token.db_table)} t JOIN {quote(people.db_table)} p "
        f"ON p.{quote(str(people.pk.column))} = {t['person']} "
        f"WHERE {t['prefix']} = %s AND {t['revoked_at']} IS NULL"
    )


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


def caller_person(request: HttpRequest) -> Person:
    """The person behind the request (precondition: the endpoint takes a token or a session)."""
    person = caller(request)
    assert person is not None
    return person


def client_of(request: HttpRequest) -> str:
    """Who sent the request, for idempotency keys: "token:<id>", "user:<id>", "anon:<ip>"."""
    return str(getattr(request, "api_client", "") or f"anon:{client_ip(request)}")
