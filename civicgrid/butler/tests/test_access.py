"""Who sees and changes what: staff over the place, the team, readers, strangers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from civicgrid.butler import access, projects
from civicgrid.butler.models import Project, TeamRole
from civicgrid.butler.tests import factories as bf
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db


def test_visibility() -> None:
    b = bf.butler_world()
    # Another project with its own butler, who also holds the butler role in the same town.
    other_cadre = nf.person("另一管家", roles=[(Role.PROJECT_BUTLER, b.w.t["town1"])])
    other = projects.project_create(
        by=b.w.dispatcher,
        enterprise=bf.enterprise(b.w, "另一企业"),
        name="另一项目",
        node=b.w.t["comm1"],
    )
    projects.team_add(by=b.w.dispatcher, project=other, role=TeamRole.CADRE, person=other_cadre)

    def seen(user: object) -> set[int]:
        return set(access.visible_projects(user).values_list("pk", flat=True))

    both = {b.project.pk, other.pk}
    assert seen(b.w.dispatcher) == both
    assert seen(b.w.town_staff) == both
    assert seen(b.w.leader) == both  # a read-only leader over the banner
    assert seen(b.cadre) == {b.project.pk}
    assert seen(b.clerk) == {b.project.pk}  # a department member, no role
    assert seen(b.leader) == both  # the leader's seat holds a leader role over the banner
    assert seen(other_cadre) == {other.pk}
    assert seen(b.w.stranger) == set()
    with pytest.raises(Http404):
        access.access_project(other_cadre, b.project.pk)
    with pytest.raises(Http404):
        access.access_matter(other_cadre, bf.raise_by_qr(b).pk)
    assert access.access_project(b.cadre, b.project.pk, write=True) == b.project
    with pytest.raises(PermissionDenied):
        access.access_project(b.w.leader, b.project.pk, write=True)
    with pytest.raises(PermissionDenied):
        access.access_project(b.cadre, b.project.pk, manage=True)
    for p in (b.project, other):
        assert access.may_see(b.w.dispatcher, p) == (p.pk in seen(b.w.dispatcher))


def test_only_staff_keep_projects_and_teams() -> None:
    b = bf.butler_world()
    for who in (b.cadre, b.w.leader, b.clerk, b.w.stranger):
        with pytest.raises(NotAllowed):
            projects.project_create(by=who, enterprise=b.enterprise, name="x", node=b.w.t["comm1"])
        with pytest.raises(NotAllowed):
            projects.team_add(by=who, project=b.project, role=TeamRole.CADRE, person=b.cadre)
    with pytest.raises(Invalid) as refused:
        projects.team_add(
            by=b.w.dispatcher, project=b.project, role=TeamRole.CADRE, person=b.w.stranger
        )
    assert refused.value.code == "not_a_cadre"
    with pytest.raises(Invalid) as refused:
        projects.team_add(
            by=b.w.dispatcher,
            project=b.project,
            role=TeamRole.DEPARTMENT,
            organisation=b.enterprise,
        )
    assert refused.value.code == "department_required"
    with pytest.raises(Invalid) as refused:
        projects.project_create(
            by=b.w.dispatcher, enterprise=b.department, name="x", node=b.w.t["comm1"]
        )
    assert refused.value.code == "not_an_enterprise"
    with pytest.raises(Invalid) as refused:
        projects.project_create(
            by=b.w.dispatcher,
            enterprise=b.enterprise,
            name="x",
            node=b.w.t["comm1"],
            investment="很多",
        )
    assert refused.value.code == "investment_invalid"
    assert Project.objects.count() == 1


def test_staff_bind_only_an_enterprise_of_their_own_area() -> None:
    """Town B's staff once saw, and could bind, town A's enterprises (the project form listed
    the whole region's; the walk in core/tests/test_access.py found it)."""
    from civicgrid.butler.views.console import NewProjectForm
    from civicgrid.network.models import Organisation, OrgKind, UnitKind

    b = bf.butler_world()
    elsewhere = Organisation.objects.create(
        name="二社区企业",
        kind=OrgKind.MEMBER_UNIT,
        unit_kind=UnitKind.ENTERPRISE,
        node=b.w.t["comm2"],
    )
    with pytest.raises(NotAllowed) as refused:
        projects.project_create(
            by=b.w.dispatcher, enterprise=elsewhere, name="x", node=b.w.t["comm1"]
        )
    assert refused.value.code == "enterprise_elsewhere"
    listed = NewProjectForm(user=b.w.dispatcher).fields["enterprise"].queryset  # type: ignore[attr-defined]
    assert b.enterprise in listed and elsewhere not in listed
    theirs = NewProjectForm(user=b.w.stranger).fields["enterprise"].queryset  # type: ignore[attr-defined]
    assert b.enterprise not in theirs
