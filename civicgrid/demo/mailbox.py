"""The demo's mailbox (issue 20): 红星街道 (Hongxing subdistrict, 150502003)'s QR mailbox for
livelihood projects (民生实事) this year — about fifteen proposals from residents of 顺元社区
and of the subdistrict (three declined, one merged), several hundred supports, the selection
made with four projects, one of them (顺元小区 old-yard lighting) in progress with its
milestones and one done.

Deterministic (a seeded `random.Random`); every move goes through the mailbox's own commands
with its own time, as staff would have made them. The town's first community staff member
(a demo login made by the region) acts. Without 红星街道 nothing is built; a mailbox already
there is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from civicgrid.core.hashing import phone_digest
from civicgrid.mailbox import events, projects, residents, selection, workflow
from civicgrid.mailbox.models import Call, Mailbox
from civicgrid.network.models import Node, Person, Role

HONGXING = "150502003"
SHUNYUAN = "150502003001"
SEED = 20

NAMES = (
    "王秀兰",
    "李建国",
    "张桂芝",
    "刘玉梅",
    "陈志刚",
    "杨淑珍",
    "赵德胜",
    "乌云",
    "其其格",
    "孙丽华",
)

# title, where, cost (yuan), at the town (True) or 顺元社区, what becomes of it, weight of support
PROPOSALS: tuple[tuple[str, str, str, int | None, bool, str, int], ...] = (
    (
        "顺元小区老旧院落路灯改造",
        "顺元小区1至6号楼院内",
        "院里只有两盏路灯，晚上老人出门看不清台阶，冬天路滑更危险。希望增设太阳能路灯。",
        86000,
        False,
        "selected",
        90,
    ),
    (
        "红星家园增设电动车集中充电桩",
        "红星家园北门车棚",
        "楼道里私拉电线给电动车充电，有火灾隐患。建议在车棚建集中充电桩。",
        45000,
        False,
        "selected",
        80,
    ),
    (
        "顺元小区3号楼单元门口加装扶手",
        "顺元小区3号楼",
        "单元门口台阶陡，老年人多，上下不便。",
        12000,
        False,
        "selected",
        55,
    ),
    (
        "社区老年助餐点增设座位和空调",
        "顺元社区党群服务中心一楼",
        "中午来吃饭的老人多，座位不够，夏天太热。",
        30000,
        False,
        "selected",
        60,
    ),
    (
        "更新小区健身器材",
        "顺元小区中心广场",
        "健身器材锈蚀损坏，存在安全隐患。",
        25000,
        False,
        "not_selected",
        40,
    ),
    (
        "红星家园雨水管道疏通",
        "红星家园5号楼前",
        "下雨积水严重，出行不便。",
        18000,
        False,
        "not_selected",
        35,
    ),
    (
        "顺元小区停车位重新划线",
        "顺元小区主干道",
        "车位线看不清，停车乱，消防通道常被堵。",
        6000,
        False,
        "not_selected",
        30,
    ),
    (
        "社区开设儿童图书角",
        "顺元社区党群服务中心二楼",
        "放学后孩子没处去，希望有个看书写作业的地方。",
        8000,
        False,
        "not_selected",
        25,
    ),
    (
        "垃圾分类亭加装洗手池",
        "红星家园垃圾分类亭",
        "倒完垃圾没有地方洗手。",
        5000,
        False,
        "not_selected",
        15,
    ),
    (
        "儿童游乐场地铺设塑胶地面",
        "顺元小区南侧空地",
        "水泥地面孩子摔倒容易受伤。",
        22000,
        False,
        "not_selected",
        28,
    ),
    (
        "街道卫生服务站周末延长服务时间",
        "红星街道社区卫生服务站",
        "上班族周末才有时间看病，希望周六全天开放。",
        None,
        True,
        "not_selected",
        20,
    ),
    (
        "红星家园楼道声控灯维修",
        "红星家园各单元楼道",
        "楼道灯坏了很久，晚上上楼摸黑。",
        9000,
        False,
        "merged",
        10,
    ),
    (
        "小区门口增设公交站点",
        "顺元小区东门",
        "最近的公交站要走一公里。",
        None,
        False,
        "declined:线路和站点由市公交公司规划，已转交市交通运输局。",
        0,
    ),
    (
        "给每户发放取暖补贴",
        "",
        "冬天取暖费太贵。",
        None,
        True,
        "declined:补贴发放不属于民生实事项目范围，已告知按政策申请。",
        0,
    ),
    (
        "在街道建一座地下商场",
        "红星街道中心",
        "方便购物。",
        5000000,
        True,
        "declined:投资规模远超街道民生实事项目的范围。",
        0,
    ),
)

MILESTONES: dict[str, tuple[tuple[str, float, bool], ...]] = {
    # title, due at (share of the way from the selection to the year's end), done
    "顺元小区老旧院落路灯改造": (
        ("入户走访，摸清照明死角", 0.1, True),
        ("设计方案在小区公示", 0.25, True),
        ("招标采购太阳能路灯", 0.45, True),
        ("安装施工", 0.8, False),
        ("竣工验收，居民评议", 0.95, False),
    ),
    "红星家园增设电动车集中充电桩": (
        ("选址征求居民意见", 0.1, True),
        ("供电接入和设备采购", 0.3, True),
        ("安装调试", 0.5, True),
        ("投入使用并验收", 0.6, True),
    ),
    "顺元小区3号楼单元门口加装扶手": (
        ("测量和选材", 0.3, True),
        ("安装", 0.9, False),
    ),
    "社区老年助餐点增设座位和空调": (
        ("采购桌椅和空调", 0.5, True),
        ("安装并开放", 0.9, False),
    ),
}
RESPONSIBLE = {
    "顺元小区老旧院落路灯改造": "红星街道城建办",
    "红星家园增设电动车集中充电桩": "红星街道平安办",
    "顺元小区3号楼单元门口加装扶手": "顺元社区居委会",
    "社区老年助餐点增设座位和空调": "红星街道民政办",
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def build_mailbox(*, days: int = 365, seed: int = SEED, end: dt.datetime | None = None) -> None:
    """Build Hongxing's mailbox for this year (precondition: the demo region exists)."""
    town = Node.objects.filter(code=HONGXING).first()
    if town is None or Mailbox.objects.filter(node=town).exists():
        return
    community = Node.objects.filter(code=SHUNYUAN).first() or town
    staff = (
        Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node=town)
        .order_by("mobile", "pk")
        .first()
    )
    if staff is None:
        return
    rng = random.Random(seed)
    now = (end or timezone.now()).replace(microsecond=0)
    today = timezone.localdate(now)
    # The year so far, or `days` of it: the call takes the first two fifths, the selection
    # follows, then the projects run.
    start = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=max(days, 30)))
    span = (today - start).days
    opens = start + dt.timedelta(days=max(1, span // 50))
    closes = start + dt.timedelta(days=span * 2 // 5)
    selected_on = closes + dt.timedelta(days=max(1, span // 20))
    mailbox = Mailbox.objects.create(node=town, created_at=_at(opens, 9))
    call = Call.objects.create(
        mailbox=mailbox,
        year=today.year,
        opens_on=opens,
        closes_on=closes,
        text=(
            "红星街道人大工委面向辖区居民征集本年度民生实事项目：小区环境、出行、养老、"
            "托幼、文体等身边事都可以提。扫码提建议，为您认同的项目点赞支持，"
            "票数高的项目经街道评审后纳入年度民生实事，全程公开进度。"
        ),
    )
    events.append(call, "open", actor=staff, actor_kind="staff", now=_at(opens, 9))
    open_days = (closes - opens).days
    made = {}
    for i, (title, place, body, cost, at_town, _fate, _weight) in enumerate(PROPOSALS):
        day = opens + dt.timedelta(days=rng.randint(0, max(0, open_days // 2)))
        made[title] = workflow.proposal_submit(
            by=workflow.RESIDENT,
            call=call,
            node=town if at_town else community,
            title=title,
            body=body,
            place=place,
            estimated_cost=cost,
            proposer_name=NAMES[i % len(NAMES)],
            proposer_phone=f"1390475{rng.randint(0, 9999):04d}",
            now=_at(day, 8 + i % 10),
        )
    lights = made["顺元小区老旧院落路灯改造"]
    for title, (_t, _p, _b, _c, _a, fate, _w) in zip(made, PROPOSALS, strict=True):
        proposal = made[title]
        seen = _at(proposal.created_at.date() + dt.timedelta(days=2), 15)
        if fate.startswith("declined:"):
            workflow.proposal_decline(by=staff, proposal=proposal, reason=fate[9:], now=seen)
        elif fate == "merged":
            workflow.proposal_merge(by=staff, proposal=proposal, into=lights, now=seen)
        else:
            workflow.proposal_publish(by=staff, proposal=proposal, now=seen)
    # Supports: residents' numbers (only their digests are kept), while the call was open.
    for title, (_t, _p, _b, _c, _a, _fate, weight) in zip(made, PROPOSALS, strict=True):
        proposal = made[title]
        if not weight:
            continue
        first = proposal.created_at.date() + dt.timedelta(days=3)
        for _n in range(weight + rng.randint(0, weight // 3)):
            phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
            day = first + dt.timedelta(days=rng.randint(0, max(0, (closes - first).days)))
            residents.record_support(
                proposal_id=proposal.pk,
                digest=phone_digest(phone),
                now=_at(min(day, closes), rng.randint(7, 21)),
            )
    chosen = {
        made["顺元小区老旧院落路灯改造"].pk: "支持数最多，惠及顺元小区600余户，老人夜间出行安全。",
        made["红星家园增设电动车集中充电桩"].pk: "消除楼道充电火灾隐患，居民呼声高。",
        made["顺元小区3号楼单元门口加装扶手"].pk: "投入小、见效快，方便老年居民。",
        made["社区老年助餐点增设座位和空调"].pk: "助餐点就餐老人多，改善就餐条件。",
    }
    made_projects = selection.selection_make(
        by=staff, call=call, selected=chosen, now=_at(selected_on, 16)
    )
    year_end = dt.date(today.year, 12, 31)
    run = (year_end - selected_on).days
    for project in made_projects:
        projects.project_update(
            by=staff,
            project=project,
            responsible=RESPONSIBLE[project.title],
            budget=project.budget,
            planned_finish=year_end if project.title != "红星家园增设电动车集中充电桩" else
            selected_on + dt.timedelta(days=int(run * 0.7)),
            now=_at(selected_on + dt.timedelta(days=1), 10),
        )  # fmt: skip
        for ms_title, share, done in MILESTONES[project.title]:
            due = selected_on + dt.timedelta(days=int(run * share))
            added = projects.milestone_add(
                by=staff, project=project, title=ms_title, due=due,
                now=_at(selected_on + dt.timedelta(days=2), 10),
            )  # fmt: skip
            done_on = min(due - dt.timedelta(days=rng.randint(0, 5)), today)
            if done and done_on <= today:
                projects.milestone_done(
                    by=staff, milestone=added, done_on=done_on, now=_at(done_on, 17)
                )
        if project.title == "红星家园增设电动车集中充电桩":
            last = max(m.done_on for m in project.milestones.all() if m.done_on)
            projects.project_finish(by=staff, project=project, finished_on=last, now=_at(last, 18))
