"""Background work on needs, run by `civicgrid worker`: the deadline sweep."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task

from civicgrid.needs import workflow
from civicgrid.needs.models import SWEEP_AWAITING, SWEEP_WORKING, Need, State

log = logging.getLogger("civicgrid.sweep")


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind, mark overdue, escalate and close unrated needs that are due at `now`.

    Idempotent: each step is claimed per need by a conditional UPDATE together with its event,
    so a second run at the same moment changes nothing, and a run killed half-way leaves the
    rest for the next one. Candidates come from range queries on partial indexes that hold
    only the needs whose mark is still to come (see `Need.Meta.indexes`): a sweep over a
    million open needs reads the few that fell due since the last sweep, oldest first.
    Ordered by deadline then id, so two overlapping sweeps lock rows in the same order.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0, "closed_unrated": 0}
    remind_at = now + dt.timedelta(minutes=settings.NEED_REMIND_BEFORE_MINUTES)
    to_remind = Need.objects.filter(
        state__in=SWEEP_AWAITING, reminded_at__isnull=True, response_due__lte=remind_at
    ).order_by("response_due", "pk")
    counts["reminded"] = _each(_ids(to_remind), lambda pk: workflow.remind(pk, now))

    late = Need.objects.filter(
        state__in=SWEEP_AWAITING, overdue_at__isnull=True, response_due__lt=now
    ).order_by("response_due", "pk")
    late_work = Need.objects.filter(
        state__in=SWEEP_WORKING, overdue_at__isnull=True, resolve_due__lt=now
    ).order_by("resolve_due", "pk")
    late_ids = [*_ids(late), *_ids(late_work)]
    counts["overdue"] = _each(late_ids, lambda pk: workflow.mark_overdue(pk, now))

    grace = now - dt.timedelta(minutes=settings.NEED_ESCALATE_AFTER_MINUTES)
    stuck = Need.objects.filter(
        Q(owner_node__parent__isnull=False) | Q(state__in=workflow.WITH_HANDLER),
        state__in=workflow.TRANSITIONS[workflow.Action.ESCALATE].sources,
        overdue_at__lte=grace,
        consultation__isnull=True,
    ).order_by("overdue_at", "pk")
    counts["escalated"] = _each(_ids(stuck), lambda pk: workflow.escalate_overdue(pk, now))

    unrated = now - dt.timedelta(days=settings.NEED_RATING_DAYS)
    to_close = Need.objects.filter(state=State.RESOLVED, resolved_at__lte=unrated).order_by(
        "resolved_at", "pk"
    )
    counts["closed_unrated"] = _each(_ids(to_close), workflow.close_unrated)
    return counts


def _ids(needs: QuerySet[Need]) -> list[int]:
    """The candidates' ids, read in full before any is changed (no cursor held open)."""
    return list(needs.values_list("pk", flat=True))


def _each(ids: list[int], step: Callable[[int], bool]) -> int:
    """Run `step` on each need, `SWEEP_BATCH` needs per transaction: one commit (one disk
    flush) per batch instead of per need. A crash rolls back at most the open batch, whose
    claims go with it, so the next sweep does those needs again, once."""
    done = 0
    size = max(1, settings.SWEEP_BATCH)
    for start in range(0, len(ids), size):
        with transaction.atomic():
            for need_id in ids[start : start + size]:
                done += step(need_id)
    return done


@task()
def sweep_deadlines() -> dict[str, int]:
    counts = sweep()
    if any(counts.values()):
        log.info("deadline sweep: %s", counts)
    return counts
