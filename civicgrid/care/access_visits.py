"""Who sees and records care visits, on the base rules of `care/access.py`.

- Staff who serve the person's place (their grid's worker, the community's staff) keep the
  plan and record visits; services check again (`visits.visit_record` refuses anyone else).
- Readers (a leader, staff whose scope holds the place) read plans and visits; they record
  nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from civicgrid.care import access
from civicgrid.care.models import CaredPerson, CareVisit, VisitPlan
from civicgrid.network import scope


def visible_plans(user: Any) -> QuerySet[VisitPlan]:
    """Plans in force for people on the register in the reader's scope."""
    if access.person_of(user) is None:
        return VisitPlan.objects.none()
    plans = VisitPlan.objects.filter(
        active=True, person__left_at__isnull=True, person__forgotten_at__isnull=True
    )
    q = scope.scope_q(user, node_field="person__node")
    return plans if q is None else plans.filter(q)


def visible_visits(user: Any) -> QuerySet[CareVisit]:
    """Visits made to people of places in the reader's scope."""
    if access.person_of(user) is None:
        return CareVisit.objects.none()
    visits = CareVisit.objects.filter(person__forgotten_at__isnull=True)
    q = scope.scope_q(user, node_field="person__node")
    return visits if q is None else visits.filter(q)


def may_visit(user: Any, person: CaredPerson) -> bool:
    """Who records a visit to `person` and keeps their plan: staff who serve the place."""
    return access.serves(user, person.node)


def access_visit_person(user: Any, person_id: int) -> CaredPerson:
    """The person a visit is recorded for: 404 outside the reader's scope (or off the
    register), 403 to a reader who may not record it."""
    person = access.access_cared(user, person_id)
    if person.left_at is not None:
        raise Http404
    if not may_visit(user, person):
        raise PermissionDenied
    return person


def access_plan(user: Any, plan_id: int, *, write: bool = False) -> VisitPlan:
    plan = VisitPlan.objects.select_related("person", "person__node").filter(pk=plan_id).first()
    if (
        plan is None
        or plan.person.forgotten_at is not None
        or not access.reads(user, plan.person.node)
    ):
        raise Http404
    if write and not may_visit(user, plan.person):
        raise PermissionDenied
    return plan
