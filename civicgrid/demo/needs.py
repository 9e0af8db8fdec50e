"""Needs for the demo region, raised and moved through the real services and workflow, so that
every demo login finds work waiting: the seed's stories first, then a spread of everyday needs
in Shanba's grids in every state."""

from __future__ import annotations

import random

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category, Channel, Need, Priority, Rating
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import (
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    UnitKind,
)

# category code → (descriptions, answers)
EVERYDAY: dict[str, tuple[list[str], dict[str, str]]] = {
    "repairs": (
        [
            "屋顶漏雨，下雨天卧室里要接水",
            "楼道里的水管冻裂了，一直在渗水",
            "家里电线老化，插座一用就跳闸",
            "暖气片不热，老人家里太冷",
        ],
        {"what": "roof"},
    ),
    "roads": (
        [
            "小区门口的路面塌了一个坑，晚上看不清",
            "巷子里的路被施工车压坏了",
            "下雪后路面结冰，老人出门容易摔倒",
        ],
        {"passable": "partly"},
    ),
    "drainage": (["下水道堵了，污水往院子里返", "雨水井盖松动，下雨就积水"], {}),
    "disputes": (["楼上装修噪音太大，晚上也不停", "邻居在楼道堆放杂物，协商不成"], {}),
    "hazards": (["小区里电动车在楼道充电，有火灾隐患", "空房子的院墙裂了，怕倒下伤人"], {}),
    "policy": (["想问问高龄津贴怎么申请", "孩子上学的户籍证明去哪里开"], {}),
    "suggestions": (["建议在小区里多装几盏路灯", "希望阅览室周末也开放"], {}),
    "micro_wish": (["独居老人想要一台收音机", "孩子想要一套新的课外书"], {}),
}

# How far each everyday need gets: most are done, some are in every stage of the way.
STAGES = ["submitted", "accepted", "dispatched", "taken", "resolved", "closed", "closed", "closed"]


def _staff(node: Node, role: str) -> Person | None:
    return Person.objects.filter(roles__role=role, roles__node=node).order_by("pk").first()


def _grid_worker(grid: Node) -> Person | None:
    return _staff(grid, Role.GRID_WORKER)


def _walk(need: Need, stage: str, rng: random.Random) -> Need:
    """Move a raised need as far as `stage`, as the people of its place would."""
    if stage == "submitted":
        return need
    dispatchers = workflow.dispatchers_of(need.owner_node)
    worker = _grid_worker(need.node)
    if not dispatchers or worker is None:
        return need
    dispatcher = By(dispatchers[0])
    need = workflow.transition(need, Action.ACCEPT, dispatcher)
    if stage == "accepted":
        return need
    need = workflow.transition(need, Action.DISPATCH, dispatcher)  # undirected: the grid's
    if stage == "dispatched":
        return need
    need = workflow.transition(need, Action.TAKE, By(worker))
    if stage == "taken":
        return need
    need = workflow.transition(need, Action.RESOLVE, By(worker), reason="已上门处理完毕")
    if stage == "resolved":
        return need
    rating = rng.choice([Rating.SATISFIED, Rating.SATISFIED, Rating.SATISFIED, Rating.FAIR])
    return workflow.transition(need, Action.CONFIRM, workflow.RESIDENT, rating=rating)


def _phone(rng: random.Random) -> str:
    return f"1990{rng.randrange(8_000_000, 9_000_000):07d}"


def build_demo_needs(seed: int = 2026) -> int:
    """Raise the demo's needs; returns how many. Deterministic for a given demo region."""
    rng = random.Random(seed)
    count = 0
    cat = {c.code: c for c in Category.objects.all()}

    # The herder's road on the steppe near Nailin Gol, mended by a member unit of the joint
    # committee.
    gacha = Node.objects.filter(name="满都宝力格嘎查").first()
    grid = (
        Node.objects.filter(path__startswith=gacha.path, kind=NodeKind.SMALL_GRID).first()
        if gacha
        else None
    )
    unit = Organisation.objects.filter(kind=OrgKind.MEMBER_UNIT, unit_kind=UnitKind.ARMY).first()
    if grid is not None and unit is not None:
        need = services.need_raise(
            by=workflow.RESIDENT,
            category=cat["roads"],
            channel=Channel.QR,
            node=grid,
            description="乃林郭勒附近的牧道被雨水冲断了，拉草料的车过不去，冬天前得修好",
            answers={"passable": "no", "length_m": "40"},
            contact_phone=_phone(rng),
            contact_name="巴图",
        )
        dispatchers = workflow.dispatchers_of(need.owner_node)
        if dispatchers:
            need = workflow.transition(need, Action.ACCEPT, By(dispatchers[0]))
            need = workflow.transition(need, Action.DISPATCH, By(dispatchers[0]), to=unit)
            member = Person.objects.filter(membership__organisation=unit).first()
            if member is not None:
                need = workflow.transition(need, Action.TAKE, By(member))
                need = workflow.transition(
                    need, Action.RESOLVE, By(member), reason="官兵出动机械，牧道已修通"
                )
                workflow.transition(
                    need,
                    Action.CONFIRM,
                    workflow.RESIDENT,
                    rating=Rating.SATISFIED,
                    reason="修得快，谢谢子弟兵",
                )
        count += 1

    # The 78-year-old's pension: her grid worker takes the call, enters it on her behalf and
    # sorts it out within ten minutes.
    community = Node.objects.filter(name="兴安北京社区").first()
    grid = (
        Node.objects.filter(path__startswith=community.path, kind=NodeKind.SMALL_GRID).first()
        if community
        else None
    )
    worker = _grid_worker(grid) if grid else None
    if grid is not None and worker is not None:
        need = services.need_raise(
            by=By(worker),
            category=cat["pension"],
            channel=Channel.PHONE,
            node=grid,
            priority=Priority.URGENT,
            description="78岁的独居老人来电：养老金资格认证不会在手机上做，卡里的钱取不出来",
            answers={"age": "78"},
            contact_name="王秀兰",
            on_behalf_of="王秀兰",
        )
        _walk(need, "closed", rng)
        count += 1

    # Everyday needs in Shanba's grids, in every state.
    shanba = Node.objects.filter(code="150826100").first()
    if shanba is None:
        return count
    grids = list(
        Node.objects.filter(path__startswith=shanba.path, kind=NodeKind.SMALL_GRID).order_by("code")
    )
    first_grid = grids[0]
    for i in range(60):
        # The demo grid worker's grid gets a fair share, so their inbox is not empty.
        grid = first_grid if i % 5 == 0 else rng.choice(grids)
        code = rng.choice(sorted(EVERYDAY))
        texts, answers = EVERYDAY[code]
        need = services.need_raise(
            by=workflow.RESIDENT,
            category=cat[code],
            channel=rng.choice([Channel.WEB, Channel.QR]),
            node=grid,
            description=rng.choice(texts),
            answers=answers,
            contact_phone=_phone(rng),
            contact_name=rng.choice(["", "李阿姨", "张大爷", "刘女士"]),
        )
        _walk(need, rng.choice(STAGES), rng)
        count += 1
    return count
