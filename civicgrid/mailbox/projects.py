"""Livelihood projects (made by the selection) and their milestones, kept by staff who serve
the town. Each change locks the project's row and appends an event
(`project.update`, `project.milestone_add`, `project.milestone_done`, `project.finish`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, Invalid
from civicgrid.mailbox import access, events, workflow
from civicgrid.mailbox.models import LivelihoodProject, Milestone
from civicgrid.network.models import Organisation, Person


@events.kind("project.milestone_add")
@events.kind("project.milestone_done")
@dataclass(frozen=True, kw_only=True)
class MilestoneData(events.EventData):
    milestone_id: int
    title: str


def _lock(by: Person, project: LivelihoodProject | int) -> LivelihoodProject:
    pk = project if isinstance(project, int) else project.pk
    locked = (
        LivelihoodProject.objects.select_for_update(of=("self",))
        .select_related("proposal__call__mailbox__node")
        .get(pk=pk)
    )
    access.check_serves(by, locked.proposal.call.mailbox.node)
    return locked


def project_update(
    *,
    by: Person,
    project: LivelihoodProject | int,
    responsible: str,
    organisation: Organisation | None = None,
    budget: Any = None,
    planned_finish: dt.date,
    title_mn: str = "",
    now: dt.datetime | None = None,
) -> LivelihoodProject:
    """Who is responsible, the budget and the planned finish."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(by, project)
        locked.responsible = (responsible or "").strip()[:80]
        locked.organisation = organisation
        locked.budget = workflow.clean_cost(budget)
        locked.planned_finish = planned_finish
        locked.title_mn = (title_mn or "").strip()[:160]
        locked.save(
            update_fields=["responsible", "organisation", "budget", "planned_finish", "title_mn"]
        )
        events.append(locked, "update", actor=by, actor_kind="staff", now=now)
        return locked


def milestone_add(
    *,
    by: Person,
    project: LivelihoodProject | int,
    title: str,
    due: dt.date,
    title_mn: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Milestone:
    now = now or timezone.now()
    title = (title or "").strip()[:80]
    if not title:
        message = _("Give the milestone a title.")
        raise Invalid(message, code="title_required", fields={"title": [message]})
    with transaction.atomic():
        locked = _lock(by, project)
        if locked.finished_on is not None:
            raise Conflict(_("The project is finished."), code="finished")
        milestone = Milestone.objects.create(
            project=locked, title=title, title_mn=(title_mn or "").strip()[:160], due=due,
            note=(note or "").strip()[:300],
        )  # fmt: skip
        events.append(
            locked, "milestone_add", actor=by, actor_kind="staff", now=now,
            data=MilestoneData(milestone_id=milestone.pk, title=title),
        )  # fmt: skip
        return milestone


def milestone_done(
    *,
    by: Person,
    milestone: Milestone | int,
    done_on: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Milestone:
    """Record a milestone reached (`already_done` the second time)."""
    now = now or timezone.now()
    pk = milestone if isinstance(milestone, int) else milestone.pk
    with transaction.atomic():
        project_id = Milestone.objects.values_list("project_id", flat=True).get(pk=pk)
        locked = _lock(by, project_id)
        row = Milestone.objects.get(pk=pk)
        if row.done_on is not None:
            raise Conflict(_("This milestone is recorded as done already."), code="already_done")
        day = done_on or timezone.localdate(now)
        if day > timezone.localdate(now):
            message = _("A milestone is done today or on a past day.")
            raise Invalid(message, code="done_in_future", fields={"done_on": [message]})
        row.done_on = day
        if note:
            row.note = note.strip()[:300]
        row.save(update_fields=["done_on", "note"])
        events.append(
            locked, "milestone_done", actor=by, actor_kind="staff", now=now,
            data=MilestoneData(milestone_id=row.pk, title=row.title),
        )  # fmt: skip
        return row


def project_finish(
    *,
    by: Person,
    project: LivelihoodProject | int,
    finished_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> LivelihoodProject:
    """The project is done (`already_finished`, `milestones_open` while one is not done)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(by, project)
        if locked.finished_on is not None:
            raise Conflict(_("The project is finished already."), code="already_finished")
        if locked.milestones.filter(done_on__isnull=True).exists():
            raise Conflict(_("Record every milestone as done first."), code="milestones_open")
        locked.finished_on = finished_on or timezone.localdate(now)
        locked.save(update_fields=["finished_on"])
        events.append(locked, "finish", actor=by, actor_kind="staff", now=now)
        return locked


def progress(project: LivelihoodProject) -> dict[str, Any]:
    """Milestones done of all, as a percentage (a finished project is 100)."""
    rows = list(project.milestones.all())
    done = sum(1 for m in rows if m.done_on is not None)
    total = len(rows)
    percent = 100 if project.finished_on else (round(100 * done / total) if total else 0)
    return {"milestones": rows, "done": done, "total": total, "percent": percent}


def on_time(project: LivelihoodProject) -> bool:
    return project.finished_on is not None and project.finished_on <= project.planned_finish
