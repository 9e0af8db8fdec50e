"""What the public reads of department reviews, answered once for every public surface (the
resident pages and the REST API).

- A round is **listed** to residents while it is open (to answer) or once its results are
  published; a draft or closed round is not.
- **Results** are public only for a published round, and only averages and counts: never a
  comment unless staff marked it public (`Answer.comment_public`), never who answered (no
  phone is kept, and no time of a response is shown).
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import QuerySet

from civicgrid.reviews import results
from civicgrid.reviews.models import Round, RoundState

LISTED = (RoundState.OPEN, RoundState.PUBLISHED)


def listed(round_: Round) -> bool:
    """Whether residents see the round at all."""
    return round_.state in LISTED


def results_public(round_: Round) -> bool:
    return round_.state == RoundState.PUBLISHED


def public_rounds() -> QuerySet[Round]:
    return Round.objects.filter(state__in=LISTED)


def public_results(
    round_: Round, *, department_id: int | None = None
) -> list[results.DepartmentResult]:
    """The published figures with only the comments marked public; [] for a round whose
    results are not published."""
    if not results_public(round_):
        return []
    rows = results.tally(round_, department_id=department_id)
    for row in rows:
        row.questions = [
            replace(q, comments=[c for c in q.comments if c.public]) for q in row.questions
        ]
    return rows
