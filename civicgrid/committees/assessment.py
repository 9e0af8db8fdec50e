"""The assessment of member units (考核共评): the one module that moves an `Assessment`.

    (open) scoring ─close→ closed

A committee's staff open an assessment for a period (`assessment_open`); it copies the
measures' weights (`AssessmentWeight`) so that a later change never rewrites a past period.
While it is open for scores, each member unit's people score each *other* unit once
(`peer_score` with `by_unit`: never their own unit; the partial unique constraints say the
same), and the community scores each unit once (`by_unit` empty: the committee's staff, or
community staff / administrators over the committee's node). Closing computes the table one
last time and takes no more scores.

The table (`compute`) is read from what happened in the period, never typed in, so it can be
recomputed at any time from the tasks, their events, the needs' events, the attendance and the
peer scores (`recompute` is `compute`). For each member unit of the committee:

- **tasks**: the unit's tasks whose deadline falls in the period (not cancelled): how many
  were due, done (done or verified), done on time (`Task.done_on_time`); **returned**: the
  unit's tasks with a "return" event in the period;
- **needs resolved**: needs with a "resolve" event in the period whose handling unit
  (`Need.assignee_org`) is the unit, or, when the handling unit is no member unit of the
  committee, whose resolver belongs to the unit; each need once per unit;
- **meetings**: the committee's joint meetings held or recorded that started in the period,
  and how many of them someone attended for the unit (`Attendance.unit`);
- **peer score**: the average of the scores given to the unit (the other units' and the
  community's), and how many there were.

Each measure becomes a share from 0 to 1: done ÷ due; on time ÷ due; returned counts against,
1 − returned ÷ (the tasks due or returned in the period); needs ÷ the best unit's needs;
attended ÷ meetings; peer average ÷ 100. The score is the weighted sum of the shares, scaled to
100 by the sum of the weights. A measure with nothing to measure (no task due or returned, no
need resolved by any unit, no meeting, no peer score yet) is left out for that unit and the
score is scaled by the weights that remain, so a unit is neither punished nor rewarded for
what the committee never asked of it. Units are ranked by score (rounded to one decimal);
equal scores share a rank (1, 1, 3).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.committees import access, events
from civicgrid.committees.models import (
    Assessment,
    AssessmentRow,
    AssessmentState,
    AssessmentWeight,
    Attendance,
    CommitteeEvent,
    Measure,
    Meeting,
    MeetingState,
    PeerScore,
    Task,
    TaskState,
)
from civicgrid.core import xlsx
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import NeedEvent
from civicgrid.needs.workflow import By
from civicgrid.network import scope
from civicgrid.network.models import Membership, Organisation, Role

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
TENTH = Decimal("0.1")

# The roles that may give the community's score, over the committee's node (with its staff).
COMMUNITY_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
HELD = (MeetingState.HELD, MeetingState.RECORDED)
DONE_STATES = (TaskState.DONE, TaskState.VERIFIED)
MEASURES: list[Measure] = list(Measure)


# --- Who ------------------------------------------------------------------------------------


def may_score_for_community(user: Any, committee: Organisation) -> bool:
    """The committee's staff, or community staff and administrators over its node."""
    if access.is_committee_staff(user, committee):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return scope.holds_role_over(user, COMMUNITY_ROLES, committee.node)


def member_units(committee: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(committee=committee).order_by("name", "id"))


# --- The period and the weights ---------------------------------------------------------------


def bounds(assessment: Assessment) -> tuple[dt.datetime, dt.datetime]:
    """The period as local times: from the first day's midnight to the midnight after the
    last day (the end not included)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(assessment.starts_on, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(assessment.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end


def weights_of(assessment: Assessment) -> dict[str, Decimal]:
    """The weights the assessment copied when it opened, by measure (in `Measure` order)."""
    stored = assessment.weights or {}
    found: dict[str, Decimal] = {}
    for measure in MEASURES:
        raw = stored.get(str(measure))
        if raw is None:
            continue
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            continue
        if value.is_finite() and value >= 0:
            found[str(measure)] = value
    return found


def current_weights() -> dict[str, str]:
    return {
        w.measure: str(w.weight)
        for w in AssessmentWeight.objects.order_by("measure")
        if w.measure in Measure.values
    }


# --- Opening ----------------------------------------------------------------------------------


@transaction.atomic
def assessment_open(
    *, committee: Organisation, by: By, title: str, starts_on: dt.date, ends_on: dt.date
) -> Assessment:
    """Open a period's assessment of the committee's member units (its staff only), copying
    the weights of the measures as they are now."""
    if not by.system:
        access.check_staff(by.person, committee)
    title = (title or "").strip()
    if not title:
        message = _("Give the assessment a title, such as “2026 first half”.")
        raise Invalid(message, code="validation", fields={"title": [message]})
    if ends_on < starts_on:
        message = _("The period ends before it starts: put the first day before the last.")
        raise Invalid(message, code="validation", fields={"ends_on": [message]})
    period_taken = _("This committee already has an assessment for exactly this period.")
    if Assessment.objects.filter(
        committee=committee, starts_on=starts_on, ends_on=ends_on
    ).exists():
        raise Invalid(period_taken, code="validation", fields={"starts_on": [period_taken]})
    weights = current_weights()
    if not any(Decimal(v) > 0 for v in weights.values()):
        raise Invalid(
            _("No measure has a weight: an administrator sets the assessment weights first."),
            code="validation",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                committee=committee,
                title=title,
                starts_on=starts_on,
                ends_on=ends_on,
                weights=weights,
                state=AssessmentState.SCORING,
                created_by=by.person,
                created_at=now,
            )
    except IntegrityError:
        raise Invalid(
            period_taken, code="validation", fields={"starts_on": [period_taken]}
        ) from None
    events.append(
        assessment,
        "open_period",
        actor=by.person,
        to_state=AssessmentState.SCORING,
        note=title,
        data=events.PeriodOpened(
            starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), weights=weights
        ),
        now=now,
    )
    return assessment


# --- Peer scores -------------------------------------------------------------------------------


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("committee", "committee__node")
        .get(pk=assessment.pk)
    )


def _check_scoring(locked: Assessment) -> None:
    if locked.state != AssessmentState.SCORING:
        raise Conflict(_("This assessment is closed: it takes no more scores."), code="wrong_state")


def _score_value(score: Any, key: str) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        message = _("A score is a whole number from 0 to 100.")
        raise Invalid(message, code="validation", fields={key: [message]})
    return score


def _scorer(locked: Assessment, by: By, by_unit: Organisation | None) -> Organisation | None:
    """Whom `by` scores for: their unit (checked), or the community (None)."""
    committee = locked.committee
    person = by.person
    if by_unit is not None:
        if by_unit.committee_id != committee.pk:
            raise NotAllowed(
                _("Only the committee's member units score each other."), code="not_allowed"
            )
        if not Membership.objects.filter(organisation=by_unit, person=person).exists():
            raise NotAllowed(_("You may score only for your own unit."), code="not_allowed")
        return by_unit
    if may_score_for_community(person, committee):
        return None
    mine = access.unit_ids(person, committee)
    if len(mine) == 1:
        return Organisation.objects.get(pk=next(iter(mine)))
    if mine:
        raise Invalid(
            _("You belong to several member units: say which unit you score for."),
            code="validation",
            fields={"by_unit": [_("Choose the unit you score for.")]},
        )
    raise NotAllowed(
        _("Only the committee's member units and the community give scores."), code="not_allowed"
    )


def _give(
    locked: Assessment,
    by: By,
    scorer: Organisation | None,
    unit: Organisation,
    score: int,
    *,
    key: str,
    now: dt.datetime,
) -> PeerScore:
    if unit.committee_id != locked.committee_id:
        message = _("%(unit)s is not a member unit of this committee.") % {"unit": unit.name}
        raise Invalid(message, code="validation", fields={key: [message]})
    if scorer is not None and scorer.pk == unit.pk:
        message = _("A unit does not score itself: score the other units.")
        raise Invalid(message, code="self_scoring", fields={key: [message]})
    score = _score_value(score, key)
    given = PeerScore.objects.filter(assessment=locked, unit=unit, by_unit=scorer)
    if scorer is None:
        twice = _("The community has already scored %(unit)s for this period.")
    else:
        twice = _("%(by)s has already scored %(unit)s for this period.")
    twice %= {"unit": unit.name, "by": scorer.name if scorer else ""}
    if given.exists():
        raise Conflict(twice, code="scored", fields={key: [twice]})
    try:
        with transaction.atomic():
            row = PeerScore.objects.create(
                assessment=locked, by_unit=scorer, unit=unit, score=score, by=by.person, at=now
            )
    except IntegrityError:
        raise Conflict(twice, code="scored", fields={key: [twice]}) from None
    events.append(
        locked,
        "score",
        actor=by.person,
        unit=unit,
        data=events.Scored(unit=unit.pk, score=score, by_unit=scorer.pk if scorer else None),
        now=now,
    )
    return row


@transaction.atomic
def peer_score(
    *,
    assessment: Assessment,
    by: By,
    unit: Organisation,
    score: int,
    by_unit: Organisation | None = None,
) -> PeerScore:
    """One score (0–100) of `unit` for the period: by a member unit's person for their unit
    (`by_unit`; a person of one unit may leave it out), or by the community (`by_unit` None:
    the committee's staff, community staff over its node). Once per pair; never of oneself."""
    locked = _lock(assessment)
    _check_scoring(locked)
    scorer = _scorer(locked, by, by_unit)
    return _give(locked, by, scorer, unit, score, key="score", now=timezone.now())


@transaction.atomic
def peer_scores(
    *,
    assessment: Assessment,
    by: By,
    scores: Mapping[Organisation, int],
    by_unit: Organisation | None = None,
    field_name: str = "unit_{}",
) -> list[PeerScore]:
    """Several scores at once (a form's rows), all or none; a refused row's message names
    its field (`field_name` with the unit's id)."""
    locked = _lock(assessment)
    _check_scoring(locked)
    scorer = _scorer(locked, by, by_unit)
    if not scores:
        raise Invalid(_("Write at least one score."), code="validation")
    now = timezone.now()
    return [
        _give(locked, by, scorer, unit, value, key=field_name.format(unit.pk), now=now)
        for unit, value in scores.items()
    ]


def scored_by(assessment: Assessment, scorer: Organisation | None) -> dict[int, int]:
    """The scores a unit (or the community, None) has given in the period: unit id → score."""
    return dict(
        PeerScore.objects.filter(assessment=assessment, by_unit=scorer).values_list(
            "unit_id", "score"
        )
    )


# --- The table ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    due: set[int] = field(default_factory=set)  # task ids
    done: int = 0
    on_time: int = 0
    returned: set[int] = field(default_factory=set)  # task ids
    needs: set[int] = field(default_factory=set)  # need ids
    attended: set[int] = field(default_factory=set)  # meeting ids
    peer_sum: int = 0
    peer_count: int = 0


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole)


def _round(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _tallies(assessment: Assessment, units: list[Organisation]) -> tuple[dict[int, _Tally], int]:
    """What each unit did in the period, in a fixed number of queries; and the meetings held."""
    start, end = bounds(assessment)
    committee_id = assessment.committee_id
    ids = [u.pk for u in units]
    tally = {pk: _Tally() for pk in ids}
    due = (
        Task.objects.filter(committee_id=committee_id, unit_id__in=ids, due__gte=start, due__lt=end)
        .exclude(state=TaskState.CANCELLED)
        .values_list("pk", "unit_id", "state", "done_on_time")
    )
    for pk, unit_id, state, on_time in due:
        t = tally[unit_id]
        t.due.add(pk)
        if state in DONE_STATES:
            t.done += 1
            if on_time:
                t.on_time += 1
    returned = CommitteeEvent.objects.filter(
        committee_id=committee_id,
        task__isnull=False,
        action="return",
        unit_id__in=ids,
        created_at__gte=start,
        created_at__lt=end,
    ).values_list("task_id", "unit_id")
    for task_id, unit_id in returned:
        tally[unit_id].returned.add(task_id)
    people: dict[int, set[int]] = defaultdict(set)
    for person_id, unit_id in Membership.objects.filter(organisation_id__in=ids).values_list(
        "person_id", "organisation_id"
    ):
        people[person_id].add(unit_id)
    resolved = (
        NeedEvent.objects.filter(
            action=str(need_workflow.Action.RESOLVE), created_at__gte=start, created_at__lt=end
        )
        .filter(Q(need__assignee_org_id__in=ids) | Q(actor_id__in=list(people)))
        .values_list("need_id", "need__assignee_org_id", "actor_id")
    )
    for need_id, org_id, actor_id in resolved:
        credited = {org_id} if org_id in tally else people.get(actor_id, set())
        for unit_id in credited:
            tally[unit_id].needs.add(need_id)
    meetings = list(
        Meeting.objects.filter(
            committee_id=committee_id, state__in=HELD, starts_at__gte=start, starts_at__lt=end
        ).values_list("pk", flat=True)
    )
    if meetings:
        for unit_id, meeting_id in Attendance.objects.filter(
            meeting_id__in=meetings, unit_id__in=ids
        ).values_list("unit_id", "meeting_id"):
            tally[unit_id].attended.add(meeting_id)
    peers = (
        PeerScore.objects.filter(assessment=assessment, unit_id__in=ids)
        .values("unit_id")
        .annotate(total=Sum("score"), n=Count("id"))
    )
    for row in peers:
        tally[row["unit_id"]].peer_sum = int(row["total"] or 0)
        tally[row["unit_id"]].peer_count = int(row["n"])
    return tally, len(meetings)


def shares(row: AssessmentRow, *, best_needs: int, tasks_counted: int) -> dict[str, Decimal]:
    """A row's measures as shares from 0 to 1; a measure with nothing to measure is absent.
    `tasks_counted`: the unit's tasks due or returned in the period (the returned share's
    base); `best_needs`: the most needs any unit resolved."""
    found: dict[str, Decimal] = {}
    if row.tasks_due:
        found[Measure.TASKS_DONE] = _share(row.tasks_done, row.tasks_due)
        found[Measure.ON_TIME] = _share(row.tasks_on_time, row.tasks_due)
    if tasks_counted:
        found[Measure.RETURNED] = ONE - _share(row.tasks_returned, tasks_counted)
    if best_needs:
        found[Measure.NEEDS] = _share(row.needs_resolved, best_needs)
    if row.meetings:
        found[Measure.ATTENDANCE] = _share(row.meetings_attended, row.meetings)
    if row.peer_count and row.peer_score is not None:
        found[Measure.PEER] = Decimal(row.peer_score) / HUNDRED
    return found


def score_of(measured: Mapping[str, Decimal], weights: Mapping[str, Decimal]) -> Decimal:
    """The weighted sum of the shares, scaled to 100 by the weights of the measures present."""
    total = sum((weights[m] for m in measured if m in weights), ZERO)
    if total <= 0:
        return ZERO
    weighted = sum((weights[m] * v for m, v in measured.items() if m in weights), ZERO)
    return _round(weighted / total * HUNDRED)


def rank(rows: list[AssessmentRow]) -> list[AssessmentRow]:
    """Order by score, highest first (then by name); equal scores share a rank (1, 1, 3)."""
    rows.sort(key=lambda r: (-r.score, r.unit.name, r.unit_id))
    for index, row in enumerate(rows):
        same = index > 0 and rows[index - 1].score == row.score
        row.rank = rows[index - 1].rank if same else index + 1
    return rows


@transaction.atomic
def compute(assessment: Assessment) -> list[AssessmentRow]:
    """Compute the table of the period from what happened in it and replace the stored rows
    (all in one transaction, under the assessment's lock). Safe to run again at any time."""
    locked = _lock(assessment)
    units = member_units(locked.committee)
    tally, meetings = _tallies(locked, units)
    weights = weights_of(locked)
    rows: list[AssessmentRow] = []
    counted: dict[int, int] = {}
    for unit in units:
        t = tally[unit.pk]
        counted[unit.pk] = len(t.due | t.returned)
        rows.append(
            AssessmentRow(
                assessment=locked,
                unit=unit,
                tasks_due=len(t.due),
                tasks_done=t.done,
                tasks_on_time=t.on_time,
                tasks_returned=len(t.returned),
                needs_resolved=len(t.needs),
                meetings=meetings,
                meetings_attended=len(t.attended),
                peer_score=_round(Decimal(t.peer_sum) / t.peer_count) if t.peer_count else None,
                peer_count=t.peer_count,
            )
        )
    best = max((r.needs_resolved for r in rows), default=0)
    for row in rows:
        measured = shares(row, best_needs=best, tasks_counted=counted[row.unit_id])
        row.score = score_of(measured, weights)
    rank(rows)
    AssessmentRow.objects.filter(assessment=locked).delete()
    AssessmentRow.objects.bulk_create(rows)
    now = timezone.now()
    Assessment.objects.filter(pk=locked.pk).update(computed_at=now)
    assessment.computed_at = now
    return rows


recompute = compute


@transaction.atomic
def assessment_recompute(*, assessment: Assessment, by: By) -> list[AssessmentRow]:
    """The staff's button: compute the table again while the assessment is open."""
    locked = _lock(assessment)
    if not by.system:
        access.check_staff(by.person, locked.committee)
    if locked.state != AssessmentState.SCORING:
        raise Conflict(_("This assessment is closed: its table is final."), code="wrong_state")
    rows = compute(locked)
    events.append(locked, "compute", actor=by.person)
    return rows


@transaction.atomic
def assessment_close(*, assessment: Assessment, by: By) -> Assessment:
    """Compute the table one last time and close: no more scores."""
    locked = _lock(assessment)
    if not by.system:
        access.check_staff(by.person, locked.committee)
    _check_scoring(locked)
    compute(locked)
    now = timezone.now()
    changed = Assessment.objects.filter(pk=locked.pk, state=AssessmentState.SCORING).update(
        state=AssessmentState.CLOSED
    )
    if changed != 1:
        raise Conflict(_("Someone changed this assessment at the same moment; reload."))
    locked.state = AssessmentState.CLOSED
    events.append(
        locked,
        "close",
        actor=by.person,
        from_state=AssessmentState.SCORING,
        to_state=AssessmentState.CLOSED,
        now=now,
    )
    return Assessment.objects.select_related("committee").get(pk=locked.pk)


def table(assessment: Assessment) -> list[AssessmentRow]:
    """The stored rows, ranked."""
    return list(
        AssessmentRow.objects.filter(assessment=assessment)
        .select_related("unit")
        .order_by("rank", "unit__name", "unit_id")
    )


# --- The workbook ------------------------------------------------------------------------------


def _columns() -> list[tuple[str, int]]:
    return [
        (_("Rank"), 6),
        (_("Member unit"), 24),
        (_("Tasks due"), 10),
        (_("Done"), 8),
        (_("On time"), 8),
        (_("Returned"), 9),
        (_("Needs resolved"), 10),
        (_("Meetings"), 9),
        (_("Attended"), 9),
        (_("Peer average"), 10),
        (_("Peer scores"), 9),
        (_("Score"), 8),
    ]


def _cells(row: AssessmentRow) -> list[Any]:
    return [
        row.rank,
        row.unit.name,
        row.tasks_due,
        row.tasks_done,
        row.tasks_on_time,
        row.tasks_returned,
        row.needs_resolved,
        row.meetings,
        row.meetings_attended,
        float(row.peer_score) if row.peer_score is not None else None,
        row.peer_count,
        float(row.score),
    ]


def weight_lines(assessment: Assessment) -> list[tuple[str, Decimal]]:
    """The measures with the weights the assessment uses, in `Measure` order."""
    weights = weights_of(assessment)
    return [(str(m.label), weights[m]) for m in MEASURES if m in weights]


def workbook(assessment: Assessment, rows: Iterable[AssessmentRow]) -> bytes:
    """The ranked table as an xlsx: a title line; the measures with their weights (a label
    row and a weight row); the table's header; one row per unit."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "text_wrap": True})
    sheet = book.add_worksheet(_("Assessment")[:31])
    columns = _columns()
    for index, (_label, width) in enumerate(columns):
        sheet.set_column(index, index, width)
    title = _("%(committee)s · %(title)s · %(start)s – %(end)s") % {
        "committee": assessment.committee.name,
        "title": assessment.title,
        "start": assessment.starts_on.isoformat(),
        "end": assessment.ends_on.isoformat(),
    }
    xlsx.write_cell(sheet, 0, 0, title, bold)
    lines = weight_lines(assessment)
    xlsx.write_row(sheet, 1, [_("Measure")] + [label for label, _w in lines], header)
    xlsx.write_row(sheet, 2, [_("Weight")] + [float(w) for _l, w in lines])
    xlsx.write_row(sheet, 4, [str(label) for label, _width in columns], header)
    sheet.freeze_panes(5, 2)
    for number, row in enumerate(rows, start=5):
        xlsx.write_row(sheet, number, _cells(row))
    book.close()
    return out.getvalue()
