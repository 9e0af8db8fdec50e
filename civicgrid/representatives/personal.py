"""Personal data the representatives module keeps (docs/representatives.md, "Privacy"): the
privacy app calls these from its export, its removal by phone and its retention run, as it
calls `care/personal.py`.

- A representative is a person of the network (`network.Person`): their mandate and public
  profile are public by their office. A phone export of the person lists their mandates;
  forgetting a phone leaves them (an office held is not forgotten by request: staff end it,
  `active=False`), and says so.
- A reception keeps, per matter raised, the name of who raised it (`ReceptionMatter.
  raised_by`) and never a phone: nothing is found by a resident's phone. Names are blanked
  after `REPRESENTATIVES_RETENTION_DAYS` (default three years; 0 keeps them) by `retention`;
  the matter, the answer and every count stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicgrid.network.models import Person
from civicgrid.representatives.models import ReceptionMatter, Representative

DEFAULT_RETENTION_DAYS = 3 * 365


def retention_days() -> int:
    return int(getattr(settings, "REPRESENTATIVES_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _mandates(phone: str) -> list[Representative]:
    return list(
        Representative.objects.filter(person__mobile=phone)
        .select_related("person", "node", "station")
        .order_by("pk")
    )


def personal_export(*, phone: str, by: Person | None) -> dict[str, Any]:
    """What the module holds about a phone number (already cleaned): the mandates of the
    person whose login it is (public by office, so anyone allowed to export may read them)."""
    return {
        "representatives": [
            {
                "name": rep.person.name,
                "body": rep.body,
                "level": rep.level,
                "elected_at": rep.node.name,
                "station": rep.station.name if rep.station is not None else "",
                "title": rep.title,
                "term": rep.term,
                "public": rep.public,
                "active": rep.active,
            }
            for rep in _mandates(phone)
        ]
    }


@dataclass
class RepsForgotten:
    # Mandates held by the phone's person, left as they are ("陈建华 · peoples_congress").
    mandates_left: list[str] = field(default_factory=list)
    names: int = 0  # names of who raised a matter, blanked (retention)

    @property
    def total(self) -> int:
        return self.names


def phone_forget(*, phone: str, by: Person | None) -> RepsForgotten:
    """Nothing the module keeps is found by a resident's phone; a representative's mandates
    are listed and left."""
    return RepsForgotten(
        mandates_left=[f"{rep.person.name} · {rep.body} · {rep.level}" for rep in _mandates(phone)]
    )


def retention(*, now: dt.datetime | None = None) -> RepsForgotten:
    """Blank who raised each matter at receptions held more than the retention period ago."""
    days = retention_days()
    if days <= 0:
        return RepsForgotten()
    now = now or timezone.now()
    cutoff = timezone.localdate(now) - dt.timedelta(days=days)
    names = (
        ReceptionMatter.objects.filter(reception__day__lt=cutoff)
        .exclude(raised_by="")
        .update(raised_by="")
    )
    return RepsForgotten(names=names)
