"""Who may see and change what of the project butler.

- **Staff over the place** (community staff or an administrator bound to the project's node
  or above: `network/scope.holds_role_over`) create and edit projects, their teams and
  contacts, and do everything the team does.
- **The butler team** (`TeamMember`): the party-member cadre and the members of the team's
  department work the project: they enter matters, milestones, visits and move the stage. The
  district leader's seat reads the project and is told of escalations; it writes nothing.
- **Readers**: a read-only leader (`Role.LEADER`) over the place reads everything, writes
  nothing. A person with the project-butler role reads only the projects whose team they sit
  on: the role alone opens no project (a butler of another project sees nothing of this one).
- **The enterprise's contact** holds the project's keyed link (`qr_key`), no account.

Contacts' phones are masked in lists (`mask_mobile`); staff who manage the project reveal one
in full, logged (`reveal`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from civicgrid.butler.models import Matter, Project, TeamMember, TeamRole
from civicgrid.core.errors import NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.network import scope
from civicgrid.network.models import Membership, Node, Person, Role, mask_mobile

__all__ = ["mask_mobile"]

MANAGE_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
READ_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN, Role.LEADER)
# Team seats that work the project (the leader's seat reads only).
WORKING_SEATS = (TeamRole.CADRE, TeamRole.DEPARTMENT)
KEY_LENGTH = 12


def person_of(user: Any) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


# --- The project's keyed link (the QR poster) -------------------------------------------------


def qr_key(project_id: int) -> str:
    """The key of a project's QR link: who holds it may raise matters for the project. A keyed
    hash of the id: nothing stored, not guessable from the id."""
    return salted_hmac("civicgrid.butler.project-qr", str(project_id)).hexdigest()[:KEY_LENGTH]


def qr_key_ok(project_id: int, key: str) -> bool:
    return bool(key) and constant_time_compare(qr_key(project_id), key)


# --- Team seats -------------------------------------------------------------------------------


def _seat_q(person: Person, roles: tuple[str, ...] | None = None) -> Q:
    """Team rows where `person` sits: in person, or as a member of the seat's department."""
    orgs = Membership.objects.filter(person=person).values("organisation_id")
    q = Q(person=person) | Q(organisation_id__in=orgs)
    if roles is not None:
        q &= Q(role__in=roles)
    return q


def team_project_ids(person: Person, roles: tuple[str, ...] | None = None) -> QuerySet[Any]:
    return TeamMember.objects.filter(_seat_q(person, roles)).values("project_id")


def seats_of(person: Person | None, project: Project) -> set[str]:
    """The team roles `person` holds on `project`."""
    if person is None:
        return set()
    return set(
        TeamMember.objects.filter(_seat_q(person), project=project).values_list("role", flat=True)
    )


# --- Visibility -------------------------------------------------------------------------------


def visible_projects(user: Any) -> QuerySet[Project]:
    """The projects the user reads: those at places where they hold a staff or leader role
    (`READ_ROLES`), and those whose team they sit on."""
    person = person_of(user)
    if person is None:
        return Project.objects.none()
    paths = scope.role_scope_paths(person, READ_ROLES)
    if paths is None:
        return Project.objects.all()
    q = Q(pk__in=team_project_ids(person))
    if paths:
        q |= scope.paths_q(paths, node_field="node")
    return Project.objects.filter(q)


def may_see(user: Any, project: Project) -> bool:
    person = person_of(user)
    if person is None:
        return False
    return (
        scope.holds_role_over(person, READ_ROLES, project.node)
        or bool(seats_of(person, project))
        or person.is_superuser
    )


def may_manage(user: Any, node: Node) -> bool:
    """Staff who create and edit projects, teams and contacts at `node`."""
    person = person_of(user)
    return person is not None and (
        person.is_superuser or scope.holds_role_over(person, MANAGE_ROLES, node)
    )


def may_work(user: Any, project: Project) -> bool:
    """Who enters matters, milestones and visits and moves the stage: staff over the place,
    the cadre and the department's members (never the leader's seat, never a reader)."""
    person = person_of(user)
    if person is None:
        return False
    if may_manage(person, project.node):
        return True
    return bool(seats_of(person, project) & set(WORKING_SEATS))


def manages_anywhere(user: Any) -> bool:
    person = person_of(user)
    if person is None:
        return False
    paths = scope.role_scope_paths(person, MANAGE_ROLES)
    return paths is None or bool(paths)


def works_anywhere(user: Any) -> bool:
    """Asked before a writing form is read: a reader with no working seat gets 403."""
    person = person_of(user)
    if person is None:
        return False
    return (
        manages_anywhere(person)
        or TeamMember.objects.filter(_seat_q(person, WORKING_SEATS)).exists()
    )


def check_manage(user: Any, node: Node) -> None:
    if not may_manage(user, node):
        raise NotAllowed(_("Only staff of the place keep its key projects."), code="not_allowed")


def check_work(user: Any, project: Project) -> None:
    if not may_work(user, project):
        raise NotAllowed(_("Your role may read this project but not change it."), code="read_only")


def access_project(
    user: Any, project_id: int, *, write: bool = False, manage: bool = False
) -> Project:
    """One project: 404 when the user may not read it, 403 when they may read but not work on
    it (`write`) or not manage it (`manage`)."""
    project = Project.objects.select_related("enterprise", "node").filter(pk=project_id).first()
    if project is None or not may_see(user, project):
        raise Http404
    if manage and not may_manage(user, project.node):
        raise PermissionDenied
    if write and not may_work(user, project):
        raise PermissionDenied
    return project


def visible_matters(user: Any) -> QuerySet[Matter]:
    return Matter.objects.filter(project__in=visible_projects(user).values("pk"))


def access_matter(user: Any, matter_id: int) -> Matter:
    matter = (
        Matter.objects.select_related("project", "project__node", "need", "project__enterprise")
        .filter(pk=matter_id)
        .first()
    )
    if matter is None or not may_see(user, matter.project):
        raise Http404
    return matter


def reveal(user: Any, *, subject: str, field: str) -> None:
    """Log one reveal of a contact's phone in full."""
    person = person_of(user)
    if person is None:
        raise PermissionDenied
    RevealLog.objects.create(actor=person, subject=subject[:60], field=field[:40])
