"""Open311 applications and their API keys. Needs themselves are raised through
`civicgrid.needs.services.need_raise`, like every other channel."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from civicgrid.core.errors import Invalid
from civicgrid.needs import events, workflow
from civicgrid.needs import services as needs_services
from civicgrid.needs.models import Channel, Need
from civicgrid.network.models import Node
from civicgrid.open311.models import Application

PREFIX_LENGTH = 8
# Keys travel in form bodies and query strings: URL-safe characters only, long enough that
# guessing one is hopeless (a generated key carries 192 random bits).
KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{12,128}$")
# Published in docs/open311.md on purpose: honoured only in demo mode.
DEMO_KEY = "demo-open311-key"
DEMO_NAME = "Demo"


def new_key() -> str:
    return secrets.token_urlsafe(24)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def application_assign_key(application: Application, *, key: str | None = None) -> str:
    """Give `application` a key (a new random one unless `key` is given) without saving it;
    return the plain key, which is stored nowhere. Also used to replace a leaked key."""
    key = key or new_key()
    if not KEY_RE.match(key):
        raise Invalid(
            _("An API key is 12 to 128 letters, digits, dashes or underscores."), code="bad_key"
        )
    application.key_prefix = key[:PREFIX_LENGTH]
    application.key_hash = hash_key(key)
    return key


@transaction.atomic
def application_create(
    *, name: str, contact: str = "", key: str | None = None
) -> tuple[Application, str]:
    """A new active application and its plain key: the only moment the key is known."""
    name = name.strip()
    if not name:
        raise Invalid(_("Give the application a name."), code="required")
    application = Application(name=name[:100], contact=contact.strip()[:200])
    plain = application_assign_key(application, key=key)
    if Application.objects.filter(key_hash=application.key_hash).exists():
        raise Invalid(_("That key is already in use."), code="key_taken")
    application.save()
    return application, plain


@transaction.atomic
def application_rotate_key(*, application: Application) -> str:
    """Replace the key: the old one stops working at once."""
    plain = application_assign_key(application)
    application.save(update_fields=["key_prefix", "key_hash"])
    return plain


def application_for_key(key: str | None) -> int | None:
    """The id of the active application holding `key`, or None.

    Asked on every Open311 POST: the statement is written out (the ORM built the same query
    anew each time, a tenth of a create's CPU); the key's prefix is its one parameter."""
    if not key or not KEY_RE.match(key):
        return None
    # The demo key is published in the docs: a database that started as a demo must not keep
    # accepting it once it serves for real.
    if key == DEMO_KEY and not settings.DEMO_MODE:
        return None
    digest = hash_key(key)
    alias = router.db_for_read(Application) or "default"
    with connections[alias].cursor() as cursor:
        cursor.execute(_active_keys_sql(alias), [key[:PREFIX_LENGTH]])
        for application_id, key_hash in cursor.fetchall():
            if constant_time_compare(key_hash, digest):
                return int(application_id)
    return None


@functools.cache
def _active_keys_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    column = {f.name: quote(str(f.column)) for f in Application._meta.concrete_fields}
    # Names come from the model; the key's prefix is the one parameter.
    return (
        f"SELECT {column['id']}, {column['key_hash']} "  # noqa: S608
        f"FROM {quote(Application._meta.db_table)} "
        f"WHERE {column['key_prefix']} = %s AND {column['is_active']}"
    )


def ensure_demo_application() -> Application:
    """The demo's application with the published key `demo-open311-key`; created once, active.
    Refuses outside demo mode, where a published key would be a hole."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("The demo Open311 key exists only in demo mode.")
    existing = Application.objects.filter(key_hash=hash_key(DEMO_KEY)).first()
    if existing is not None:
        if not existing.is_active:
            existing.is_active = True
            existing.save(update_fields=["is_active"])
        return existing
    application, _plain = application_create(name=DEMO_NAME, key=DEMO_KEY)
    return application


def jurisdiction_node() -> Node:
    """The node of the one jurisdiction served (OPEN311_JURISDICTION): the whole network, so
    its top. A report that cannot be placed in a small grid waits there, unplaced, in the
    queue of that level's dispatchers."""
    return needs_services.region_root()


def request_create(*, media_url: str = "", **raise_kwargs: Any) -> Need:
    """Raise a need from an Open311 POST through the one intake service. We never fetch a
    remote `media_url` (the server may have no network, and fetching is a way in): it is kept
    as the resident's first note, so staff can open it and GET can give it back. A report
    without a point, or outside every grid, waits unplaced at the jurisdiction's node."""
    raise_kwargs["unplaced_at"] = jurisdiction_node()
    if not media_url:
        # need_raise's own block is then the transaction: a savepoint fewer (two round trips).
        return needs_services.need_raise(
            by=workflow.RESIDENT, channel=Channel.OPEN311, **raise_kwargs
        )
    with transaction.atomic():
        need = needs_services.need_raise(
            by=workflow.RESIDENT, channel=Channel.OPEN311, **raise_kwargs
        )
        workflow.note(
            need,
            workflow.COMMENT,
            workflow.RESIDENT,
            note=_("Media sent with the request: %(url)s") % {"url": media_url},
            data=events.Commented(media_url=media_url),
        )
    return need
