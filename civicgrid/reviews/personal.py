"""Personal data the reviews module keeps (docs/reviews.md, "Privacy"): a resident's export,
forgetting a phone, and the retention period, for the privacy app to call as it calls
`care/personal.py`.

No phone is stored: a response keeps the keyed digest of the phone that was verified
(`core.hashing.phone_digest`), so that one phone reviews a department once. Finding a
resident's responses is matching that digest. Forgetting blanks the digest and the comments
the phone wrote; the scores and choices stay, so published results read the same.
Retention: a year after a round closed, its responses lose their digests (the one-per-phone
rule has nothing left to hold) — comments stay, as staff read them as the round's record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.core.hashing import phone_digest
from civicgrid.network.models import Person
from civicgrid.network.scope import scope_q
from civicgrid.reviews.models import Answer, Response, RoundState

RETENTION_DAYS = 365


@dataclass
class ReviewsForgotten:
    responses: int = 0  # responses whose phone digest was removed
    comments: int = 0  # comments blanked

    @property
    def total(self) -> int:
        return self.responses + self.comments


def _in_reach(by: Person | None) -> QuerySet[Response]:
    """Responses of rounds in the towns `by` may change; `None` is the operator: all."""
    found = Response.objects.all()
    if by is None:
        return found
    q = scope_q(by, node_field="round__node", write=True)
    return found if q is None else found.filter(q)


def personal_export(*, phone: str, by: Person | None) -> dict[str, Any]:
    """What the module holds about a phone (already cleaned): its reviews, with the answers."""
    rows = []
    found = (
        _in_reach(by)
        .filter(phone_digest=phone_digest(phone))
        .select_related("round", "department__organisation")
        .prefetch_related("answers__question")
        .order_by("created_at", "pk")
    )
    for r in found:
        rows.append(
            {
                "round": r.round.title,
                "department": r.department.organisation.name,
                "at": timezone.localtime(r.created_at).isoformat(timespec="minutes"),
                "answers": [
                    {
                        "question": a.question.text,
                        "score": a.score,
                        "choice": a.choice,
                        "comment": a.comment,
                    }
                    for a in r.answers.all()
                ],
            }
        )
    return {"reviews": rows}


@transaction.atomic
def phone_forget(*, phone: str, by: Person | None) -> ReviewsForgotten:
    """Remove the phone's digest from its responses and blank the comments it wrote."""
    mine = _in_reach(by).filter(phone_digest=phone_digest(phone))
    ids = list(mine.values_list("pk", flat=True))
    result = ReviewsForgotten()
    result.comments = (
        Answer.objects.filter(response_id__in=ids)
        .exclude(comment="")
        .update(comment="", comment_public=False)
    )
    result.responses = Response.objects.filter(pk__in=ids).update(phone_digest="")
    return result


def retention(*, now: dt.datetime | None = None) -> ReviewsForgotten:
    """Rounds closed over `RETENTION_DAYS` ago: their responses lose the phone digests."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=RETENTION_DAYS)
    old = Response.objects.filter(
        round__state__in=(RoundState.CLOSED, RoundState.PUBLISHED),
        round__closed_at__lt=cutoff,
    ).exclude(phone_digest="")
    return ReviewsForgotten(responses=old.update(phone_digest=""))
