"""Care visits (关爱走访): a visiting plan per person on the register, visits recorded by the
grid worker as proactive work, missed visits reminded once, and a finding that raises a need.

- **The plan** (`plan_save`): one in force per person (`visitplan_one_active`), every so many
  days (by default a fact orphan monthly, someone living alone weekly: `default_every`), with
  a visitor or, without one, the grid workers of the person's grid. `next_due` is the day the
  next visit is due.
- **A visit** (`visit_record`) is proactive work in the needs' timeline
  (`needs.services.proactive_record`, kind "visit", category "care_visits"), so it counts
  where the grid's other proactive work counts; the `CareVisit` row links to that record and
  keeps what was found. The visit moves the plan's `next_due` to the visit's day plus the
  plan's days. "Needs help now" (or a visitor's choice) raises a need for the person
  (`needs.services.need_raise`, category "welfare_check", channel "visit").
- **Missed visits** (`remind_missed`, run by the worker: `tasks.remind_missed_visits`): a plan
  whose `next_due` has passed is brought to its visitor (or the grid's workers, or the
  community's staff) once per due date: `reminded_for` is claimed with a conditional UPDATE.
  The message names the place and the day, never the person: it may go out as a text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access, register
from civicgrid.care.models import CaredPerson, CareKind, CareMark, CareVisit, Finding, VisitPlan
from civicgrid.core import notifications
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs import cached
from civicgrid.needs import services as need_services
from civicgrid.needs.models import Category, Channel, Kind, Priority
from civicgrid.needs.workflow import By, dispatchers_of
from civicgrid.network.models import WRITE_ROLES, Node, Person, Role, RoleBinding

__all__ = [
    "EVERY_FACT_ORPHAN",
    "EVERY_LIVING_ALONE",
    "default_every",
    "plan_save",
    "plan_stop",
    "remind_missed",
    "visit_record",
]

EVERY_FACT_ORPHAN = 30
EVERY_LIVING_ALONE = 7
MAX_EVERY = 366
NOTE_LIMIT = 300
# A visit's time may run this far ahead of the server's clock (a phone's clock).
CLOCK_SLACK = dt.timedelta(minutes=10)
VISIT_CATEGORY = "care_visits"
WELFARE_CATEGORY = "welfare_check"
REMINDER_KIND = "care_visit_missed"


def default_every(person: CaredPerson) -> int | None:
    """How often a person is visited unless staff say otherwise: weekly when living alone,
    monthly for a fact orphan (the shorter when both); None when no rule says."""
    options = []
    if person.lives_alone:
        options.append(EVERY_LIVING_ALONE)
    if CareMark.objects.filter(person_id=person.pk, kind=CareKind.FACT_ORPHAN).exists():
        options.append(EVERY_FACT_ORPHAN)
    return min(options) if options else None


def visitors_for(node: Node) -> QuerySet[Person]:
    """Who may be a plan's visitor at `node`: the active people with a write role bound to
    it or above (its grid workers, the community's staff)."""
    return (
        Person.objects.filter(
            is_active=True,
            roles__role__in=WRITE_ROLES,
            roles__node_id__in=node.ancestor_ids(),
        )
        .distinct()
        .order_by("name", "pk")
    )


def _last_visit_day(person: CaredPerson) -> dt.date | None:
    last = CareVisit.objects.filter(person_id=person.pk).aggregate(m=Max("visited_at"))["m"]
    return timezone.localdate(last) if last is not None else None


@transaction.atomic
def plan_save(
    *,
    by: Person,
    person: CaredPerson,
    every_days: int,
    visitor: Person | None = None,
    next_due: dt.date | None = None,
    today: dt.date | None = None,
) -> VisitPlan:
    """Set the person's visiting plan (the one in force changes; else one is made). Without
    `next_due`: the last visit's day plus `every_days`, else the plan's due day, else today."""
    access.check_serves(by, person.node)
    register.check_on_register(person)
    today = today or timezone.localdate()
    if not isinstance(every_days, int) or not 1 <= every_days <= MAX_EVERY:
        message = _("Visit every 1 to %(max)d days.") % {"max": MAX_EVERY}
        raise Invalid(message, code="bad_every", fields={"every_days": [message]})
    if visitor is not None and not access.serves(visitor, person.node):
        message = _("The visitor must work at this place.")
        raise Invalid(message, code="visitor_elsewhere", fields={"visitor": [message]})
    # The person's row serialises plans for them: two forms at once leave one plan in force.
    CaredPerson.objects.select_for_update().filter(pk=person.pk).first()
    plan = VisitPlan.objects.select_for_update().filter(person_id=person.pk, active=True).first()
    if next_due is None:
        last = _last_visit_day(person)
        if last is not None:
            next_due = last + dt.timedelta(days=every_days)
        else:
            next_due = plan.next_due if plan is not None else today
    elif next_due < today and (plan is None or next_due != plan.next_due):
        message = _("The next visit cannot be due in the past.")
        raise Invalid(message, code="due_past", fields={"next_due": [message]})
    if plan is None:
        return VisitPlan.objects.create(
            person=person, every_days=every_days, visitor=visitor, next_due=next_due, created_by=by
        )
    plan.every_days, plan.visitor, plan.next_due = every_days, visitor, next_due
    plan.save(update_fields=["every_days", "visitor", "next_due"])
    return plan


@transaction.atomic
def plan_stop(*, by: Person, plan: VisitPlan) -> VisitPlan:
    """Stop a plan: no more visits due, no more reminders."""
    access.check_serves(by, plan.person.node)
    VisitPlan.objects.filter(pk=plan.pk).update(active=False)
    plan.active = False
    return plan


def _category(code: str) -> Category:
    category = cached.category_by_code(code)
    if category is None:
        raise Invalid(
            _("The need category %(code)s is missing.") % {"code": code}, code="no_category"
        )
    return category


def _clean_note(note: str) -> str:
    note = re.sub(r"[\x00-\x1f\x7f]", "", note or "").strip()
    if len(note) > NOTE_LIMIT:
        message = _("At most %(limit)d characters, not %(n)d.") % {
            "limit": NOTE_LIMIT,
            "n": len(note),
        }
        raise Invalid(message, code="too_long", fields={"note": [message]})
    return note


def visit_record(
    *,
    by: Person,
    person: CaredPerson,
    finding: str,
    note: str,
    plan: VisitPlan | None = None,
    raise_need: bool = False,
    when: dt.datetime | None = None,
) -> CareVisit:
    """Record a visit made to `person` by `by`: proactive work in the needs' timeline, the
    finding kept, the plan's next visit moved on, and a need raised for the person when the
    finding is "needs help now" or `raise_need` asks. Refused to anyone who may not change
    things at the person's place (NotAllowed "outside_area")."""
    if not access.serves(by, person.node):
        raise NotAllowed(_("That place is outside your area."), code="outside_area")
    register.check_on_register(person)
    if finding not in Finding.values:
        message = _("Choose what was found.")
        raise Invalid(message, code="bad_finding", fields={"finding": [message]})
    now = timezone.now()
    when = when or now
    if when > now + CLOCK_SLACK:
        message = _("A visit cannot be recorded ahead of time.")
        raise Invalid(message, code="visit_in_future", fields={"when": [message]})
    note = _clean_note(note)
    if plan is not None and plan.person_id != person.pk:
        raise Invalid(_("That plan is another person's."), code="plan_elsewhere")
    finding_label = str(Finding(finding).label)
    raising = raise_need or finding == Finding.URGENT
    visit_category = _category(VISIT_CATEGORY)
    welfare = _category(WELFARE_CATEGORY) if raising else None
    with transaction.atomic():
        record = need_services.proactive_record(
            by=By(by),
            kind=Kind.VISIT,
            category=visit_category,
            node=person.node,
            note=f"{finding_label}: {note}" if note else finding_label,
        )
        raised = None
        if welfare is not None:
            raised = need_services.need_raise(
                by=By(by),
                category=welfare,
                description=note or finding_label,
                channel=Channel.VISIT,
                node=person.node,
                address=person.address,
                priority=Priority.URGENT if finding == Finding.URGENT else Priority.NORMAL,
                contact_phone=person.phone,
                contact_name=person.name,
                on_behalf_of=person.name,
            )
        plans = VisitPlan.objects.select_for_update()
        locked = (
            plans.filter(pk=plan.pk).first()
            if plan is not None
            else plans.filter(person_id=person.pk, active=True).first()
        )
        later = CareVisit.objects.filter(person_id=person.pk, visited_at__gt=when).exists()
        visit = CareVisit.objects.create(
            person=person,
            plan=locked,
            visitor=by,
            visited_at=when,
            finding=finding,
            note=note,
            record=record,
            raised_need=raised,
        )
        if locked is not None and locked.active and not later:
            # The plan runs from the last visit: an older visit entered late moves nothing.
            locked.next_due = timezone.localdate(when) + dt.timedelta(days=locked.every_days)
            locked.save(update_fields=["next_due"])
    return visit


# --- Missed visits ----------------------------------------------------------------------------


def _not_reminded() -> Q:
    return Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_due"))


def missed(today: dt.date) -> QuerySet[VisitPlan]:
    """Plans in force whose next visit was due before `today`, for people on the register."""
    return VisitPlan.objects.filter(
        active=True,
        next_due__lt=today,
        person__left_at__isnull=True,
        person__forgotten_at__isnull=True,
    )


def grid_workers(node: Node) -> list[Person]:
    return [
        binding.person
        for binding in RoleBinding.objects.filter(
            role=Role.GRID_WORKER, node_id__in=node.ancestor_ids(), person__is_active=True
        ).select_related("person")
    ]


def who_visits(plan: VisitPlan) -> list[Person]:
    """The plan's visitor; without one (or gone), the grid workers of the person's grid; where
    there are none, the community's staff."""
    node = plan.person.node
    if plan.visitor is not None and plan.visitor.is_active:
        return [plan.visitor]
    return grid_workers(node) or dispatchers_of(node)


def due_reminders(today: dt.date, *, batch: int = 500) -> list[VisitPlan]:
    """Missed visits not yet reminded for their due date, oldest first."""
    return list(
        missed(today)
        .filter(_not_reminded())
        .select_related("person", "person__node", "visitor")
        .order_by("next_due", "pk")[:batch]
    )


def remind_one(plan: VisitPlan, today: dt.date) -> bool:
    """Claim the plan's reminder for its due date and send it; False when another run
    claimed it, or the plan was visited, changed or stopped since it was read."""
    with transaction.atomic():
        claimed = (
            VisitPlan.objects.filter(pk=plan.pk, active=True, next_due=plan.next_due)
            .filter(_not_reminded())
            .update(reminded_for=plan.next_due)
        )
        if not claimed:
            return False
        data: dict[str, Any] = {
            "place": plan.person.node.name,
            "due": plan.next_due.isoformat(),
            "days": (today - plan.next_due).days,
        }
        url = reverse("care:person", args=[plan.person_id])
        notifications.notify(who_visits(plan), kind=REMINDER_KIND, data=data, url=url)
        return True


def remind_missed(*, today: dt.date | None = None, batch: int = 500) -> int:
    """Remind each missed visit once per due date; returns how many this run reminded. The
    claim (`reminded_for` = `next_due`, a conditional UPDATE) and the messages share a
    transaction, so a repeated run or a second worker never reminds twice."""
    today = today or timezone.localdate()
    return sum(remind_one(plan, today) for plan in due_reminders(today, batch=batch))
