"""Builders for the committees' tests: the needs tests' world (a town committee, 一镇联合党委,
with one member unit, 边境派出所) plus a second unit (an army unit) and a need escalated to a
consultation of the committee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicgrid.committees import work
from civicgrid.committees.models import Task
from civicgrid.needs import workflow
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role, UnitKind
from civicgrid.network.tests import factories as nf


@dataclass
class Board:
    w: needf.World  # region t, dispatcher (comm1 staff), leader, committee_member, unit…
    committee: Organisation  # 一镇联合党委 at town1
    secretary: Person  # the committee's secretary (a membership of the committee)
    police: Organisation  # member unit 边境派出所; `police_contact` belongs to it
    police_contact: Person
    army: Organisation  # member unit 驻地部队; `army_contact` belongs to it
    army_contact: Person
    outsider_unit: Organisation  # a member unit of another committee
    outsider: Person  # belongs to `outsider_unit`


def board() -> Board:
    w = needf.world()
    t = w.t
    secretary = nf.person("联合党委书记", roles=[(Role.COMMITTEE_MEMBER, t["town1"])])
    Membership.objects.create(organisation=w.committee, person=secretary, title="书记")
    army = Organisation.objects.create(
        name="驻地部队",
        kind=OrgKind.MEMBER_UNIT,
        unit_kind=UnitKind.ARMY,
        node=t["town1"],
        committee=w.committee,
    )
    army_contact = nf.person("连指导员", roles=[(Role.MEMBER_UNIT_CONTACT, t["town1"])])
    Membership.objects.create(organisation=army, person=army_contact, title="指导员")
    other = Organisation.objects.create(
        name="二镇联合党委", kind=OrgKind.JOINT_COMMITTEE, node=t["town1"]
    )
    outsider_unit = Organisation.objects.create(
        name="外单位", kind=OrgKind.MEMBER_UNIT, node=t["town1"], committee=other
    )
    outsider = nf.person("外单位联系人")
    Membership.objects.create(organisation=outsider_unit, person=outsider)
    return Board(
        w=w,
        committee=w.committee,
        secretary=secretary,
        police=w.unit,
        police_contact=w.unit_member,
        army=army,
        army_contact=army_contact,
        outsider_unit=outsider_unit,
        outsider=outsider,
    )


def escalated_need(b: Board, **overrides: Any) -> Need:
    """A need of comm1 escalated by its dispatcher to a consultation of the committee."""
    need = needf.raise_need(b.w, **overrides)
    needf.follow_up()
    need.refresh_from_db()
    workflow.need_escalate(
        need=need, by=By(person=b.w.dispatcher), reason="需要联合党委会商", to=b.committee
    )
    need.refresh_from_db()
    return need


def task(b: Board, *, unit: Organisation | None = None, days: int = 7, **fields: Any) -> Task:
    return work.task_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title=fields.pop("title", "修通道路"),
        unit=unit or b.army,
        due=timezone.now() + timedelta(days=days),
        **fields,
    )
