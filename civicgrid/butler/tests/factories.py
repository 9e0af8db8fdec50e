"""Builders for butler tests, on top of the needs world: a key project at comm1 with its
butler team (a district leader, a department with one member, a party-member cadre) and an
enterprise contact."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from civicgrid.butler import access, matters, projects
from civicgrid.butler.models import Contact, Matter, MatterKind, Project, TeamRole
from civicgrid.needs.tests.factories import World, world
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role, UnitKind
from civicgrid.network.tests import factories as nf

CONTACT_PHONE = "13800000001"


@dataclass
class ButlerWorld:
    w: World
    project: Project
    enterprise: Organisation
    department: Organisation
    clerk: Person  # a member of the department, no role
    leader: Person  # the district leader's seat (a read-only leader role)
    cadre: Person  # the party-member cadre (project-butler role at town1)
    contact: Contact


def enterprise(w: World, name: str = "龙马重工") -> Organisation:
    return Organisation.objects.create(
        name=name, kind=OrgKind.MEMBER_UNIT, unit_kind=UnitKind.ENTERPRISE, node=w.t["comm1"]
    )


def department(w: World, name: str = "发改局") -> Organisation:
    return Organisation.objects.create(
        name=name, kind=OrgKind.MEMBER_UNIT, unit_kind=UnitKind.DEPARTMENT, node=w.t["banner"]
    )


def butler_world(w: World | None = None) -> ButlerWorld:
    w = w or world()
    firm = enterprise(w)
    dept = department(w)
    clerk = nf.person("发改科员")
    Membership.objects.create(organisation=dept, person=clerk, title="科员")
    leader = nf.person("区领导", roles=[(Role.LEADER, w.t["banner"])])
    cadre = nf.person("孙鹏", roles=[(Role.PROJECT_BUTLER, w.t["town1"])])
    project = projects.project_create(
        by=w.dispatcher,
        enterprise=firm,
        name="重型机械产业园",
        node=w.t["comm1"],
        investment=Decimal("500000000"),
    )
    projects.team_add(by=w.dispatcher, project=project, role=TeamRole.LEADER, person=leader)
    projects.team_add(by=w.dispatcher, project=project, role=TeamRole.DEPARTMENT, organisation=dept)
    projects.team_add(by=w.dispatcher, project=project, role=TeamRole.CADRE, person=cadre)
    contact = projects.contact_add(
        by=w.dispatcher, project=project, name="王经理", phone=CONTACT_PHONE, title="项目经理"
    )
    return ButlerWorld(w, project, firm, dept, clerk, leader, cadre, contact)


def raise_by_qr(
    b: ButlerWorld, text: str = "环评批复迟迟未下", kind: str = MatterKind.APPROVAL
) -> Matter:
    matter, _made = matters.matter_raise_by_contact(
        project=b.project, phone=CONTACT_PHONE, kind=kind, description=text
    )
    return matter


def qr_key(b: ButlerWorld) -> str:
    return access.qr_key(b.project.pk)
