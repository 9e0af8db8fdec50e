"""Background work of the joint committees, run by `civicgrid worker` (registered in
`CommitteesConfig.ready()`): the work tasks' reminders and overdue marks, and the meetings each
schedule creates. Each step claims its mark with a conditional UPDATE or a unique constraint,
so two workers never do it twice."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from civicgrid.committees import meetings, work


@task()
def sweep_task_deadlines() -> dict[str, int]:
    reminded, overdue = work.sweep(timezone.now())
    return {"reminded": reminded, "overdue": overdue}


@task()
def schedule_meetings() -> dict[str, int]:
    return {"created": meetings.schedule(timezone.now())}
