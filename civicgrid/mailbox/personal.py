"""Personal data the mailbox keeps (docs/mailbox.md, "Personal data"): a phone's export,
forgetting a phone, and the retention period. The privacy app calls these as it calls
`care/personal.py`.

Kept: the proposer's name (optional) and phone on a proposal, to tell them what became of it;
for a support, only a keyed digest of the phone (`core/hashing.phone_digest`), to count one
per number. Who may export or forget: staff who serve the mailbox's town within the phone
roles' reach (`needs.reveal.phone_paths`); `by=None` is the operator and reaches everyone.

Forgetting blanks the proposer's name and phone (the proposal, its public text and its counts
stay) and unlinks the number's supports from it (their digest is replaced by a random one, so
the counts stay and nothing leads back to the number).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.core.hashing import phone_digest
from civicgrid.mailbox.models import Proposal, Support
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import Person
from civicgrid.network.scope import paths_q

# After the end of a call's year, proposers' phones are kept this long (for the projects'
# news), then blanked.
DEFAULT_RETENTION_DAYS = 730


def retention_days() -> int:
    return int(getattr(settings, "MAILBOX_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def proposals_in_reach(user: Person | None) -> QuerySet[Proposal]:
    found = Proposal.objects.all()
    if user is None:
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field="call__mailbox__node"))


def personal_export(*, phone: str, by: Person | None) -> dict[str, Any]:
    """What the mailbox holds about a phone number (already cleaned): the proposals it made
    (with the name given) and the proposals it supported."""
    proposals = [
        {
            "id": p.pk,
            "mailbox": p.call.mailbox.node.name,
            "year": p.call.year,
            "title": p.title,
            "state": p.state,
            "proposer_name": p.proposer_name,
            "proposer_phone": p.proposer_phone,
            "submitted_at": timezone.localtime(p.created_at).isoformat(),
        }
        for p in proposals_in_reach(by)
        .filter(proposer_phone=phone)
        .select_related("call__mailbox__node")
        .order_by("pk")
    ]
    supported = [
        {"proposal": pk, "title": title, "supported_at": timezone.localtime(at).isoformat()}
        for pk, title, at in Support.objects.filter(
            phone_digest=phone_digest(phone),
            proposal__in=proposals_in_reach(by).values("pk"),
        )
        .order_by("pk")
        .values_list("proposal_id", "proposal__title", "created_at")
    ]
    return {"proposals": proposals, "supports": supported}


@dataclass
class MailboxForgotten:
    proposals: int = 0
    supports: int = 0

    @property
    def total(self) -> int:
        return self.proposals + self.supports


def _unlink(supports: QuerySet[Support]) -> int:
    n = 0
    for pk in list(supports.values_list("pk", flat=True)):
        Support.objects.filter(pk=pk).update(phone_digest="x" + secrets.token_hex(31))
        n += 1
    return n


def phone_forget(
    *, phone: str, by: Person | None, now: dt.datetime | None = None
) -> MailboxForgotten:
    """Forget a phone number (already cleaned) within `by`'s reach."""
    with transaction.atomic():
        reach = proposals_in_reach(by)
        proposals = reach.filter(proposer_phone=phone).update(proposer_phone="", proposer_name="")
        supports = _unlink(
            Support.objects.filter(
                phone_digest=phone_digest(phone), proposal__in=reach.values("pk")
            )
        )
    return MailboxForgotten(proposals=proposals, supports=supports)


def retention(*, now: dt.datetime | None = None) -> MailboxForgotten:
    """Blank proposers' names and phones of calls whose year ended more than
    MAILBOX_RETENTION_DAYS ago (0 keeps everything). Supports hold no phone: they stay."""
    days = retention_days()
    if days <= 0:
        return MailboxForgotten()
    now = now or timezone.now()
    last_year = (timezone.localdate(now) - dt.timedelta(days=days)).year - 1
    old = Proposal.objects.filter(call__year__lte=last_year).exclude(
        proposer_phone="", proposer_name=""
    )
    return MailboxForgotten(proposals=old.update(proposer_phone="", proposer_name=""))
