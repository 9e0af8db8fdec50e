"""A joint meeting's record, read once for its page and its PDF (for the file): the meeting,
attendance by unit, the agenda, the minutes, and the decisions with their tasks (unit, owner,
deadline, state).

What a reader sees of a need on the agenda follows the needs list (`needlist`): the resident's
description for the committee's staff and staff whose scope holds the need's place, else its
public summary. No phone number is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.committees import access, meetings, needlist
from civicgrid.committees.models import (
    AgendaItem,
    AgendaKind,
    Attendance,
    Decision,
    Meeting,
    Task,
)
from civicgrid.core import pdf
from civicgrid.needs import publication
from civicgrid.network import scope
from civicgrid.network.models import Organisation, OrgKind


@dataclass
class Agendum:
    item: AgendaItem
    kind: str
    title: str
    detail: str = ""
    why: str = ""
    state: str = ""
    need_number: str = ""
    consulted: bool = False  # a need the committee consults on (a task may resolve it)


@dataclass
class UnitAttendance:
    name: str
    people: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DecisionRow:
    decision: Decision
    need_number: str
    consultation: bool
    tasks: list[dict[str, Any]]


@dataclass
class Record:
    meeting: Meeting
    committee: Organisation
    when: str
    place: str
    agenda: list[Agendum]
    attendance: list[UnitAttendance]
    absent: list[str]
    decisions: list[DecisionRow]

    @property
    def attended(self) -> int:
        return sum(len(u.people) for u in self.attendance)


def _agenda(meeting: Meeting, reader: Any) -> list[Agendum]:
    items = list(
        AgendaItem.objects.filter(meeting=meeting).select_related(
            "need",
            "need__category",
            "need__node",
            "task",
            "task__unit",
            "unit",
            "added_by",
        )
    )
    staff = access.is_committee_staff(reader, meeting.committee)
    rows = []
    for item in items:
        if item.kind == AgendaKind.NEED and item.need is not None:
            need = item.need
            full = staff or scope.can_see(reader, need.node)
            why = []
            consulted = need.consultation_id == meeting.committee_id
            if consulted:
                why.append(str(needlist.WHY["escalated"]))
            if item.unit is not None:
                why.append(_("asked for by %(unit)s") % {"unit": item.unit.name})
            if need.overdue_at is not None:
                why.append(str(needlist.WHY["overdue"]))
            rows.append(
                Agendum(
                    item=item,
                    kind=item.kind,
                    title=f"{need.number} · {need.category.name} · {need.node.name}",
                    detail=need.description if full else publication.public_description(need),
                    why="；".join(why),
                    state=need.get_state_display(),
                    need_number=need.number,
                    consulted=consulted,
                )
            )
        elif item.kind == AgendaKind.TASK and item.task is not None:
            task = item.task
            rows.append(
                Agendum(
                    item=item,
                    kind=item.kind,
                    title=task.title,
                    detail=_("%(unit)s, due %(due)s")
                    % {
                        "unit": task.unit.name,
                        "due": timezone.localtime(task.due).strftime("%Y-%m-%d"),
                    },
                    why=_("An open task"),
                    state=task.get_state_display(),
                )
            )
        else:
            by = item.unit.name if item.unit else (item.added_by.name if item.added_by else "")
            rows.append(
                Agendum(
                    item=item,
                    kind=item.kind,
                    title=item.text,
                    why=_("raised by %(who)s") % {"who": by} if by else "",
                )
            )
    return rows


def _attendance(meeting: Meeting) -> tuple[list[UnitAttendance], list[str]]:
    units = list(
        Organisation.objects.filter(
            committee_id=meeting.committee_id, kind=OrgKind.MEMBER_UNIT
        ).order_by("name", "pk")
    )
    came: dict[int | None, list[dict[str, Any]]] = {}
    for row in Attendance.objects.filter(meeting=meeting).select_related("person").order_by("at"):
        came.setdefault(row.unit_id, []).append(
            {
                "name": row.person.name,
                "at": timezone.localtime(row.at).strftime("%H:%M"),
                "by_qr": row.by_qr,
            }
        )
    groups = []
    if None in came:
        groups.append(UnitAttendance(name=meeting.committee.name, people=came[None]))
    absent = []
    for unit in units:
        if unit.pk in came:
            groups.append(UnitAttendance(name=unit.name, people=came[unit.pk]))
        else:
            absent.append(unit.name)
    return groups, absent


def _decisions(meeting: Meeting) -> list[DecisionRow]:
    decisions = list(
        Decision.objects.filter(meeting=meeting).select_related("need").order_by("created_at")
    )
    tasks: dict[int, list[dict[str, Any]]] = {}
    for task in (
        Task.objects.filter(decision__in=decisions)
        .select_related("unit", "owner")
        .order_by("due", "pk")
    ):
        assert task.decision_id is not None
        tasks.setdefault(task.decision_id, []).append(
            {
                "task": task,
                "unit": task.unit.name,
                "owner": task.owner.name if task.owner else "",
                "due": timezone.localtime(task.due).strftime("%Y-%m-%d"),
                "state": task.get_state_display(),
                "resolves_need": task.resolves_need,
            }
        )
    return [
        DecisionRow(
            decision=d,
            need_number=d.need.number if d.need else "",
            consultation=d.consultation_id is not None,
            tasks=tasks.get(d.pk, []),
        )
        for d in decisions
    ]


def read(meeting: Meeting, reader: Any) -> Record:
    """The meeting's record as `reader` may read it."""
    attendance, absent = _attendance(meeting)
    return Record(
        meeting=meeting,
        committee=meeting.committee,
        when=meetings.when_text(meeting),
        place=meetings.place_text(meeting),
        agenda=_agenda(meeting, reader),
        attendance=attendance,
        absent=absent,
        decisions=_decisions(meeting),
    )


def filename(meeting: Meeting) -> str:
    """An ASCII file name (the title may be Chinese): meeting-<id>-<date>.pdf."""
    day = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    return f"meeting-{meeting.pk}-{day}.pdf"


def render_html(meeting: Meeting, reader: Any, *, for_pdf: bool = True) -> str:
    return render_to_string(
        "committees/meetings/record.html",
        {
            "record": read(meeting, reader),
            "pdf": for_pdf,
            "generated": timezone.localtime(),
        },
    )


def render(meeting: Meeting, reader: Any) -> bytes:
    """The record as a PDF; `pdf.PdfUnavailable` where WeasyPrint cannot run."""
    return pdf.render_pdf(render_html(meeting, reader))
