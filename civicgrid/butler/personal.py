"""Personal data the project butler keeps (docs/butler.md, "Personal data"): the enterprise
contacts' names and phones. The privacy app calls these from its export, its removal by phone
and its retention run, as it calls `care/personal.py`.

What a matter holds about its contact (phone, name) is the need's and is handled by the
needs module's own anonymisation; a matter keeps only a link to the contact row, which
forgetting removes.

Who may: community staff and admins of the project's place (`needs.reveal.phone_paths`);
`by=None` is the operator (commands, the worker).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.butler.models import Contact, ProjectEvent, Stage
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import Person
from civicgrid.network.scope import paths_q

# Contacts of a project in production for three years are removed, unless
# settings.BUTLER_RETENTION_DAYS says otherwise; 0 keeps everything.
DEFAULT_RETENTION_DAYS = 3 * 365


def retention_days() -> int:
    return int(getattr(settings, "BUTLER_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def contacts_in_reach(user: Person | None) -> QuerySet[Contact]:
    found = Contact.objects.all()
    if user is None:
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field="project__node"))


def personal_export(*, phone: str, by: Person | None) -> dict[str, Any]:
    """The enterprise contacts held with this phone (already cleaned) that `by` may hand out."""
    rows = (
        contacts_in_reach(by).filter(phone=phone).select_related("project", "project__enterprise")
    )
    return {
        "contacts": [
            {
                "project": c.project.name,
                "enterprise": c.project.enterprise.name,
                "name": c.name,
                "title": c.title,
                "phone": c.phone,
                "added": timezone.localtime(c.created_at).isoformat(),
            }
            for c in rows.order_by("pk")
        ]
    }


@dataclass
class ButlerForgotten:
    contacts: int = 0

    @property
    def total(self) -> int:
        return self.contacts


@transaction.atomic
def phone_forget(*, phone: str, by: Person | None) -> ButlerForgotten:
    """Remove the enterprise contacts with this phone within `by`'s reach (their matters stay,
    without the link to the contact)."""
    deleted, _detail = contacts_in_reach(by).filter(phone=phone).delete()
    return ButlerForgotten(contacts=deleted)


def retention(*, now: dt.datetime | None = None) -> ButlerForgotten:
    """Remove the contacts of projects in production for longer than the retention period."""
    days = retention_days()
    if days <= 0:
        return ButlerForgotten()
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    done = ProjectEvent.objects.filter(
        action="stage", data__to_stage=Stage.PRODUCTION, created_at__lt=cutoff
    ).values("project_id")
    with transaction.atomic():
        deleted, _detail = Contact.objects.filter(project_id__in=done).delete()
    return ButlerForgotten(contacts=deleted)
