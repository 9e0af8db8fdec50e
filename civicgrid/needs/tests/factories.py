"""Builders for need tests: a small world with one person per kind of actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicgrid.needs import services, workflow
from civicgrid.needs.models import (
    Category,
    Channel,
    Need,
)
from civicgrid.network.models import Membership, Node, Organisation, OrgKind, Person, Role, UnitKind
from civicgrid.network.tests import factories as nf
from civicgrid.seed import seed_everything


@dataclass
class World:
    t: dict[str, Node]
    dispatcher: Person
    town_staff: Person
    handler: Person
    unit_member: Person
    grid_worker: Person
    other_grid_worker: Person
    leader: Person
    committee_member: Person
    stranger: Person
    unit: Organisation
    committee: Organisation


def ensure_seed() -> None:
    """Transactional tests flush the tables, seed rows of data migrations included."""
    if not Category.objects.exists():
        seed_everything()


def world() -> World:
    ensure_seed()
    t = nf.region()
    committee = Organisation.objects.create(
        name="一镇联合党委", kind=OrgKind.JOINT_COMMITTEE, node=t["town1"]
    )
    unit = Organisation.objects.create(
        name="边境派出所",
        kind=OrgKind.MEMBER_UNIT,
        unit_kind=UnitKind.POLICE,
        node=t["town1"],
        committee=committee,
    )
    w = World(
        t=t,
        dispatcher=nf.person("社区干部", roles=[(Role.COMMUNITY_STAFF, t["comm1"])]),
        town_staff=nf.person("镇干部", roles=[(Role.COMMUNITY_STAFF, t["town1"])]),
        handler=nf.person("处理人", roles=[(Role.GRID_WORKER, t["gridB"])]),
        unit_member=nf.person("所长"),
        grid_worker=nf.person("A网格员", roles=[(Role.GRID_WORKER, t["gridA"])]),
        other_grid_worker=nf.person("B网格员", roles=[(Role.GRID_WORKER, t["gridB"])]),
        leader=nf.person("旗领导", roles=[(Role.LEADER, t["banner"])]),
        committee_member=nf.person("委员"),
        stranger=nf.person("二社区干部", roles=[(Role.COMMUNITY_STAFF, t["comm2"])]),
        unit=unit,
        committee=committee,
    )
    Membership.objects.create(organisation=unit, person=w.unit_member, title="所长")
    Membership.objects.create(organisation=committee, person=w.committee_member, title="委员")
    return w


def category(code: str = "roads") -> Category:
    return Category.objects.get(code=code)


def raise_need(w: World, **overrides: Any) -> Need:
    fields: dict[str, Any] = {
        "by": workflow.RESIDENT,
        "category": category(),
        "description": "路面塌了一个坑",
        "channel": Channel.WEB,
        "node": w.t["gridA"],
        "contact_phone": "13912345678",
        "contact_name": "巴特尔",
        "answers": {"passable": "no"},
    }
    fields.update(overrides)
    return services.need_raise(**fields)


def follow_up() -> int:
    """Do now what `civicgrid worker` does about a second after intake, as production is set
    (`INTAKE_FOLLOW_UP="worker"`): tell the dispatchers of every need raised since and count
    them in the rollups (`workflow.follow_up_pending`). Call it before reading those effects;
    returns how many needs it followed up. A no-op under the inline setting."""
    return workflow.follow_up_pending()


def force(need: Need, **fields: Any) -> Need:
    """Test set-up only: put a need straight into a state without the workflow."""
    Need.objects.filter(pk=need.pk).update(**fields)
    need.refresh_from_db()
    return need
