"""What is counted per project and per butler: matters raised, resolved, resolved on time,
escalated, the average rating, visits and milestones done. Read from the needs themselves
(their state and events), never kept apart, so a recount always agrees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from civicgrid.butler.models import Matter, Milestone, Project, TeamMember, Visit
from civicgrid.needs.models import NeedEvent, Rating

# A rating as a score out of 5, for the average.
SCORES: dict[str, int] = {Rating.SATISFIED: 5, Rating.FAIR: 3, Rating.DISSATISFIED: 1}


@dataclass
class Figures:
    raised: int = 0
    resolved: int = 0
    on_time: int = 0
    escalated: int = 0
    rated: int = 0
    score_total: int = 0
    visits: int = 0
    milestones_done: int = 0
    projects: set[int] = field(default_factory=set)

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.score_total) / self.rated).quantize(Decimal("0.1"))

    def add(self, other: Figures) -> None:
        for name in ("raised", "resolved", "on_time", "escalated", "rated", "score_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.milestones_done += other.milestones_done


def per_project(projects: QuerySet[Project] | Iterable[int]) -> dict[int, Figures]:
    """The figures of each project (by id), in three queries."""
    ids = (
        list(projects.values_list("pk", flat=True))
        if isinstance(projects, QuerySet)
        else list(projects)
    )
    figures: dict[int, Figures] = {pk: Figures(projects={pk}) for pk in ids}
    escalated = NeedEvent.objects.filter(need_id=OuterRef("need_id"), action="escalate")
    rows = (
        Matter.objects.filter(project_id__in=ids)
        .annotate(was_escalated=Exists(escalated))
        .values_list(
            "project_id",
            "need__resolved_at",
            "need__resolved_on_time",
            "need__rating",
            "was_escalated",
        )
    )
    for project_id, resolved_at, on_time, rating, was_escalated in rows:
        f = figures[project_id]
        f.raised += 1
        f.resolved += resolved_at is not None
        f.on_time += bool(resolved_at is not None and on_time)
        f.escalated += bool(was_escalated)
        if rating in SCORES:
            f.rated += 1
            f.score_total += SCORES[rating]
    for project_id in Visit.objects.filter(project_id__in=ids).values_list("project_id", flat=True):
        figures[project_id].visits += 1
    for project_id in Milestone.objects.filter(
        project_id__in=ids, done_on__isnull=False
    ).values_list("project_id", flat=True):
        figures[project_id].milestones_done += 1
    return figures


@dataclass
class ButlerRow:
    key: str  # "person:12" or "department:7"
    name: str
    role: str
    figures: Figures


def per_butler(projects: QuerySet[Project]) -> list[ButlerRow]:
    """Each team member (a person or a department) over the projects they sit on: the
    projects' matters and milestones, and the visits the person made themselves."""
    by_project = per_project(projects)
    rows: dict[str, ButlerRow] = {}
    seats = TeamMember.objects.filter(project_id__in=list(by_project)).select_related(
        "person", "organisation"
    )
    own_visits: dict[tuple[int, int], int] = defaultdict(int)
    for project_id, visitor_id in Visit.objects.filter(project_id__in=list(by_project)).values_list(
        "project_id", "visitor_id"
    ):
        own_visits[(project_id, visitor_id)] += 1
    for seat in seats.order_by("role", "pk"):
        if seat.person_id:
            key, name = f"person:{seat.person_id}", seat.person.name if seat.person else ""
        else:
            key, name = (
                f"department:{seat.organisation_id}",
                seat.organisation.name if seat.organisation else "",
            )
        row = rows.setdefault(key, ButlerRow(key, name, seat.get_role_display(), Figures()))
        if seat.project_id in row.figures.projects:
            continue
        row.figures.projects.add(seat.project_id)
        row.figures.add(by_project[seat.project_id])
        if seat.person_id:
            row.figures.visits += own_visits[(seat.project_id, seat.person_id)]
    return sorted(rows.values(), key=lambda r: (r.name, r.key))
