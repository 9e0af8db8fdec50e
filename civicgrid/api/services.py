"""Writes that belong to the API itself: personal tokens, idempotent creates, reading
notifications. Needs are raised and moved by `needs.services`, never here."""

from __future__ import annotations

import hashlib
import secrets
import string
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.api.models import ApiToken, IdempotencyKey
from civicgrid.core.errors import Invalid, NotAllowed, NotFound
from civicgrid.core.inserts import insert
from civicgrid.needs import services as need_services
from civicgrid.needs.models import Need
from civicgrid.network.models import Person
from civicgrid.network.scope import is_staff_user

TOKEN_PREFIX = "cg"  # noqa: S105 (the tokens' fixed first part, not a secret)
# The prefix is letters and digits only, so that "_" separates the token's parts unambiguously
# (the secret part is URL-safe base64, which may itself contain "_").
PREFIX_ALPHABET = string.ascii_letters + string.digits
PREFIX_LENGTH = 8
MAX_TOKENS = 20


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """(prefix, whole token) for a well-formed "cg_<prefix>_<secret>", else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1], token


def may_hold_token(person: Person) -> bool:
    """Whether this person may make and use API tokens: an active account with a staff role
    (or a superuser). Checked when a token is made and on every request it makes."""
    return person.is_active and is_staff_user(person)


@transaction.atomic
def token_create(*, person: Person, name: str) -> tuple[ApiToken, str]:
    """A new token acting as `person`; returns the row and the token, which is never shown
    again (only its hash is kept). Only staff roles hold tokens: a resident's account with a
    token could script the resident channel past its per-address limits."""
    if not may_hold_token(person):
        raise NotAllowed(_("API tokens are only for staff roles."), code="tokens_for_staff_only")
    name = need_services.clean_text(name, field=_("Name"), limit=60)
    if ApiToken.objects.filter(person=person, revoked_at__isnull=True).count() >= MAX_TOKENS:
        raise Invalid(
            _("You have %(max)d tokens; revoke one you no longer use first.") % {"max": MAX_TOKENS},
            code="too_many_tokens",
        )
    for _attempt in range(5):
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                row = ApiToken.objects.create(
                    person=person, name=name, prefix=prefix, token_hash=token_hash(token)
                )
        except IntegrityError:
            continue  # a prefix collision (1 in 62^8 per pair): draw again
        return row, token
    raise RuntimeError("could not draw a unique token prefix")


@transaction.atomic
def token_revoke(*, person: Person, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens; it is refused from the next request on."""
    row = ApiToken.objects.select_for_update().filter(pk=token_id, person=person).first()
    if row is None:
        raise NotFound(_("No such token."))
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


# Not atomic as a whole: need_raise's block is the transaction (a savepoint only when a caller
# already opened one), which spares a savepoint's two round trips per create.
def need_raise_once(*, client: str, key: str | None, **raise_kwargs: Any) -> tuple[Need, bool]:
    """`needs.services.need_raise`, at most once per (client, Idempotency-Key).

    Returns the need and whether it was made now (False: a retry, the first need returned).
    The key row is written in the need's own transaction, and its unique constraint decides:
    a retry, or the loser of two concurrent creates with one key, fails to insert it, which
    rolls its need back with it, and is given the need the key already names. No duplicate
    survives. First creates, nearly all of them, so need no lookup before their writes; a
    retry pays for a rolled-back transaction instead.
    """
    if not key:
        return need_services.need_raise(**raise_kwargs), True
    try:
        need = need_services.need_raise(
            **raise_kwargs,
            also=lambda need: insert(IdempotencyKey(client=client, key=key, need=need)),
        )
    except IntegrityError:
        earlier = IdempotencyKey.objects.filter(client=client, key=key).values_list("need_id")
        for (need_id,) in earlier[:1]:
            return Need.objects.get(pk=need_id), False
        raise  # not the key: let it be seen
    return need, True


# The demo's published token for its dispatcher (docs/api.md uses it); refused outside demo
# mode, like the demo's Open311 key.
DEMO_TOKEN = "cg_demo0001_civicgrid-demo-dispatcher-token"  # noqa: S105


def is_demo_token(prefix: str) -> bool:
    return prefix == DEMO_TOKEN.split("_")[1]


def ensure_demo_token(*, person: Person) -> str:
    """Give the demo dispatcher the published token; only in demo mode."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("The demo API token exists only in demo mode.")
    prefix = DEMO_TOKEN.split("_")[1]
    ApiToken.objects.update_or_create(
        prefix=prefix,
        defaults={
            "person": person,
            "name": "demo",
            "token_hash": token_hash(DEMO_TOKEN),
            "revoked_at": None,
        },
    )
    return DEMO_TOKEN
