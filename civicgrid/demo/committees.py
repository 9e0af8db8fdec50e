"""The demo's joint committee at work: Mandubaolige's non-establishment joint party committee
(满都宝力格镇非建制性联合党委) with its three lists, a year of monthly border joint meetings
(边境党建联席会议), the 乃林郭勒 road as a consultation (问题攻坚会商), and the assessment of
its member units (考核共评). Deterministic from the seed.

Everything with a life cycle goes through the committees' own commands (`committees.py`,
`goals.py`, `meetings.py`, `work.py`, `consultations.py`, `assessment.py`) and the needs'
workflow, on a moving clock as `history.py` lives the needs: time-machine moves the clock to
each moment before the command runs, so every row and event carries the time its people would
have acted, and every figure (the goals' progress, 帮助解决实际问题N件, the assessment table) is
computed from them as in production. The worker's two committee steps run every morning at
08:30 on that clock: the schedule creates each monthly meeting fourteen days ahead with its
agenda and notice (`meetings.schedule`), and the work list's reminders and overdue marks
(`work.sweep`).

Three things are not the commands' own:
- each meeting's check-in key is drawn from the seed instead of `secrets` (as the volunteers
  demo does for activities), so two builds are the same;
- a past meeting's agenda is drawn from the needs list as it stands *now*, which holds needs
  of the demo's history raised or overdue only later; those items are removed from it;
- the notices of what happened more than two days ago are marked read, as `history.py` sends
  none about last spring.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import time_machine
from django.db.models import F, Q
from django.utils import timezone

from civicgrid.committees import assessment, committees, consultations, goals, meetings, work
from civicgrid.committees.consultations import TaskSpec
from civicgrid.committees.models import (
    AgendaItem,
    AgendaKind,
    Assessment,
    Consultation,
    Goal,
    GoalMeasure,
    Meeting,
    MeetingSeries,
    MeetingState,
    PledgeKind,
    Task,
)
from civicgrid.core.models import Notification
from civicgrid.demo.history import Clock
from civicgrid.demo.places import MANDUBAOLIGE_CODE
from civicgrid.demo.region import COMMITTEE_NAME, DEMO_LOGINS
from civicgrid.needs import services
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import OPEN_STATES, Category, Channel, Need, Rating
from civicgrid.needs.workflow import By
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    UnitKind,
)

SEED = 2019  # the year East Ujimqin's border joint committees began meeting monthly
NOTIFY_DAYS = 2  # notices older than this are read (history.py's NOTIFY_DAYS)
MEETING_DAY = 10
MEETING_TIME = dt.time(9, 30)
MEETING_MINUTES = 120
LEAD_DAYS = 14
ROAD_DAYS_BEFORE = 100  # the 乃林郭勒 road story, days before the end
SERIES_TITLE = "边境党建联席会议"
PLACE = "镇党群服务中心三楼会议室"

# --- The member units and what each pledged (资源清单) ----------------------------------------
# Keys name the units in the data below; each is found by its kind and place (region.py).
UNIT_KEYS = ("town", "police", "army", "g1", "g2", "g3", "g4", "dairy", "coop")

P, V, E, S, OTHER = (
    PledgeKind.PEOPLE,
    PledgeKind.VEHICLE,
    PledgeKind.EQUIPMENT,
    PledgeKind.SKILL,
    PledgeKind.OTHER,
)
PLEDGES: dict[str, list[tuple[str, str, int]]] = {
    "town": [(P, "机关党员干部（包联嘎查）", 15), (V, "公务用车", 2), (S, "政策宣讲、矛盾调解", 1)],
    "police": [
        (P, "民警、辅警（边境巡逻、安全检查）", 8),
        (V, "警用巡逻车", 3),
        (E, "巡边无人机", 2),
        (S, "法律咨询、禁毒和反诈宣传", 1),
    ],
    "army": [
        (P, "官兵（抢险救援、修路、剪羊毛）", 30),
        (V, "装载机", 1),
        (V, "自卸车", 2),
        (E, "应急发电机", 2),
        (S, "卫生员义诊", 2),
    ],
    "g1": [(P, "党员志愿者", 12), (V, "巡边摩托车", 6), (S, "蒙汉双语翻译", 2)],
    "g2": [(P, "党员志愿者", 9), (S, "兽医防疫", 1)],
    "g3": [(P, "党员志愿者", 8), (V, "打草机械", 2)],
    "g4": [(P, "党员志愿者", 10), (OTHER, "砂石料场（就近取料）", 1)],
    "dairy": [
        (V, "收奶车（顺路捎带物资）", 2),
        (OTHER, "修路砂石料和燃油", 1),
        (S, "奶牛养殖技术培训", 1),
    ],
    "coop": [
        (V, "物资配送车", 2),
        (OTHER, "冬储饲草、生活物资平价供应", 1),
        (P, "职工志愿者", 6),
    ],
}

# --- The year's goals (目标清单) ------------------------------------------------------------
GOALS: list[tuple[str, str, int, str]] = [
    ("帮助解决实际问题", GoalMeasure.HELPED, 60, "件"),
    ("落实工作清单任务", GoalMeasure.TASKS_DONE, 40, "项"),
    ("定期召开边境党建联席会议", GoalMeasure.MEETINGS_HELD, 12, "次"),
    ("修补边境牧区道路", GoalMeasure.TYPED, 20, "公里"),
]
ROAD_KM = Decimal("11.6")  # the typed figure, as the town's office last reported it

# --- A year of monthly meetings: each month's theme, decisions (unit, task, days to do it), and
# the item a member unit raises for the agenda.
Decided = tuple[str, list[tuple[str, str, int]]]


@dataclass(frozen=True)
class Month:
    theme: str
    decisions: list[Decided]
    item: tuple[str, str]


MONTHS: dict[int, Month] = {
    1: Month(
        "春节前走访慰问和冬季防灾",
        [
            (
                "春节前由镇党委牵头，成员单位组成慰问组，走访慰问边境困难牧户和独居老人。",
                [("town", "春节前走访慰问边境困难牧户", 14), ("g2", "摸清本嘎查困难牧户名单", 6)],
            ),
            (
                "部队和供销公司做好雪灾应急准备，保障牧道畅通和生活物资供应。",
                [("army", "组织官兵和机械清理主要牧道积雪", 10), ("coop", "储备应急饲草料", 35)],
            ),
        ],
        ("g4", "查干淖尔嘎查冬季牧道积雪，转场牧户出行困难"),
    ),
    2: Month(
        "春节期间边境安全和防火",
        [
            (
                "春节期间派出所、部队开展边境联合巡逻，嘎查做好防火宣传。",
                [
                    ("police", "春节期间开展边境联合巡逻和安全检查", 10),
                    ("g1", "入户开展防火宣传", 30),
                ],
            ),
            (
                "供销公司节日期间保障牧户生活物资平价供应。",
                [("coop", "为边境牧户配送年货和生活物资", 8)],
            ),
        ],
        ("police", "节日期间烟花爆竹燃放和草原防火"),
    ),
    3: Month(
        "春季草原防火和接羔保育",
        [
            (
                "部队配合各嘎查清理边境防火隔离带，派出所开展防火检查。",
                [
                    ("army", "配合嘎查清理边境防火隔离带", 20),
                    ("police", "开展春季草原防火检查", 14),
                ],
            ),
            (
                "嘎查组织兽医为接羔牧户开展防疫服务。",
                [("g2", "为接羔牧户开展防疫服务", 40)],
            ),
        ],
        ("g2", "接羔保育期间兽医人手不足"),
    ),
    4: Month(
        "春季转场和草场纠纷排查",
        [
            (
                "排查春季转场期间的草场边界纠纷，派出所协调化解。",
                [("police", "协调解决两户牧民草场边界纠纷", 12)],
            ),
            (
                "乳业公司为养殖户开展奶牛养殖技术培训。",
                [("dairy", "举办奶牛养殖技术培训班", 35), ("g3", "组织养殖户参加技术培训", 35)],
            ),
        ],
        ("g3", "部分牧户对草场确权政策有疑问"),
    ),
    5: Month(
        "边境法治宣传和禁毒反诈",
        [
            (
                "派出所进嘎查开展法治、禁毒和反诈宣传。",
                [
                    ("police", "进嘎查开展禁毒和反诈宣传", 14),
                    ("g1", "组织牧民参加法治宣传活动", 14),
                ],
            ),
            (
                "镇党委联系部队卫生员为边境牧户开展义诊。",
                [("army", "派卫生员为边境牧户义诊", 35)],
            ),
        ],
        ("g1", "牧民反映接到冒充客服的诈骗电话"),
    ),
    6: Month(
        "剪羊毛季志愿服务和防汛",
        [
            (
                "组织党员志愿者和官兵帮助劳力不足的牧户剪羊毛。",
                [("army", "组织官兵帮助牧户剪羊毛", 15), ("g4", "统计需要帮助剪毛的牧户", 5)],
            ),
            (
                "入汛前排查道路、桥涵和危旧房屋。",
                [("town", "入汛前排查道路桥涵和危旧房屋", 30)],
            ),
        ],
        ("g4", "劳力不足的牧户剪羊毛需要帮助"),
    ),
    7: Month(
        "防汛和水毁道路排查",
        [
            (
                "派出所和嘎查排查雨后水毁路段，部队做好抢修准备。",
                [("police", "排查雨后水毁路段并设置警示", 7), ("army", "做好水毁道路抢修准备", 35)],
            ),
            (
                "镇党委组织成员单位开展“八一”拥军联合主题党日。",
                [("town", "组织“八一”拥军联合主题党日活动", 21)],
            ),
        ],
        ("army", "雨季部分牧道通行困难"),
    ),
    8: Month(
        "打草季服务和秋季防火",
        [
            (
                "为打草季缺少机械的牧户联系打草机械。",
                [("coop", "为打草季牧户联系打草机械", 10)],
            ),
            (
                "派出所和部队开展秋季边境联合巡逻。",
                [("police", "开展秋季边境联合巡逻", 35), ("g1", "组织护边员参加联合巡逻", 35)],
            ),
        ],
        ("g3", "打草季部分牧户缺少打草机械"),
    ),
    9: Month(
        "国庆安保和秋季防火",
        [
            (
                "国庆期间派出所加强边境地区治安巡查。",
                [("police", "国庆期间加强治安巡查", 14)],
            ),
            (
                "部队配合嘎查开展秋季防火演练。",
                [("army", "配合嘎查开展秋季防火演练", 30), ("g2", "组织牧民参加防火演练", 30)],
            ),
        ],
        ("g2", "秋季防火演练需要部队配合"),
    ),
    10: Month(
        "冬储饲草和秋季转场",
        [
            (
                "各嘎查统计冬储饲草缺口，供销公司组织平价饲草供应。",
                [("g3", "统计本嘎查冬储饲草缺口", 10), ("coop", "组织平价饲草供应", 40)],
            ),
            (
                "乳业公司收奶车顺路为偏远牧户捎带生活物资。",
                [("dairy", "收奶车顺路为偏远牧户捎带物资", 35)],
            ),
        ],
        ("coop", "冬储饲草价格上涨"),
    ),
    11: Month(
        "冬季防寒防冻和雪灾预案",
        [
            (
                "修订雪灾应急预案，明确各成员单位人员、车辆和物资。",
                [("town", "修订雪灾应急预案", 30), ("army", "落实雪灾应急救援力量", 30)],
            ),
            (
                "入户排查独居老人冬季取暖安全。",
                [
                    ("g1", "入户排查独居老人冬季取暖安全", 10),
                    ("police", "开展冬季防火防煤气中毒检查", 10),
                ],
            ),
        ],
        ("g1", "独居老人冬季取暖需要关注"),
    ),
    12: Month(
        "年终总结和考核共评准备",
        [
            (
                "各成员单位总结全年工作清单完成情况，准备考核共评材料。",
                [("town", "汇总全年工作清单完成情况", 30), ("dairy", "报送全年共建工作总结", 30)],
            ),
            (
                "部队和派出所开展元旦前边境联合巡逻。",
                [("army", "元旦前开展边境联合巡逻", 14), ("police", "元旦前开展安全检查", 14)],
            ),
        ],
        ("town", "下一年度目标清单的初步安排"),
    ),
}

# Tasks that go otherwise than most, by (calendar month, decision, task): returned by their unit
# and given again to another (the reason, the new unit), or sent back by the committee.
RETURNED: dict[tuple[int, int, int], tuple[str, str]] = {
    (4, 0, 0): ("草场边界属于草原确权事务，超出派出所职责，请镇党委协调", "town"),
    (8, 0, 0): ("公司没有打草机械，请交嘎查协调合作社", "g3"),
}
SENT_BACK: dict[tuple[int, int, int], str] = {
    (10, 0, 0): "缺少两户牧民的数据，请补齐后再报",
}
RESULTS = [
    "已按要求完成，情况已报联合党委",
    "已完成，现场照片和名单已上传",
    "任务完成，群众反映良好",
    "已落实，相关台账已建立",
]

# --- The road story (乃林郭勒) and the need still with the committee -------------------------
ROAD = "乃林郭勒这条路坑坑洼洼，已经到了非修不可的地步，边境牧民出行、拉草料都很困难"
ROAD_DECISION = (
    "驻地部队出动机械和官兵修补乃林郭勒路段坑洼路面，边境派出所负责施工期间交通疏导，"
    "满都宝力格嘎查组织党员牧民配合，乳业公司提供砂石料和燃油。"
)
ROAD_OUTCOME = "联合党委会商后，驻地部队出动机械和官兵修补了乃林郭勒路段，牧民出行难题已解决。"
ROAD_DONE = "出动装载机1台、自卸车2台、官兵22名，修补坑洼路面3.2公里，两处冲沟垫土填平，已通车"
WELL = "边境牧户集中饮水点的机井冻坏了，14户牧民和牲畜吃水要到二十多公里外拉水"
ROAD_REASON = "道路修补需要部队、派出所、嘎查和驻地企业共同出力，提交联合党委会商"
WELL_REASON = "打新井需要镇党委、部队、嘎查和供销公司共同解决，提交联合党委会商"


@dataclass
class Built:
    meetings: int = 0
    decisions: int = 0
    tasks: int = 0
    consultations: int = 0
    pledges: int = 0
    goals: int = 0
    scores: int = 0
    ranked: int = 0
    states: dict[str, int] = field(default_factory=dict)


@dataclass
class Cast:
    """The committee, its units by key, and who acts for each."""

    committee: Organisation
    units: dict[str, Organisation]
    contact: dict[str, Person]  # each unit's 联络员
    secretary: Person
    member: Person  # the demo committee-member login (巴特尔), writes some minutes
    community: Person | None  # the town's community staff: the community's peer score

    @classmethod
    def find(cls, committee: Organisation) -> Cast | None:
        units_found = list(
            Organisation.objects.filter(committee=committee, kind=OrgKind.MEMBER_UNIT)
            .select_related("node")
            .order_by("name")
        )
        units: dict[str, Organisation] = {}
        for unit in units_found:
            key = _key_of(unit)
            if key is not None and key not in units:
                units[key] = unit
        if set(units) != set(UNIT_KEYS):
            return None
        contact = {}
        for key, unit in units.items():
            ships = Membership.objects.filter(organisation=unit).select_related("person")
            ship = (
                ships.filter(title="联络员").order_by("person__mobile").first()
                or ships.order_by("person__mobile").first()
            )
            if ship is None:
                return None
            contact[key] = ship.person
        staff = Membership.objects.filter(organisation=committee).select_related("person")
        secretary = staff.filter(title="书记").order_by("person__mobile").first()
        login = next(x.mobile for x in DEMO_LOGINS if x.role == Role.COMMITTEE_MEMBER)
        if secretary is None:
            return None
        member = staff.filter(person__mobile=login).first() or secretary
        community = (
            Person.objects.filter(
                roles__role=Role.COMMUNITY_STAFF, roles__node_id=committee.node_id
            )
            .order_by("mobile")
            .first()
        )
        return cls(
            committee=committee,
            units=units,
            contact=contact,
            secretary=secretary.person,
            member=member.person,
            community=community,
        )


def _key_of(unit: Organisation) -> str | None:
    kinds: dict[str, str] = {
        UnitKind.DEPARTMENT: "town",
        UnitKind.POLICE: "police",
        UnitKind.ARMY: "army",
    }
    if unit.unit_kind in kinds:
        return kinds[unit.unit_kind]
    if unit.unit_kind == UnitKind.GACHA:
        suffix = unit.node.code.removeprefix(MANDUBAOLIGE_CODE)
        return f"g{int(suffix)}" if suffix.isdigit() and 1 <= int(suffix) <= 4 else None
    if unit.unit_kind == UnitKind.ENTERPRISE:
        return "dairy" if "乳业" in unit.name else "coop" if "供销" in unit.name else None
    return None


def _open_history_consultations() -> int:
    """The needs the history escalated to a committee (with the needs' subscribers muted, so no
    consultation opened) get theirs now, dated by their escalation, as the subscriber would
    have opened it."""
    opened = 0
    held = Need.objects.filter(consultation__isnull=False, state__in=OPEN_STATES).exclude(
        committee_consultations__state__in=consultations.LIVE
    )
    for need in held.select_related("consultation"):
        escalated = (
            need.events.filter(action="escalate")
            .order_by("-seq")
            .values_list("created_at", flat=True)
            .first()
        )
        assert need.consultation is not None
        consultations.open_for(
            need, need.consultation, by=need_workflow.SYSTEM, now=escalated or need.updated_at
        )
        opened += 1
    return opened


class _Year:
    """The committee's year on the clock."""

    def __init__(self, cast: Cast, *, seed: int, start: dt.datetime, end: dt.datetime) -> None:
        self.cast = cast
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.built = Built()
        self.by = By(person=cast.secretary)
        self.series: MeetingSeries | None = None
        self.keyed: set[int] = set()  # meetings whose check-in key was drawn
        self.lived: set[int] = set()  # meetings whose life is scheduled
        self.swept: set[dt.datetime] = set()  # the mornings the work list's sweep runs
        self.clock: Clock

    # --- when -------------------------------------------------------------------------------

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def working(self, when: dt.datetime) -> dt.datetime:
        """`when`, or the next morning if people would be asleep then."""
        local = timezone.localtime(when)
        if 8 <= local.hour < 20:
            return when
        day = local.date() + (dt.timedelta(days=1) if local.hour >= 20 else dt.timedelta())
        return self.at(day, 8, self.rng.randrange(10, 50))

    def last_working(self, when: dt.datetime) -> dt.datetime:
        """`when` if people are at work then, else the end of the last working day before."""
        local = timezone.localtime(when)
        if 8 <= local.hour < 20:
            return when
        day = local.date() - (dt.timedelta() if local.hour >= 20 else dt.timedelta(days=1))
        return self.at(day, 17, 30)

    def later(self, when: dt.datetime, hours: float) -> dt.datetime:
        return self.working(when + dt.timedelta(hours=hours))

    def on(self, when: dt.datetime, step: Callable[[], object]) -> None:
        """Run `step` at `when`, if that is within the year (never before the clock's now)."""
        if self.start <= when <= self.end:

            def run() -> None:
                step()

            self.clock.at(max(when, timezone.now()), run)

    # --- set-up -----------------------------------------------------------------------------

    def set_up(self) -> None:
        cast, by = self.cast, self.by
        for key in UNIT_KEYS:
            for kind, text, quantity in PLEDGES[key]:
                committees.pledge_add(
                    committee=cast.committee,
                    by=by,
                    unit=cast.units[key],
                    kind=kind,
                    description=text,
                    quantity=quantity,
                )
                self.built.pledges += 1
        self.series = meetings.series_create(
            committee=cast.committee,
            by=by,
            title=SERIES_TITLE,
            day_of_month=MEETING_DAY,
            time=MEETING_TIME,
            node=cast.committee.node,
            place_detail=PLACE,
            duration_minutes=MEETING_MINUTES,
            lead_days=LEAD_DAYS,
        )
        self.morning()  # the worker's first run, the moment the schedule is set

    def set_goals(self) -> None:
        year = timezone.localtime(self.end).year
        for title, measure, target, label in GOALS:
            goals.goal_create(
                committee=self.cast.committee,
                by=self.by,
                year=year,
                title=title,
                measure=measure,
                target=target,
                unit_label=label,
            )
            self.built.goals += 1

    def type_road_figure(self) -> None:
        goal = Goal.objects.filter(committee=self.cast.committee, measure=GoalMeasure.TYPED).first()
        if goal is not None:
            goals.goal_set_figure(goal=goal, by=By(person=self.cast.member), value=ROAD_KM)

    # --- the worker's morning ---------------------------------------------------------------

    def morning(self) -> None:
        """The worker's meeting schedule, run on the mornings it has something to create (it
        runs every few minutes in production; on the other mornings it finds nothing)."""
        meetings.schedule(timezone.now())
        self.new_meetings()

    def sweep(self) -> None:
        work.sweep(timezone.now())

    def sweep_around(self, due: dt.datetime) -> None:
        """The work list's sweep on the mornings around a deadline (the reminder the day
        before, the overdue mark the morning after; on other mornings it finds nothing)."""
        day = timezone.localtime(due).date()
        for offset in (-1, 0, 1):
            morning = self.at(day + dt.timedelta(days=offset), 8, 30)
            if morning not in self.swept and morning > timezone.now():
                self.swept.add(morning)
                self.on(morning, self.sweep)

    def schedule_mornings(self) -> None:
        """The mornings a monthly meeting comes within the schedule's lead days."""
        first = timezone.localtime(self.start).date().replace(day=1)
        last = timezone.localtime(self.end).date() + dt.timedelta(days=LEAD_DAYS + 31)
        month = first
        while month <= last:
            meeting_day = month.replace(day=MEETING_DAY)
            for back in (LEAD_DAYS, LEAD_DAYS - 1):
                morning = self.at(meeting_day - dt.timedelta(days=back), 8, 30)
                if morning > timezone.now():
                    self.on(morning, self.morning)
            month = (month + dt.timedelta(days=32)).replace(day=1)

    def new_meetings(self) -> None:
        """The meetings the schedule just created: their key drawn, their life scheduled."""
        if self.series is None:
            return
        for meeting in Meeting.objects.filter(series=self.series).order_by("starts_at"):
            if meeting.pk in self.keyed:
                continue
            self.keyed.add(meeting.pk)
            key = "".join(self.rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(22))
            Meeting.objects.filter(pk=meeting.pk).update(checkin_key=key)
            self.prune(meeting)
            self.live(meeting)

    def prune(self, meeting: Meeting) -> None:
        """Take off a past meeting's agenda the needs of the history that were not yet raised,
        overdue or with the committee when it was drawn (the list is read as it stands now)."""
        now = timezone.now()
        if now >= self.end - dt.timedelta(days=NOTIFY_DAYS):
            return
        committee = self.cast.committee
        consulted = Consultation.objects.filter(committee=committee, opened_at__lte=now)
        AgendaItem.objects.filter(meeting=meeting, kind=AgendaKind.NEED).filter(
            Q(need__created_at__gt=now)
            | (
                ~Q(need__in=consulted.values("need_id"))
                & (Q(need__overdue_at__isnull=True) | Q(need__overdue_at__gt=now))
            )
        ).delete()

    # --- a meeting's life -------------------------------------------------------------------

    def live(self, meeting: Meeting) -> None:
        """Schedule the meeting's life; what falls after the end does not happen (the next
        meeting stays scheduled, its agenda growing)."""
        if meeting.pk in self.lived:
            return
        self.lived.add(meeting.pk)
        month = MONTHS[timezone.localtime(meeting.starts_at).month]
        starts, ends = meeting.starts_at, meeting.ends_at
        created = timezone.now()
        raiser, text = month.item
        before = starts - dt.timedelta(days=3)
        self.on(
            max(created + dt.timedelta(hours=2), self.at(before.date(), 15)),
            lambda: self.raise_item(meeting, raiser, text),
        )
        eve = starts - dt.timedelta(days=1)
        self.on(
            max(created + dt.timedelta(hours=3), self.at(eve.date(), 16)),
            lambda: self.refresh(meeting),
        )
        self.on(starts - dt.timedelta(minutes=30), lambda: self.arrive(meeting))
        self.on(starts, lambda: self.hold(meeting))
        self.on(ends - dt.timedelta(minutes=40), lambda: self.decide(meeting, month))
        self.on(ends + dt.timedelta(hours=2), lambda: self.record(meeting, month))

    def raise_item(self, meeting: Meeting, key: str, text: str) -> None:
        meetings.agenda_add(
            meeting=meeting,
            by=By(person=self.cast.contact[key]),
            text=text,
            unit=self.cast.units[key],
        )

    def refresh(self, meeting: Meeting) -> None:
        meetings.agenda_build(meeting, by=self.by)
        self.prune(meeting)

    def arrive(self, meeting: Meeting) -> None:
        """People check in with the poster's code as they come; two are entered by the staff
        once the meeting has begun; a unit or two miss a month."""
        cast = self.cast
        key = Meeting.objects.values_list("checkin_key", flat=True).get(pk=meeting.pk)
        lat, lon = cast.committee.node.lat or 46.1, cast.committee.node.lon or 117.9
        absent = {k for k in UNIT_KEYS if self.rng.random() < _ABSENCE.get(k, 0.04)}
        by_hand = set(self.rng.sample([k for k in UNIT_KEYS if k not in absent], 2))
        moment = timezone.now() + dt.timedelta(minutes=2)
        coming: list[Person] = [cast.secretary]
        coming += [cast.contact[k] for k in UNIT_KEYS if k not in absent | by_hand]
        for person in coming:
            self.on(
                moment,
                partial(
                    meetings.meeting_check_in,
                    meeting=meeting,
                    person=person,
                    key=key,
                    lat=lat + self.rng.uniform(-0.002, 0.002),
                    lon=lon + self.rng.uniform(-0.002, 0.002),
                ),
            )
            moment += dt.timedelta(minutes=self.rng.randint(1, 2), seconds=self.rng.randint(0, 59))
        for k in sorted(by_hand):
            self.on(
                meeting.starts_at + dt.timedelta(minutes=5),
                partial(
                    meetings.attendance_record,
                    meeting=meeting,
                    by=self.by,
                    person=cast.contact[k],
                    unit=cast.units[k],
                ),
            )

    def hold(self, meeting: Meeting) -> None:
        meetings.meeting_hold(meeting=meeting, by=self.by)

    def decide(self, meeting: Meeting, month: Month) -> None:
        cast = self.cast
        number = timezone.localtime(meeting.starts_at).month
        day = timezone.localtime(meeting.starts_at).date()
        for d, (text, specs) in enumerate(month.decisions):
            tasks = [
                TaskSpec(
                    unit=cast.units[key],
                    title=title,
                    due=self.at(day + dt.timedelta(days=days), 18),
                    owner=cast.contact[key],
                )
                for key, title, days in specs
            ]
            decision = meetings.meeting_decide(meeting=meeting, by=self.by, text=text, tasks=tasks)
            self.built.decisions += 1
            for t, task in enumerate(decision.tasks.order_by("id")):
                self.built.tasks += 1
                self.work(task, (number, d, t))

    def record(self, meeting: Meeting, month: Month) -> None:
        cast = self.cast
        local = timezone.localtime(meeting.starts_at)
        came = (
            Meeting.objects.get(pk=meeting.pk)
            .attendance.exclude(unit__isnull=True)
            .values("unit")
            .distinct()
            .count()
        )
        decided = "；".join(
            f"{i}. {text}" for i, (text, _specs) in enumerate(month.decisions, start=1)
        )
        done = Task.objects.filter(
            committee=cast.committee, state__in=["done", "verified"], done_at__lt=meeting.starts_at
        ).count()
        minutes = (
            f"{local:%Y年%m月%d日}，满都宝力格镇非建制性联合党委在{PLACE}召开{local.month}月"
            f"边境党建联席会议，{came}家成员单位参加。会议通报了工作清单落实情况（累计完成"
            f"{done}项），听取了各成员单位的需求和建议，围绕“{month.theme}”共商党的建设、"
            f"社会治理和边境管控重点工作。会议决定：{decided}"
        )
        writer = cast.member if local.month % 3 == 0 else cast.secretary
        meetings.meeting_minutes(meeting=meeting, by=By(person=writer), minutes=minutes)
        meetings.meeting_record(meeting=meeting, by=By(person=writer))
        self.built.meetings += 1

    # --- a task's life ----------------------------------------------------------------------

    def work(self, task: Task, where: tuple[int, int, int]) -> None:
        """Accepted within a day; done on time mostly, late sometimes; verified in a few days.
        Two are returned and given again, one is sent back once."""
        unit_by = By(person=task.owner) if task.owner else By(person=self.cast.secretary)
        state: dict[str, Task] = {"task": task}
        created = timezone.now()
        accepted = self.later(created, self.rng.uniform(2, 26))
        late = self.rng.random() < 0.15
        self.sweep_around(task.due)

        def accept(by: By = unit_by) -> None:
            state["task"] = work.task_accept(task=state["task"], by=by)

        def done(by: By = unit_by) -> None:
            result = self.rng.choice(RESULTS)
            state["task"] = work.task_done(task=state["task"], by=by, result=result)

        def verify() -> None:
            state["task"] = work.task_verify(task=state["task"], by=self.by)

        def finish(after: dt.datetime, due: dt.datetime, by: By, is_late: bool) -> None:
            span = (due - after).total_seconds() / 3600
            if is_late:
                finished = self.later(due, self.rng.uniform(20, 90))
            else:
                finished = self.later(after, span * self.rng.uniform(0.45, 0.95))
                if finished >= due:
                    finished = due - dt.timedelta(hours=2)
            self.on(finished, lambda: done(by))
            self.on(self.later(finished, self.rng.uniform(18, 100)), verify)

        self.on(accepted, accept)
        if where in RETURNED:
            reason, new_key = RETURNED[where]
            new_unit = self.cast.units[new_key]
            new_owner = self.cast.contact[new_key]
            returned_at = self.later(accepted, self.rng.uniform(20, 30))
            given_at = self.later(returned_at, 20)
            new_due = task.due + dt.timedelta(days=7)
            self.sweep_around(new_due)

            def give_back() -> None:
                state["task"] = work.task_return(task=state["task"], by=unit_by, reason=reason)

            def give_again() -> None:
                state["task"] = work.task_reassign(
                    task=state["task"],
                    by=self.by,
                    unit=new_unit,
                    owner=new_owner,
                    due=new_due,
                    reason=f"改由{new_unit.name}办理",
                )

            new_by = By(person=new_owner)
            self.on(returned_at, give_back)
            self.on(given_at, give_again)
            new_accepted = self.later(given_at, self.rng.uniform(2, 20))
            self.on(new_accepted, lambda: accept(new_by))
            finish(new_accepted, new_due, new_by, False)
            return
        if where in SENT_BACK:
            reason = SENT_BACK[where]
            first = self.later(accepted, (task.due - accepted).total_seconds() / 3600 * 0.3)
            back = self.later(first, 20)
            again = self.later(back, 28)

            def send_back() -> None:
                state["task"] = work.task_send_back(task=state["task"], by=self.by, reason=reason)

            def redo() -> None:
                state["task"] = work.task_done(
                    task=state["task"], by=unit_by, result="已补齐全部牧户数据，重新上报"
                )

            self.on(first, done)
            self.on(back, send_back)
            self.on(again, redo)
            self.on(self.later(again, 24), verify)
            return
        finish(accepted, task.due, unit_by, late)

    # --- the road, as a consultation --------------------------------------------------------

    def road(self, when: dt.datetime) -> None:
        """赛音格勒, secretary of Mandubaolige gacha's branch, reports the road; the town accepts
        it and brings it to the committee, whose units survey it and say what each can give;
        the consultation decides, the army unit mends it, the committee verifies, the need is
        resolved and he rates it."""
        cast = self.cast
        grid = _grid_in(MANDUBAOLIGE_CODE + "001")
        if grid is None:
            return
        held: dict[str, Need | Consultation] = {}
        tasks: dict[str, Task] = {}
        units = {k: cast.units[k] for k in ("army", "police", "g1", "dairy")}

        def raised() -> None:
            need = services.need_raise(
                by=need_workflow.RESIDENT,
                category=Category.objects.get(code="roads"),
                channel=Channel.WEB,
                node=grid,
                description=ROAD,
                answers={"passable": "partly", "length_m": "3200"},
                contact_phone="19908000101",
                contact_name="赛音格勒",
            )
            need_workflow.follow_up_pending(after=need.pk - 1)
            held["need"] = need

        def brought() -> None:
            held["consultation"] = _bring(held["need"].pk, cast.committee, ROAD_REASON)

        def consultation() -> Consultation:
            found = held["consultation"]
            assert isinstance(found, Consultation)
            return found

        def arranged() -> None:
            consultations.consultation_arrange(
                consultation=consultation(),
                by=self.by,
                units=list(units.values()),
                held_on=timezone.localdate() + dt.timedelta(days=1),
            )

        def said(key: str, text: str) -> Callable[[], None]:
            def step() -> None:
                consultations.consultation_contribute(
                    consultation=consultation(),
                    by=By(person=cast.contact[key]),
                    unit=units[key],
                    text=text,
                )

            return step

        def decided() -> None:
            day = timezone.localdate()
            specs = [
                ("army", "出动机械和官兵修补乃林郭勒路段", 10, True),
                ("police", "施工期间乃林郭勒路段交通疏导和安全警戒", 6, False),
                ("g1", "组织党员牧民配合铺垫砂石", 6, False),
            ]
            decision = consultations.consultation_decide(
                consultation=consultation(),
                by=self.by,
                text=ROAD_DECISION,
                outcome=ROAD_OUTCOME,
                tasks=[
                    TaskSpec(
                        unit=units[key],
                        title=title,
                        due=self.at(day + dt.timedelta(days=days), 18),
                        owner=cast.contact[key],
                        resolves_need=resolves,
                    )
                    for key, title, days, resolves in specs
                ],
            )
            self.built.decisions += 1
            for (key, *_rest), task in zip(specs, decision.tasks.order_by("id"), strict=True):
                self.built.tasks += 1
                tasks[key] = task
                self.sweep_around(task.due)

        def moved(key: str, command: str, **params: str) -> Callable[[], None]:
            def step() -> None:
                by = self.by if command == "verify" else By(person=cast.contact[key])
                tasks[key] = work.transition(tasks[key], command, by, **params)

            return step

        def rated() -> None:
            need_workflow.need_confirm(
                need=Need.objects.get(pk=held["need"].pk),
                by=need_workflow.RESIDENT,
                rating=Rating.SATISFIED,
                reason="路修好了，牧民出行方便多了，感谢联合党委和子弟兵",
            )

        day = timezone.localtime(when).date()
        d = [day + dt.timedelta(days=n) for n in range(9)]
        steps: list[tuple[dt.datetime, Callable[[], None]]] = [
            (when, raised),
            (when + dt.timedelta(minutes=50), brought),
            (self.at(d[1], 9, 30), arranged),
            (
                self.at(d[1], 15),
                said("police", "已派民警实地勘察：坑洼路段约3.2公里，两处冲沟需要垫土"),
            ),
            (self.at(d[1], 16), said("g1", "嘎查组织10名党员牧民出工，提供就近砂石料场")),
            (self.at(d[2], 9), said("army", "可出动装载机1台、自卸车2台、官兵20余名，一周内完成")),
            (self.at(d[2], 9, 40), said("dairy", "收奶车每天走这条路，公司承担砂石料运费和燃油")),
            (self.at(d[2], 11), decided),
            (self.at(d[2], 15), moved("army", "accept")),
            (self.at(d[2], 16), moved("police", "accept")),
            (self.at(d[3], 9), moved("g1", "accept")),
            (self.at(d[6], 17), moved("g1", "done", result="组织党员牧民12人配合铺垫砂石")),
            (self.at(d[6], 17, 30), moved("army", "done", result=ROAD_DONE)),
            (self.at(d[6], 18), moved("police", "done", result="施工期间每天派2名民警疏导交通")),
            (self.at(d[7], 10), moved("police", "verify")),
            (self.at(d[7], 10, 10), moved("g1", "verify")),
            (self.at(d[7], 10, 30), moved("army", "verify")),
            (self.at(d[8], 12), rated),
        ]
        if steps[0][0] < self.start or steps[-1][0] > self.end:
            return  # a short history: the story does not fit
        self.built.consultations += 1
        for moment, step in steps:
            self.on(moment, step)

    def well(self, when: dt.datetime) -> None:
        """A need still with the committee: brought to it three days ago, the units named, the
        gacha's contribution in; on the next meeting's agenda."""
        cast = self.cast
        grid = _grid_in(MANDUBAOLIGE_CODE + "004")
        if grid is None:
            return
        held: dict[str, Need | Consultation] = {}

        def raised() -> None:
            need = services.need_raise(
                by=need_workflow.RESIDENT,
                category=Category.objects.get(code="repairs"),
                channel=Channel.QR,
                node=grid,
                description=WELL,
                answers={"what": "water"},
                contact_phone="19908000102",
                contact_name="额尔敦",
            )
            need_workflow.follow_up_pending(after=need.pk - 1)
            held["need"] = need

        def brought() -> None:
            held["consultation"] = _bring(held["need"].pk, cast.committee, WELL_REASON)

        def arranged() -> None:
            found = held["consultation"]
            assert isinstance(found, Consultation)
            consultations.consultation_arrange(
                consultation=found,
                by=self.by,
                units=[cast.units[k] for k in ("town", "army", "g4", "coop")],
            )
            consultations.consultation_contribute(
                consultation=found,
                by=By(person=cast.contact["g4"]),
                unit=cast.units["g4"],
                text="嘎查已摸清受影响牧户14户，可提供新井位置和用工；临时由党员轮流送水",
            )

        self.built.consultations += 1
        self.on(when, raised)
        self.on(when + dt.timedelta(minutes=40), brought)
        self.on(self.later(when, 24), arranged)

    # --- the assessment of the last half-year -----------------------------------------------

    def assess(self) -> None:
        """Opened two days after the half-year ends; each unit scores the others and the
        community scores them all over the next days; then closed."""
        cast = self.cast
        first_of_month = timezone.localtime(self.end).date().replace(day=1)
        ends_on = first_of_month - dt.timedelta(days=1)
        starts_on = ends_on.replace(day=1)
        for _i in range(5):
            starts_on = (starts_on - dt.timedelta(days=1)).replace(day=1)
        opened = self.at(ends_on + dt.timedelta(days=2), 9)
        room = self.end - dt.timedelta(hours=2)
        if opened > room - dt.timedelta(hours=9):
            opened = room - dt.timedelta(hours=9)
        if opened < self.start:
            return
        span = (room - opened) / 10
        step = min(span, dt.timedelta(hours=8))
        state: dict[str, Assessment] = {}

        def opened_step() -> None:
            state["a"] = assessment.assessment_open(
                committee=cast.committee,
                by=self.by,
                title=f"{starts_on:%Y年%m月}至{ends_on:%Y年%m月}考核共评",
                starts_on=starts_on,
                ends_on=ends_on,
            )

        def scores(key: str | None) -> Callable[[], None]:
            def go() -> None:
                given = {}
                for other in UNIT_KEYS:
                    if other == key:
                        continue
                    base = _STANDING[other] + self.rng.randint(-4, 4)
                    given[cast.units[other]] = max(0, min(100, base))
                if key is None:
                    by = By(person=cast.community or cast.secretary)
                    assessment.peer_scores(assessment=state["a"], by=by, scores=given)
                else:
                    by = By(person=cast.contact[key])
                    assessment.peer_scores(
                        assessment=state["a"], by=by, scores=given, by_unit=cast.units[key]
                    )
                self.built.scores += len(given)

            return go

        def closed() -> None:
            closed = assessment.assessment_close(assessment=state["a"], by=self.by)
            self.built.ranked = closed.rows.count()

        self.on(opened, opened_step)
        for index, key in enumerate([*UNIT_KEYS, None], start=1):
            self.on(opened + step * index * 0.9, scores(key))
        self.on(opened + step * 10, closed)


# How often a unit misses a meeting (the army unit's duties, the enterprises' busy seasons), and
# where the others put each unit when they score it.
_ABSENCE = {"army": 0.15, "dairy": 0.25, "coop": 0.2, "g3": 0.1}
_STANDING = {
    "town": 90,
    "police": 92,
    "army": 94,
    "g1": 88,
    "g2": 84,
    "g3": 80,
    "g4": 85,
    "dairy": 78,
    "coop": 82,
}


def _grid_in(code: str) -> Node | None:
    place = Node.objects.filter(code=code).first()
    if place is None:
        return None
    return (
        Node.objects.filter(path__startswith=place.path, kind=NodeKind.SMALL_GRID)
        .order_by("code")
        .first()
    )


def _bring(need_id: int, committee: Organisation, reason: str) -> Consultation:
    """The town's dispatcher accepts the need and escalates it to the committee, which opens
    its consultation (a subscriber to the need's "escalate" event)."""
    need = Need.objects.get(pk=need_id)
    dispatcher = By(need_workflow.dispatchers_of(need.owner_node)[0])
    need = need_workflow.need_accept(need=need, by=dispatcher)
    need = need_workflow.need_escalate(need=need, by=dispatcher, to=committee, reason=reason)
    return Consultation.objects.get(need=need, state__in=consultations.LIVE)


def _quiet_old_notices(after_id: int, end: dt.datetime, committee: Organisation) -> None:
    """The notices of what happened before the last days are read (read when they came),
    but those about what still waits: an open task, a meeting to come."""
    waiting = [
        f"/console/committees/tasks/{pk}/"
        for pk in Task.objects.filter(committee=committee).open().values_list("pk", flat=True)
    ]
    waiting += [
        meetings.meeting_url(m)
        for m in Meeting.objects.filter(committee=committee, state=MeetingState.SCHEDULED)
    ]
    Notification.objects.filter(
        pk__gt=after_id,
        read_at__isnull=True,
        created_at__lt=end - dt.timedelta(days=NOTIFY_DAYS),
    ).exclude(url__in=waiting).update(read_at=F("created_at"))


def build_demo_committees(
    *, seed: int = SEED, days: int = 365, end: dt.datetime | None = None
) -> Built:
    """Build the Mandubaolige committee's last `days` days (precondition: the demo region
    exists; without its committee nothing is built)."""
    end = (end or timezone.now()).replace(microsecond=0)
    committee = (
        Organisation.objects.select_related("node")
        .filter(kind=OrgKind.JOINT_COMMITTEE, name=COMMITTEE_NAME)
        .first()
    )
    cast = Cast.find(committee) if committee is not None else None
    if cast is None:
        return Built()
    _open_history_consultations()
    start = end - dt.timedelta(days=days)
    year = _Year(cast, seed=seed, start=start, end=end)
    notices = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with time_machine.travel(start, tick=False) as traveller:
        year.clock = Clock(traveller)
        year.on(year.working(start), year.set_up)
        year.schedule_mornings()
        # The goals of the current year, set at its first working days (or the year's start).
        jan = year.at(dt.date(timezone.localtime(end).year, 1, 6), 10)
        figure_at = year.last_working(end - dt.timedelta(days=1))
        year.on(
            min(max(jan, start + dt.timedelta(hours=1)), figure_at - dt.timedelta(hours=1)),
            year.set_goals,
        )
        road = year.working(
            year.at((end - dt.timedelta(days=min(ROAD_DAYS_BEFORE, days * 2 // 3))).date(), 10, 20)
        )
        year.road(road)
        year.well(year.working(end - dt.timedelta(days=3)))
        year.on(figure_at, year.type_road_figure)
        year.assess()
        year.on(year.last_working(end), partial(_next_meeting, year))
        year.clock.run(end)
    _quiet_old_notices(notices, end, cast.committee)
    year.built.states = {
        state: Meeting.objects.filter(committee=committee, state=state).count()
        for state in MeetingState.values
    }
    return year.built


def _next_start(series: MeetingSeries, now: dt.datetime) -> dt.datetime:
    """The series' first meeting start after `now`."""
    day = timezone.localtime(now).date().replace(day=series.day_of_month)
    while (starts := timezone.make_aware(dt.datetime.combine(day, series.time))) <= now:
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=series.day_of_month)
    return starts


def _next_meeting(year: _Year) -> None:
    """The next monthly meeting exists now, its agenda holding what is with the committee: the
    schedule made it if it falls within its lead days, else the secretary sets it early."""
    series = year.series
    assert series is not None
    now = timezone.now()
    upcoming = Meeting.objects.filter(
        series=series, state=MeetingState.SCHEDULED, starts_at__gt=now
    ).first()
    if upcoming is None:
        starts = _next_start(series, now)
        upcoming = meetings.meeting_create(
            committee=year.cast.committee,
            by=year.by,
            title=series.title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=series.duration_minutes),
            node=series.node,
            place_detail=series.place_detail,
            series=series,
        )
        meetings.meeting_notify(meeting=upcoming, by=year.by)
        year.new_meetings()
    else:
        meetings.agenda_build(upcoming, by=year.by)
