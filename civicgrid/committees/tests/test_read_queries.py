"""Every committee page costs the same number of queries however many rows it shows (as
`tests/test_read_queries.py` holds for needs): a query per unit, task, goal, meeting or score
would not show on a test's few records, and would on a committee's year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.committees import assessment, committees, consultations, goals, meetings, work
from civicgrid.committees.models import Consultation
from civicgrid.committees.tests.factories import Board, board, escalated_need, task
from civicgrid.needs.workflow import By
from civicgrid.network.models import Organisation, OrgKind, UnitKind

pytestmark = pytest.mark.django_db


def more(b: Board, n: int) -> None:
    """One more of each kind of row the pages show: a unit with a contact and a pledge, a goal,
    tasks in several states, an escalated need under consultation with a decision, a meeting
    with attendance, a peer score."""
    by = By(person=b.secretary)
    year = timezone.localdate().year
    unit = committees.unit_add(
        committee=b.committee,
        by=by,
        name=f"企业{n}",
        unit_kind=UnitKind.ENTERPRISE,
        node=b.w.t["town1"],
    )
    committees.contact_add(
        committee=b.committee, by=by, unit=unit, name=f"联系人{n}", mobile=f"1370000{n:04d}"
    )
    committees.pledge_add(
        committee=b.committee, by=by, unit=unit, kind="vehicle", description="铲车", quantity=2
    )
    for measure in ("typed", "tasks_done", "meetings_held", "helped", "needs_resolved"):
        goals.goal_create(
            committee=b.committee,
            by=by,
            year=year,
            title=f"目标{n}{measure}",
            measure=measure,
            target=10,
        )
    done = task(b, title=f"任务{n}")
    work.task_accept(task=done, by=By(person=b.army_contact))
    work.task_done(task=done, by=By(person=b.army_contact), result="完成")
    task(b, unit=b.police, title=f"另一任务{n}")
    need = escalated_need(b)
    consultations.consultation_contribute(
        consultation=Consultation.objects.get(need=need),
        by=By(person=b.army_contact),
        unit=b.army,
        text="可以",
    )
    start = timezone.now() + dt.timedelta(days=n + 1)
    meeting = meetings.meeting_create(
        committee=b.committee,
        by=by,
        title=f"会议{n}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        node=b.w.t["town1"],
    )
    meetings.attendance_record(meeting=meeting, by=by, person=b.army_contact, unit=b.army)


def reads(b: Board) -> dict[str, Callable[[], Any]]:
    staff = Client()
    staff.force_login(b.secretary)
    unit = Client()
    unit.force_login(b.army_contact)
    c = b.committee.pk
    opened = assessment.Assessment.objects.filter(committee=b.committee).first()
    pages = {
        "committee page": lambda: staff.get(reverse("committees:detail", args=[c])),
        "tasks": lambda: staff.get(reverse("committees:tasks", args=[c]) + "?state=all"),
        "unit's tasks": lambda: unit.get(reverse("committees:tasks", args=[c])),
        "meetings": lambda: staff.get(reverse("committees:meetings", args=[c])),
        "consultations": lambda: staff.get(reverse("committees:consultations", args=[c])),
        "committees": lambda: staff.get(reverse("committees:list")),
        "api tasks": lambda: staff.get(f"/api/v1/committees/{c}/tasks?state=all"),
        "api needs": lambda: staff.get(f"/api/v1/committees/{c}/needs"),
        "api committees": lambda: staff.get("/api/v1/committees"),
    }
    if opened is not None:
        pages["assessment"] = lambda: staff.get(reverse("committees:assessment", args=[opened.pk]))
    return pages


def count(read: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = read()
    assert response.status_code == 200, response  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


def test_no_committee_page_grows_in_queries_with_its_rows():
    b = board()
    # A second committee in sight, so the committees' list has more than one row.
    Organisation.objects.create(
        name="二联合党委", kind=OrgKind.JOINT_COMMITTEE, node=b.w.t["town1"]
    )
    more(b, 1)
    assessment.assessment_open(
        committee=b.committee,
        by=By(person=b.secretary),
        title="本年",
        starts_on=timezone.localdate().replace(month=1, day=1),
        ends_on=timezone.localdate(),
    )
    small = {name: count(read) for name, read in reads(b).items()}
    for n in range(2, 6):
        more(b, n)
    Organisation.objects.create(
        name="三联合党委", kind=OrgKind.JOINT_COMMITTEE, node=b.w.t["town1"]
    )
    large = {name: count(read) for name, read in reads(b).items()}
    assert large == small
