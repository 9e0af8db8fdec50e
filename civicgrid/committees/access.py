"""Who may see and change what in a joint committee's working life, written once.

- **The committee's staff** (its secretary and members: a membership of the committee's
  organisation, a committee-member role over its node, an administrator over it): change its
  set-up, goals, meetings, consultations and assessments; give, verify, send back and cancel
  tasks.
- **A member unit's people** (a membership of the unit): read the committee, work their unit's
  tasks, add agenda items, contribute to consultations, score the other units.
- **Staff whose scope holds the committee's node or lies within its area** (a leader over it,
  a community's staff under a town's committee): read.

Every role-and-path check goes through `network/scope.py`. Services check again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.committees import models as cm
from civicgrid.core.errors import NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import Membership, Organisation, OrgKind, Role

STAFF_ROLES = (Role.COMMITTEE_MEMBER, Role.ADMIN)


def _person(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user


def is_committee_staff(user: Any, committee: Organisation) -> bool:
    """The committee's secretary and members, and administrators over it."""
    person = _person(user)
    if person is None:
        return False
    return (
        person.is_superuser
        or Membership.objects.filter(organisation=committee, person=person).exists()
        or scope.holds_role_over(person, STAFF_ROLES, committee.node)
    )


def staff_of(user: Any, committees: list[Organisation]) -> set[int]:
    """Of `committees`, those the user is staff of (`is_committee_staff` for a list: one query
    for the memberships, the roles from the request's cached bindings)."""
    person = _person(user)
    if person is None:
        return set()
    if person.is_superuser:
        return {c.pk for c in committees}
    members = set(
        Membership.objects.filter(person=person, organisation__in=committees).values_list(
            "organisation_id", flat=True
        )
    )
    return {
        c.pk
        for c in committees
        if c.pk in members or scope.holds_role_over(person, STAFF_ROLES, c.node)
    }


def unit_ids(user: Any, committee: Organisation) -> set[int]:
    """The committee's member units the user belongs to."""
    person = _person(user)
    if person is None:
        return set()
    return set(
        Membership.objects.filter(person=person, organisation__committee=committee).values_list(
            "organisation_id", flat=True
        )
    )


def _area_overlaps(user: Any, committee: Organisation) -> bool:
    """Staff whose scope holds the committee's node, or lies within its area (a community's
    staff under a town's committee: the community scores the units and brings its needs)."""
    paths = scope.scope_paths(user)
    where = committee.node.path
    return paths is None or any(where.startswith(p) or p.startswith(where) for p in paths)


def may_see(user: Any, committee: Organisation) -> bool:
    return (
        is_committee_staff(user, committee)
        or bool(unit_ids(user, committee))
        or (_person(user) is not None and _area_overlaps(user, committee))
    )


def visible_committees(user: Any) -> QuerySet[Organisation]:
    """The committees whose pages the user may read."""
    committees = Organisation.objects.filter(kind=OrgKind.JOINT_COMMITTEE)
    person = _person(user)
    if person is None:
        return committees.none()
    if person.is_superuser:
        return committees
    paths = scope.scope_paths(person)
    if paths is None:
        return committees
    mine = Q(membership__person=person) | Q(member_units__membership__person=person)
    if paths:
        # At or above one of the user's places (a town's committee for its communities'
        # staff), or within one of them.
        ancestors = {p[: i + 1] for p in paths for i, ch in enumerate(p) if ch == "/"}
        mine |= Q(node__path__in=ancestors) | scope.paths_q(paths, node_field="node")
    return committees.filter(mine).distinct()


def access_committee(user: Any, committee_id: int, *, write: bool = False) -> Organisation:
    """The committee, if the user may read it (404 otherwise, never saying whether it exists);
    with `write`, 403 unless the user is its staff."""
    committee = (
        Organisation.objects.select_related("node")
        .filter(pk=committee_id, kind=OrgKind.JOINT_COMMITTEE)
        .first()
    )
    if committee is None or not may_see(user, committee):
        raise Http404(_("No such committee in your sight."))
    if write and not is_committee_staff(user, committee):
        raise PermissionDenied(_("Only the committee's own staff may change this."))
    return committee


def check_staff(user: Any, committee: Organisation) -> None:
    """For services: refuse anyone who is not the committee's staff."""
    if not is_committee_staff(user, committee):
        raise NotAllowed(_("Only the committee's own staff may change this."), code="not_allowed")


def _record(model: type[Any], pk: int, user: Any, related: tuple[str, ...]) -> Any:
    found = (
        model.objects.select_related("committee", "committee__node", *related).filter(pk=pk).first()
    )
    if found is None or not may_see(user, found.committee):
        raise Http404(_("Not found in your sight."))
    return found


def access_task(user: Any, task_id: int, *, write: bool = False) -> cm.Task:
    """A task the user may read; with `write`, one they may act on (its unit's people or the
    committee's staff; which move, the state machine says)."""
    task = _record(cm.Task, task_id, user, ("unit", "owner", "need"))
    if write and not (
        is_committee_staff(user, task.committee) or task.unit_id in unit_ids(user, task.committee)
    ):
        raise PermissionDenied(_("This task is not your unit's."))
    return task


def access_meeting(user: Any, meeting_id: int, *, write: bool = False) -> cm.Meeting:
    meeting = _record(cm.Meeting, meeting_id, user, ("node",))
    if write and not is_committee_staff(user, meeting.committee):
        raise PermissionDenied(_("Only the committee's own staff may change this."))
    return meeting


def access_consultation(user: Any, consultation_id: int, *, write: bool = False) -> cm.Consultation:
    consultation = _record(cm.Consultation, consultation_id, user, ("need",))
    if write and not is_committee_staff(user, consultation.committee):
        raise PermissionDenied(_("Only the committee's own staff may change this."))
    return consultation


def access_assessment(user: Any, assessment_id: int, *, write: bool = False) -> cm.Assessment:
    assessment = _record(cm.Assessment, assessment_id, user, ())
    if write and not is_committee_staff(user, assessment.committee):
        raise PermissionDenied(_("Only the committee's own staff may change this."))
    return assessment
