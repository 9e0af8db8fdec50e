"""The work list (工作清单): the one module that moves a `Task`.

    assigned ─accept→ accepted ─done→ done ─verify→ verified
    return (reason; the unit cannot do it): assigned/accepted → returned
    send_back (reason; the committee is not satisfied): done → accepted
    reassign (to another unit, owner or deadline): assigned/accepted/returned → assigned
    cancel (reason): assigned/accepted/returned → cancelled

`TRANSITIONS` says who may take each action: the task's unit (its people), the committee's
staff, or the system (the worker reminds and marks overdue; those are events, not states).

A task that came from a need the committee holds (a consultation) works that need too
(`resolves_need`): giving the task dispatches the need to the unit, the unit's accepting takes
it, and verifying the task resolves it, through the need's own workflow, so the resident's
page, the rollups and the rating follow as for any need.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.committees import access, events
from civicgrid.committees.models import Consultation, Decision, Goal, Task, TaskState
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.notifications import notify
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import Need
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, Person

# The worker reminds a unit this long before a task is due.
REMIND_BEFORE = dt.timedelta(days=1)


class Action(enum.StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    DONE = "done"
    VERIFY = "verify"
    SEND_BACK = "send_back"
    REASSIGN = "reassign"
    CANCEL = "cancel"


class Actor(enum.StrEnum):
    UNIT = "unit"  # a person of the task's member unit
    COMMITTEE = "committee"  # the committee's staff
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    reason_required: bool = False


def _rule(
    sources: Iterable[str], target: str, actors: Iterable[Actor], reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), reason)


S = TaskState
U, C = Actor.UNIT, Actor.COMMITTEE

TRANSITIONS: dict[Action, Rule] = {
    Action.ACCEPT: _rule([S.ASSIGNED], S.ACCEPTED, [U]),
    Action.RETURN: _rule([S.ASSIGNED, S.ACCEPTED], S.RETURNED, [U], reason=True),
    Action.DONE: _rule([S.ACCEPTED], S.DONE, [U], reason=True),
    Action.VERIFY: _rule([S.DONE], S.VERIFIED, [C]),
    Action.SEND_BACK: _rule([S.DONE], S.ACCEPTED, [C], reason=True),
    Action.REASSIGN: _rule([S.ASSIGNED, S.ACCEPTED, S.RETURNED], S.ASSIGNED, [C]),
    Action.CANCEL: _rule([S.ASSIGNED, S.ACCEPTED, S.RETURNED], S.CANCELLED, [C], reason=True),
}

SYSTEM = need_workflow.SYSTEM


def actor_kinds(task: Task, by: By) -> set[Actor]:
    """What `by` is to this task."""
    if by.system:
        return {Actor.SYSTEM}
    kinds: set[Actor] = set()
    if by.person is None:
        return kinds
    if access.is_committee_staff(by.person, task.committee):
        kinds.add(Actor.COMMITTEE)
    if Membership.objects.filter(organisation_id=task.unit_id, person=by.person).exists():
        kinds.add(Actor.UNIT)
    return kinds


def allowed_actions(task: Task, by: By) -> list[Action]:
    kinds = actor_kinds(task, by)
    return [
        a for a, rule in TRANSITIONS.items() if task.state in rule.sources and kinds & rule.actors
    ]


def may(task: Task, by: By, action: Action) -> bool:
    return action in allowed_actions(task, by)


# --- The shared core --------------------------------------------------------------------------


def _lock(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("committee", "committee__node", "unit", "need")
        .get(pk=task.pk)
    )


def _begin(task: Task, action: Action, by: By, reason: str) -> tuple[Task, str]:
    locked = _lock(task)
    rule = TRANSITIONS[action]
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(_("You may not do this to the task."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The task is %(state)s: it cannot be %(action)s now.")
            % {"state": locked.get_state_display(), "action": ACTION_WORDS[action]},
            code="wrong_state",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        message = _("Say why (or what was done) in a few words.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return locked, reason


def _commit(
    locked: Task,
    action: Action | str,
    by: By,
    fields: dict[str, Any],
    *,
    now: dt.datetime,
    note: str = "",
    data: events.EventData | None = None,
) -> Task:
    before = locked.state
    target = TRANSITIONS[action].target if action in TRANSITIONS else before  # type: ignore[index]
    fields = {"state": target, "updated_at": now, **fields}
    changed = Task.objects.filter(pk=locked.pk, state=before).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this task at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        str(action),
        actor=by.person,
        unit=locked.unit,
        from_state=before,
        to_state=target,
        note=note,
        data=data,
        now=now,
    )
    return locked


# "The task is Done: it cannot be <word> now."
ACTION_WORDS = {
    Action.ACCEPT: gettext_lazy("accepted"),
    Action.RETURN: gettext_lazy("returned"),
    Action.DONE: gettext_lazy("marked done"),
    Action.VERIFY: gettext_lazy("verified"),
    Action.SEND_BACK: gettext_lazy("sent back"),
    Action.REASSIGN: gettext_lazy("given again"),
    Action.CANCEL: gettext_lazy("cancelled"),
}
# The buttons and the timeline.
ACTION_LABELS = {
    Action.ACCEPT: gettext_lazy("Accept"),
    Action.RETURN: gettext_lazy("Return"),
    Action.DONE: gettext_lazy("Mark done"),
    Action.VERIFY: gettext_lazy("Verify"),
    Action.SEND_BACK: gettext_lazy("Send back"),
    Action.REASSIGN: gettext_lazy("Give again"),
    Action.CANCEL: gettext_lazy("Cancel"),
}
EVENT_LABELS = {
    "assign": gettext_lazy("Assigned"),
    "accept": gettext_lazy("Accepted"),
    "return": gettext_lazy("Returned"),
    "done": gettext_lazy("Done"),
    "verify": gettext_lazy("Verified"),
    "send_back": gettext_lazy("Sent back"),
    "reassign": gettext_lazy("Given again"),
    "cancel": gettext_lazy("Cancelled"),
    "remind": gettext_lazy("Reminded"),
    "overdue": gettext_lazy("Overdue"),
}


def _unit_people(task: Task) -> list[Person]:
    if task.owner_id:
        return [task.owner]  # type: ignore[list-item]
    return list(Person.objects.filter(membership__organisation_id=task.unit_id))


def _committee_people(task: Task) -> list[Person]:
    return list(Person.objects.filter(membership__organisation_id=task.committee_id))


def _notify(people: list[Person], kind: str, task: Task, note: str = "") -> None:
    notify(
        people,
        kind=kind,
        data={"title": task.title, "unit": task.unit.name, "note": note, "due": _due_text(task)},
        url=f"/console/committees/tasks/{task.pk}/",
    )


def _due_text(task: Task) -> str:
    return timezone.localtime(task.due).strftime("%Y-%m-%d %H:%M")


# --- Commands -------------------------------------------------------------------------------


def _check_unit(committee: Organisation, unit: Organisation, owner: Person | None) -> None:
    if unit.committee_id != committee.pk:
        message = _("Give the task to one of the committee's member units.")
        raise Invalid(message, code="validation", fields={"unit": [message]})
    if (
        owner is not None
        and not Membership.objects.filter(organisation=unit, person=owner).exists()
    ):
        message = _("The owner must be one of the unit's people.")
        raise Invalid(message, code="validation", fields={"owner": [message]})


@transaction.atomic
def task_create(
    *,
    committee: Organisation,
    by: By,
    title: str,
    unit: Organisation,
    due: dt.datetime,
    detail: str = "",
    owner: Person | None = None,
    goal: Goal | None = None,
    need: Need | None = None,
    decision: Decision | None = None,
    resolves_need: bool = False,
) -> Task:
    """Give a task to a member unit. From a need the committee holds, with `resolves_need`, the
    need is dispatched to the unit through the need's workflow."""
    if not by.system:
        access.check_staff(by.person, committee)
    title = (title or "").strip()
    if not title:
        message = _("Say what the task is.")
        raise Invalid(message, code="validation", fields={"title": [message]})
    _check_unit(committee, unit, owner)
    now = timezone.now()
    if due <= now and not by.system:
        message = _("The deadline must be in the future.")
        raise Invalid(message, code="validation", fields={"due": [message]})
    if goal is not None and goal.committee_id != committee.pk:
        raise Invalid(_("That goal is another committee's."), code="validation")
    if decision is not None and decision.committee_id != committee.pk:
        raise Invalid(_("That decision is another committee's."), code="validation")
    if resolves_need and (need is None or need.consultation_id != committee.pk):
        message = _("Only a need the committee is consulting on can be resolved by a task.")
        raise Invalid(message, code="validation", fields={"resolves_need": [message]})
    task = Task.objects.create(
        committee=committee,
        title=title,
        detail=(detail or "").strip(),
        unit=unit,
        owner=owner,
        due=due,
        goal=goal,
        need=need,
        decision=decision,
        resolves_need=resolves_need,
        created_by=by.person,
        created_at=now,
        updated_at=now,
    )
    source = "decision" if decision else "need" if need else "goal" if goal else None
    events.append(
        task,
        "assign",
        actor=by.person,
        unit=unit,
        to_state=TaskState.ASSIGNED,
        data=events.Assigned(
            unit=unit.name, due=due.isoformat(), source=source, need=need.number if need else None
        ),
        now=now,
    )
    if resolves_need and need is not None:
        need_workflow.need_dispatch(need=need, by=by, to=unit, reason=title)
    _notify(_unit_people(task), "task_assigned", task)
    return task


@transaction.atomic
def task_accept(*, task: Task, by: By) -> Task:
    """The unit takes the task on; a task that works a need takes the need too."""
    locked, _reason = _begin(task, Action.ACCEPT, by, "")
    now = timezone.now()
    locked = _commit(locked, Action.ACCEPT, by, {"accepted_at": now}, now=now)
    if locked.resolves_need and locked.need is not None:
        need = locked.need
        if need_workflow.may(need, by, need_workflow.Action.TAKE):
            need_workflow.need_take(need=need, by=by)
    return locked


@transaction.atomic
def task_return(*, task: Task, by: By, reason: str) -> Task:
    """The unit cannot do it: back to the committee, with the reason."""
    locked, reason = _begin(task, Action.RETURN, by, reason)
    now = timezone.now()
    locked = _commit(locked, Action.RETURN, by, {"return_reason": reason}, now=now, note=reason)
    _notify(_committee_people(locked), "task_returned", locked, reason)
    return locked


@transaction.atomic
def task_done(*, task: Task, by: By, result: str) -> Task:
    """The unit did it and says what it did; the committee verifies."""
    locked, result = _begin(task, Action.DONE, by, result)
    now = timezone.now()
    on_time = now <= locked.due
    fields = {"done_at": now, "done_on_time": on_time, "result": result, "overdue_at": None}
    locked = _commit(
        locked, Action.DONE, by, fields, now=now, note=result, data=events.Done(on_time=on_time)
    )
    _notify(_committee_people(locked), "task_done", locked, result)
    return locked


@transaction.atomic
def task_verify(*, task: Task, by: By, note: str = "", public_reply: str = "") -> Task:
    """The committee checks the work; a task that resolves its need resolves it now, with
    `public_reply` (or the unit's account of the work) as what the resident reads."""
    locked, note = _begin(task, Action.VERIFY, by, note)
    now = timezone.now()
    resolved = None
    if locked.resolves_need and locked.need is not None:
        need = locked.need
        if need_workflow.may(need, by, need_workflow.Action.RESOLVE):
            # What the resident reads: the reply written now, else the consultation's outcome,
            # else the unit's account of the work.
            outcome = (
                Consultation.objects.filter(decisions__tasks=locked)
                .values_list("outcome", flat=True)
                .first()
            )
            reply = (public_reply or outcome or locked.result).strip()
            need_workflow.need_resolve(need=need, by=by, reason=reply, public=bool(reply))
            resolved = need.number
    return _commit(
        locked,
        Action.VERIFY,
        by,
        {"verified_at": now},
        now=now,
        note=note,
        data=events.Verified(resolved_need=resolved),
    )


@transaction.atomic
def task_send_back(*, task: Task, by: By, reason: str) -> Task:
    locked, reason = _begin(task, Action.SEND_BACK, by, reason)
    now = timezone.now()
    fields = {"done_at": None, "done_on_time": None}
    locked = _commit(locked, Action.SEND_BACK, by, fields, now=now, note=reason)
    _notify(_unit_people(locked), "task_sent_back", locked, reason)
    return locked


@transaction.atomic
def task_reassign(
    *,
    task: Task,
    by: By,
    unit: Organisation | None = None,
    owner: Person | None = None,
    due: dt.datetime | None = None,
    reason: str = "",
) -> Task:
    """Give the task again: to another unit or owner, or with a new deadline."""
    locked, reason = _begin(task, Action.REASSIGN, by, reason)
    unit = unit or locked.unit
    _check_unit(locked.committee, unit, owner)
    now = timezone.now()
    due = due or locked.due
    if due <= now:
        message = _("The deadline must be in the future.")
        raise Invalid(message, code="validation", fields={"due": [message]})
    fields = {
        "unit": unit,
        "owner": owner,
        "due": due,
        "accepted_at": None,
        "return_reason": "",
        "reminded_at": None,
        "overdue_at": None,
    }
    locked = _commit(
        locked,
        Action.REASSIGN,
        by,
        fields,
        now=now,
        note=reason,
        data=events.Assigned(unit=unit.name, due=due.isoformat()),
    )
    if locked.resolves_need and locked.need is not None:
        need = locked.need
        if need_workflow.may(need, by, need_workflow.Action.DISPATCH):
            need_workflow.need_dispatch(need=need, by=by, to=unit, reason=locked.title)
    _notify(_unit_people(locked), "task_assigned", locked)
    return locked


@transaction.atomic
def task_cancel(*, task: Task, by: By, reason: str) -> Task:
    locked, reason = _begin(task, Action.CANCEL, by, reason)
    return _commit(locked, Action.CANCEL, by, {}, now=timezone.now(), note=reason)


COMMANDS = {
    Action.ACCEPT: task_accept,
    Action.RETURN: task_return,
    Action.DONE: task_done,
    Action.VERIFY: task_verify,
    Action.SEND_BACK: task_send_back,
    Action.REASSIGN: task_reassign,
    Action.CANCEL: task_cancel,
}


def transition(task: Task, action: Action | str, by: By, **params: Any) -> Task:
    """Run the command of an action chosen at run time (a form's button, the API)."""
    try:
        command = COMMANDS[Action(action)]
    except ValueError:
        raise Invalid(_("No such action."), code="bad_action") from None
    return command(task=task, by=by, **params)  # type: ignore[operator]


# --- The worker: reminders and overdue marks ------------------------------------------------


def remind(task_id: int, now: dt.datetime) -> bool:
    """Remind the unit once that a task is due soon (claimed by a conditional UPDATE)."""
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=task_id, reminded_at__isnull=True, state__in=OPEN_WORK
        ).update(reminded_at=now)
        if not claimed:
            return False
        task = Task.objects.select_related("committee", "unit", "owner").get(pk=task_id)
        events.append(task, "remind", actor=None, unit=task.unit, now=now)
        _notify(_unit_people(task), "task_reminder", task)
    return True


def mark_overdue(task_id: int, now: dt.datetime) -> bool:
    """Mark a task overdue once, and tell the unit and the committee."""
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=task_id, overdue_at__isnull=True, state__in=OPEN_WORK
        ).update(overdue_at=now)
        if not claimed:
            return False
        task = Task.objects.select_related("committee", "unit", "owner").get(pk=task_id)
        events.append(task, "overdue", actor=None, unit=task.unit, now=now)
        _notify(_unit_people(task) + _committee_people(task), "task_overdue", task)
    return True


# The states in which the unit still owes the work (a done task waits on the committee).
OPEN_WORK = (TaskState.ASSIGNED, TaskState.ACCEPTED)


def sweep(now: dt.datetime | None = None, batch: int = 200) -> tuple[int, int]:
    """Remind what is due within a day and mark what is past due; returns (reminded, overdue)."""
    now = now or timezone.now()
    due_soon = Task.objects.filter(
        state__in=OPEN_WORK, reminded_at__isnull=True, due__lte=now + REMIND_BEFORE, due__gt=now
    ).values_list("pk", flat=True)[:batch]
    late = Task.objects.filter(
        state__in=OPEN_WORK, overdue_at__isnull=True, due__lte=now
    ).values_list("pk", flat=True)[:batch]
    reminded = sum(remind(pk, now) for pk in list(due_soon))
    overdue = sum(mark_overdue(pk, now) for pk in list(late))
    return reminded, overdue
