"""The demo's messages to representatives (码上找代表, issue 20): a year of messages residents
left by QR code for Hongxing's (红星街道 150502003) representatives and its home and stations,
read from the database after `build_representatives` (none there: nothing is made).
Deterministic from the seed.

From the seed article: "扫码找代表…留言互动…24小时不打烊" and "收集意见建议近60件". Over a
year (`days=365`) about a hundred messages, some sixty of them suggestions; most are answered
within the deadline, problems to solve mostly became needs, a few answers came late and a
few messages are still overdue; the last days' messages wait for their answer, two of them for
陈建华 (the demo login 19900000008). Each command runs on a clock moved to its moment, so the
timelines, deadlines and the inbox read as they would have.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import time_machine
from django.utils import timezone

from civicgrid.liaison import tasks, workflow
from civicgrid.liaison.models import Message, MessageKind
from civicgrid.network.models import Node
from civicgrid.representatives.models import LiaisonStation, Representative

SEED = 2020
HONGXING = "150502003"
LOGIN_MOBILE = "19900000008"

TEXTS: dict[str, tuple[str, ...]] = {
    MessageKind.SUGGESTION: (
        "建议在顺元小区门口增设减速带，上下学时段车速太快",
        "建议社区增加老年人助餐点的开放时间",
        "建议在红星家园增设电动车充电桩，减少楼道充电",
        "建议背街小巷增加路灯，晚上出行不安全",
        "建议社区多组织就业技能培训",
        "建议在小区内增加健身器材和休息座椅",
        "建议垃圾分类投放点增加洗手设施",
        "建议开办四点半课堂，解决孩子放学无人看护",
        "建议公交站增设遮雨棚",
        "建议老旧小区改造时统一更换供水管道",
        "建议社区卫生服务站周末也开门",
        "建议把闲置的小区用房改成老年活动室",
    ),
    MessageKind.QUESTION: (
        "灵活就业人员的养老保险怎么缴纳？",
        "老旧小区加装电梯的补贴政策是什么？",
        "孩子入学需要准备哪些材料？",
        "冬季供暖什么时候开始收费？",
        "高龄津贴怎么申请？",
    ),
    MessageKind.OPINION: (
        "物业服务质量不高，收费却年年涨",
        "小区停车收费标准不合理",
        "社区活动通知太晚，很多居民不知道",
    ),
    MessageKind.PROBLEM: (
        "3号楼楼道灯坏了一个多月没人修",
        "小区东门路面塌陷，有安全隐患",
        "楼顶漏水，下雨天家里墙面发霉",
        "垃圾清运不及时，夏天气味很大",
        "小区下水道堵塞，污水外溢",
    ),
}
ANSWERS: dict[str, tuple[str, ...]] = {
    MessageKind.SUGGESTION: (
        "感谢您的建议。已转交街道相关科室研究，纳入下一年度民生实事项目征集。",
        "建议很好，已与社区和物业沟通，将于本月内落实。",
        "已将您的建议提交区人大常委会，作为代表建议跟进办理。",
    ),
    MessageKind.QUESTION: (
        "您好，具体政策和办理流程可到便民服务中心咨询，也可拨打街道服务电话。",
        "已为您咨询相关部门，材料清单已在社区公告栏公示。",
    ),
    MessageKind.OPINION: (
        "感谢反映，已约物业公司负责人面谈，下周召开居民议事会。",
        "您的意见已转交社区，社区将改进通知方式。",
    ),
    MessageKind.PROBLEM: ("已联系物业上门查看，正在维修。",),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
KIND_WEIGHTS = (
    (MessageKind.SUGGESTION, 60),
    (MessageKind.QUESTION, 20),
    (MessageKind.OPINION, 10),
    (MessageKind.PROBLEM, 10),
)


@dataclass
class Built:
    messages: int = 0
    answered: int = 0
    referred: int = 0
    waiting: int = 0


def _kind(rng: random.Random) -> str:
    kinds = [k for k, _w in KIND_WEIGHTS]
    weights = [w for _k, w in KIND_WEIGHTS]
    return str(rng.choices(kinds, weights=weights)[0])


def _category() -> Any:
    cats = workflow.referable_categories()
    for code in ("hazards", "suggestions", "repairs"):
        for c in cats:
            if c.code == code:
                return c
    return cats[0] if cats else None


def build_liaison(*, days: int, end: dt.datetime | None = None) -> Built:
    """Messages over the last `days` days to Hongxing's representatives and stations
    (precondition: `build_representatives` ran; without them, or when the demo already has
    messages there, nothing is made)."""
    end = (end or timezone.now()).replace(microsecond=0)
    hongxing = Node.objects.filter(code=HONGXING).first()
    if hongxing is None:
        return Built()
    stations = list(
        LiaisonStation.objects.filter(node__path__startswith=hongxing.path, active=True).order_by(
            "pk"
        )
    )
    reps = list(
        Representative.objects.filter(active=True, public=True, station__in=stations)
        .select_related("person", "station")
        .order_by("pk")
    )
    if not stations or not reps:
        return Built()
    if Message.objects.filter(node__path__startswith=hongxing.path).exists():
        return Built()
    rng = random.Random(SEED)
    login = next((r for r in reps if r.person.mobile == LOGIN_MOBILE), reps[0])
    category = _category()
    count = max(4, days * 100 // 365)
    start = end - dt.timedelta(days=days)
    moments = sorted(
        start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        for _ in range(count)
    )
    # The last two moments are fresh messages for the demo login.
    moments[-2:] = [end - dt.timedelta(hours=30), end - dt.timedelta(hours=3)]
    built = Built()
    with time_machine.travel(moments[0], tick=False) as clock:
        for i, when in enumerate(moments):
            fresh = i >= len(moments) - 2
            kind = MessageKind.SUGGESTION if fresh else _kind(rng)
            to_station = not fresh and rng.random() < 0.25
            rep = login if fresh else rng.choice(reps)
            station = rng.choice(stations) if to_station else None
            clock.move_to(when)
            message = workflow.message_send(
                representative=None if station else rep,
                station=station,
                kind=kind,
                text=rng.choice(TEXTS[kind]),
                name=f"{rng.choice(SURNAMES)}{rng.choice(('先生', '女士'))}",
                phone=f"139{rng.randrange(10**8):08d}" if rng.random() < 0.8 else "",
                language="zh-hans",
                now=when,
            )
            built.messages += 1
            answerer = rep.person
            if station is not None:
                staff = station.staff.order_by("pk").first()
                own = next((r for r in reps if r.station_id == station.pk), None)
                if staff is None and own is None:
                    built.waiting += 1
                    continue
                answerer = staff or own.person  # type: ignore[union-attr]
            roll = rng.random()
            if kind == MessageKind.PROBLEM and category is not None and roll < 0.7:
                act_at = when + dt.timedelta(hours=rng.randrange(2, 30))
                if act_at >= end:
                    built.waiting += 1
                    continue
                clock.move_to(act_at)
                workflow.message_refer(by=answerer, message=message, category=category, now=act_at)
                built.referred += 1
                continue
            if roll < 0.06:  # left unanswered: overdue by now
                built.waiting += 1
                continue
            late = roll < 0.12
            span = (message.answer_due - when).total_seconds()
            delay = dt.timedelta(
                seconds=span * (1.0 + rng.random() * 0.8) if late else span * rng.uniform(0.05, 0.9)
            )
            act_at = when + delay
            if act_at >= end:
                built.waiting += 1
                continue
            clock.move_to(act_at)
            workflow.message_answer(
                by=answerer, message=message, answer=rng.choice(ANSWERS[kind]), now=act_at
            )
            built.answered += 1
            # Most residents never confirm: the sweep closes those; some do.
            if rng.random() < 0.3:
                close_at = act_at + dt.timedelta(hours=rng.randrange(1, 48))
                if close_at < end:
                    clock.move_to(close_at)
                    workflow.message_close(message=message, now=close_at)
        clock.move_to(end)
        tasks.sweep_once(now=end)
    return built
