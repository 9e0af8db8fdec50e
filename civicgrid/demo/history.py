"""A year of the demo region's life, lived through the real workflow on a moving clock.

Every need is raised by `services.need_raise` and moved by the workflow's commands at the
moment its people would have acted: the clock is moved to that moment first (time-machine), so
every event, deadline, reminder and rating carries its real time. The deadline sweep runs every
morning and does what it does in production: reminds, marks overdue, escalates what stayed
overdue, closes what residents left unrated.

What is drawn (deterministically from the seed):
- when residents raise needs: every demo place, weighted by its grids, more on working days,
  in the daytime, more repairs and heating in winter;
- what each need is and how it goes (its "plan"): most are accepted, dispatched, taken and
  resolved well within their deadlines and rated satisfied; some are late, rejected,
  withdrawn, merged into an earlier one, returned by the worker, reopened after a
  dissatisfied rating, escalated to the joint committee, or never rated;
- proactive work by grid workers (visits, inspections, mediations, opinions collected);
- the seed's stories, on fixed days, with their people and places.

The build is in bulk where the workflow allows it: its subscribers are muted while the past is
lived (no rollup updated per event, no notice sent about last spring), the intake follow-up
runs in batches, and the rollups are rebuilt from the event log at the end and checked against
a recount of the needs. Only the last two days notify people as they would today, so the demo
logins find their recent work in their inboxes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import time_machine
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.statements import ModelStatement
from civicgrid.demo.scale import SCALE_CODE
from civicgrid.needs import events, services, tasks, workflow
from civicgrid.needs.models import Category, Channel, Kind, Need, Priority, Rating, State
from civicgrid.needs.workflow import By
from civicgrid.network.models import Node, NodeKind, Organisation, OrgKind, Person, Role

# Needs residents raise in a year across the demo region, and proactive records. The mix of
# report groups follows the seed's league-wide sentence (opinions : conflicts : difficulties
# ≈ 11,000 : 4,600 : 5,200) at about 1:25.
NEEDS_PER_YEAR = 640
PROACTIVE_PER_YEAR = 260
NOTIFY_DAYS = 2  # the last days notify people as today would

# category code → (weight, descriptions, answers)
EVERYDAY: dict[str, tuple[float, list[str], dict[str, str]]] = {
    "repairs": (
        11,
        [
            "屋顶漏雨，下雨天卧室里要接水",
            "楼道里的水管冻裂了，一直在渗水",
            "家里电线老化，插座一用就跳闸",
            "暖气片不热，老人家里太冷",
            "单元门的闭门器坏了，门关不上",
        ],
        {"what": "roof"},
    ),
    "roads": (
        5,
        [
            "小区门口的路面塌了一个坑，晚上看不清",
            "巷子里的路被施工车压坏了",
            "下雪后路面结冰，老人出门容易摔倒",
        ],
        {"passable": "partly"},
    ),
    "drainage": (4, ["下水道堵了，污水往院子里返", "雨水井盖松动，下雨就积水"], {}),
    "pension": (4, ["养老金资格认证不会在手机上做", "想问问医保缴费怎么在网上交"], {}),
    "micro_wish": (4, ["独居老人想要一台收音机", "孩子想要一套新的课外书", "想要一副老花镜"], {}),
    "disputes": (9, ["楼上装修噪音太大，晚上也不停", "邻居在楼道堆放杂物，协商不成"], {}),
    "hazards": (8, ["电动车在楼道充电，有火灾隐患", "空房子的院墙裂了，怕倒下伤人"], {}),
    "policy": (23, ["想问问高龄津贴怎么申请", "孩子上学的户籍证明去哪里开", "低保怎么申请"], {}),
    "suggestions": (
        30,
        ["建议在小区里多装几盏路灯", "希望阅览室周末也开放", "建议在广场边上加几把长椅"],
        {},
    ),
}
# Petitions are entered by staff for the resident (信访代办), about one in a hundred.
STAFF_ONLY: dict[str, tuple[float, list[str], dict[str, str]]] = {
    "petitions": (1.2, ["代为反映：拆迁补偿款迟迟没有到位", "代为反映：企业拖欠工资"], {})
}
WINTER = {"repairs": 1.8, "roads": 1.5}  # heating and ice, November to March

# How each need goes, by weight. "done" is the common case.
FATES = {
    "done": 60,
    "late": 9,
    "unrated": 10,
    "rejected": 3,
    "withdrawn": 3,
    "merged": 2,
    "returned": 4,
    "reopened": 3,
    "committee": 3,  # only where a joint committee covers the place; else "done"
    "fair": 3,
}

PROACTIVE = [
    (Kind.VISIT, "key_visits", ["走访独居老人，身体状况良好", "走访困难家庭，了解冬季取暖情况"]),
    (Kind.INSPECTION, "inspections", ["排查危旧房屋，屋顶需要加固", "检查楼道消防通道，已清理"]),
    (Kind.MEDIATION, "disputes", ["调解邻里漏水纠纷，双方达成一致", "调解停车位纠纷"]),
    (Kind.COLLECTION, "opinion", ["收集居民对小区改造的意见", "入户收集对便民服务的建议"]),
]

REASONS = {
    "rejected": "经核实不属于社区办理范围，已告知居民到相关部门办理",
    "withdrawn": "问题已自行解决",
    "returned": "需要专业设备，本网格无法处理，请重新派单",
    "reopened": "问题又出现了，没有彻底解决",
    "resolve": "已上门处理完毕",
    "escalate": "涉及多方，提交联合党委会商",
}


@dataclass
class Place:
    community: Node
    grids: list[Node]
    weight: float
    committee: Organisation | None = None
    units: list[Organisation] = field(default_factory=list)


@dataclass
class Plan:
    fate: str
    rating: str
    speed: float  # the share of each deadline the people use
    done: set[str] = field(default_factory=set)  # the plan's one-off turns already taken


@dataclass
class Result:
    needs: int = 0
    proactive: int = 0
    commands: int = 0
    sweeps: int = 0


_NEED = ModelStatement(
    lambda pk: Need.objects.select_related("node", "owner_node", "category").filter(pk=pk),
    pk=int,
)


class Clock:
    """Events in time order; each runs with the clock moved to its moment."""

    def __init__(self, traveller: Any) -> None:
        self.traveller = traveller
        self.queue: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.serial = itertools.count()

    def at(self, when: dt.datetime, step: Callable[[], None]) -> None:
        heapq.heappush(self.queue, (when, next(self.serial), step))

    def run(self, until: dt.datetime) -> None:
        while self.queue and self.queue[0][0] <= until:
            when, _serial, step = heapq.heappop(self.queue)
            self.traveller.move_to(when)
            step()


def places() -> list[Place]:
    """Every community and gacha of the demo region with its small grids."""
    found = []
    organisations = Organisation.objects.select_related("node")
    committees = list(organisations.filter(kind=OrgKind.JOINT_COMMITTEE))
    units = list(organisations.filter(kind=OrgKind.MEMBER_UNIT))
    communities = Node.objects.filter(kind=NodeKind.COMMUNITY).select_related("parent")
    for community in communities.exclude(code__startswith=SCALE_CODE).order_by("path"):
        grids = list(Node.objects.filter(path__startswith=community.path, kind=NodeKind.SMALL_GRID))
        if not grids:
            continue
        town = community.parent.path if community.parent else community.path
        committee = next((c for c in committees if community.path.startswith(c.node.path)), None)
        near = [u for u in units if u.node.path.startswith(town)]
        # Weight: the grids a place has, with a floor, so that a small gacha lives too.
        weight = max(6.0, math.sqrt(len(grids)) * 6)
        found.append(Place(community, sorted(grids, key=lambda g: g.code), weight, committee, near))
    return found


class History:
    def __init__(self, *, seed: int, start: dt.datetime, end: dt.datetime, scale: float) -> None:
        self.rng = random.Random(seed)
        # The rarer endings each happen at least once, whatever the day the year ends on: the
        # first needs of the year take them in turn (a year drawn at random once had none
        # withdrawn).
        self.owed = ["withdrawn", "rejected", "merged", "reopened", "returned", "fair"]
        self.start, self.end = start, end
        self.scale = scale
        self.result = Result()
        self.followed_up_to = 0  # every need up to this id has been followed up
        self.places = places()
        self.categories = {c.code: c for c in Category.objects.all()}
        self.workers = _grid_workers([g for p in self.places for g in p.grids])

    # --- when -------------------------------------------------------------------------------

    def _day_weight(self, day: dt.date) -> float:
        weekend = day.weekday() >= 5
        return 0.55 if weekend else 1.0

    def _moment(self, day: dt.date, *, early: int = 7, late: int = 21) -> dt.datetime:
        """A time of day on `day` when people are up, most in working hours."""
        hour = self.rng.choices(
            range(early, late), weights=[_hour_weight(h) for h in range(early, late)]
        )[0]
        minute = self.rng.randrange(60)
        naive = dt.datetime.combine(day, dt.time(hour, minute, self.rng.randrange(60)))
        return timezone.make_aware(naive)

    def _awake(self, when: dt.datetime) -> dt.datetime:
        """`when`, or the next morning if staff would be asleep then."""
        local = timezone.localtime(when)
        if 7 <= local.hour < 21:
            return when
        day = local.date() + (dt.timedelta(days=1) if local.hour >= 21 else dt.timedelta())
        morning = dt.datetime.combine(day, dt.time(7, 40 + self.rng.randrange(40) // 2))
        return timezone.make_aware(morning)

    def _after(self, when: dt.datetime, minutes: float) -> dt.datetime:
        return self._awake(when + dt.timedelta(minutes=max(1.0, minutes)))

    # --- what -------------------------------------------------------------------------------

    def plan(self, place: Place) -> Plan:
        fate = self.rng.choices(list(FATES), weights=list(FATES.values()))[0]
        if self.owed and fate == "done":
            fate = self.owed.pop(0)
        if fate == "committee" and place.committee is None:
            fate = "done"
        rating = Rating.FAIR if fate == "fair" else Rating.SATISFIED
        speed = self.rng.lognormvariate(math.log(0.3), 0.6)
        if fate == "late":
            speed = self.rng.uniform(1.1, 1.9)
        return Plan(fate, rating, min(speed, 0.95) if fate != "late" else speed)

    def raise_need(self, place: Place) -> None:
        kinds = {**EVERYDAY, **STAFF_ONLY}
        codes = list(kinds)
        month = timezone.localtime().month
        weights = [
            kinds[c][0] * (WINTER.get(c, 1.0) if month in (11, 12, 1, 2, 3) else 1.0) for c in codes
        ]
        code = self.rng.choices(codes, weights=weights)[0]
        _weight, texts, answers = kinds[code]
        grid = self.rng.choice(place.grids)
        plan = self.plan(place)
        description = self.rng.choice(texts)
        if plan.fate == "merged":
            # A second report of something already reported and still open: same grid, same
            # words. The dispatcher merges it into the first.
            first = self._open_in(place, self.categories[code])
            if first is not None:
                grid, description = first.node, first.description
        channel = self.rng.choices(
            [Channel.QR, Channel.WEB, Channel.PHONE, Channel.WALK_IN], weights=[40, 25, 20, 15]
        )[0]
        worker = self.workers.get(grid.pk)
        by = workflow.RESIDENT
        if code in STAFF_ONLY:
            if worker is None:
                return
            channel = Channel.VISIT
        if channel in (Channel.PHONE, Channel.WALK_IN, Channel.VISIT):
            if worker is None:
                channel = Channel.WEB
            else:
                by = By(worker)
        priority = self.rng.choices(
            [Priority.URGENT, Priority.NORMAL, Priority.LOW], weights=[7, 83, 10]
        )[0]
        need = services.need_raise(
            by=by,
            category=self.categories[code],
            channel=channel,
            node=grid,
            priority=priority,
            description=description,
            answers=answers,
            contact_phone=_phone(self.rng) if by is workflow.RESIDENT else "",
            contact_name=self.rng.choice(["", "李阿姨", "张大爷", "刘女士", "王师傅", "其木格"]),
            on_behalf_of="" if by is workflow.RESIDENT else self.rng.choice(["李阿姨", "张大爷"]),
        )
        self.result.needs += 1
        self.next_step(need, plan, self._respond_at(need, plan))

    def _respond_at(self, need: Need, plan: Plan) -> dt.datetime:
        now = timezone.now()
        window = ((need.response_due or now + dt.timedelta(hours=4)) - now).total_seconds() / 60
        share = (
            plan.speed if plan.fate == "late" and self.rng.random() < 0.4 else min(plan.speed, 0.8)
        )
        return self._after(now, window * share)

    def _resolve_at(self, need: Need, plan: Plan) -> dt.datetime:
        now = timezone.now()
        due = need.resolve_due or now + dt.timedelta(days=2)
        window = (due - now).total_seconds() / 60
        return self._after(now, window * plan.speed)

    def next_step(self, need: Need, plan: Plan, when: dt.datetime) -> None:
        pk = need.pk
        self.clock.at(when, lambda: self.step(pk, plan))

    # --- how: each turn looks at the need as it is now (the sweep may have moved it) -------

    def step(self, pk: int, plan: Plan) -> None:
        (need,) = _NEED(pk=pk)
        try:
            self._turn(need, plan)
        except (Conflict, Invalid, NotAllowed):
            return  # someone (the sweep) got there first: this life ends here
        self.result.commands += 1

    def _turn(self, need: Need, plan: Plan) -> None:
        state = need.state
        now = timezone.now()
        if state == State.SUBMITTED:
            if plan.fate == "withdrawn":
                workflow.need_withdraw(need=need, by=workflow.RESIDENT, reason=REASONS["withdrawn"])
                return
            dispatcher = self._dispatcher(need)
            if dispatcher is None:
                return
            if plan.fate == "rejected":
                workflow.need_reject(need=need, by=dispatcher, reason=REASONS["rejected"])
                return
            if plan.fate == "merged":
                target = self._earlier_open(need)
                if target is not None:
                    workflow.need_merge(need=need, by=dispatcher, into=target)
                    return
            need = workflow.need_accept(need=need, by=dispatcher)
            self.next_step(need, plan, self._after(now, self.rng.uniform(3, 40)))
        elif state in (State.ACCEPTED, State.ESCALATED):
            dispatcher = self._dispatcher(need)
            if dispatcher is None:
                return
            place = self._place(need)
            if plan.fate == "committee" and "escalated" not in plan.done and place.committee:
                plan.done.add("escalated")
                workflow.need_escalate(
                    need=need, by=dispatcher, to=place.committee, reason=REASONS["escalate"]
                )
                self.next_step(need, plan, self._after(now, self.rng.uniform(1, 4) * 24 * 60))
                return
            to = None
            if need.consultation_id and place.units:
                to = self.rng.choice(place.units)
            workflow.need_dispatch(need=need, by=dispatcher, to=to)
            self.next_step(need, plan, self._after(now, self.rng.lognormvariate(math.log(45), 0.8)))
        elif state == State.DISPATCHED:
            handler = self._handler(need)
            if handler is None:
                return
            need = workflow.need_take(need=need, by=By(handler))
            if plan.fate == "returned" and "returned" not in plan.done:
                plan.done.add("returned")
                self.next_step(need, plan, self._after(now, self.rng.uniform(60, 600)))
            else:
                self.next_step(need, plan, self._resolve_at(need, plan))
        elif state in (State.TAKEN, State.IN_PROGRESS):
            handler = need.assignee
            if handler is None:
                return
            if state == State.TAKEN and "started" not in plan.done and self.rng.random() < 0.3:
                # Some work takes a visit first: started now, resolved later.
                plan.done.add("started")
                workflow.need_start(need=need, by=By(handler), reason="已到现场，正在处理")
                self.next_step(need, plan, self._resolve_at(need, plan))
                return
            if plan.fate == "returned" and "returned" in plan.done and "sent_back" not in plan.done:
                plan.done.add("sent_back")
                workflow.need_return(need=need, by=By(handler), reason=REASONS["returned"])
                self.next_step(need, plan, self._after(now, self.rng.uniform(20, 240)))
                return
            workflow.need_resolve(need=need, by=By(handler), reason=REASONS["resolve"])
            if plan.fate != "unrated":
                later = now + dt.timedelta(minutes=self.rng.lognormvariate(math.log(600), 1.0))
                self.next_step(need, plan, self._awake(later))
        elif state == State.RESOLVED:
            if plan.fate == "reopened" and "reopened" not in plan.done:
                plan.done.add("reopened")
                workflow.need_reopen(need=need, by=workflow.RESIDENT, reason=REASONS["reopened"])
                self.next_step(need, plan, self._after(now, self.rng.uniform(30, 300)))
                return
            workflow.need_confirm(need=need, by=workflow.RESIDENT, rating=plan.rating)

    def _place(self, need: Need) -> Place:
        for place in self.places:
            if need.node.path.startswith(place.community.path):
                return place
        return self.places[0]

    def _dispatcher(self, need: Need) -> By | None:
        if need.consultation_id:
            member = Person.objects.filter(membership__organisation_id=need.consultation_id).first()
            return By(member) if member else None
        people = workflow.dispatchers_of(need.owner_node)
        return By(people[0]) if people else None

    def _handler(self, need: Need) -> Person | None:
        if need.assignee_id:
            return need.assignee
        if need.assignee_org_id:
            return Person.objects.filter(membership__organisation_id=need.assignee_org_id).first()
        return self.workers.get(need.node_id)

    def _open_in(self, place: Place, category: Category) -> Need | None:
        open_needs = Need.objects.open().filter(
            category=category, node__path__startswith=place.community.path
        )
        return open_needs.select_related("node").order_by("-pk").first()

    def _earlier_open(self, need: Need) -> Need | None:
        """An open report of the same thing in the same grid, to merge this one into."""
        earlier = Need.objects.open().filter(node_id=need.node_id, category_id=need.category_id)
        return earlier.exclude(pk=need.pk).order_by("-pk").first()

    # --- proactive work ---------------------------------------------------------------------

    def record(self, place: Place) -> None:
        kind, code, notes = self.rng.choice(PROACTIVE)
        grid = self.rng.choice(place.grids)
        worker = self.workers.get(grid.pk)
        if worker is None or code not in self.categories:
            return
        services.proactive_record(
            by=By(worker),
            kind=kind,
            category=self.categories[code],
            node=grid,
            note=self.rng.choice(notes),
        )
        self.result.proactive += 1

    # --- the year ---------------------------------------------------------------------------

    def live(self, stories: Callable[[History], None]) -> Result:
        with time_machine.travel(self.start, tick=False) as traveller:
            self.clock = Clock(traveller)
            self._schedule_year()
            stories(self)
            quiet_until = self.end - dt.timedelta(days=NOTIFY_DAYS)
            with events.muted() as unmute:
                self.clock.run(quiet_until)
                workflow.follow_up_pending()
                unmute()
                self.clock.run(self.end)
                # Production's worker follows a need up within seconds; the year's sweeps
                # come each morning. What was raised since this morning's is followed up
                # now, so the history ends as a served region stands (and its rollups count
                # every need it holds).
                workflow.follow_up_pending(after=self.followed_up_to)
        return self.result

    def _schedule_year(self) -> None:
        days = (self.end.date() - self.start.date()).days
        weights = [p.weight for p in self.places]
        per_day_needs = NEEDS_PER_YEAR * self.scale / 365
        per_day_records = PROACTIVE_PER_YEAR * self.scale / 365
        for offset in range(days + 1):
            day = self.start.date() + dt.timedelta(days=offset)
            factor = self._day_weight(day)
            for _i in range(_poisson(self.rng, per_day_needs * factor)):
                place = self.rng.choices(self.places, weights=weights)[0]
                self._at_day(day, partial(self.raise_need, place))
            for _i in range(
                _poisson(self.rng, per_day_records * (0.3 if day.weekday() >= 5 else 1.0))
            ):
                place = self.rng.choices(self.places, weights=weights)[0]
                self._at_day(day, partial(self.record, place), early=8, late=18)
            # Every morning (production sweeps every few minutes: the marks of a day land
            # at the next morning's sweep here).
            morning = dt.datetime.combine(day, dt.time(8, 30))
            self.clock.at(timezone.make_aware(morning), self._sweep)

    def _at_day(
        self, day: dt.date, step: Callable[[], None], *, early: int = 7, late: int = 21
    ) -> None:
        when = self._moment(day, early=early, late=late)
        if self.start <= when <= self.end:
            self.clock.at(when, step)

    def _sweep(self) -> None:
        if self.result.sweeps % 30 == 0:
            _analyze()
        tasks.sweep()
        # Only the needs raised since the last sweep can wait for their follow-up: on
        # PostgreSQL, inside the year's one transaction, the worker's query over the whole
        # table took seconds a sweep in a test database full of rolled-back rows.
        workflow.follow_up_pending(after=self.followed_up_to)
        self.followed_up_to = Need.objects.aggregate(last=Max("pk"))["last"] or 0
        self.result.sweeps += 1


def _hour_weight(hour: int) -> float:
    if 9 <= hour < 12 or 14 <= hour < 18:
        return 3.0
    if hour in (8, 12, 13, 18, 19):
        return 1.5
    return 0.4


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _phone(rng: random.Random) -> str:
    return f"1990{rng.randrange(8_000_000, 9_000_000):07d}"


def _grid_workers(grids: list[Node]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    rows = (
        Person.objects.filter(roles__role=Role.GRID_WORKER, roles__node__in=grids)
        .order_by("pk")
        .values_list("roles__node_id", "pk")
    )
    people = Person.objects.in_bulk([pk for _node, pk in rows])
    for node_id, pk in rows:
        found.setdefault(node_id, people[pk])
    return found


def _analyze() -> None:
    """PostgreSQL: the year is built in one transaction, where no autovacuum updates the
    tables' statistics; planned on the empty tables' estimates, a sweep's reads took minutes
    as they grew. Analysed once a simulated month, they are planned for what they hold."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE needs_need, needs_needevent, core_notification")
