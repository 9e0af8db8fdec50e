"""The demo's care (issue 19): Dagouwan's meal point with its elderly, menus, orders and
deliveries; Shanba's assistance cards (爱心帮扶卡) at its "陕坝有爱" grain shops with their
months reconciled; visiting plans with their visits. Deterministic from the seed.

From the seed article: the meal point of 大沟湾新村's rural and pastoral elderly care
demonstration station serves "大沟湾村、大场子村50余名老年人" (the register here holds 55 of
them in the two villages of 城川镇), publishes "当天菜单", cooks the low-salt, soft 爱心菜 for
those over 65, and its village's party members and grid workers bring the meal free to those
over 85 with limited mobility. Around the meals: laundry, bathing, haircut and massage
("6大功能"). In Shanba, households in difficulty buy grain and oil cheaply with the town's card
at shops with the "陕坝有爱" plaque; the town has agreements with "7家意向企业"; its grid
workers "走访帮扶事实孤儿29次" in a year.

The past is written in bulk as the state machines would have left it: rows in their final
state, `CareEvent` left empty for that bulk history (orders, deliveries, cards, the register).
Each order carries the band that applied on its day (`care.bands`: the bands in force that
day, the person's age and mobility on it), so the orders from before the 60+ price went from 7
to 8 yuan keep 7 yuan. What touches the needs goes through the care services on a clock moved
to its moment (time-machine), so the needs' timelines and rollups hold it: the visiting plans
and every visit (`care.visits.plan_save`, `visit_record`: proactive work), and the two
deliveries nobody answered (`care.deliveries.delivery_mark`: the welfare check), which the
grid worker takes and resolves. The routes' hours are the deliveries module's (a quarter of an
hour a stop) and the deliverers' points are recounted from them.

Phones of the register (not people of the network) are 19907000000 upwards; the deliverer and
the shop clerk the demo logs in as are 19900000014 and 19900000015.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import time_machine
from django.contrib.auth.hashers import make_password
from django.db.models import F, Max
from django.utils import timezone

from civicgrid.care import bands as care_bands
from civicgrid.care import deliveries as deliveries_service
from civicgrid.care import visits as visits_service
from civicgrid.care.cards import ALPHABET, BODY_LENGTH, check_character
from civicgrid.care.models import (
    AgeBand,
    Card,
    CardKind,
    CardState,
    CaredPerson,
    CareKind,
    CareMark,
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    Dish,
    FlagKind,
    FlagState,
    FraudFlag,
    Household,
    MealOrder,
    MealPoint,
    Menu,
    Mobility,
    OrderState,
    PartnerShop,
    PlacedBy,
    Reconciliation,
    ReconciliationState,
    Redemption,
    VisitPlan,
    age_on,
)
from civicgrid.care.models import Finding as VisitFinding
from civicgrid.core.models import Notification
from civicgrid.demo import mongolian
from civicgrid.demo.login import DEMO_PASSWORD
from civicgrid.demo.mongolian import MVS, NNBSP
from civicgrid.demo.names import REGION_RANGE, NameMaker
from civicgrid.demo.places import SHANBA_CODE
from civicgrid.needs import workflow
from civicgrid.needs.models import CalendarDay, Need
from civicgrid.needs.workflow import By
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    UnitKind,
)
from civicgrid.services.models import OpeningHours, Service, ServiceKind
from civicgrid.volunteers import points as member_points

SEED = 85  # the age from which the meals are free and brought home

CHENGCHUAN = "150623102"
DAGOUWAN = "150623102001"
DACHANGZI = "150623102002"
TUANJIE = f"{SHANBA_CODE}001"
HUAYUAN = f"{SHANBA_CODE}002"
JIANSHE = f"{SHANBA_CODE}003"

POINT_NAME = "大沟湾新村农村牧区养老服务示范站餐点"
POINT_ORG = "城川镇大沟湾助餐点"  # the region's provider organisation at Dagouwan
ZHANG_WANXI = "张万喜"  # "我们家就住在附近,走过来只需要5分钟"

ADMIN_LOGIN = "19900000001"  # region.DEMO_LOGINS' administrator: the region's bands are theirs
# The demo logins of this module (docs/demo.md lists them): the next free fixed numbers.
DELIVERER_LOGIN = ("高志刚", "19900000014")  # a party member of Dagouwan who brings meals
CLERK_LOGIN = ("刘翠英", "19900000015")  # a clerk of 陕坝有爱·惠民粮油店
REGISTER_PHONES = 19907000000  # the register's phones count up from here

HISTORY_ELDERLY = 55
PRICE_CHANGE_DAYS = 91  # the 60+ price went from 7 to 8 yuan three months ago
CARD_MONTHS = 3  # full months of redemptions before the current one
NOTIFY_DAYS = 2  # notices of the last days stay unread (as demo/history.py)

CENT = Decimal("0.01")
HOURS_PER_DELIVERY = deliveries_service.HOURS_PER_DELIVERY


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


# --- What the demo holds --------------------------------------------------------------------


@dataclass
class Built:
    elderly: int = 0
    cared: int = 0
    households: int = 0
    services: int = 0
    menus: int = 0
    dishes: int = 0
    orders: int = 0
    runs: int = 0
    deliveries: int = 0
    not_home: int = 0
    card_kinds: int = 0
    enterprises: int = 0
    shops: int = 0
    cards: int = 0
    redemptions: int = 0
    reconciliations: int = 0
    flags: int = 0
    plans: int = 0
    visits: int = 0
    records: int = 0
    states: dict[str, int] = field(default_factory=dict)


# Mongolian names of the elderly, as Chinese writes them and in Mongolian script (drafts in
# the manner of mongolian.py, for a native reviewer).
MONGOL_MEN: tuple[tuple[str, str], ...] = (
    ("巴特尔", "ᠪᠠᠭᠠᠲᠤᠷ"),
    ("苏和", "ᠰᠦᠬᠡ"),
    ("朝鲁", "ᠴᠢᠯᠠᠭᠤ"),
    ("宝音", "ᠪᠤᠶᠠᠨ"),
    ("那仁", "ᠨᠠᠷᠠᠨ"),
    ("孟和", "ᠮᠥᠩᠬᠡ"),
    ("巴图", "ᠪᠠᠲᠤ"),
    ("乌力吉", "ᠥᠯᠵᠡᠢ"),
    ("额尔敦", "ᠡᠷᠳᠡᠨᠢ"),
    ("达来", "ᠳᠠᠯᠠᠢ"),
)
MONGOL_WOMEN: tuple[tuple[str, str], ...] = (
    ("其其格", "ᠴᠡᠴᠡᠭ"),
    ("图雅", "ᠲᠤᠶᠠ"),
    ("萨仁", "ᠰᠠᠷᠠᠨ"),
    ("乌云", "ᠤᠶᠤᠨ"),
    ("塔娜", "ᠲᠠᠨᠠ"),
    ("高娃", f"ᠭᠣᠤ{MVS}ᠠ"),
    ("敖登", "ᠣᠳᠣᠨ"),
    ("其木格", "ᠴᠢᠮᠡᠭ"),
    ("斯琴高娃", f"ᠰᠡᠴᠡᠨᠭᠣᠤ{MVS}ᠠ"),
    ("乌兰", "ᠤᠯᠠᠭᠠᠨ"),
)

ELDER_NOTES = (
    "高血压，饭菜少盐",
    "糖尿病，主食要少",
    "牙口不好，饭菜要软烂",
    "耳背，打电话要大声",
    "腿脚不好，走路拄拐",
)


# --- The meal point's kitchen -----------------------------------------------------------------

STAPLES = ("莜面窝窝", "馒头", "花卷", "米饭", "荞面饸饹", "手擀面", "烙饼")
MAINS = (
    ("羊肉烩菜", ""),
    ("炖羊肉", "ᠴᠢᠨᠠᠭᠰᠠᠨ ᠬᠣᠨᠢᠨ ᠮᠢᠬᠠ"),
    ("猪肉烩酸菜", ""),
    ("土豆炖牛肉", ""),
    ("红烧鸡块", ""),
    ("羊肉炖萝卜", ""),
    ("酸菜炖粉条", ""),
)
GREENS = (
    "清炒土豆丝",
    "西红柿炒鸡蛋",
    "醋溜白菜",
    "蒸南瓜",
    "清炒西葫芦",
    "凉拌黄瓜",
    "白菜炖豆腐",
    "炒豆芽",
)
SOUPS = (
    ("小米粥", ""),
    ("南瓜小米粥", ""),
    ("羊杂汤", ""),
    ("紫菜蛋花汤", ""),
    ("奶茶", "ᠰᠦᠨ ᠴᠠᠢ"),
)
# The 爱心菜: low salt, low oil, soft.
SPECIALS = (
    "爱心菜·肉末蒸蛋",
    "爱心菜·清蒸南瓜",
    "爱心菜·软烂炖羊肉（少盐）",
    "爱心菜·白菜豆腐（少盐少油）",
    "爱心菜·土豆泥",
    "爱心菜·西红柿炖豆腐",
)
MENU_NOTES = (
    "",
    "",
    "今天的爱心菜少盐少油、软烂适口",
    "85岁以上行动不便的老人由党员、网格员送餐上门",
    "吃完饭可以留下来读书看报",
    "下午“食堂说事”，欢迎大家来",
)


@dataclass(frozen=True)
class Extra:
    """An extra service at the meal point (the "6大功能" besides the meals)."""

    name: str
    name_en: str
    name_mn: str
    kind: str
    price: str
    price_note: str
    description: str
    duration: int
    capacity: int
    hours: tuple[tuple[int | None, str, str], ...]  # (weekday or None: working days, from, to)
    door: bool = False


EXTRAS: tuple[Extra, ...] = (
    Extra("爱心洗衣", "Laundry", "ᠬᠤᠪᠴᠠᠰᠤ ᠤᠭᠢᠶᠠᠬᠤ", ServiceKind.LAUNDRY, "2.00",
          "每桶2元，80岁以上免费", "助餐点两台洗衣机，洗好晾干，吃饭时取",
          duration=60, capacity=2, hours=((None, "13:30", "17:00"),)),
    Extra("助浴", "Bathing help", f"ᠪᠢᠶ{MVS}ᠡ ᠤᠭᠢᠶᠠᠬᠤ", ServiceKind.BATHING, "5.00",
          "有专人陪护", "淋浴间有扶手和防滑垫，卧床老人可上门擦浴",
          duration=45, capacity=1, hours=((1, "14:30", "17:30"), (3, "14:30", "17:30")),
          door=True),
    Extra("理发", "Haircut", "ᠦᠰᠦ ᠵᠠᠰᠠᠯ", ServiceKind.HAIRCUT, "5.00",
          "每月第一个周三免费", "村里的理发师傅每周三来，卧床老人上门理发",
          duration=20, capacity=1, hours=((2, "09:00", "11:30"),), door=True),
    Extra("按摩理疗", "Massage and physiotherapy", "ᠪᠠᠷᠢᠯᠳᠠ ᠡᠮᠴᠢᠯᠡᠭᠡ", ServiceKind.MASSAGE,
          "10.00", "", "旗医院理疗师每周二、四上午来站",
          duration=30, capacity=1, hours=((1, "09:00", "11:30"), (3, "09:00", "11:30"))),
)  # fmt: skip


# --- Shanba's cards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    key: str
    name: str
    description: str
    care_kinds: tuple[str, ...]
    amount: str
    uses: int
    households: int


CARD_KINDS: tuple[KindSpec, ...] = (
    KindSpec("dibao", "低保户", "享受最低生活保障的家庭", (CareKind.HARDSHIP,), "200.00", 4, 21),
    KindSpec("tekun", "特困户", "特困供养人员和事实孤儿家庭",
             (CareKind.HARDSHIP, CareKind.FACT_ORPHAN), "300.00", 6, 9),
    KindSpec("canji", "残疾人家庭", "持残疾证的困难家庭", (CareKind.DISABLED,), "150.00", 4, 10),
)  # fmt: skip


@dataclass(frozen=True)
class ShopSpec:
    name: str
    enterprise: str  # the organisation (陕坝镇…（爱心帮扶卡）)
    community: str
    discount: str
    licence: str
    licensed_days_ago: int
    address: str


# The seven enterprises with an agreement: four have a licensed shop honouring the cards.
SHOPS: tuple[ShopSpec, ...] = (
    ShopSpec("陕坝有爱·惠民粮油店", "陕坝镇惠民粮油店（爱心帮扶卡）", TUANJIE, "15",
             "SBYA-2025-001", 420, "团结路北侧惠民粮油店"),
    ShopSpec("陕坝有爱·丰收粮油超市", "陕坝镇丰收粮油超市（爱心帮扶卡）", HUAYUAN, "12",
             "SBYA-2025-002", 390, "花园街丰收粮油超市"),
    ShopSpec("陕坝有爱·河套面业粮油店", "杭锦后旗河套面业有限公司（爱心帮扶卡）", JIANSHE, "10",
             "SBYA-2025-005", 250, "建设路河套面业直营店"),
    ShopSpec("陕坝有爱·金穗粮油店", "陕坝镇金穗粮油店（爱心帮扶卡）", TUANJIE, "12",
             "SBYA-2025-006", 180, "团结路南侧金穗粮油店"),
)  # fmt: skip
# The other enterprises that signed: their shops are still to be licensed.
MORE_ENTERPRISES = (
    "陕坝镇鑫源日用百货（爱心帮扶卡）",
    "杭锦后旗绿源蔬菜配送（爱心帮扶卡）",
    "陕坝镇康宁大药房（爱心帮扶卡）",
)
GROCERIES: tuple[tuple[str, tuple[int, int]], ...] = (
    ("大米10斤", (28, 36)),
    ("河套雪花粉10斤", (26, 34)),
    ("胡麻油5升", (75, 95)),
    ("大豆油5升", (55, 69)),
    ("挂面、小米", (18, 30)),
    ("鸡蛋一板", (22, 30)),
    ("大米、面粉", (55, 70)),
    ("洗衣粉、肥皂", (15, 28)),
)

# --- Visits -------------------------------------------------------------------------------------

VISIT_NOTES_ALONE = (
    "身体还好，屋里暖和，药按时吃",
    "老人精神不错，帮着把院子扫了",
    "冬天的煤备好了，水管包了保温",
    "血压正常，叮嘱按时吃饭",
    "陪老人说了会儿话，家里一切正常",
)
VISIT_CONCERNS_ALONE = (
    "血压有点高，提醒按时吃药，联系了村医",
    "腿疼得厉害，建议去卫生院看看，女儿下周陪去",
    "家里煤不多了，联系村里送煤",
)
VISIT_NOTES_ORPHAN = (
    "孩子学习情况良好，奶奶身体还行",
    "冬衣和学习用品都备好了",
    "学校反映成绩有进步，孩子很开朗",
    "和孩子聊了学校的事，家里一切正常",
)
VISIT_CONCERNS_ORPHAN = (
    "孩子作业跟不上，联系了志愿者辅导",
    "奶奶感冒了，孩子放学要做饭，联系了社区帮忙",
)


# --- The build ------------------------------------------------------------------------------


@dataclass
class _Elder:
    person: CaredPerson
    habit: float  # how often they come on a working day


@dataclass
class _Timed:
    """Something written through a service on the moved clock."""

    when: dt.datetime
    serial: int
    step: Callable[[], None]


class _Care:
    def __init__(self, *, seed: int, end: dt.datetime, days: int) -> None:
        self.seed = seed
        self.end = end
        self.today = timezone.localtime(end).date()
        self.first = self.today - dt.timedelta(days=days)
        self.days = days
        self.people_rng = random.Random(seed)
        self.meals_rng = random.Random(seed + 1)
        self.cards_rng = random.Random(seed + 2)
        self.visits_rng = random.Random(seed + 3)
        self.names = NameMaker(random.Random(seed + 4))
        self.mobile_rng = random.Random(seed + 5)
        self.built = Built()
        self.phones = REGISTER_PHONES
        self.timed: list[_Timed] = []
        self.cook: Person | None = None  # the meal point's cook, who publishes the menus
        self.manager: Person | None = None  # Dagouwan's staff member who runs the point
        self.orphans: list[CaredPerson] = []
        self.clerks: dict[int, list[Person]] = {}  # shop id → its clerks
        self.deliverers: list[int] = []  # who carried meals: their points are recounted
        self.overrides = dict(
            CalendarDay.objects.filter(
                date__range=(self.first - dt.timedelta(days=120), self.today)
            ).values_list("date", "is_working")
        )
        login = Person.objects.filter(mobile=ADMIN_LOGIN).only("password").first()
        # The demo logins share one hash (Argon2 is slow on purpose); outside the demo, one.
        self.password = login.password if login else make_password(DEMO_PASSWORD)
        self.nodes = {
            n.code: n
            for n in Node.objects.filter(
                code__in=[CHENGCHUAN, DAGOUWAN, DACHANGZI, SHANBA_CODE, TUANJIE, HUAYUAN, JIANSHE]
            )
        }

    # Time ----------------------------------------------------------------------------------

    def working(self, day: dt.date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())

    def between(self, rng: random.Random, day: dt.date, low: str, high: str) -> dt.datetime:
        start, stop = self.at(day, _t(low)), self.at(day, _t(high))
        return start + dt.timedelta(seconds=rng.randint(0, int((stop - start).total_seconds())))

    def span(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        day = first
        while day <= last:
            yield day
            day += dt.timedelta(days=1)

    def later(self, when: dt.datetime, step: Callable[[], None]) -> None:
        """Run `step` on the clock moved to `when` (after the bulk writes)."""
        self.timed.append(_Timed(when, len(self.timed), step))

    # People ----------------------------------------------------------------------------------

    def phone(self) -> str:
        self.phones += 1
        return str(self.phones)

    def mobile(self) -> str:
        """A free number of the demo region's range for a new person of the network."""
        while True:
            mobile = str(self.mobile_rng.randint(*REGION_RANGE))
            if not Person.objects.filter(mobile=mobile).exists():
                return mobile

    def newcomer(
        self,
        name: str,
        role: str,
        node: Node,
        *,
        mobile: str | None = None,
        login: bool = False,
        org: Organisation | None = None,
        title: str = "",
    ) -> Person:
        person = Person.objects.filter(mobile=mobile).first() if mobile else None
        if person is None:
            person = Person(name=name, mobile=mobile or self.mobile())
            if login:
                person.password = self.password
            else:
                person.set_unusable_password()
            person.save()
        RoleBinding.objects.get_or_create(person=person, role=role, node=node)
        if org is not None:
            Membership.objects.get_or_create(
                organisation=org, person=person, defaults={"title": title}
            )
        return person


def _people(role: str, node: Node) -> list[Person]:
    """Who holds `role` at `node`, in a fixed order."""
    found = Person.objects.filter(roles__role=role, roles__node=node)
    return list(found.order_by("mobile", "pk").distinct())


def _grid_workers(grids: list[Node]) -> dict[int, Person]:
    out: dict[int, Person] = {}
    rows = (
        RoleBinding.objects.filter(role=Role.GRID_WORKER, node__in=grids)
        .select_related("person")
        .order_by("person__mobile", "pk")
    )
    for row in rows:
        out.setdefault(row.node_id, row.person)
    return out


def _born(rng: random.Random, today: dt.date, age: int) -> dt.date:
    """A birth date that makes someone `age` today (their birthday within the last year)."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # today is 29 February
        anniversary = dt.date(today.year - age, 2, 28)
    return anniversary - dt.timedelta(days=rng.randint(1, 364))


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (a negative number: later); 29 February → 28."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def build_care(*, seed: int = SEED, days: int = 365, end: dt.datetime | None = None) -> Built:
    """Build the demo's care (precondition: the demo region exists; without Dagouwan nothing is
    built, and a database that already holds Dagouwan's meal point is left as it is)."""
    end = (end or timezone.now()).replace(microsecond=0)
    dagouwan = Node.objects.filter(code=DAGOUWAN).first()
    if dagouwan is None or MealPoint.objects.filter(node=dagouwan, name=POINT_NAME).exists():
        return Built()
    care = _Care(seed=seed, end=end, days=days)
    first_need = Need.objects.aggregate(last=Max("pk"))["last"] or 0
    elders = _dagouwan_register(care)
    point = _meal_point(care)
    _menus(care, point)
    orders = _orders(care, point, elders)
    _deliveries(care, point, orders)
    if SHANBA_CODE in care.nodes:
        households = _shanba_register(care)
        _cards(care, households)
    _visits(care, elders)
    first_notice = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    _run_timed(care)
    # What was raised on the moved clock is followed up as the worker would have; notices
    # older than two days were read long ago.
    workflow.follow_up_pending(after=first_need)
    Notification.objects.filter(
        pk__gt=first_notice,
        read_at__isnull=True,
        created_at__lt=end - dt.timedelta(days=NOTIFY_DAYS),
    ).update(read_at=F("created_at"))
    # The deliverers' points count the hours of their routes (volunteers.points).
    for person in Person.objects.filter(pk__in=care.deliverers).order_by("pk"):
        member_points.rebuild(person)
    built = care.built
    built.states = {
        state: MealOrder.objects.filter(point=point, state=state).count()
        for state in OrderState.values
    }
    return built


def _run_timed(care: _Care) -> None:
    if not care.timed:
        return
    steps = sorted(care.timed, key=lambda t: (t.when, t.serial))
    with time_machine.travel(steps[0].when, tick=False) as traveller:
        for step in steps:
            traveller.move_to(step.when)
            step.step()


# --- Dagouwan's register --------------------------------------------------------------------


@dataclass
class _Home:
    village: str
    grid: Node
    people: list[dict]  # the fields of each member
    address: str


def _dagouwan_register(care: _Care) -> list[_Elder]:
    """55 elderly people in Dagouwan and Dachangzi, in couples and alone, aged 60 to 95."""
    rng = care.people_rng
    grids = {
        code: list(
            Node.objects.filter(
                path__startswith=care.nodes[code].path, kind=NodeKind.SMALL_GRID
            ).order_by("code")
        )
        for code in (DAGOUWAN, DACHANGZI)
        if code in care.nodes
    }
    homes: list[_Home] = []
    used: set[str] = set()
    numbers: dict[str, int] = defaultdict(int)

    def name(female: bool, mongol: bool) -> tuple[str, str]:
        """A name nobody else on the register has, while there are any (Mongolian names
        repeat in a village, as they do)."""
        for _attempt in range(40):
            if mongol:
                pair = rng.choice(MONGOL_WOMEN if female else MONGOL_MEN)
            else:
                pair = (care.names.han(female=female), "")
            if pair[0] not in used:
                break
        used.add(pair[0])
        return pair

    def address(village: str, grid: Node) -> str:
        numbers[grid.code] += 1
        row = grid.code[-1]
        if village == DAGOUWAN:
            return f"大沟湾新村{row}排{numbers[grid.code] * 2 + rng.randint(0, 1)}号"
        return f"大场子村{row}社{numbers[grid.code] * 3 + rng.randint(0, 2)}号"

    def guardian(head: dict, mongol: bool) -> dict:
        relation = rng.choice(("女儿", "儿子", "儿媳", "女儿", "侄子"))
        female = relation in ("女儿", "儿媳")
        if mongol:
            child = rng.choice(MONGOL_WOMEN if female else MONGOL_MEN)[0]
        else:
            surname = head["name"][0]
            child = care.names.han(female=female)
            child = surname + child[1:] if relation in ("女儿", "儿子") else child
        return {
            "guardian_name": child,
            "guardian_relation": relation,
            "guardian_phone": care.phone(),
        }

    def member(
        age: int, female: bool, mongol: bool, *, mobility: str = Mobility.INDEPENDENT, **extra
    ) -> dict:
        chinese, mn = extra.pop("names", None) or name(female, mongol)
        fields = {
            "name": chinese,
            "name_mn": mn,
            "sex": "f" if female else "m",
            "birth_date": _born(rng, care.today, age),
            "mobility": mobility,
            "phone": care.phone() if mobility != Mobility.BEDRIDDEN and rng.random() < 0.85 else "",
            "note": rng.choice(ELDER_NOTES) if rng.random() < 0.2 else "",
        }
        fields.update(extra)
        if age >= 85 or mobility != Mobility.INDEPENDENT:
            fields.update(guardian(fields, mongol))
        return fields

    def home(village: str, people: list[dict], grid: Node | None = None) -> None:
        grid = grid or rng.choice(grids[village])
        homes.append(_Home(village, grid, people, address(village, grid)))

    if DAGOUWAN not in grids:
        return []
    villages = [v for v in (DAGOUWAN, DACHANGZI) if v in grids]
    # 张万喜 and his wife live five minutes' walk from the point.
    used.add(ZHANG_WANXI)
    home(
        DAGOUWAN,
        [
            member(72, False, False, names=(ZHANG_WANXI, "")),
            member(70, True, False),
        ],
        grids[DAGOUWAN][0],
    )
    # Over 85 with limited mobility: free meals brought home (one bedridden); two over 85 who
    # still walk to the point.
    for age, mobility, alone, female, mongol in (
        (91, Mobility.LIMITED, True, True, False),
        (87, Mobility.LIMITED, True, False, True),
        (89, Mobility.LIMITED, False, True, False),
        (86, Mobility.LIMITED, True, True, True),
        (93, Mobility.BEDRIDDEN, False, False, False),
        (88, Mobility.LIMITED, True, True, False),
        (85, Mobility.INDEPENDENT, False, False, False),
        (86, Mobility.INDEPENDENT, True, True, True),
    ):
        village = villages[len(homes) % len(villages)]
        home(village, [member(age, female, mongol, mobility=mobility, lives_alone=alone)])
    # One turns 85 a third of the way into the history and one turns 65: the bands change on
    # their birthdays.
    span = (care.today - care.first).days
    turns_85 = member(84, True, False, mobility=Mobility.LIMITED, lives_alone=True)
    turns_85["birth_date"] = _years_before(care.first + dt.timedelta(days=span // 3 + 1), 85)
    home(DAGOUWAN, [turns_85])
    turns_65 = member(64, False, False)
    turns_65["birth_date"] = _years_before(care.first + dt.timedelta(days=span // 2 + 1), 65)
    home(villages[-1], [turns_65])
    count = sum(len(h.people) for h in homes)
    while count < HISTORY_ELDERLY:
        village = DAGOUWAN if rng.random() < 0.62 else villages[-1]
        mongol = rng.random() < 0.3
        age = rng.choice(
            rng.choices([range(60, 65), range(65, 75), range(75, 85)], weights=[22, 42, 36])[0]
        )
        limited = rng.random() < (0.2 if age >= 78 else 0.04)
        mobility = Mobility.LIMITED if limited else Mobility.INDEPENDENT
        if rng.random() < 0.45 and count + 2 <= HISTORY_ELDERLY:
            spouse = max(60, min(84, age + rng.randint(-5, 3)))
            home(
                village,
                [member(age, False, mongol, mobility=mobility), member(spouse, True, mongol)],
            )
        else:
            female = rng.random() < 0.6
            alone = age >= 70 and rng.random() < 0.35
            home(village, [member(age, female, mongol, mobility=mobility, lives_alone=alone)])
        count = sum(len(h.people) for h in homes)

    households = []
    for h in homes:
        lat = h.grid.lat + rng.uniform(-0.0015, 0.0015) if h.grid.lat is not None else None
        lon = h.grid.lon + rng.uniform(-0.0015, 0.0015) if h.grid.lon is not None else None
        households.append(
            Household(
                node=h.grid,
                name=f"{h.people[0]['name']}家",
                address=h.address,
                lat=lat,
                lon=lon,
                phone=h.people[0]["phone"],
            )
        )
    Household.objects.bulk_create(households)
    staff = _people(Role.COMMUNITY_STAFF, care.nodes[DAGOUWAN])
    entered_by = staff[0] if staff else None
    people: list[CaredPerson] = []
    habits: list[float] = []
    for h, household in zip(homes, households, strict=True):
        for fields in h.people:
            people.append(
                CaredPerson(
                    node=h.grid,
                    household=household,
                    address=h.address,
                    created_by=entered_by,
                    **fields,
                )
            )
            # Those whose meals are brought home eat nearly every day.
            brought = fields["mobility"] != Mobility.INDEPENDENT
            brought = brought and age_on(fields["birth_date"], care.today) >= 85
            habits.append(0.93 if brought else round(rng.uniform(0.5, 0.95), 2))
    CaredPerson.objects.bulk_create(people)
    CareMark.objects.bulk_create([CareMark(person=p, kind=CareKind.ELDERLY) for p in people])
    _backdate(care, households, people)
    care.built.elderly = len(people)
    care.built.cared += len(people)
    care.built.households += len(households)
    return [_Elder(p, habit) for p, habit in zip(people, habits, strict=True)]


def _backdate(care: _Care, households: list[Household], people: list[CaredPerson]) -> None:
    """On the register since before the history began."""
    since = care.at(care.first - dt.timedelta(days=30), _t("10:00"))
    Household.objects.filter(pk__in=[h.pk for h in households]).update(created_at=since)
    CaredPerson.objects.filter(pk__in=[p.pk for p in people]).update(created_at=since)


# --- The meal point -------------------------------------------------------------------------


def _meal_point(care: _Care) -> MealPoint:
    dagouwan = care.nodes[DAGOUWAN]
    org = Organisation.objects.filter(name=POINT_ORG, node=dagouwan).first()
    cooks = (
        [m.person for m in Membership.objects.filter(organisation=org).select_related("person")]
        if org
        else []
    )
    staff = _people(Role.COMMUNITY_STAFF, dagouwan)
    point = MealPoint.objects.create(
        name=POINT_NAME,
        name_en="Dagouwan New Village meal point (rural and pastoral elderly care station)",
        # "Dagouwan new village, the elders' food point" (a draft, as mongolian.py's).
        name_mn=f"{mongolian.place('大沟湾新村')} ᠥᠲᠡᠭᠡᠰ{NNBSP}ᠦᠨ ᠬᠣᠭᠣᠯᠠ{NNBSP}ᠶᠢᠨ ᠴᠡᠭ",
        node=dagouwan,
        # It serves both villages of the town: Dachangzi is Dagouwan's neighbour.
        area=care.nodes.get(CHENGCHUAN, dagouwan),
        address="大沟湾新村党群服务站一楼",
        address_mn=mongolian.place("大沟湾新村"),
        lat=round(dagouwan.lat + 0.0006, 6) if dagouwan.lat is not None else None,
        lon=round(dagouwan.lon - 0.0004, 6) if dagouwan.lon is not None else None,
        serves_from=_t("11:30"),
        serves_until=_t("13:00"),
        order_cutoff=_t("09:30"),
        capacity=60,
        phone=care.phone(),
    )
    MealPoint.objects.filter(pk=point.pk).update(
        created_at=care.at(care.first - dt.timedelta(days=30), _t("09:00"))
    )
    point.staff.add(*cooks[:1], *staff[:1])
    care.manager = staff[0] if staff else None
    care.cook = cooks[0] if cooks else care.manager
    _bands(care, point)
    if org is not None:
        _extra_services(care, point, org)
    return point


def _bands(care: _Care, point: MealPoint) -> None:
    """The region's default bands (the point's own when the region already has some), with the
    60+ price raised from 7 to 8 yuan three months ago."""
    owner = point if AgeBand.objects.filter(point__isnull=True).exists() else None
    since = care.first - dt.timedelta(days=30)
    change = care.today - dt.timedelta(days=min(PRICE_CHANGE_DAYS, max(1, care.days // 2)))
    admin = Person.objects.filter(mobile=ADMIN_LOGIN).first()

    def band(**fields: object) -> AgeBand:
        return AgeBand(point=owner, created_by=admin, **fields)

    rows = [
        band(name="60岁以上", name_mn=f"60 ᠨᠠᠰᠤ{NNBSP}ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ", min_age=60,
             price=Decimal("7.00"), valid_from=since, valid_until=change),
        band(name="60岁以上", name_mn=f"60 ᠨᠠᠰᠤ{NNBSP}ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ", min_age=60,
             price=Decimal("8.00"), valid_from=change),
        band(name="65岁以上（爱心菜）", name_mn=f"65 ᠨᠠᠰᠤ{NNBSP}ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ", min_age=65,
             price=Decimal("6.00"), special_dish=True, valid_from=since),
        band(name="85岁以上行动不便（免费送餐）", name_mn=f"85 ᠨᠠᠰᠤ{NNBSP}ᠡᠴᠡ ᠳᠡᠭᠡᠭᠰᠢ",
             min_age=85, limited_mobility_only=True, price=Decimal(0), special_dish=True,
             free=True, delivery=True, valid_from=since),
    ]  # fmt: skip
    AgeBand.objects.bulk_create(rows)


def _extra_services(care: _Care, point: MealPoint, org: Organisation) -> None:
    dagouwan = point.node
    rows = [
        Service(
            name=extra.name,
            name_en=extra.name_en,
            name_mn=extra.name_mn,
            kind=extra.kind,
            description=extra.description,
            provider_org=org,
            node=dagouwan,
            lat=point.lat,
            lon=point.lon,
            price=Decimal(extra.price),
            price_note=extra.price_note,
            at_workshop=True,
            door_to_door=extra.door,
            door_area=dagouwan if extra.door else None,
            by_appointment=True,
            duration_minutes=extra.duration,
            capacity=extra.capacity,
        )
        for extra in EXTRAS
    ]
    Service.objects.bulk_create(rows)
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(service=service, weekday=weekday, starts=_t(starts), ends=_t(ends))
            for service, extra in zip(rows, EXTRAS, strict=True)
            for weekday, starts, ends in extra.hours
        ]
    )
    point.extra_services.add(*rows)
    care.built.services = len(rows)


# --- Menus and orders -----------------------------------------------------------------------


def _menus(care: _Care, point: MealPoint) -> None:
    """A published menu for every day: a staple, one or two mains, greens, a soup and the
    爱心菜."""
    rng = care.meals_rng
    cook = care.cook
    menus: list[Menu] = []
    dishes: list[list[Dish]] = []
    for day in care.span(care.first, care.today):
        published = care.between(rng, day, "06:40", "07:20")
        menu = Menu(
            point=point,
            day=day,
            note=rng.choice(MENU_NOTES),
            published_at=published if published <= care.end else None,
            published_by=cook if published <= care.end else None,
        )
        mains = rng.choice((1, 1, 2))
        chosen: list[tuple[str, str, bool]] = [(rng.choice(STAPLES), "", False)]
        chosen += [(n, mn, False) for n, mn in rng.sample(MAINS, mains)]
        chosen += [
            (g, "", False) for g in rng.sample(GREENS, rng.choice((1, 2)) if mains == 1 else 1)
        ]
        soup = rng.choice(SOUPS)
        chosen.append((soup[0], soup[1], False))
        chosen.append((rng.choice(SPECIALS), "", True))
        menus.append(menu)
        dishes.append(
            [
                Dish(name=n, name_mn=mn, special=special, position=i)
                for i, (n, mn, special) in enumerate(chosen)
            ]
        )
    Menu.objects.bulk_create(menus)
    rows = []
    for menu, day_dishes in zip(menus, dishes, strict=True):
        for dish in day_dishes:
            dish.menu = menu
            rows.append(dish)
    Dish.objects.bulk_create(rows, batch_size=500)
    care.built.menus = len(menus)
    care.built.dishes = len(rows)


def _orders(care: _Care, point: MealPoint, elders: list[_Elder]) -> list[MealOrder]:
    """Most elderly eat on most working days (fewer at weekends and holidays); each order
    keeps the band in force on its day for the person's age and mobility that day. Past
    orders were served (a few cancelled), today's are still ordered."""
    rng = care.meals_rng
    cutoff = point.order_cutoff
    staff = care.manager
    orders: list[MealOrder] = []
    # The bands in force change only where one starts or ends: asked again on those days.
    edges = {
        edge
        for row in AgeBand.objects.values_list("valid_from", "valid_until")
        for edge in row
        if edge is not None
    }
    in_force: list[AgeBand] = []
    for day in care.span(care.first, care.today):
        if day == care.first or day in edges:
            in_force = care_bands.bands_in_force(point, day)
        busy = 1.0 if care.working(day) else 0.6
        for elder in elders:
            person = elder.person
            band = care_bands.pick(person, in_force, day)
            if band is None:
                continue
            chance = elder.habit if band.delivery else elder.habit * busy
            if rng.random() >= chance:
                continue
            placed_by, by_person, placer, placer_phone = PlacedBy.SELF, None, "", ""
            draw = rng.random()
            if band.delivery or person.mobility != Mobility.INDEPENDENT:
                if person.guardian_name and draw < 0.6:
                    placed_by, placer = PlacedBy.FAMILY, person.guardian_name
                    placer_phone = person.guardian_phone
                else:
                    placed_by, by_person = PlacedBy.STAFF, staff
            elif draw < 0.06:
                placed_by, placer = PlacedBy.FAMILY, person.guardian_name or "家人"
            elif draw < 0.14:
                placed_by, by_person = PlacedBy.STAFF, staff
            if placed_by == PlacedBy.STAFF and by_person is not None:
                placer = by_person.name  # as orders.order_place records staff
            if placed_by == PlacedBy.FAMILY and rng.random() < 0.4:
                created = care.between(rng, day - dt.timedelta(days=1), "18:30", "21:30")
            else:
                created = care.between(rng, day, "06:50", cutoff.strftime("%H:%M"))
            if created > care.end:
                continue
            order = MealOrder(
                point=point,
                day=day,
                person=person,
                band=band,
                band_name=band.name,
                age=person.age_on(day),
                price=band.price,
                special_dish=band.special_dish,
                free=band.free,
                home_delivery=band.delivery,
                placed_by=placed_by,
                placed_by_person=by_person,
                placer_name=placer,
                placer_phone=placer_phone,
                state=OrderState.ORDERED,
                created_at=created,
            )
            if day < care.today:
                if rng.random() < 0.02:
                    order.state = OrderState.CANCELLED
                    order.cancelled_at = created + dt.timedelta(minutes=rng.randint(5, 60))
                    order.note = rng.choice(("身体不舒服，今天不来了", "去女儿家了", "有事"))
                else:
                    order.state = OrderState.SERVED
                    order.served_at = care.between(rng, day, "11:35", "12:40")
            orders.append(order)
    MealOrder.objects.bulk_create(orders, batch_size=1000)
    care.built.orders = len(orders)
    return orders


# --- Deliveries -----------------------------------------------------------------------------


def _deliveries(care: _Care, point: MealPoint, orders: list[MealOrder]) -> None:
    """A run a day built from the orders brought home, a route per grid carried by the
    village's party members (the demo deliverer on his grid), a grid worker when none is free;
    marked delivered, twice "not home" with a welfare check raised for the grid worker."""
    rng = care.meals_rng
    dagouwan = care.nodes[DAGOUWAN]
    party = Organisation.objects.filter(kind=OrgKind.PARTY_ORG, node=dagouwan).first()
    login = care.newcomer(
        DELIVERER_LOGIN[0],
        Role.PARTY_MEMBER,
        dagouwan,
        mobile=DELIVERER_LOGIN[1],
        login=True,
        org=party,
        title="党员",
    )
    by_day: dict[dt.date, list[MealOrder]] = defaultdict(list)
    for order in orders:
        if order.home_delivery and order.state != OrderState.CANCELLED:
            by_day[order.day].append(order)
    if not by_day:
        return
    grids = sorted(
        {o.person.node for day_orders in by_day.values() for o in day_orders},
        key=lambda g: g.code,
    )
    workers = _grid_workers(grids)
    home_grid = grids[0]
    carriers: dict[int, list[Person]] = {}
    for grid in grids:
        # The grid's party members, else its village's, else its grid worker.
        village = next(
            (
                care.nodes[c]
                for c in (DAGOUWAN, DACHANGZI)
                if c in care.nodes and grid.path.startswith(care.nodes[c].path)
            ),
            grid,
        )
        members = _people(Role.PARTY_MEMBER, grid) or _people(Role.PARTY_MEMBER, village)
        if grid == home_grid:
            members = [login, *members]
        if not members and grid.pk in workers:
            members = [workers[grid.pk]]
        carriers[grid.pk] = members
    # Nobody answered twice: about half-way through the history, and three days ago.
    not_home_days = {
        care.today - dt.timedelta(days=max(4, care.days // 2)),
        care.today - dt.timedelta(days=3),
    }
    runs = [
        DeliveryRun(
            point=point,
            day=day,
            built_at=min(care.at(day, _t("09:40")), care.end),
            built_by=care.manager,
        )
        for day in sorted(by_day)
    ]
    DeliveryRun.objects.bulk_create(runs)
    routes: list[DeliveryRoute] = []
    planned: list[tuple[DeliveryRoute, list[MealOrder]]] = []
    for run in runs:
        grid_orders: dict[int, list[MealOrder]] = defaultdict(list)
        for order in by_day[run.day]:
            grid_orders[order.person.node_id].append(order)
        for grid in grids:
            if grid.pk not in grid_orders:
                continue
            people = carriers[grid.pk]
            if not people:
                continue
            week = run.day.isocalendar()[1]
            # The demo deliverer carries his grid's meals on working days.
            home = grid == home_grid and care.working(run.day)
            carrier = people[0] if home else people[week % len(people)]
            route = DeliveryRoute(
                run=run,
                grid=grid,
                deliverer=carrier,
                assigned_at=run.built_at + dt.timedelta(minutes=rng.randint(2, 20)),
                assigned_by=care.manager,
            )
            routes.append(route)
            planned.append((route, grid_orders[grid.pk]))
    DeliveryRoute.objects.bulk_create(routes)
    deliveries: list[Delivery] = []
    checks: list[tuple[Delivery, MealOrder, dt.datetime]] = []
    for route, route_orders in planned:
        day = route.run.day
        stops: list[Delivery] = []
        for position, order in enumerate(sorted(route_orders, key=lambda o: o.person.address)):
            delivery = Delivery(route=route, order=order, position=position)
            if day < care.today:
                marked = care.between(rng, day, "11:40", "12:30")
                if day in not_home_days and order.person.lives_alone:
                    # Marked through the deliveries module on the moved clock (below).
                    not_home_days.discard(day)  # one a day
                    order.state, order.served_at = OrderState.ORDERED, None
                    checks.append((delivery, order, marked))
                else:
                    delivery.state = DeliveryState.DELIVERED
                    delivery.marked_at, delivery.marked_by = marked, route.deliverer
            stops.append(delivery)
        deliveries += stops
        # A finished route credited its deliverer a quarter of an hour a stop (deliveries.py);
        # a route with a stop still to mark is credited when it is marked.
        if all(d.state == DeliveryState.DELIVERED for d in stops):
            route.hours = HOURS_PER_DELIVERY * len(stops)
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    DeliveryRoute.objects.bulk_update(routes, ["hours"], batch_size=1000)
    MealOrder.objects.filter(pk__in=[order.pk for _d, order, _m in checks]).update(
        state=OrderState.ORDERED, served_at=None
    )
    for delivery, order, marked in checks:
        _not_home(care, delivery, order, marked, workers.get(order.person.node_id))
    care.deliverers = sorted({r.deliverer_id for r in routes if r.deliverer_id})
    care.built.runs = len(runs)
    care.built.deliveries = len(deliveries)
    care.built.not_home = len(checks)


def _not_home(
    care: _Care, delivery: Delivery, order: MealOrder, marked: dt.datetime, worker: Person | None
) -> None:
    """Nobody opened the door: the deliverer marks it (the deliveries module raises the
    welfare check for the grid worker), who takes it, goes round and finds the person well."""
    person = order.person
    deliverer = delivery.route.deliverer
    if deliverer is None:
        return
    state: dict[str, Need] = {}

    def mark() -> None:
        done = deliveries_service.delivery_mark(
            by=deliverer,
            delivery=delivery.pk,
            state=DeliveryState.NOT_HOME,
            note="敲门没人应答，电话也没接",
        )
        if done.welfare_need is not None:
            state["need"] = done.welfare_need

    def take() -> None:
        need = state.get("need")
        if need is not None and worker is not None:
            state["need"] = workflow.need_take(need=need, by=By(worker))

    def found() -> None:
        need = state.get("need")
        if need is not None and worker is not None:
            relative = person.guardian_relation or "亲戚"
            workflow.need_resolve(
                need=need, by=By(worker), reason=f"上门看过了：老人去{relative}家住了两天，一切平安"
            )

    care.later(marked, mark)
    care.later(marked + dt.timedelta(minutes=6), take)
    care.later(marked + dt.timedelta(minutes=50), found)


# --- Shanba's register and cards ------------------------------------------------------------


@dataclass
class _CardHome:
    household: Household
    kind: str  # KindSpec.key
    community: str


def _shanba_register(care: _Care) -> list[_CardHome]:
    """Households in difficulty in three of Shanba's communities: hardship households (低保,
    特困), families with a disabled member, and three fact orphans with their grandparents."""
    rng = care.cards_rng
    communities = [code for code in (TUANJIE, HUAYUAN, JIANSHE) if code in care.nodes]
    grids: dict[str, list[Node]] = {
        code: list(
            Node.objects.filter(
                path__startswith=care.nodes[code].path, kind=NodeKind.SMALL_GRID
            ).order_by("code")
        )
        for code in communities
    }
    units: dict[int | None, list[Node]] = defaultdict(list)
    for unit in Node.objects.filter(
        parent__in=[g for gs in grids.values() for g in gs], kind=NodeKind.UNIT
    ).order_by("code"):
        units[unit.parent_id].append(unit)
    plan: list[tuple[str, str, Node, str, list[dict]]] = []  # kind, community, grid, addr, people

    def where(community: str) -> tuple[Node, str]:
        grid = rng.choice(grids[community][:40])
        building = rng.choice(units[grid.pk]).name if units[grid.pk] else grid.name
        return grid, f"{building}{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 2)}"

    def adult(age: int, kinds: tuple[str, ...], *, female: bool | None = None) -> dict:
        female = rng.random() < 0.5 if female is None else female
        return {
            "name": care.names.han(female=female),
            "sex": "f" if female else "m",
            "birth_date": _born(rng, care.today, age),
            "phone": care.phone(),
            "kinds": kinds,
        }

    # The fact orphans first: a grandmother or grandfather brings each up.
    for index, age in enumerate((9, 13, 15)):
        community = communities[index % len(communities)]
        grid, address = where(community)
        grandparent = adult(rng.randint(63, 74), (CareKind.HARDSHIP,), female=index != 1)
        relation = "奶奶" if grandparent["sex"] == "f" else "爷爷"
        child = {
            "name": grandparent["name"][0] + care.names.han()[1:],
            "sex": "m" if index != 2 else "f",
            "birth_date": _born(rng, care.today, age),
            "phone": "",
            "guardian_name": grandparent["name"],
            "guardian_relation": relation,
            "guardian_phone": grandparent["phone"],
            "kinds": (CareKind.FACT_ORPHAN,),
        }
        plan.append(("tekun", community, grid, address, [grandparent, child]))
    for spec in CARD_KINDS:
        left = spec.households - sum(1 for p in plan if p[0] == spec.key)
        for _i in range(left):
            community = rng.choice(communities)
            grid, address = where(community)
            if spec.key == "canji":
                head = adult(rng.randint(38, 78), (CareKind.DISABLED,))
                people = [head]
            else:
                head = adult(rng.randint(45, 82), (CareKind.HARDSHIP,))
                people = [head]
                if rng.random() < 0.25:
                    people.append(adult(rng.randint(20, 50), (CareKind.DISABLED,)))
            plan.append((spec.key, community, grid, address, people))
    households = [
        Household(
            node=grid,
            name=f"{people[0]['name']}家",
            address=address,
            lat=grid.lat + rng.uniform(-0.0008, 0.0008) if grid.lat is not None else None,
            lon=grid.lon + rng.uniform(-0.0008, 0.0008) if grid.lon is not None else None,
            phone=people[0]["phone"],
        )
        for _kind, _community, grid, address, people in plan
    ]
    Household.objects.bulk_create(households)
    staff = _people(Role.COMMUNITY_STAFF, care.nodes[SHANBA_CODE])
    persons: list[CaredPerson] = []
    marks: list[tuple[CaredPerson, tuple[str, ...]]] = []
    for household, (_kind, _community, grid, address, people) in zip(households, plan, strict=True):
        for fields in people:
            kinds = fields.pop("kinds")
            person = CaredPerson(
                node=grid,
                household=household,
                address=address,
                created_by=staff[0] if staff else None,
                **fields,
            )
            persons.append(person)
            marks.append((person, kinds))
    CaredPerson.objects.bulk_create(persons)
    CareMark.objects.bulk_create(
        [CareMark(person=person, kind=kind) for person, kinds in marks for kind in kinds]
    )
    _backdate(care, households, persons)
    care.orphans = [p for p, kinds in marks if CareKind.FACT_ORPHAN in kinds]
    care.built.cared += len(persons)
    care.built.households += len(households)
    return [
        _CardHome(household, kind, community)
        for household, (kind, community, _g, _a, _p) in zip(households, plan, strict=True)
    ]


def _shops(care: _Care) -> list[PartnerShop]:
    """The seven enterprises that signed an agreement and the four shops licensed so far."""
    shanba = care.nodes[SHANBA_CODE]
    names = [s.enterprise for s in SHOPS] + list(MORE_ENTERPRISES)
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=names)}
    missing = [
        Organisation(name=name, kind=OrgKind.PROVIDER, unit_kind=UnitKind.ENTERPRISE, node=shanba)
        for name in names
        if name not in orgs
    ]
    Organisation.objects.bulk_create(missing)
    orgs.update({o.name: o for o in missing})
    care.built.enterprises = len(names)
    shops = []
    for spec in SHOPS:
        node = care.nodes.get(spec.community, shanba)
        licensed = care.today - dt.timedelta(days=spec.licensed_days_ago)
        shops.append(
            PartnerShop(
                name=spec.name,
                node=node,
                enterprise=orgs[spec.enterprise],
                address=spec.address,
                lat=round(node.lat + care.cards_rng.uniform(-0.002, 0.002), 6)
                if node.lat is not None
                else None,
                lon=round(node.lon + care.cards_rng.uniform(-0.002, 0.002), 6)
                if node.lon is not None
                else None,
                licence_number=spec.licence,
                licensed_on=licensed,
                agreement_from=licensed,
                # Two years' agreement.
                agreement_until=_years_before(licensed, -2) - dt.timedelta(days=1),
                discount_percent=Decimal(spec.discount),
            )
        )
    PartnerShop.objects.bulk_create(shops)
    # The clerks: the shop's own people (the region's 师傅 of the first two) and one more each.
    for index, (shop, spec) in enumerate(zip(shops, SHOPS, strict=True)):
        org = orgs[spec.enterprise]
        clerks = [
            m.person
            for m in Membership.objects.filter(organisation=org)
            .select_related("person")
            .order_by("pk")
        ]
        if index == 0:
            clerks.append(
                care.newcomer(
                    CLERK_LOGIN[0],
                    Role.PROVIDER,
                    shop.node,
                    mobile=CLERK_LOGIN[1],
                    login=True,
                    org=org,
                    title="店员",
                )
            )
        if not clerks:
            clerks.append(
                care.newcomer(care.names.han(), Role.PROVIDER, shop.node, org=org, title="店长")
            )
        shop.clerks.add(*clerks)
        care.clerks[shop.pk] = clerks
    care.built.shops = len(shops)
    return shops


def _discount(amount: Decimal, shop: PartnerShop) -> Decimal:
    """As `redemptions.discount_of` takes it: the shop's percent, to the fen, half up."""
    percent = Decimal(shop.discount_percent)
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _storable(amount: Decimal, shop: PartnerShop) -> Decimal:
    """The amount as a till rings it up: to the 10 fen."""
    del shop
    return amount.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).quantize(CENT)


def _card_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = "".join(rng.choice(ALPHABET) for _ in range(BODY_LENGTH))
        number = body + check_character(body)
        if number not in taken:
            taken.add(number)
            return number


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    month = day.replace(day=1)
    for _i in range(back):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _cards(care: _Care, homes: list[_CardHome]) -> None:
    """Card kinds, the shops, a card for each household, redemptions over the last three
    months and this one within each card's monthly limits, the full months reconciled and
    approved for each shop, one card reissued, one suspended, one flag open."""
    rng = care.cards_rng
    shanba = care.nodes[SHANBA_CODE]
    kinds: dict[str, CardKind] = {}
    for spec in CARD_KINDS:
        kinds[spec.key] = CardKind(
            name=spec.name,
            node=shanba,
            description=spec.description,
            eligible_kinds=list(spec.care_kinds),
            monthly_amount=Decimal(spec.amount),
            monthly_uses=spec.uses,
        )
    CardKind.objects.bulk_create(list(kinds.values()))
    care.built.card_kinds = len(kinds)
    shops = _shops(care)
    staff = _people(Role.COMMUNITY_STAFF, shanba)
    issuer = staff[0] if staff else None
    approver = staff[1] if len(staff) > 1 else issuer
    months = [_month_start(care.today, back) for back in range(CARD_MONTHS, -1, -1)]
    window = care.at(months[0], _t("00:00"))

    taken = set(Card.objects.values_list("number", flat=True))
    cards: list[Card] = []
    for home in homes:
        issued = window - dt.timedelta(days=rng.randint(15, 200), minutes=rng.randint(0, 400))
        cards.append(
            Card(
                number=_card_number(rng, taken),
                household=home.household,
                kind=kinds[home.kind],
                issued_at=timezone.localtime(issued).replace(hour=10)
                + dt.timedelta(minutes=rng.randint(0, 300)),
                issued_by=issuer,
            )
        )
    Card.objects.bulk_create(cards)
    for card in cards:
        card.series = card.pk
    Card.objects.bulk_update(cards, ["series"])
    # One card reported lost last month and reissued; one suspended since this month began.
    lost, suspended = cards[4], cards[7]
    reissued_at = care.at(months[-2] + dt.timedelta(days=11), _t("10:20"))
    lost.state, lost.reason = CardState.REPLACED, "卡片丢失，补办新卡"
    suspended.state, suspended.reason = CardState.SUSPENDED, "户籍迁出，待核实"
    Card.objects.bulk_update([lost, suspended], ["state", "reason"])
    new_card = Card.objects.create(
        number=_card_number(rng, taken),
        household=lost.household,
        kind=lost.kind,
        series=lost.pk,
        replaces=lost,
        issued_at=reissued_at,
        issued_by=issuer,
        reason="卡片丢失，补办新卡",
    )
    care.built.cards = len(cards) + 1

    home_shop: dict[str, list[PartnerShop]] = defaultdict(list)
    for shop in shops:
        home_shop[shop.node.code].append(shop)
    redemptions: list[Redemption] = []
    keys: set[str] = set()
    # The card used at two shops of Tuanjie seven minutes apart, yesterday morning.
    flagged = next(
        (
            c
            for c, h in zip(cards, homes, strict=True)
            if h.community == TUANJIE and c.state == CardState.ACTIVE and c.kind.monthly_uses >= 4
        ),
        None,
    )
    pair_at = timezone.localtime(care.end - dt.timedelta(days=1)).replace(
        hour=9, minute=50, second=0
    )
    tuanjie = home_shop.get(TUANJIE, [])

    def use(card: Card, shop: PartnerShop, when: dt.datetime, amount: Decimal, what: str) -> None:
        discount = _discount(amount, shop)
        while True:
            key = f"{rng.getrandbits(96):024x}"
            if key not in keys:
                keys.add(key)
                break
        redemptions.append(
            Redemption(
                card=card,
                series=card.series or card.pk,
                shop=shop,
                clerk=rng.choice(care.clerks[shop.pk]),
                scan_key=key,
                amount=amount,
                discount=discount,
                paid=amount - discount,
                what=what,
                month=timezone.localtime(when).date().replace(day=1),
                created_at=when,
            )
        )

    for card, home in zip(cards, homes, strict=True):
        kind = card.kind
        near = home_shop.get(home.community) or shops
        for month in months:
            last_day = min(_next_month(month) - dt.timedelta(days=1), care.today)
            forced: list[tuple[PartnerShop, dt.datetime, Decimal, str]] = []
            if card is flagged and len(tuanjie) >= 2 and pair_at.date().replace(day=1) == month:
                forced = [
                    (tuanjie[0], pair_at, _storable(Decimal(46), tuanjie[0]), "大米、面粉"),
                    (
                        tuanjie[1],
                        pair_at + dt.timedelta(minutes=7),
                        _storable(Decimal("38.5"), tuanjie[1]),
                        "胡麻油",
                    ),
                ]
            if card is suspended and month == months[-1]:
                continue
            if rng.random() > 0.88 and not forced:
                continue
            uses = rng.randint(1, kind.monthly_uses) - len(forced)
            budget = kind.monthly_amount - sum((f[2] for f in forced), Decimal(0))
            planned: list[tuple[PartnerShop, dt.datetime, Decimal, str]] = list(forced)
            for _i in range(max(0, uses)):
                what, (low, high) = rng.choice(GROCERIES)
                shop = rng.choice(near) if rng.random() < 0.85 else rng.choice(shops)
                amount = _storable(
                    min(Decimal(rng.randint(low * 10, high * 10)) / 10, budget), shop
                )
                if amount < 5:
                    break
                day = month + dt.timedelta(days=rng.randint(0, (last_day - month).days))
                when = care.between(rng, day, "08:30", "18:30")
                if when >= care.end:
                    continue
                planned.append((shop, when, amount, what))
                budget -= amount
            for shop, when, amount, what in sorted(planned, key=lambda p: p[1]):
                holder = card
                if card is lost and when >= reissued_at:
                    holder = new_card
                use(holder, shop, when, amount, what)

    # The full months, reconciled on the first working days of the next and approved.
    by_shop_month: dict[tuple[int, dt.date], list[Redemption]] = defaultdict(list)
    for row in redemptions:
        by_shop_month[(row.shop.pk, row.month)].append(row)
    reconciliations = []
    for month in months[:-1]:
        following = _next_month(month)
        computed = care.at(following + dt.timedelta(days=1), _t("09:30"))
        approved = computed + dt.timedelta(days=1, hours=2)
        computed = min(computed, care.end - dt.timedelta(minutes=20))
        approved = min(approved, care.end - dt.timedelta(minutes=10))
        for shop in shops:
            rows = by_shop_month.get((shop.pk, month), [])
            reconciliation = Reconciliation(
                shop=shop,
                month=month,
                state=ReconciliationState.APPROVED,
                uses=len(rows),
                amount=sum((r.amount for r in rows), Decimal(0)),
                discount=sum((r.discount for r in rows), Decimal(0)),
                computed_at=computed,
                approved_by=approver,
                approved_at=approved,
            )
            reconciliations.append(reconciliation)
            for row in rows:
                row.reconciliation = reconciliation
    # bulk_create takes the ids of the reconciliations saved just before.
    Reconciliation.objects.bulk_create(reconciliations)
    Redemption.objects.bulk_create(redemptions, batch_size=1000)
    care.built.redemptions = len(redemptions)
    care.built.reconciliations = len(reconciliations)
    if flagged is not None and len(tuanjie) >= 2:
        second = next(
            (
                r
                for r in redemptions
                if r.card_id == flagged.pk
                and r.shop == tuanjie[1]
                and r.created_at == pair_at + dt.timedelta(minutes=7)
            ),
            None,
        )
        if second is not None:
            FraudFlag.objects.create(
                kind=FlagKind.TWO_SHOPS,
                state=FlagState.OPEN,
                card=flagged,
                shop=tuanjie[1],
                redemption=second,
                detail=f"同一张卡7分钟内先后在{tuanjie[0].name}和{tuanjie[1].name}使用",
                created_at=second.created_at,
            )
            care.built.flags = 1


# --- Visiting plans and visits --------------------------------------------------------------


def _visits(care: _Care, elders: list[_Elder]) -> None:
    """Fact orphans visited monthly by their grid's worker, people living alone weekly, through
    `care.visits` on the moved clock: each visit is proactive work in the needs' timeline and
    moves its plan on. One plan of each kind has had no visit for a while: it is overdue."""
    rng = care.visits_rng
    alone = [e.person for e in elders if e.person.lives_alone]
    people = [(p, 30) for p in care.orphans] + [(p, 7) for p in alone]
    if not people:
        return
    workers = _grid_workers(sorted({p.node for p, _every in people}, key=lambda n: n.code))
    late = {care.orphans[-1].pk if care.orphans else 0, alone[-1].pk if alone else 0}
    for person, every in people:
        worker = workers.get(person.node_id)
        if worker is None:
            continue
        days: list[dt.date] = []
        day = care.first + dt.timedelta(days=rng.randint(0, every - 1))
        # An overdue plan's last visit was a while ago: it is due a few days back.
        stop = care.today - dt.timedelta(days=every + (6 if every > 7 else 3))
        while True:
            while not care.working(day):
                day += dt.timedelta(days=1)
            if day >= care.today or (person.pk in late and day > stop):
                break
            days.append(day)
            day += dt.timedelta(
                days=every + (rng.randint(-1, 1) if every == 7 else rng.randint(-2, 9))
            )
        _plan_and_visits(care, rng, person, every, worker, days)
        care.built.plans += 1
        care.built.visits += len(days)


def _plan_and_visits(
    care: _Care,
    rng: random.Random,
    person: CaredPerson,
    every: int,
    worker: Person,
    days: list[dt.date],
) -> None:
    state: dict[str, VisitPlan] = {}
    orphan = every > 7

    def plan() -> None:
        state["plan"] = visits_service.plan_save(
            by=worker, person=person, every_days=every, visitor=worker
        )

    def visit(finding: str, note: str) -> Callable[[], None]:
        def record() -> None:
            visits_service.visit_record(
                by=worker, person=person, finding=finding, note=note, plan=state.get("plan")
            )
            care.built.records += 1

        return record

    care.later(care.at(care.first, _t("08:30")), plan)
    for day in days:
        draw = rng.random()
        if draw < 0.03:
            finding, note = VisitFinding.NOT_HOME, "家里没人，电话联系上了，在亲戚家"
        elif draw < 0.15:
            finding = VisitFinding.CONCERN
            note = rng.choice(VISIT_CONCERNS_ORPHAN if orphan else VISIT_CONCERNS_ALONE)
        else:
            finding = VisitFinding.WELL
            note = rng.choice(VISIT_NOTES_ORPHAN if orphan else VISIT_NOTES_ALONE)
        when = care.between(rng, day, "09:00", "17:30")
        care.later(when, visit(finding, note))
