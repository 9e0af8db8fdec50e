"""The counts per project and per butler equal a recount from the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.butler import counts, projects
from civicgrid.butler.models import Matter, Milestone, Project, Visit
from civicgrid.butler.tests import factories as bf
from civicgrid.needs import workflow
from civicgrid.needs.models import NeedEvent, Rating

pytestmark = pytest.mark.django_db


def test_counts_equal_a_recount() -> None:
    b = bf.butler_world()
    staff = workflow.By(person=b.w.dispatcher)
    clerk = workflow.By(person=b.clerk)
    first = bf.raise_by_qr(b).need
    second = bf.raise_by_qr(b, "供电问题", "problem").need
    bf.raise_by_qr(b, "第三件")
    first = workflow.need_dispatch(need=first, by=staff, to=b.department)
    first = workflow.need_take(need=first, by=clerk)
    first = workflow.need_resolve(need=first, by=clerk, reason="办结")
    workflow.need_confirm(need=first, by=workflow.RESIDENT, rating=Rating.SATISFIED)
    second = workflow.need_escalate(need=second, by=staff, reason="上报区领导")
    today = timezone.localdate()
    projects.visit_record(by=b.cadre, project=b.project, visited_on=today, found="正常")
    projects.visit_record(by=b.clerk, project=b.project, visited_on=today - dt.timedelta(days=3))
    m = projects.milestone_add(by=b.cadre, project=b.project, title="环评")
    projects.milestone_done(by=b.cadre, milestone=m)
    projects.milestone_add(by=b.cadre, project=b.project, title="投产")

    figures = counts.per_project(Project.objects.all())[b.project.pk]
    matters = Matter.objects.filter(project=b.project)
    assert figures.raised == matters.count() == 3
    assert figures.resolved == matters.filter(need__resolved_at__isnull=False).count() == 1
    assert figures.on_time == matters.filter(need__resolved_on_time=True).count() == 1
    escalated = (
        NeedEvent.objects.filter(action="escalate", need__butler_matter__project=b.project)
        .values("need_id")
        .distinct()
    )
    assert figures.escalated == escalated.count() == 1
    assert figures.average_rating == 5
    assert figures.visits == Visit.objects.filter(project=b.project).count() == 2
    assert figures.milestones_done == Milestone.objects.filter(done_on__isnull=False).count() == 1

    rows = {r.key: r.figures for r in counts.per_butler(Project.objects.all())}
    cadre = rows[f"person:{b.cadre.pk}"]
    assert (cadre.raised, cadre.visits, cadre.milestones_done) == (3, 1, 1)
    dept = rows[f"department:{b.department.pk}"]
    assert (dept.raised, dept.resolved, dept.visits) == (3, 1, 0)
    assert rows[f"person:{b.leader.pk}"].escalated == 1
