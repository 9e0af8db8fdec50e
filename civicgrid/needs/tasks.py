"""Background work on needs, run by `civicgrid worker`: the deadline sweep."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from civicgrid.needs import workflow
from civicgrid.needs.models import AWAITING_RESPONSE, Need, State

log = logging.getLogger("civicgrid.sweep")

WORKING = (State.TAKEN, State.IN_PROGRESS)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind, mark overdue, escalate and close unrated needs that are due at `now`.

    Idempotent: each step is claimed per need by a conditional UPDATE together with its event,
    so a second run at the same moment changes nothing, and a run killed half-way leaves the
    rest for the next one. Candidates come from indexed range queries on the deadlines.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0, "closed_unrated": 0}
    remind_at = now + dt.timedelta(minutes=settings.NEED_REMIND_BEFORE_MINUTES)
    for need_id in (
        Need.objects.filter(
            state__in=AWAITING_RESPONSE, reminded_at__isnull=True, response_due__lte=remind_at
        )
        .values_list("pk", flat=True)
        .iterator()
    ):
        counts["reminded"] += workflow.remind(need_id, now)

    late = Need.objects.filter(
        state__in=AWAITING_RESPONSE, overdue_at__isnull=True, response_due__lt=now
    ).values_list("pk", flat=True)
    late_work = Need.objects.filter(
        state__in=WORKING, overdue_at__isnull=True, resolve_due__lt=now
    ).values_list("pk", flat=True)
    for need_id in [*late, *late_work]:
        counts["overdue"] += workflow.mark_overdue(need_id, now)

    grace = now - dt.timedelta(minutes=settings.NEED_ESCALATE_AFTER_MINUTES)
    for need_id in list(
        Need.objects.filter(
            Q(owner_node__parent__isnull=False) | Q(state__in=workflow.WITH_HANDLER),
            state__in=workflow.TRANSITIONS[workflow.Action.ESCALATE].sources,
            overdue_at__lte=grace,
            consultation__isnull=True,
        ).values_list("pk", flat=True)
    ):
        counts["escalated"] += workflow.escalate_overdue(need_id, now)

    unrated = now - dt.timedelta(days=settings.NEED_RATING_DAYS)
    for need_id in list(
        Need.objects.filter(state=State.RESOLVED, resolved_at__lte=unrated).values_list(
            "pk", flat=True
        )
    ):
        counts["closed_unrated"] += workflow.close_unrated(need_id)
    return counts


@task()
def sweep_deadlines() -> dict[str, int]:
    counts = sweep()
    if any(counts.values()):
        log.info("deadline sweep: %s", counts)
    return counts
