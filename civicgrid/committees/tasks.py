"""Background work of the joint committees, run by `civicgrid worker` (registered in
`CommitteesConfig.ready()`): the work tasks' reminders and overdue marks, and the meetings each
schedule creates. Each step claims its mark with a conditional UPDATE or a unique constraint,
so two workers never do it twice."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicgrid.committees import meetings, work


def sweep_task_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    reminded, overdue = work.sweep(now or timezone.now())
    return {"reminded": reminded, "overdue": overdue}


def schedule_meetings(now: dt.datetime | None = None) -> dict[str, int]:
    return {"created": meetings.schedule(now or timezone.now())}
