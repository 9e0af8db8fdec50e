"""The demo's representatives (issue 20): Hongxing subdistrict's (红星街道) representatives'
home and two liaison stations, a dozen representatives, a weekly timetable and the receptions
held over the demo's history. Deterministic from the seed.

From the seed article: Hongxing "建成人大代表之家1处、代表联络站2处", its representatives
receive residents "定时定点", and in the year "共组织各类代表活动20余场次，参与代表近百人次…
接待群众超150人次，收集意见建议近60件". Over a year (`days=365`) the demo holds a reception
about every fifteen days by turns at the three places: some 24 receptions, ~4 representatives
present each (~100 participations), ~6–7 people received (~155) and 2–3 matters raised
(~60); the matters of the last sixty days that need action became needs (channel
"representative", the first representative present as their source), raised on a clock moved
to the reception's day.

The demo region has one community in Hongxing (顺元社区), so the home is at the community
(150502003001) and the two stations at its two big grids (the 顺元小区 and 红星家园 estates).
The representatives are the demo's people holding the representative role in Hongxing and in
the district (陈建华, the demo login 19900000008, among them, at the home), with two more made
here without a login.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import time_machine
from django.db.models import Max
from django.utils import timezone

from civicgrid.demo.mongolian import NNBSP
from civicgrid.demo.mongolian import place as place_mn
from civicgrid.demo.names import NameMaker
from civicgrid.needs import workflow
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Person, Role, RoleBinding
from civicgrid.representatives import receptions, services
from civicgrid.representatives.models import (
    Body,
    Level,
    LiaisonStation,
    ReceptionMatter,
    Representative,
    StationKind,
)
from civicgrid.services.models import Room, RoomKind

SEED = 20
CITY = "150500"
DISTRICT = "150502"
HONGXING = "150502003"
SHUNYUAN = "150502003001"
HOME_NAME = "红星人大代表之家"
LOGIN_MOBILE = "19900000008"
EVERY_DAYS = 15
NEED_DAYS = 60

TOPICS = (
    "书香人大 悦读相伴",
    "代表进家入站接待日",
    "老旧小区改造意见征集",
    "民生实事项目征求意见",
    "物业服务问题座谈",
    "法律法规宣讲",
    "就业创业政策咨询",
    "冬季供暖听取意见",
)
# The matter, the answer given, and the kind of need it became when it needed action ("").
MATTERS = (
    ("小区路灯不亮，晚上出行不便", "已联系社区物业，本周内维修", "hazards"),
    ("楼道堆放杂物，存在消防隐患", "社区网格员上门劝导清理", "hazards"),
    ("希望增设老年人助餐点", "纳入街道民生实事项目建议", ""),
    ("小区停车位紧张，乱停车现象多", "建议物业规划停车位，代表跟进", "suggestions"),
    ("冬季供暖温度不达标", "已转热力公司核实", "opinion"),
    ("希望多开展法律咨询活动", "代表之家每月开展一次", ""),
    ("背街小巷路面破损", "已反映至区住建部门", "suggestions"),
    ("垃圾清运不及时", "联系环卫部门增加清运次数", "suggestions"),
    ("灵活就业人员社保政策咨询", "代表当场解答", ""),
    ("希望增加公交线路", "代表将在区人代会上提出建议", ""),
    ("老旧小区加装电梯意愿调查", "社区牵头征集居民意见", ""),
    ("孩子放学后无人看护", "建议开办社区四点半课堂", ""),
)
TITLES = (
    "顺元社区党委书记",
    "科尔沁区第一中学教师",
    "红星街道卫生服务中心医生",
    "个体工商户",
    "内蒙古龙马重工集团有限公司职工",
    "退休干部",
    "律师",
    "社区居民",
)


@dataclass
class Built:
    stations: int = 0
    representatives: int = 0
    receptions: int = 0
    people: int = 0
    participations: int = 0
    matters: int = 0
    needs: int = 0


def _node(code: str) -> Node | None:
    return Node.objects.filter(code=code).first()


def _holders(node: Node) -> list[Person]:
    """People with the representative role bound in `node`'s subtree, in a stable order."""
    return list(
        Person.objects.filter(
            roles__role=Role.REPRESENTATIVE, roles__node__path__startswith=node.path
        )
        .distinct()
        .order_by("pk")
    )


def _staff(node: Node) -> list[Person]:
    return list(
        Person.objects.filter(
            roles__role=Role.COMMUNITY_STAFF, roles__node=node, is_active=True
        ).order_by("pk")
    )


def build_representatives(*, days: int, end: dt.datetime | None = None) -> Built:
    """Build Hongxing's home, stations, representatives, timetable and receptions over the
    last `days` days (precondition: the demo region exists; without Hongxing nothing is
    built, and a database that already holds the home is left as it is)."""
    end = (end or timezone.now()).replace(microsecond=0)
    hongxing, shunyuan = _node(HONGXING), _node(SHUNYUAN)
    if hongxing is None or shunyuan is None:
        return Built()
    if LiaisonStation.objects.filter(node=shunyuan, name=HOME_NAME).exists():
        return Built()
    rng = random.Random(SEED)
    staff = _staff(shunyuan) or _staff(hongxing)
    admin = Person.objects.filter(is_superuser=True).order_by("pk").first()
    by = staff[0] if staff else admin
    if by is None:
        return Built()
    built = Built()
    stations = _stations(shunyuan, by=by, staff=staff[:2])
    built.stations = len(stations)
    reps = _representatives(rng, hongxing, stations, by=by)
    built.representatives = len(reps)
    _timetable(stations, reps, by=by)
    _receptions(rng, stations, reps, by=by, days=days, end=end, built=built)
    return built


def _stations(shunyuan: Node, *, by: Person, staff: list[Person]) -> list[LiaisonStation]:
    room = Room.objects.create(
        node=shunyuan,
        name="代表之家接待室",
        name_en="Representatives' reception room",
        kind=RoomKind.FUNCTION,
        capacity=30,
        equipment="会议桌、投影仪",
    )
    home = services.station_save(
        by=by,
        node=shunyuan,
        kind=StationKind.HOME,
        name=HOME_NAME,
        name_en="Hongxing representatives' home",
        # 红星 + "the representatives' home"; the Mongolian pages name it so.
        name_mn=f"ᠬᠦᠩ ᠰᠢᠩ ᠲᠥᠯᠦᠭᠡᠯᠡᠭᠴᠢᠳ{NNBSP}ᠦᠨ ᠭᠡᠷ",
        address="顺元社区党群服务中心二楼",
        phone="0475-8231234",
        lat=43.6205,
        lon=122.2612,
        room=room,
        staff=staff,
    )
    rows = [home]
    for number, (estate, estate_en) in enumerate(
        (("顺元小区", "Shunyuan Estate"), ("红星家园", "Hongxing Homes")), start=1
    ):
        grid = _node(f"{SHUNYUAN}-G{number}")
        if grid is None:
            continue
        rows.append(
            services.station_save(
                by=by,
                node=grid,
                kind=StationKind.STATION,
                name=f"{estate}代表联络站",
                name_en=f"{estate_en} liaison station",
                # Shunyuan community's n-th liaison station.
                name_mn=f"{place_mn('顺元社区')} {number}{NNBSP}ᠳᠤᠭᠠᠷ ᠬᠣᠯᠪᠣᠭ᠎ᠠ ᠪᠠᠷᠢᠬᠤ ᠥᠷᠲᠡᠭᠡ",
                address=f"{estate}{number}号楼一层",
                phone=f"0475-823{1234 + number}",
                lat=43.6205 + 0.002 * number,
                lon=122.2612 - 0.002 * number,
                staff=staff[:1],
            )
        )
    return rows


def _representatives(
    rng: random.Random, hongxing: Node, stations: list[LiaisonStation], *, by: Person
) -> list[Representative]:
    """About a dozen: city and district people's congress deputies and district party
    congress delegates, from Hongxing's and the district's representative-role holders;
    陈建华 (the demo login) a district deputy at the home."""
    district, city = _node(DISTRICT), _node(CITY)
    people = _holders(district) if district is not None else _holders(hongxing)
    names = NameMaker(random.Random(SEED + 1))
    for _i in range(max(0, 12 - len(people))):
        person = Person.objects.create_user(mobile=None, name=names.han(), password=None)
        RoleBinding.objects.create(person=person, role=Role.REPRESENTATIVE, node=hongxing)
        people.append(person)
    login = next((p for p in people if p.mobile == LOGIN_MOBILE), None)
    if login is not None:
        people.remove(login)
        people.insert(0, login)
    home, *others = stations
    mandates = []
    for index, person in enumerate(people[:12]):
        if index < 6:
            body, level, node = Body.PEOPLES_CONGRESS, Level.BANNER, district
        elif index < 9:
            body, level, node = Body.PEOPLES_CONGRESS, Level.LEAGUE, city
        else:
            body, level, node = Body.PARTY_CONGRESS, Level.BANNER, district
        station = home if index % 3 == 0 or not others else others[index % len(others)]
        title = TITLES[index % len(TITLES)]
        mandates.append(
            services.representative_save(
                by=by,
                person=person,
                body=body,
                level=level,
                node=node or hongxing,
                constituency=[hongxing],
                station=station,
                title=title,
                profile=f"{title}，{'履职' if index % 2 else '扎根社区'}多年，定期进家入站。",
                term="2021–2026" if body == Body.PARTY_CONGRESS else "2022–2027",
                public=index != 11,  # one profile waits for the representative's consent
            )
        )
    return mandates


def _timetable(stations: list[LiaisonStation], reps: list[Representative], *, by: Person) -> None:
    home, *others = stations
    at_home = [r for r in reps if r.station_id == home.pk]
    services.time_save(
        by=by, station=home, weekday=1, starts=dt.time(9), ends=dt.time(11), representative=reps[0]
    )
    if len(at_home) > 1:
        services.time_save(
            by=by,
            station=home,
            weekday=3,
            starts=dt.time(15),
            ends=dt.time(17),
            representative=at_home[1],
        )
    services.time_save(
        by=by, station=home, weekday=0, week_of_month=1, starts=dt.time(9), ends=dt.time(11)
    )
    for number, station in enumerate(others):
        if number == 0:
            services.time_save(
                by=by, station=station, weekday=2, starts=dt.time(9), ends=dt.time(11)
            )
        else:
            for week in (2, 4):
                services.time_save(
                    by=by,
                    station=station,
                    weekday=4,
                    week_of_month=week,
                    starts=dt.time(14, 30),
                    ends=dt.time(16, 30),
                )


def _receptions(
    rng: random.Random,
    stations: list[LiaisonStation],
    reps: list[Representative],
    *,
    by: Person,
    days: int,
    end: dt.datetime,
    built: Built,
) -> None:
    today = timezone.localdate(end)
    first = today - dt.timedelta(days=max(days, 1) - 1)
    count = max(1, days // EVERY_DAYS)
    first_need = Need.objects.aggregate(m=Max("pk"))["m"] or 0
    raise_later: list[tuple[dt.datetime, ReceptionMatter, str]] = []
    for i in range(count):
        day = first + dt.timedelta(days=i * EVERY_DAYS + rng.randint(0, 3))
        if day >= today:
            break
        station = stations[i % len(stations)]
        local = [r for r in reps if r.station_id == station.pk]
        present = rng.sample(reps, k=min(len(reps), rng.randint(3, 5)))
        present = list(dict.fromkeys(local[:1] + present))[:5]
        picked = rng.sample(MATTERS, k=rng.choice((2, 2, 3, 3)))
        names = NameMaker(random.Random(SEED * 1000 + i))
        reception = receptions.reception_record(
            by=by,
            station=station,
            day=day,
            starts=dt.time(9) if i % 2 == 0 else dt.time(15),
            ends=dt.time(11) if i % 2 == 0 else dt.time(17),
            representatives=present,
            topic=TOPICS[i % len(TOPICS)],
            attendance=rng.randint(4, 9),
            matters=[
                receptions.MatterIn(summary=summary, raised_by=names.han(), answer=answer)
                for summary, answer, _needs in picked
            ],
            now=end,
        )
        built.receptions += 1
        built.people += reception.attendance
        built.participations += len(present)
        built.matters += len(picked)
        if (today - day).days <= NEED_DAYS:
            for matter, (_s, _a, code) in zip(
                reception.matters.order_by("pk"), picked, strict=True
            ):
                if code:
                    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
                    raise_later.append((noon, matter, code))
                    break
    kinds = {c.code: c for c in receptions.need_categories()}
    for when, matter, code in sorted(raise_later, key=lambda row: (row[0], row[1].pk)):
        category = kinds.get(code)
        if category is None:
            continue
        with time_machine.travel(when, tick=False):
            receptions.matter_to_need(by=by, matter=matter, category=category)
        built.needs += 1
    workflow.follow_up_pending(after=first_need)
