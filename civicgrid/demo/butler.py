"""The demo's project butler (issue 20): Horqin district's key projects in Hongxing
subdistrict (科尔沁工业园区), each with its butler team of "区级领导+相关职能部门+党员骨干", and
a year of matters run through the need's workflow. Deterministic from the seed.

From the seed article: "通辽市科尔沁区创新推行'项目管家'服务企业制度…对重点项目事项办理提供
全程代办和跟踪'保姆式'服务。图为8月20日，科尔沁工业园区党员骨干深入包联的内蒙古龙马重工集团
有限公司，问需解难、助企纾困。" 内蒙古龙马重工集团有限公司's key project has a district
leader (a leader of 科尔沁区), the district's development and reform commission and its
industry bureau, and 孙鹏 (the demo's project-butler login) as its party-member cadre; two
other projects have the other butlers of Hongxing.

Everything goes through the module's services on a clock moved to its moment (time-machine):
projects, teams and contacts, stage moves, milestones and visits (the 8月20日 visit among
them), and every matter raised by the enterprise's contact through the QR channel, dispatched
by Hongxing's staff to a department, taken, escalated to the leader once, resolved and rated
by the enterprise with its tracking link; the last few are still open.

Logins it adds (password `demo-2026`): the departments' clerks 19900000940 (发改委),
19900000941 (工信局) and 19900000942 (自然资源局). Contacts' phones are 19907900001 upwards.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.contrib.auth.hashers import make_password
from django.db.models import F, Max
from django.utils import timezone

from civicgrid.butler import matters as butler_matters
from civicgrid.butler import projects as butler_projects
from civicgrid.butler import stages
from civicgrid.butler.models import Matter, MatterKind, Milestone, Project, TeamRole
from civicgrid.core.models import Notification
from civicgrid.demo.login import DEMO_PASSWORD
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, Rating
from civicgrid.network.models import (
    Membership,
    Node,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    UnitKind,
)

SEED = 20
HORQIN = "150502"
HONGXING = "150502003"
SUN_PENG = "19900000009"
CLERK_PHONES = ("19900000940", "19900000941", "19900000942")
CONTACT_PHONES = 19907900001
NOTIFY_DAYS = 2
PARK = "科尔沁工业园区"

DEPARTMENTS = (
    ("科尔沁区发展和改革委员会", "李明", "项目科科长"),
    ("科尔沁区工业和信息化局", "高娜", "企业服务股股长"),
    ("科尔沁区自然资源局", "吴建国", "用地审批股干部"),
)

# (enterprise, project, investment in yuan, stage reached, contacts)
PROJECTS = (
    (
        "内蒙古龙马重工集团有限公司",
        "龙马重工高端矿山装备制造基地",
        Decimal("1200000000"),
        "construction",
        (("韩立军", "项目总监"), ("赵敏", "行政主管")),
    ),
    (
        "科尔沁绿源农牧科技有限公司",
        "绿源肉牛精深加工项目",
        Decimal("360000000"),
        "production",
        (("包玉梅", "总经理"),),
    ),
    (
        "红星新材料科技有限公司",
        "年产五万吨新型建材项目",
        Decimal("180000000"),
        "approvals",
        (("刘洋", "项目经理"),),
    ),
)

# What the enterprise asks: (kind, text, path). Paths: "resolved" (rated satisfied), "fair"
# (rated fairly satisfied), "escalated" (the department is stuck: the leader coordinates),
# "open" (still with the department at the end).
LONGMA_MATTERS = (
    (MatterKind.APPROVAL, "二期厂房环评批复进度跟进", "resolved"),
    (MatterKind.APPROVAL, "建设工程规划许可证办理", "resolved"),
    (MatterKind.PROBLEM, "园区道路未通至厂区东门，大件设备运输受阻", "escalated"),
    (MatterKind.APPROVAL, "施工许可证变更登记", "fair"),
    (MatterKind.PROBLEM, "厂区10千伏双回路供电接入", "resolved"),
    (MatterKind.APPROVAL, "高新技术企业认定材料指导", "resolved"),
    (MatterKind.PROBLEM, "员工通勤公交线路延伸至园区", "open"),
)
OTHER_MATTERS = (
    (MatterKind.APPROVAL, "排污许可证申领", "resolved"),
    (MatterKind.PROBLEM, "冷库用电增容", "fair"),
    (MatterKind.APPROVAL, "项目用地手续", "open"),
)
MILESTONES = (
    ("项目签约落地", 0.02),
    ("环评批复", 0.2),
    ("取得施工许可", 0.35),
    ("主体厂房封顶", 0.7),
    ("首台设备下线", 1.2),  # beyond the year: still planned
)
VISITS = (
    "了解二期审批进展，梳理待办事项",
    "问需解难：大件运输道路问题",
    "助企纾困：用工和通勤需求",
    "跟进供电接入施工",
    "季度走访，企业反映诉求已基本办结",
)


@dataclass
class Built:
    projects: int = 0
    matters: int = 0
    visits: int = 0
    escalated: int = 0


@dataclass(order=True)
class _Step:
    when: dt.datetime
    serial: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class _Butler:
    end: dt.datetime
    days: int
    rng: random.Random
    steps: list[_Step] = field(default_factory=list)
    built: Built = field(default_factory=Built)

    def at(self, when: dt.datetime, run: Callable[[], None]) -> None:
        self.steps.append(
            _Step(min(when, self.end - dt.timedelta(minutes=5)), len(self.steps), run)
        )

    def day(self, share: float, hour: int = 10) -> dt.datetime:
        """The moment `share` of the way through the demo's window, at a working hour."""
        start = self.end - dt.timedelta(days=self.days)
        when = start + dt.timedelta(days=round(self.days * share))
        while when.weekday() >= 5:
            when += dt.timedelta(days=1)
        return when.replace(hour=hour, minute=self.rng.randint(0, 50), second=0, microsecond=0)


def build_butler(*, days: int = 365, seed: int = SEED, end: dt.datetime | None = None) -> Built:
    """Build the demo's key projects (precondition: the demo region exists; without Hongxing
    nothing is built, and a database that already holds 龙马重工's project is left as it is)."""
    town = Node.objects.filter(code=HONGXING).first()
    district = Node.objects.filter(code=HORQIN).first()
    if town is None or district is None:
        return Built()
    if Project.objects.filter(name=PROJECTS[0][1]).exists():
        return Built()
    end = timezone.localtime(end or timezone.now()).replace(microsecond=0)
    b = _Butler(end=end, days=max(days, 30), rng=random.Random(seed))
    staff = _first(Role.COMMUNITY_STAFF, town)
    leaders = [
        r.person
        for r in RoleBinding.objects.filter(role=Role.LEADER, node=district)
        .select_related("person")
        .order_by("pk")
    ]
    butlers = [
        r.person
        for r in RoleBinding.objects.filter(role=Role.PROJECT_BUTLER, node=town)
        .select_related("person")
        .order_by("pk")
    ]
    sun = Person.objects.filter(mobile=SUN_PENG).first()
    if staff is None or not leaders or sun is None:
        return Built()
    others = [p for p in butlers if p.pk != sun.pk] or [sun]
    departments = _departments(district)
    first_need = Need.objects.aggregate(last=Max("pk"))["last"] or 0
    first_notice = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    phone = CONTACT_PHONES
    for index, (firm, name, investment, stage, contacts) in enumerate(PROJECTS):
        enterprise, _ = Organisation.objects.get_or_create(
            name=firm,
            defaults={"kind": OrgKind.MEMBER_UNIT, "unit_kind": UnitKind.ENTERPRISE, "node": town},
        )
        cadre = sun if index == 0 else others[(index - 1) % len(others)]
        leader = leaders[index % len(leaders)]
        depts = departments[:2] if index == 0 else [departments[index % len(departments)]]
        phones = [str(phone + i) for i in range(len(contacts))]
        phone += len(contacts)
        _project(
            b,
            staff=staff,
            enterprise=enterprise,
            name=name,
            town=town,
            investment=investment,
            stage=stage,
            team=(leader, depts, cadre),
            contacts=[(n, t, p) for (n, t), p in zip(contacts, phones, strict=True)],
            asks=LONGMA_MATTERS if index == 0 else OTHER_MATTERS[: 1 + index],
            lead=index == 0,
        )
    _run(b)
    workflow.follow_up_pending(after=first_need)
    Notification.objects.filter(
        pk__gt=first_notice,
        read_at__isnull=True,
        created_at__lt=end - dt.timedelta(days=NOTIFY_DAYS),
    ).update(read_at=F("created_at"))
    b.built.projects = Project.objects.count()
    b.built.matters = Matter.objects.count()
    return b.built


def _first(role: str, node: Node) -> Person | None:
    row = RoleBinding.objects.filter(role=role, node=node).select_related("person").order_by("pk")
    first = row.first()
    return first.person if first else None


def _departments(district: Node) -> list[tuple[Organisation, Person]]:
    out = []
    for (name, clerk_name, title), mobile in zip(DEPARTMENTS, CLERK_PHONES, strict=True):
        dept, _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": OrgKind.MEMBER_UNIT,
                "unit_kind": UnitKind.DEPARTMENT,
                "node": district,
            },
        )
        clerk = Person.objects.filter(mobile=mobile).first()
        if clerk is None:
            clerk = Person.objects.create(
                mobile=mobile, name=clerk_name, password=make_password(DEMO_PASSWORD)
            )
        Membership.objects.get_or_create(organisation=dept, person=clerk, defaults={"title": title})
        out.append((dept, clerk))
    return out


def _project(
    b: _Butler,
    *,
    staff: Person,
    enterprise: Organisation,
    name: str,
    town: Node,
    investment: Decimal,
    stage: str,
    team: tuple[Person, list[tuple[Organisation, Person]], Person],
    contacts: list[tuple[str, str, str]],
    asks: tuple[tuple[str, str, str], ...],
    lead: bool,
) -> None:
    leader, depts, cadre = team
    start = b.day(0.0, 9)
    holder: dict[str, Project] = {}

    def create() -> None:
        project = butler_projects.project_create(
            by=staff,
            enterprise=enterprise,
            name=name,
            node=town,
            investment=investment,
            started_on=start.date(),
            description=f"{PARK}重点项目",
        )
        butler_projects.team_add(by=staff, project=project, role=TeamRole.LEADER, person=leader)
        for dept, _clerk in depts:
            butler_projects.team_add(
                by=staff, project=project, role=TeamRole.DEPARTMENT, organisation=dept
            )
        butler_projects.team_add(by=staff, project=project, role=TeamRole.CADRE, person=cadre)
        for contact_name, title, phone in contacts:
            butler_projects.contact_add(
                by=staff, project=project, name=contact_name, phone=phone, title=title
            )
        holder["p"] = project

    b.at(start, create)
    order = ["signed", "approvals", "construction", "production"]
    moves = {
        "approvals": (stages.Action.APPROVE, 0.1),
        "construction": (stages.Action.BUILD, 0.4),
        "production": (stages.Action.PRODUCE, 0.8),
    }
    for target in order[1 : order.index(stage) + 1]:
        action, share = moves[target]

        def move(a: stages.Action = action) -> None:
            stages.stage_move(project=holder["p"], by=cadre, action=a)

        b.at(b.day(share, 15), move)
    milestones: dict[str, Milestone] = {}
    for title, share in MILESTONES if lead else MILESTONES[:2]:
        beyond = share > 1
        planned_at = b.end + dt.timedelta(days=60) if beyond else b.day(share, 11)

        day = planned_at.date()

        def add(title: str = title, planned: dt.date = day) -> None:
            milestones[title] = butler_projects.milestone_add(
                by=cadre, project=holder["p"], title=title, planned_on=planned
            )

        def done(title: str = title, planned: dt.date = day) -> None:
            butler_projects.milestone_done(
                by=cadre,
                milestone=milestones[title],
                done_on=planned,
            )

        b.at(start + dt.timedelta(minutes=5), add)
        if not beyond:
            b.at(planned_at, done)
    # Visits: the cadre goes every two months or so; for 龙马重工, the 8月20日 visit.
    visit_days = [b.day(s, 14).date() for s in (0.15, 0.35, 0.55, 0.75, 0.95)]
    if lead:
        aug20 = dt.date(b.end.year, 8, 20)
        if aug20 > b.end.date():
            aug20 = dt.date(b.end.year - 1, 8, 20)
        if aug20 >= start.date():
            visit_days[2] = aug20
    for day, found in zip(sorted(visit_days), VISITS if lead else VISITS[:2], strict=False):
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(16)))

        def visit(day: dt.date = day, found: str = found) -> None:
            butler_projects.visit_record(by=cadre, project=holder["p"], visited_on=day, found=found)
            b.built.visits += 1

        b.at(when, visit)
    # Matters, spread over the year, each through the need's workflow.
    for i, (kind, text, path) in enumerate(asks):
        share = 0.12 + 0.8 * i / max(len(asks), 1)
        dept, clerk = depts[i % len(depts)]
        _matter(
            b, holder, staff, contacts[0][2], kind, text, path, b.day(share), dept, clerk, depts
        )


def _matter(
    b: _Butler,
    holder: dict[str, Project],
    staff: Person,
    phone: str,
    kind: str,
    text: str,
    path: str,
    when: dt.datetime,
    dept: Organisation,
    clerk: Person,
    depts: list[tuple[Organisation, Person]],
) -> None:
    need: dict[str, Need] = {}
    rng = b.rng
    st, handler = workflow.By(person=staff), workflow.By(person=clerk)

    def raise_() -> None:
        matter, _made = butler_matters.matter_raise_by_contact(
            project=holder["p"], phone=phone, kind=kind, description=text
        )
        need["n"] = matter.need

    def dispatch(to: Organisation = dept) -> None:
        need["n"] = workflow.need_dispatch(need=need["n"], by=st, to=to, reason="请牵头办理")

    def take(by: workflow.By = handler) -> None:
        need["n"] = workflow.need_take(need=need["n"], by=by)

    def escalate() -> None:
        need["n"] = workflow.need_escalate(
            need=need["n"], by=handler, reason="涉及多部门，需区级领导协调"
        )
        b.built.escalated += 1

    def resolve(by: workflow.By = handler) -> None:
        need["n"] = workflow.need_resolve(need=need["n"], by=by, reason="已办结，结果已告知企业")

    def rate(rating: str = Rating.SATISFIED) -> None:
        need["n"] = workflow.need_confirm(need=need["n"], by=workflow.RESIDENT, rating=rating)

    h = dt.timedelta(hours=1)
    b.at(when, raise_)
    b.at(when + 2 * h, dispatch)
    b.at(when + 4 * h, take)
    if path == "open":
        return
    done = when + dt.timedelta(days=rng.randint(2, 5))
    if path == "escalated":
        other, other_clerk = depts[-1]
        b.at(when + dt.timedelta(days=1), escalate)
        b.at(when + dt.timedelta(days=1, hours=3), lambda: dispatch(other))
        b.at(when + dt.timedelta(days=1, hours=5), lambda: take(workflow.By(person=other_clerk)))
        done = when + dt.timedelta(days=6)
        b.at(done, lambda: resolve(workflow.By(person=other_clerk)))
    else:
        b.at(done, resolve)
    b.at(
        done + dt.timedelta(days=1),
        lambda: rate(Rating.FAIR if path == "fair" else Rating.SATISFIED),
    )


def _run(b: _Butler) -> None:
    if not b.steps:
        return
    steps = sorted(b.steps)
    with time_machine.travel(steps[0].when, tick=False) as traveller:
        for step in steps:
            traveller.move_to(step.when)
            step.run()
