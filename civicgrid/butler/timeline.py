"""A project's one timeline, in order: its stage moves, milestones (planned and done), visits,
and its matters with their need's key moments (raised, dispatched, escalated, overdue,
resolved, rated). Read in five queries, whatever the project's age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.butler.models import Matter, Milestone, Project, Stage, Visit
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import NeedEvent, Rating, format_number

# The need's moments a project's timeline shows.
KEY_MOMENTS = (
    need_workflow.RAISE,
    need_workflow.Action.DISPATCH,
    need_workflow.Action.ESCALATE,
    need_workflow.OVERDUE,
    need_workflow.Action.RESOLVE,
    need_workflow.Action.CONFIRM,
    need_workflow.Action.REOPEN,
    need_workflow.Action.CLOSE_UNRATED,
)


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # "stage", "milestone", "visit", "matter"
    title: str
    detail: str = ""
    url: str = ""
    who: str = ""

    @property
    def day(self) -> dt.date:
        return timezone.localdate(self.at)


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _stage_label(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def entries(project: Project) -> list[Entry]:
    out: list[Entry] = []
    for event in project.events.select_related("actor").order_by("seq"):
        who = event.actor.name if event.actor else ""
        if event.action == "create":
            out.append(Entry(event.created_at, "stage", _("Project entered"), who=who))
        elif event.action == "stage":
            data = event.data or {}
            out.append(
                Entry(
                    event.created_at,
                    "stage",
                    _("Stage: %(to)s") % {"to": _stage_label(data.get("to_stage", ""))},
                    detail=event.note,
                    who=who,
                )
            )
    for m in Milestone.objects.filter(project=project).order_by("pk"):
        if m.done_on:
            out.append(
                Entry(
                    _noon(m.done_on),
                    "milestone",
                    _("Milestone done: %(t)s") % {"t": m.title},
                    m.note,
                )
            )
        elif m.planned_on:
            out.append(
                Entry(
                    _noon(m.planned_on),
                    "milestone",
                    _("Milestone planned: %(t)s") % {"t": m.title},
                    m.note,
                )
            )
    for v in Visit.objects.filter(project=project).select_related("visitor").order_by("pk"):
        out.append(Entry(_noon(v.visited_on), "visit", _("Visit"), v.found, who=v.visitor.name))
    matters = {m.need_id: m for m in Matter.objects.filter(project=project).select_related("need")}
    events = NeedEvent.objects.filter(
        need_id__in=list(matters), action__in=KEY_MOMENTS
    ).select_related("actor")
    for e in events.order_by("created_at", "seq"):
        matter = matters[e.need_id]
        label = str(need_workflow.ACTION_LABELS.get(e.action, e.action))
        detail = (e.note or "")[:200]
        if e.action == need_workflow.Action.CONFIRM and matter.need.rating:
            detail = str(Rating(matter.need.rating).label)
        if e.action == need_workflow.Action.DISPATCH:
            data = e.data or {}
            detail = data.get("assignee_org") or data.get("assignee") or detail
        out.append(
            Entry(
                e.created_at,
                "matter",
                _("Matter %(number)s: %(what)s")
                % {"number": format_number(matter.need.number), "what": label},
                detail=detail if e.action != need_workflow.RAISE else matter.need.description[:200],
                url=reverse("butler:matter", args=[matter.pk]),
                who=e.actor.name if e.actor and e.action != need_workflow.RAISE else "",
            )
        )
    out.sort(key=lambda entry: entry.at)
    return out


def shaped(project: Project) -> list[dict[str, Any]]:
    return [
        {
            "day": e.day,
            "kind": e.kind,
            "title": e.title,
            "detail": e.detail,
            "url": e.url,
            "who": e.who,
        }
        for e in entries(project)
    ]
