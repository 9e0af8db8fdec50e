"""Joint committees (非建制性联合党委): the committees in sight with their member units and
pledges, the three lists (goals, needs, work), work tasks (a member unit works its own through
here), consultations on hard needs and joint meetings.

A façade like the rest of the API: every read starts from `committees.access` (a committee,
task, meeting or consultation the caller may not see is a 404, whether it exists or not) and
every write is one command of the domain (`work`, `consultations`, `meetings`), which checks
who may act and in which state again. Ids in a body name rows; whether the caller may use them
is the command's check, as in the console.

Staff roles (the committee's secretary and members, a member unit's contact, a leader over the
area) call these with a token or the session; a member unit's people without a staff role with
the session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import STAFF, caller_person
from civicgrid.api.errors import responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_committees import (
    AgendaIn,
    CommitteeDetail,
    CommitteePage,
    CommitteeQuery,
    ConsultationDecisionIn,
    ConsultationDetail,
    ConsultationPage,
    ConsultationReturnIn,
    ContributionIn,
    GoalList,
    GoalQuery,
    MeetingCheckInIn,
    MeetingCheckInOut,
    MeetingDetail,
    MeetingPage,
    NeedsListOut,
    PageQuery,
    TaskActionIn,
    TaskDetail,
    TaskIn,
    TaskPage,
    TaskQuery,
)
from civicgrid.committees import (
    access,
    consultations,
    goals,
    meeting_record,
    meetings,
    needlist,
    work,
)
from civicgrid.committees.models import (
    OPEN_TASK_STATES,
    Attendance,
    Consultation,
    Decision,
    Goal,
    GoalMeasure,
    Meeting,
    Pledge,
    PledgeKind,
    Task,
)
from civicgrid.core.errors import DomainError, Invalid
from civicgrid.needs import publication
from civicgrid.needs.models import Need
from civicgrid.needs.workflow import By
from civicgrid.network import scope
from civicgrid.network.models import (
    Membership,
    Organisation,
    OrgKind,
    Person,
    UnitKind,
    mask_mobile,
    node_label,
)

router = Router(auth=STAFF, tags=["committees"])

PLEDGE_KINDS = dict(PledgeKind.choices)
UNIT_KINDS = dict(UnitKind.choices)
MEASURES = dict(GoalMeasure.choices)


def _bad_cursor() -> Invalid:
    return Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")


def _page(
    qs: QuerySet[Any], *, field: str, descending: bool, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Rows ordered by a datetime `field` (then id), the `limit` after `cursor`, and the cursor
    of the next page."""
    if cursor:
        at, pk = pagination.decode(cursor, 2)
        try:
            when = dt.datetime.fromisoformat(at)
            pk = int(pk)
        except (TypeError, ValueError):
            raise _bad_cursor() from None
        if timezone.is_naive(when):
            raise _bad_cursor()
        after = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field}__{after}": when}) | Q(**{field: when, f"id__{after}": pk}))
    order = (f"-{field}", "-id") if descending else (field, "id")
    rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    after_cursor = pagination.encode([getattr(last, field).isoformat(), last.pk]) if last else None
    return rows, after_cursor


def _renamed(error: DomainError, names: dict[str, str]) -> DomainError:
    """The domain's error with its `fields` named as the request's body names them."""
    fields = error.details.get("fields")
    if fields:
        error.details["fields"] = {names.get(k, k): v for k, v in fields.items()}
    return error


def _calling(command: Callable[[], Any], names: dict[str, str]) -> Any:
    try:
        return command()
    except DomainError as error:
        raise _renamed(error, names) from None


def _unit(committee: Organisation, unit_id: int | None, field: str) -> Organisation | None:
    """A member unit named in a body (or None), or an error on that field; whether the caller
    may act for it is the command's check."""
    if unit_id is None:
        return None
    return _required_unit(committee, unit_id, field)


def _required_unit(committee: Organisation, unit_id: int | None, field: str) -> Organisation:
    unit = None
    if unit_id is not None:
        unit = Organisation.objects.filter(pk=unit_id, committee=committee).first()
    if unit is None:
        message = _("Choose one of the committee's member units.")
        raise Invalid(message, code="validation", fields={field: [message]})
    return unit


def _person(person_id: int | None, field: str) -> Person | None:
    if person_id is None:
        return None
    found = Person.objects.filter(pk=person_id).first()
    if found is None:
        message = _("The owner must be one of the unit's people.")
        raise Invalid(message, code="validation", fields={field: [message]})
    return found


# --- Committees -----------------------------------------------------------------------------


def _committee_items(user: Any, found: list[Organisation]) -> list[dict[str, Any]]:
    mine: dict[int | None, list[dict[str, Any]]] = {}
    for committee_id, unit_id, name in (
        Membership.objects.filter(person_id=user.pk, organisation__committee__in=found)
        .order_by("organisation__name")
        .values_list("organisation__committee_id", "organisation_id", "organisation__name")
    ):
        mine.setdefault(committee_id, []).append({"id": unit_id, "name": name})
    staff = access.staff_of(user, found)
    return [
        {
            "id": c.pk,
            "name": c.name,
            "node_id": c.node_id,
            "node_name": node_label(c.node),
            "staff": c.pk in staff,
            "my_units": mine.get(c.pk, []),
        }
        for c in found
    ]


@router.get("/committees", response=responses({200: CommitteePage}))
def list_committees(request: HttpRequest, filters: Query[CommitteeQuery]) -> Any:
    """The joint committees you may read: yours (as staff or through a member unit) and those
    of your area."""
    user = caller_person(request)
    qs = access.visible_committees(user)
    if filters.cursor:
        (last,) = pagination.decode(filters.cursor, 1)
        if not isinstance(last, int):
            raise _bad_cursor()
        qs = qs.filter(pk__gt=last)
    found = list(qs.select_related("node").order_by("id")[: filters.limit + 1])
    more = len(found) > filters.limit
    found = found[: filters.limit]
    after = pagination.encode([found[-1].pk]) if more else None
    return {"items": _committee_items(user, found), "next": after}


def _units(committee: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(committee=committee).order_by("name", "pk"))


@router.get("/committees/{committee_id}", response=responses({200: CommitteeDetail}))
def get_committee(request: HttpRequest, committee_id: Id) -> Any:
    """One committee with its member units: their contacts (mobile masked), what each pledged
    (资源清单), and their open and overdue tasks."""
    user = caller_person(request)
    committee = access.access_committee(user, committee_id)
    units = _units(committee)
    mine = access.unit_ids(user, committee)
    contacts: dict[int, list[dict[str, str]]] = {}
    for unit_id, name, title, mobile in (
        Membership.objects.filter(organisation__in=units)
        .order_by("person__name", "pk")
        .values_list("organisation_id", "person__name", "title", "person__mobile")
    ):
        contacts.setdefault(unit_id, []).append(
            {"name": name, "title": title, "mobile": mask_mobile(mobile)}
        )
    pledges: dict[int, list[dict[str, Any]]] = {}
    for pledge in Pledge.objects.filter(unit__in=units):
        pledges.setdefault(pledge.unit_id, []).append(
            {
                "id": pledge.pk,
                "kind": pledge.kind,
                "kind_label": str(PLEDGE_KINDS.get(pledge.kind, pledge.kind)),
                "description": pledge.description,
                "quantity": pledge.quantity,
                "active": pledge.active,
            }
        )
    open_tasks: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for unit_id, overdue_at in (
        Task.objects.filter(committee=committee).open().values_list("unit_id", "overdue_at")
    ):
        open_tasks[unit_id] = open_tasks.get(unit_id, 0) + 1
        if overdue_at:
            overdue[unit_id] = overdue.get(unit_id, 0) + 1
    return {
        **_committee_items(user, [committee])[0],
        "units": [
            {
                "id": u.pk,
                "name": u.name,
                "unit_kind": u.unit_kind,
                "unit_kind_label": str(UNIT_KINDS.get(u.unit_kind, u.unit_kind)),
                "mine": u.pk in mine,
                "contacts": contacts.get(u.pk, []),
                "pledges": pledges.get(u.pk, []),
                "open_tasks": open_tasks.get(u.pk, 0),
                "overdue_tasks": overdue.get(u.pk, 0),
            }
            for u in units
        ],
    }


@router.get("/committees/{committee_id}/goals", response=responses({200: GoalList}))
def list_committee_goals(request: HttpRequest, committee_id: Id, filters: Query[GoalQuery]) -> Any:
    """The goals list (目标清单) of a year: each goal's figure against its target and against
    the time passed."""
    committee = access.access_committee(caller_person(request), committee_id)
    year = filters.year or timezone.localdate().year
    return {
        "year": year,
        "items": [
            {
                "id": p.goal.pk,
                "year": p.goal.year,
                "title": p.goal.title,
                "measure": p.goal.measure,
                "measure_label": str(MEASURES.get(p.goal.measure, p.goal.measure)),
                "unit_label": p.goal.unit_label,
                "target": float(p.goal.target),
                "value": float(p.value),
                "percent": p.percent,
                "elapsed_percent": p.elapsed_percent,
                "behind": p.behind,
            }
            for p in goals.goals_of(committee, year)
        ],
    }


@router.get("/committees/{committee_id}/needs", response=responses({200: NeedsListOut}))
def list_committee_needs(request: HttpRequest, committee_id: Id) -> Any:
    """The needs list (需求清单), read live: needs escalated to the committee, overdue in its
    area, or asked for by a member unit, grouped by theme. No phone number is in it."""
    user = caller_person(request)
    committee = access.access_committee(user, committee_id)
    return {
        "themes": [
            {
                "name": theme.name,
                "items": [
                    {
                        "number": item.need.number,
                        "category": item.need.category.label,
                        "place": node_label(item.need.node),
                        "state": item.need.state,
                        "state_label": item.need.get_state_display(),
                        "why": item.why,
                        "asked_by": item.asked_by,
                        "text": item.text,
                        "open_tasks": item.open_tasks,
                    }
                    for item in theme.items
                ],
            }
            for theme in needlist.needs_list(committee, user)
        ]
    }


# --- Tasks ----------------------------------------------------------------------------------


def _task_item(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "committee_id": task.committee_id,
        "title": task.title,
        "unit_id": task.unit_id,
        "unit_name": task.unit.name,
        "owner_name": task.owner.name if task.owner else None,
        "due": task.due,
        "state": task.state,
        "state_label": task.get_state_display(),
        "overdue": task.overdue_at is not None and task.state in OPEN_TASK_STATES,
        "need_number": task.need.number if task.need else None,
        "goal_id": task.goal_id,
        "decision_id": task.decision_id,
        "resolves_need": task.resolves_need,
        "created_at": task.created_at,
    }


def _task_out(user: Any, task_id: int) -> dict[str, Any]:
    task = access.access_task(user, task_id)
    return {
        **_task_item(task),
        "detail": task.detail,
        "result": task.result,
        "return_reason": task.return_reason,
        "accepted_at": task.accepted_at,
        "done_at": task.done_at,
        "done_on_time": task.done_on_time,
        "verified_at": task.verified_at,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "label": str(work.EVENT_LABELS.get(e.action, e.action)),
                "at": e.created_at,
                "actor_name": e.actor.name if e.actor else None,
                "note": e.note,
            }
            for e in task.events.select_related("actor").order_by("seq")
        ],
        "allowed": [str(a) for a in work.allowed_actions(task, By(person=user))],
    }


@router.get("/committees/{committee_id}/tasks", response=responses({200: TaskPage}))
def list_committee_tasks(request: HttpRequest, committee_id: Id, filters: Query[TaskQuery]) -> Any:
    """The work list (工作清单), by deadline, a page at a time. A member unit's people get their
    units' tasks unless they ask for `unit=all` or another unit."""
    user = caller_person(request)
    committee = access.access_committee(user, committee_id)
    mine = access.unit_ids(user, committee)
    qs = Task.objects.filter(committee=committee).select_related("unit", "owner", "need")
    if filters.state == "open":
        qs = qs.open()
    elif filters.state == "overdue":
        qs = qs.open().filter(overdue_at__isnull=False)
    elif filters.state != "all":
        qs = qs.filter(state=filters.state)
    unit = filters.unit or ("mine" if mine else "all")
    if unit == "mine":
        qs = qs.filter(unit_id__in=mine)
    elif unit != "all":
        qs = qs.filter(unit_id=int(unit))
    rows, after = _page(
        qs, field="due", descending=False, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [_task_item(t) for t in rows], "next": after}


@router.post("/committees/{committee_id}/tasks", response=responses({201: TaskDetail}))
def create_committee_task(request: HttpRequest, committee_id: Id, body: TaskIn) -> Any:
    """Give a task to a member unit (the committee's staff): from a goal, a need of the area
    (its tracking number) or plain; with `resolves_need`, verifying it resolves the need the
    committee consults on."""
    user = caller_person(request)
    committee = access.access_committee(user, committee_id, write=True)
    unit = _required_unit(committee, body.unit, "unit")
    if body.due is None:
        message = _("Give the deadline.")
        raise Invalid(message, code="validation", fields={"due": [message]})
    goal = None
    if body.goal is not None:
        goal = Goal.objects.filter(pk=body.goal, committee=committee).first()
        if goal is None:
            message = _("Choose one of the committee's goals.")
            raise Invalid(message, code="validation", fields={"goal": [message]})
    need = None
    if body.need:
        need = (
            Need.objects.filter(number=body.need.replace("-", "").replace(" ", "").upper())
            .select_related("node")
            .first()
        )
        if need is None or not need.node.path.startswith(committee.node.path):
            message = _("No need with that number in the committee's area.")
            raise Invalid(message, code="validation", fields={"need": [message]})
    task = work.task_create(
        committee=committee,
        by=By(person=user),
        title=body.title,
        detail=body.detail,
        unit=unit,
        owner=_person(body.owner, "owner"),
        due=body.due,
        goal=goal,
        need=need,
        resolves_need=body.resolves_need,
    )
    return Status(201, _task_out(user, task.pk))


@router.get("/committees/tasks/{task_id}", response=responses({200: TaskDetail}))
def get_committee_task(request: HttpRequest, task_id: Id) -> Any:
    """One task with its timeline and what you may do to it now (`allowed`)."""
    return _task_out(caller_person(request), task_id)


@router.post("/committees/tasks/{task_id}/{action}", response=responses({200: TaskDetail}, 409))
def act_on_committee_task(
    request: HttpRequest, task_id: Id, action: work.Action, body: TaskActionIn
) -> Any:
    """Move a task: accept, return (`reason`), done (`result`) — its unit's people; verify
    (`public_reply`, `reason` as a note), send_back (`reason`), reassign (`unit`, `owner`,
    `due`, `reason`), cancel (`reason`) — the committee's staff. 403 on another unit's task or
    a move that is not yours; 409 wrong_state when the task's state does not allow it."""
    user = caller_person(request)
    task = access.access_task(user, task_id, write=True)
    params: dict[str, Any] = {}
    names: dict[str, str] = {}
    if action in (work.Action.RETURN, work.Action.SEND_BACK, work.Action.CANCEL):
        params = {"reason": body.reason}
    elif action == work.Action.DONE:
        params, names = {"result": body.result}, {"reason": "result"}
    elif action == work.Action.VERIFY:
        params = {"note": body.reason, "public_reply": body.public_reply}
    elif action == work.Action.REASSIGN:
        params = {
            "unit": _unit(task.committee, body.unit, "unit"),
            "owner": _person(body.owner, "owner"),
            "due": body.due,
            "reason": body.reason,
        }
    _calling(lambda: work.transition(task, action, By(person=user), **params), names)
    return _task_out(user, task.pk)


# --- Consultations --------------------------------------------------------------------------


def _consultation_items(found: list[Consultation]) -> list[dict[str, Any]]:
    units: dict[int, list[dict[str, Any]]] = {}
    for consultation_id, unit_id, name in (
        Consultation.units.through.objects.filter(consultation__in=found)
        .order_by("organisation__name")
        .values_list("consultation_id", "organisation_id", "organisation__name")
    ):
        units.setdefault(consultation_id, []).append({"id": unit_id, "name": name})
    return [
        {
            "id": c.pk,
            "committee_id": c.committee_id,
            "need_number": c.need.number,
            "state": c.state,
            "state_label": c.get_state_display(),
            "units": units.get(c.pk, []),
            "held_on": c.held_on,
            "opened_at": c.opened_at,
            "decided_at": c.decided_at,
            "closed_at": c.closed_at,
        }
        for c in found
    ]


def _decisions(decisions: QuerySet[Decision]) -> list[dict[str, Any]]:
    found = list(decisions.select_related("need").order_by("created_at", "id"))
    tasks: dict[int, list[int]] = {}
    for decision_id, task_id in (
        Task.objects.filter(decision__in=found).order_by("id").values_list("decision_id", "id")
    ):
        tasks.setdefault(decision_id, []).append(task_id)
    return [
        {
            "id": d.pk,
            "text": d.text,
            "created_at": d.created_at,
            "meeting_id": d.meeting_id,
            "need_number": d.need.number if d.need else None,
            "task_ids": tasks.get(d.pk, []),
        }
        for d in found
    ]


def _consultation_out(user: Any, consultation_id: int) -> dict[str, Any]:
    consultation = access.access_consultation(user, consultation_id)
    staff = access.is_committee_staff(user, consultation.committee)
    return {
        **_consultation_items([consultation])[0],
        "need_text": _need_text(user, consultation, staff),
        "contributions": [
            {
                "id": c.pk,
                "unit_id": c.unit_id,
                "unit_name": c.unit.name,
                "person_name": c.person.name if c.person else None,
                "text": c.text,
                "created_at": c.created_at,
            }
            for c in consultation.contributions.select_related("unit", "person").order_by("id")
        ],
        "decisions": _decisions(Decision.objects.filter(consultation=consultation)),
        "outcome": consultation.outcome,
    }


def _need_text(user: Any, consultation: Consultation, staff: bool) -> str:
    """What the console's consultation page shows of the need: the resident's words for the
    committee's staff and staff whose scope holds its place, else its public summary."""
    need = consultation.need
    if staff or scope.can_see(user, need.node):
        return need.description
    return publication.public_description(need)


@router.get("/committees/{committee_id}/consultations", response=responses({200: ConsultationPage}))
def list_consultations(request: HttpRequest, committee_id: Id, filters: Query[PageQuery]) -> Any:
    """The committee's consultations on hard needs (问题攻坚会商), newest first."""
    committee = access.access_committee(caller_person(request), committee_id)
    qs = Consultation.objects.filter(committee=committee).select_related("need")
    rows, after = _page(
        qs, field="opened_at", descending=True, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": _consultation_items(rows), "next": after}


@router.get(
    "/committees/consultations/{consultation_id}", response=responses({200: ConsultationDetail})
)
def get_consultation(request: HttpRequest, consultation_id: Id) -> Any:
    """One consultation: its need, the units involved, their contributions, the decisions with
    their tasks' ids, and the outcome."""
    return _consultation_out(caller_person(request), consultation_id)


@router.post(
    "/committees/consultations/{consultation_id}/contributions",
    response=responses({201: ConsultationDetail}, 409),
)
def contribute_to_consultation(
    request: HttpRequest, consultation_id: Id, body: ContributionIn
) -> Any:
    """What a unit brings: a unit's people for their own unit, the committee's staff for any."""
    user = caller_person(request)
    consultation = access.access_consultation(user, consultation_id)
    committee = consultation.committee
    if not (access.is_committee_staff(user, committee) or access.unit_ids(user, committee)):
        raise PermissionDenied(_("Only the committee and its units may contribute."))
    unit = _required_unit(committee, body.unit, "unit")
    consultations.consultation_contribute(
        consultation=consultation, by=By(person=user), unit=unit, text=body.text
    )
    return Status(201, _consultation_out(user, consultation.pk))


@router.post(
    "/committees/consultations/{consultation_id}/decision",
    response=responses({200: ConsultationDetail}, 409),
)
def decide_consultation(
    request: HttpRequest, consultation_id: Id, body: ConsultationDecisionIn
) -> Any:
    """The decision (the committee's staff): who does what by when, each becoming a task of a
    member unit; `outcome` is what the resident reads when the need ends."""
    user = caller_person(request)
    consultation = access.access_consultation(user, consultation_id, write=True)
    specs = []
    for row in body.tasks:
        unit = _required_unit(consultation.committee, row.unit, "tasks")
        specs.append(
            consultations.TaskSpec(
                unit=unit,
                title=row.title,
                due=row.due,
                owner=_person(row.owner, "tasks"),
                resolves_need=row.resolves_need,
            )
        )
    consultations.consultation_decide(
        consultation=consultation,
        by=By(person=user),
        text=body.text,
        outcome=body.outcome,
        tasks=specs,
    )
    return _consultation_out(user, consultation.pk)


@router.post(
    "/committees/consultations/{consultation_id}/return",
    response=responses({200: ConsultationDetail}, 409),
)
def return_consultation(
    request: HttpRequest, consultation_id: Id, body: ConsultationReturnIn
) -> Any:
    """Hand the need back to its community with the decision (the committee's staff); the
    resident reads `outcome`."""
    user = caller_person(request)
    consultation = access.access_consultation(user, consultation_id, write=True)
    consultations.consultation_return(
        consultation=consultation, by=By(person=user), outcome=body.outcome
    )
    return _consultation_out(user, consultation.pk)


# --- Meetings -------------------------------------------------------------------------------


def _meeting_item(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "committee_id": meeting.committee_id,
        "title": meeting.title,
        "state": meeting.state,
        "state_label": meeting.get_state_display(),
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "node_id": meeting.node_id,
        "node_name": node_label(meeting.node),
        "place_detail": meeting.place_detail,
    }


def _attendance(meeting: Meeting) -> tuple[list[dict[str, Any]], list[str]]:
    """How many came for each unit (the committee's own members as unit null), and the units
    nobody came for."""
    counts: dict[int | None, int] = {
        row["unit_id"]: row["n"]
        for row in Attendance.objects.filter(meeting=meeting)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    rows = []
    if None in counts:
        rows.append({"unit_id": None, "unit_name": meeting.committee.name, "count": counts[None]})
    absent = []
    for unit in Organisation.objects.filter(
        committee_id=meeting.committee_id, kind=OrgKind.MEMBER_UNIT
    ).order_by("name", "pk"):
        if unit.pk in counts:
            rows.append({"unit_id": unit.pk, "unit_name": unit.name, "count": counts[unit.pk]})
        else:
            absent.append(unit.name)
    return rows, absent


def _meeting_out(user: Any, meeting_id: int) -> dict[str, Any]:
    meeting = access.access_meeting(user, meeting_id)
    attendance, absent = _attendance(meeting)
    agenda = meeting_record.read(meeting, user).agenda
    return {
        **_meeting_item(meeting),
        "cancel_reason": meeting.cancel_reason,
        "agenda": [
            {
                "id": a.item.pk,
                "position": a.item.position,
                "kind": a.kind,
                "title": a.title,
                "detail": a.detail,
                "why": a.why,
                "state": a.state,
                "need_number": a.need_number or None,
                "unit_name": a.item.unit.name if a.item.unit else None,
            }
            for a in agenda
        ],
        "attendance": attendance,
        "absent": absent,
        "minutes": meeting.minutes,
        "decisions": _decisions(Decision.objects.filter(meeting=meeting)),
        "allowed": [str(a) for a in meetings.allowed_actions(meeting, By(person=user))],
        "checked_in": Attendance.objects.filter(meeting=meeting, person=user).exists(),
    }


@router.get("/committees/{committee_id}/meetings", response=responses({200: MeetingPage}))
def list_meetings(request: HttpRequest, committee_id: Id, filters: Query[PageQuery]) -> Any:
    """The committee's joint meetings (联席会议), the latest start first."""
    committee = access.access_committee(caller_person(request), committee_id)
    qs = Meeting.objects.filter(committee=committee).select_related("node")
    rows, after = _page(
        qs, field="starts_at", descending=True, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [_meeting_item(m) for m in rows], "next": after}


@router.get("/committees/meetings/{meeting_id}", response=responses({200: MeetingDetail}))
def get_meeting(request: HttpRequest, meeting_id: Id) -> Any:
    """One meeting: its agenda, how many came per unit, the minutes, and the decisions with
    their tasks' ids."""
    return _meeting_out(caller_person(request), meeting_id)


@router.post(
    "/committees/meetings/{meeting_id}/agenda",
    response=responses({201: MeetingDetail}, 409),
)
def add_agenda_item(request: HttpRequest, meeting_id: Id, body: AgendaIn) -> Any:
    """Raise an item for the agenda: a unit's people for their unit, the committee's staff for
    the committee or a unit. 409 once the meeting is recorded or cancelled."""
    user = caller_person(request)
    meeting = access.access_meeting(user, meeting_id)
    committee = meeting.committee
    if not (access.is_committee_staff(user, committee) or access.unit_ids(user, committee)):
        raise PermissionDenied(_("Only the committee and its member units raise agenda items."))
    meetings.agenda_add(
        meeting=meeting,
        by=By(person=user),
        text=body.text,
        unit=_unit(committee, body.unit, "unit"),
    )
    return Status(201, _meeting_out(user, meeting.pk))


@router.post(
    "/committees/meetings/{meeting_id}/check-in",
    response=responses({200: MeetingCheckInOut}, 409),
)
def check_in_to_meeting(request: HttpRequest, meeting_id: Id, body: MeetingCheckInIn) -> Any:
    """Check in with the key of the meeting's QR poster, from an hour before the start to an
    hour after the end, near the place when the phone says where it is. 403 bad_key for a
    wrong key, not_a_member for someone of neither the committee nor a unit; 409 too_early,
    too_late, already_checked_in; 400 too_far more than 2 km away."""
    user = caller_person(request)
    meeting = access.access_meeting(user, meeting_id)
    attendance = meetings.meeting_check_in(
        meeting=meeting, person=user, key=body.key, lat=body.lat, lon=body.lon
    )
    unit = attendance.unit
    return {
        "meeting_id": meeting.pk,
        "checked_in_at": attendance.at,
        "unit": {"id": unit.pk, "name": unit.name} if unit is not None else None,
        "distance_m": attendance.distance_m,
    }
