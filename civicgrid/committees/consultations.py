"""Consultations on hard needs (问题攻坚会商): the one module that moves a `Consultation`.

    open ─decide→ decided ─(its tasks resolve the need)→ resolved
    open/decided ─return (the decision goes back to the community)→ returned
    open/decided ─(the need is withdrawn, merged or rejected)→ closed

A consultation opens when a need is escalated to a consultation of the committee (a subscriber
to the need's "escalate" event, in its transaction) and ends with the need: resolved through
the decision's tasks (`work.task_verify` resolves the need), or returned to the community with
the decision (the need's own "return", which this module calls as the committee). The resident
reads "联合党委会商中" while the need is held by the committee, and the outcome as the public
note of the resolution or the return (the need's publication rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.committees import access, events, work
from civicgrid.committees.models import (
    Consultation,
    ConsultationState,
    Contribution,
    Decision,
    Meeting,
    Task,
)
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import events as need_events
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import Need
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, Person

LIVE = (ConsultationState.OPEN, ConsultationState.DECIDED)

# The timeline's words for each entry.
EVENT_LABELS = {
    "open": gettext_lazy("Brought to the committee"),
    "arrange": gettext_lazy("Units and date set"),
    "contribute": gettext_lazy("Contribution"),
    "decide": gettext_lazy("Decided"),
    "decision": gettext_lazy("Decision and its tasks"),
    "end": gettext_lazy("Ended"),
}


@dataclass(frozen=True)
class TaskSpec:
    """One "who does what by when" of a decision."""

    unit: Organisation
    title: str
    due: dt.datetime
    owner: Person | None = None
    resolves_need: bool = False


def _lock(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("committee", "committee__node", "need")
        .get(pk=consultation.pk)
    )


def _move(
    locked: Consultation, action: str, by: By, target: str, *, note: str = "", **fields: object
) -> Consultation:
    before = locked.state
    changed = Consultation.objects.filter(pk=locked.pk, state=before).update(state=target, **fields)
    if changed != 1:
        raise Conflict(_("Someone changed this consultation at the same moment; reload."))
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(locked, action, actor=by.person, from_state=before, to_state=target, note=note)
    return locked


def _check_live(locked: Consultation) -> None:
    if locked.state not in LIVE:
        raise Conflict(_("This consultation has ended."), code="wrong_state")


# --- Opened and ended by the need's own events ----------------------------------------------


def open_for(need: Need, committee: Organisation, *, by: By, now: dt.datetime) -> Consultation:
    """Open a consultation for a need escalated to the committee (at most one live per need)."""
    live = Consultation.objects.filter(need=need, state__in=LIVE).first()
    if live is not None:
        return live
    consultation = Consultation.objects.create(
        committee=committee, need=need, opened_at=now, state=ConsultationState.OPEN
    )
    events.append(
        consultation,
        "open",
        actor=by.person,
        to_state=ConsultationState.OPEN,
        data=events.Opened(need=need.number),
        now=now,
    )
    return consultation


def _on_escalated(happened: need_events.Happened) -> None:
    need = happened.need
    data = happened.data
    committee = need.consultation
    if not getattr(data, "consultation", None) or committee is None:
        return
    by = By(person=happened.event.actor) if happened.event.actor_id else need_workflow.SYSTEM
    open_for(need, committee, by=by, now=happened.event.created_at)


def _end(need: Need, target: str, by: By, note: str = "") -> None:
    live = Consultation.objects.filter(need=need, state__in=LIVE).first()
    if live is None:
        return
    locked = _lock(live)
    if locked.state in LIVE:
        _move(locked, "end", by, target, note=note, closed_at=timezone.now())


def _on_need_moved(happened: need_events.Happened) -> None:
    """A need ended or left the committee: its consultation ends with it. Costs nothing for a
    need that is not with a committee (the check is on fields already read)."""
    need, before = happened.need, happened.before
    held = need.consultation_id or (before is not None and before.consultation_id)
    if not held:
        return
    by = By(person=happened.event.actor) if happened.event.actor_id else need_workflow.SYSTEM
    action = happened.kind
    if action == need_workflow.Action.RESOLVE:
        _end(need, ConsultationState.RESOLVED, by, happened.event.note)
    elif action == need_workflow.Action.RETURN and not need.consultation_id:
        _end(need, ConsultationState.RETURNED, by, happened.event.note)
    elif (action == need_workflow.Action.ESCALATE and not need.consultation_id) or action in (
        need_workflow.Action.WITHDRAW,
        need_workflow.Action.MERGE,
        need_workflow.Action.REJECT,
    ):
        # Escalated past the committee, withdrawn, merged or rejected: the consultation closes.
        _end(need, ConsultationState.CLOSED, by, happened.event.note)


def subscribe() -> None:
    """Called from the app's `ready()`: consultations move with their needs' events."""
    need_events.subscribe(str(need_workflow.Action.ESCALATE), _on_escalated)
    need_events.subscribe(
        [
            str(a)
            for a in (
                need_workflow.Action.RESOLVE,
                need_workflow.Action.RETURN,
                need_workflow.Action.ESCALATE,
                need_workflow.Action.WITHDRAW,
                need_workflow.Action.MERGE,
                need_workflow.Action.REJECT,
            )
        ],
        _on_need_moved,
    )


# --- The committee's commands ---------------------------------------------------------------


@transaction.atomic
def consultation_arrange(
    *,
    consultation: Consultation,
    by: By,
    units: list[Organisation],
    held_on: dt.date | None = None,
) -> Consultation:
    """Name the units involved and the date."""
    locked = _lock(consultation)
    access.check_staff(by.person, locked.committee)
    _check_live(locked)
    strangers = [u.name for u in units if u.committee_id != locked.committee_id]
    if strangers:
        message = _("Not a member unit of this committee: %(names)s") % {
            "names": "、".join(strangers)
        }
        raise Invalid(message, code="validation", fields={"units": [message]})
    locked.units.set(units)
    if held_on != locked.held_on:
        Consultation.objects.filter(pk=locked.pk).update(held_on=held_on)
        locked.held_on = held_on
    events.append(
        locked,
        "arrange",
        actor=by.person,
        note="、".join(u.name for u in units) + (f" · {held_on.isoformat()}" if held_on else ""),
    )
    return locked


@transaction.atomic
def consultation_contribute(
    *, consultation: Consultation, by: By, unit: Organisation, text: str
) -> Contribution:
    """What a unit brings: a unit's people for their unit, or the committee's staff for any
    unit involved."""
    locked = _lock(consultation)
    _check_live(locked)
    text = (text or "").strip()
    if not text:
        message = _("Write what the unit can contribute.")
        raise Invalid(message, code="validation", fields={"text": [message]})
    staff = access.is_committee_staff(by.person, locked.committee)
    if not staff and not Membership.objects.filter(organisation=unit, person=by.person).exists():
        raise NotAllowed(_("You may speak only for your own unit."), code="not_allowed")
    if unit.committee_id != locked.committee_id:
        raise Invalid(_("Not a member unit of this committee."), code="validation")
    now = timezone.now()
    if not locked.units.filter(pk=unit.pk).exists():
        locked.units.add(unit)
    contribution = Contribution.objects.create(
        consultation=locked, unit=unit, person=by.person, text=text, created_at=now
    )
    events.append(locked, "contribute", actor=by.person, unit=unit, note=text, now=now)
    return contribution


@transaction.atomic
def consultation_decide(
    *,
    consultation: Consultation,
    by: By,
    text: str,
    tasks: list[TaskSpec],
    outcome: str = "",
    meeting: Meeting | None = None,
) -> Decision:
    """The decision: who does what by when, each a task; `outcome` is what the resident reads
    when the need is resolved or returned. Taken at a joint meeting, `meeting` records where."""
    locked = _lock(consultation)
    access.check_staff(by.person, locked.committee)
    _check_live(locked)
    text = (text or "").strip()
    if not text:
        message = _("Write the decision.")
        raise Invalid(message, code="validation", fields={"text": [message]})
    if not tasks:
        message = _("A decision says who does what by when: add at least one task.")
        raise Invalid(message, code="validation", fields={"tasks": [message]})
    now = timezone.now()
    decision = Decision.objects.create(
        committee=locked.committee,
        consultation=locked,
        meeting=meeting,
        need=locked.need,
        text=text,
        created_by=by.person,
        created_at=now,
    )
    made = [
        work.task_create(
            committee=locked.committee,
            by=by,
            title=spec.title,
            unit=spec.unit,
            owner=spec.owner,
            due=spec.due,
            need=locked.need,
            decision=decision,
            resolves_need=spec.resolves_need,
        )
        for spec in tasks
    ]
    for spec in tasks:
        if not locked.units.filter(pk=spec.unit.pk).exists():
            locked.units.add(spec.unit)
    fields: dict[str, object] = {"decided_at": now}
    if outcome.strip():
        fields["outcome"] = outcome.strip()
    if locked.state == ConsultationState.OPEN:
        _move(locked, "decide", by, ConsultationState.DECIDED, note=text, **fields)
    else:
        Consultation.objects.filter(pk=locked.pk).update(**fields)
    events.append(
        locked,
        "decision",
        actor=by.person,
        note=text,
        data=events.Decided(decision=decision.pk, tasks=[t.pk for t in made]),
        now=now,
    )
    return decision


@transaction.atomic
def consultation_return(*, consultation: Consultation, by: By, outcome: str) -> Consultation:
    """Hand the need back to its community with the decision (the resident reads `outcome`)."""
    locked = _lock(consultation)
    access.check_staff(by.person, locked.committee)
    _check_live(locked)
    outcome = (outcome or "").strip()
    if not outcome:
        message = _("Write the decision the community receives.")
        raise Invalid(message, code="validation", fields={"outcome": [message]})
    Consultation.objects.filter(pk=locked.pk).update(outcome=outcome)
    need = Need.objects.get(pk=locked.need_id)
    if need.consultation_id != locked.committee_id:
        raise Conflict(_("The committee no longer holds this need."), code="wrong_state")
    need_workflow.need_return(need=need, by=by, reason=outcome, public=True)
    # The need's "return" event ended the consultation (`_on_need_moved`).
    # Its open tasks go on as work, no longer resolving a need the committee gave back.
    Task.objects.filter(decision__consultation=locked, resolves_need=True).open().update(
        resolves_need=False
    )
    return Consultation.objects.get(pk=locked.pk)


def live_for(need: Need) -> Consultation | None:
    """The need's consultation still under way, if any."""
    return Consultation.objects.filter(need=need, state__in=LIVE).first()
