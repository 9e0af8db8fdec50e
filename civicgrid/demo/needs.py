"""The demo's needs: a year of the region's life (`history.py`) with the seed's stories in it,
on their days, with their people and places, and a few needs waiting for the demo logins now.

Every need is raised through `services.need_raise` and moved by the workflow's commands on the
moving clock; the rollups are rebuilt from the event log afterwards and checked against a
recount of the needs (`check_rollups`)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from civicgrid.demo.history import History, Result
from civicgrid.insights import kpis
from civicgrid.insights.rebuild import rebuild
from civicgrid.insights.sentences import sentence
from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category, Channel, Kind, Need, Priority, Rating
from civicgrid.needs.workflow import By
from civicgrid.network.models import (
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    UnitKind,
    node_label,
)

SEED = 2026


def build_demo_needs(*, seed: int = SEED, days: int = 365, scale: float = 1.0) -> Result:
    """Live the demo region's last `days` days (`scale` times the usual volume), rebuild the
    rollups from the event log and check them; returns what was done."""
    end = timezone.now().replace(microsecond=0)
    history = History(seed=seed, start=end - dt.timedelta(days=days), end=end, scale=scale)
    result = history.live(stories)
    rebuild()
    check_rollups()
    return result


def report_sentences(days: int, language: str) -> list[tuple[str, str]]:
    """(region, the report sentence of its last `days` days) for each demo region, from the
    rebuilt rollups: what `seed_demo` prints once the history is lived."""
    today = timezone.localdate()
    period = kpis.Period(today - dt.timedelta(days=days - 1), today)
    roots = Node.objects.filter(parent__isnull=True).exclude(code__startswith="SCALE")
    return [
        (node_label(root, language), sentence(kpis.Scope(node=root, period=period), language))
        for root in roots.order_by("code")
    ]


class RollupsDiffer(AssertionError):
    """The figures built from events differ from a recount of the needs."""


def check_rollups() -> None:
    """The dashboard's headline figures for the whole region over the year, summed from the
    rebuilt rollups, equal a recount of the needs themselves (`kpis.recount`)."""
    root = Node.objects.filter(parent__isnull=True).exclude(code__startswith="SCALE").first()
    if root is None:
        return
    today = timezone.localdate()
    scope = kpis.Scope(node=root, period=kpis.Period(today - dt.timedelta(days=400), today))
    [summed] = kpis.summed(scope) or [{}]
    raw = kpis.recount(scope)
    differ = {
        name: (value, getattr(raw, name))
        for name, value in summed.items()
        if value != getattr(raw, name)
    }
    if differ:
        raise RollupsDiffer(f"rollups and recount differ: {differ}")


# --- The seed's stories ---------------------------------------------------------------------


def stories(h: History) -> None:
    """Schedule the seed's stories on the history's clock, days before its end."""
    end = h.end

    def at(days_before: float, hour: int, minute: int) -> dt.datetime:
        day = timezone.localtime(end - dt.timedelta(days=days_before)).date()
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    _herders_road(h, at(150, 10, 20))
    _pension_call(h, at(40, 9, 12))
    _aunt_zhang(h, at(20, 10, 5))
    _unsafe_houses(h, at(75, 9, 0))
    _waiting_now(h, end)


def _grid_in(name: str) -> Node | None:
    place = Node.objects.filter(name=name).first()
    if place is None:
        return None
    return Node.objects.filter(path__startswith=place.path, kind=NodeKind.SMALL_GRID).first()


def _category(code: str) -> Category:
    return Category.objects.get(code=code)


def _later(when: dt.datetime, minutes: float) -> dt.datetime:
    return when + dt.timedelta(minutes=minutes)


def _herders_road(h: History, when: dt.datetime) -> None:
    """The herder's road near Nailin Gol, washed out and mended by the army unit of the joint
    committee within two days."""
    grid = _grid_in("满都宝力格嘎查")
    unit = Organisation.objects.filter(kind=OrgKind.MEMBER_UNIT, unit_kind=UnitKind.ARMY).first()
    if grid is None or unit is None:
        return
    member = Person.objects.filter(membership__organisation=unit).first()
    state: dict[str, Need] = {}

    def raised() -> None:
        state["need"] = services.need_raise(
            by=workflow.RESIDENT,
            category=_category("roads"),
            channel=Channel.QR,
            node=grid,
            description="巴音宝力格附近的牧道被雨水冲断了，拉草料的车过不去，冬天前得修好",
            answers={"passable": "no", "length_m": "40"},
            contact_phone="19908000001",
            contact_name="巴图",
        )

    def accepted() -> None:
        need = state["need"]
        dispatcher = By(workflow.dispatchers_of(need.owner_node)[0])
        need = workflow.need_accept(need=need, by=dispatcher)
        state["need"] = workflow.need_dispatch(
            need=need, by=dispatcher, to=unit, reason="请驻地部队协助抢修牧道"
        )

    def taken() -> None:
        state["need"] = workflow.need_take(need=state["need"], by=By(member))

    def mended() -> None:
        state["need"] = workflow.need_resolve(
            need=state["need"], by=By(member), reason="官兵出动机械，牧道已修通", public=True
        )

    def thanked() -> None:
        workflow.need_confirm(
            need=state["need"],
            by=workflow.RESIDENT,
            rating=Rating.SATISFIED,
            reason="修得快，谢谢子弟兵",
        )

    if member is None:
        return
    h.clock.at(when, raised)
    h.clock.at(_later(when, 22), accepted)
    h.clock.at(_later(when, 75), taken)
    h.clock.at(_later(when, 30 * 60), mended)
    h.clock.at(_later(when, 34 * 60), thanked)


def _pension_call(h: History, when: dt.datetime) -> None:
    """A 78-year-old calls her grid worker: her pension check cannot be done on a phone and
    her card is blocked. The worker enters it for her, takes it and sorts it out on the spot:
    answered within fifteen minutes."""
    grid = _grid_in("兴安北京社区")
    worker = (
        Person.objects.filter(roles__role=Role.GRID_WORKER, roles__node=grid).first()
        if grid
        else None
    )
    if grid is None or worker is None:
        return
    state: dict[str, Need] = {}

    def called() -> None:
        state["need"] = services.need_raise(
            by=By(worker),
            category=_category("pension"),
            channel=Channel.PHONE,
            node=grid,
            priority=Priority.URGENT,
            description="78岁的独居老人来电：养老金资格认证不会在手机上做，卡里的钱取不出来",
            answers={"age": "78"},
            contact_name="王秀兰",
            on_behalf_of="王秀兰",
        )

    def went() -> None:
        state["need"] = workflow.need_take(need=state["need"], by=By(worker))

    def done() -> None:
        state["need"] = workflow.need_resolve(
            need=state["need"],
            by=By(worker),
            reason="上门帮老人用手机完成了资格认证，养老金已能正常领取",
            public=True,
        )

    def rated() -> None:
        workflow.need_confirm(
            need=state["need"], by=workflow.RESIDENT, rating=Rating.SATISFIED, reason="谢谢小李"
        )

    h.clock.at(when, called)
    h.clock.at(_later(when, 3), went)
    h.clock.at(_later(when, 14), done)
    h.clock.at(_later(when, 26 * 60), rated)


def _aunt_zhang(h: History, when: dt.datetime) -> None:
    """Aunt Zhang brings her watch, her shoes and a coat with a broken zip to the Qingyuan
    workshop: the community enters each and the workshop's masters do them the same day."""
    community = Node.objects.filter(name="青园社区").first()
    grid = _grid_in("青园社区")
    if community is None or grid is None:
        return
    jobs = [
        ("手表不走了，想换块电池", "青享+便民工坊·家电维修", "换了电池，表走准了"),
        ("皮鞋鞋底开胶了", "青享+便民工坊·修鞋换拉锁", "鞋底粘好了，又加了一层掌"),
        ("外套的拉链坏了，拉不上", "青享+便民工坊·修鞋换拉锁", "换了新拉链"),
    ]
    staff = Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node=community).first()
    if staff is None:
        return
    for index, (text, provider_name, done_note) in enumerate(jobs):
        provider = Organisation.objects.filter(name=provider_name).first()
        master = Person.objects.filter(membership__organisation=provider).first()
        if provider is None or master is None:
            continue
        state: dict[str, Need] = {}

        def came(text: str = text, state: dict[str, Need] = state) -> None:
            need = services.need_raise(
                by=By(staff),
                category=_category("repairs"),
                channel=Channel.WALK_IN,
                node=grid,
                description=f"张大娘：{text}",
                answers={"what": "other"},
                contact_name="张大娘",
                on_behalf_of="张大娘",
            )
            need = workflow.need_accept(need=need, by=By(staff))
            state["need"] = need

        def sent(provider: Organisation = provider, state: dict[str, Need] = state) -> None:
            state["need"] = workflow.need_dispatch(need=state["need"], by=By(staff), to=provider)

        def mended(
            master: Person = master, note: str = done_note, state: dict[str, Need] = state
        ) -> None:
            need = workflow.need_take(need=state["need"], by=By(master))
            state["need"] = workflow.need_resolve(need=need, by=By(master), reason=note)

        def fetched(state: dict[str, Need] = state) -> None:
            workflow.need_confirm(need=state["need"], by=By(staff), rating=Rating.SATISFIED)

        start = _later(when, index * 4)
        h.clock.at(start, came)
        h.clock.at(_later(start, 10), sent)
        h.clock.at(_later(start, 150 + index * 40), mended)
        h.clock.at(_later(when, 7 * 60), fetched)


def _unsafe_houses(h: History, when: dt.datetime) -> None:
    """Shanba's grid workers check the old houses before the rains; the roofs they find
    leaking are entered and mended."""
    shanba = Node.objects.filter(name="陕坝镇").first()
    if shanba is None:
        return
    grids = list(
        Node.objects.filter(path__startswith=shanba.path, kind=NodeKind.SMALL_GRID).order_by(
            "code"
        )[:40:5]
    )
    workers = {
        n: p
        for n, p in Person.objects.filter(
            roles__role=Role.GRID_WORKER, roles__node__in=grids
        ).values_list("roles__node_id", "pk")
    }
    people = Person.objects.in_bulk(list(workers.values()))
    for index, grid in enumerate(grids):
        worker = people.get(workers.get(grid.pk, 0))
        if worker is None:
            continue
        day = _later(when, index * 24 * 60)

        def checked(grid: Node = grid, worker: Person = worker) -> None:
            services.proactive_record(
                by=By(worker),
                kind=Kind.INSPECTION,
                category=_category("inspections"),
                node=grid,
                note="危旧房屋排查：逐户查看房屋结构和屋顶，一户屋顶漏雨需要维修",
            )

        state: dict[str, Need] = {}

        def found(grid: Node = grid, worker: Person = worker, state: dict = state) -> None:
            state["need"] = services.need_raise(
                by=By(worker),
                category=_category("repairs"),
                channel=Channel.VISIT,
                node=grid,
                description="排查中发现：老房子屋顶漏雨，雨季前需要修缮",
                answers={"what": "roof"},
                contact_name="住户",
                on_behalf_of="独居老人",
            )
            state["need"] = workflow.need_take(need=state["need"], by=By(worker))

        def roofed(worker: Person = worker, state: dict = state) -> None:
            workflow.need_resolve(
                need=state["need"], by=By(worker), reason="联系施工队铺了新的防水层，屋顶不漏了"
            )

        h.clock.at(_later(day, 30), checked)
        h.clock.at(_later(day, 45), found)
        h.clock.at(_later(day, 3 * 24 * 60), roofed)


def _working_morning(end: dt.datetime) -> dt.datetime:
    """Three hours before `end` when that is in working hours; otherwise 08:30 of the last
    working morning (a demo built at midnight has its new needs raised at 08:30, not 21:00)."""
    start = timezone.localtime(end) - dt.timedelta(hours=3)
    if 8 <= start.hour < 18:  # the four raised and two moved within two hours, by 20:00
        return start
    day = start.date() if start.hour >= 11 else start.date() - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))


def _waiting_now(h: History, end: dt.datetime) -> None:
    """A few needs raised this morning in the demo grid worker's grid, waiting in the demo
    dispatcher's and grid worker's inboxes."""
    grid = Node.objects.filter(code="150826100001-G1-S1").first()
    if grid is None:
        return
    texts = [
        ("repairs", "楼道灯坏了一个多星期，晚上上下楼看不见"),
        ("drainage", "院子里的下水道又堵了"),
        ("hazards", "楼下有人私拉电线给电动车充电"),
        ("suggestions", "希望社区组织一次义诊"),
    ]
    state: dict[int, Need] = {}

    def raised(i: int, code: str, text: str) -> None:
        state[i] = services.need_raise(
            by=workflow.RESIDENT,
            category=_category(code),
            channel=Channel.QR,
            node=grid,
            description=text,
            answers={"what": "power"} if code == "repairs" else {},
            contact_phone=f"199080000{10 + i}",
        )

    def moved() -> None:
        dispatcher = By(workflow.dispatchers_of(state[0].owner_node)[0])
        for i in (0, 1):
            need = workflow.need_accept(need=state[i], by=dispatcher)
            workflow.need_dispatch(need=need, by=dispatcher)

    start = _working_morning(end)
    for i, (code, text) in enumerate(texts):
        h.clock.at(_later(start, i * 17), partial(raised, i, code, text))
    h.clock.at(_later(start, 90), moved)
