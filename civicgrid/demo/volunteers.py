"""The demo's people who serve: the seed's teams and their year of activities, party members
registered with their communities (双报到), a paired hospital's free clinics, community feasts,
and micro-wishes in every state. Deterministic from the seed.

History is written as the state machines would have written it (rows and their events,
numbered per record and written in one batch), on the days it happened; points are then rebuilt
from the events (`volunteers.points.rebuild`) and each team's months are checked against its rule
(`volunteers.tasks.check_team_months`), as the worker does on the check day of each month.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from civicgrid.demo.places import SHANBA_CODE
from civicgrid.network.models import (
    Membership,
    Node,
    Organisation,
    OrgKind,
    Person,
    Role,
)
from civicgrid.volunteers import events, points
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    Registration,
    RegistrationState,
    SignUp,
    SignUpState,
    Team,
    TeamKind,
    Theme,
    VolunteerEvent,
    Wish,
    WishState,
)
from civicgrid.volunteers.tasks import check_team_months

SEED = 2016  # the year 双报到 began

QINGYUAN = "150204001001"
SHANGDU = "152525102001"
TUANJIE = "152224000001"
SHANBA_HOME = f"{SHANBA_CODE}001"  # the demo community staff's and grid worker's community
HOSPITAL = "突泉县蒙中医医院（结对义诊）"


@dataclass
class Built:
    teams: int = 0
    activities: int = 0
    signups: int = 0
    registrations: int = 0
    wishes: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _people(role: str, code: str) -> list[Person]:
    return list(
        Person.objects.filter(roles__role=role, roles__node__code=code).order_by("id").distinct()
    )


def _staff(code: str) -> Person | None:
    return (
        Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node__code=code)
        .order_by("mobile")
        .first()
    )


def _grid_worker(community: Node) -> Person | None:
    return (
        Person.objects.filter(
            roles__role=Role.GRID_WORKER, roles__node__path__startswith=community.path
        )
        .order_by("mobile")
        .first()
    )


class _Log:
    """The events of the demo's history, numbered per record and written in one batch: the
    subscribers (points) are not called for each, their state is rebuilt from the log after."""

    def __init__(self) -> None:
        self.rows: list[VolunteerEvent] = []
        self.seq: dict[tuple[str, int], int] = {}

    def append(
        self,
        record: Registration | Activity | Wish,
        action: str,
        *,
        now: dt.datetime,
        actor: Person | None = None,
        person: Person | None = None,
        from_state: str = "",
        to_state: str = "",
        note: str = "",
        data: events.EventData | None = None,
    ) -> None:
        field = type(record).__name__.lower()
        key = (field, record.pk)
        self.seq[key] = self.seq.get(key, 0) + 1
        self.rows.append(
            VolunteerEvent(
                **{field: record},
                seq=self.seq[key],
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor=actor,
                person=person,
                note=note,
                data=(data or events.Plain()).to_data(),
                created_at=now,
            )
        )

    def write(self) -> None:
        VolunteerEvent.objects.bulk_create(self.rows, batch_size=500)


class _Year:
    def __init__(self, *, seed: int, end: dt.datetime, days: int) -> None:
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - dt.timedelta(days=days)
        self.nodes = {n.code: n for n in Node.objects.filter(code__in=self._codes())}
        self.built = Built()
        self.log = _Log()

    @staticmethod
    def _codes() -> list[str]:
        return [QINGYUAN, SHANGDU, TUANJIE, SHANBA_CODE] + [
            f"{SHANBA_CODE}{i:03d}" for i in range(1, 6)
        ]

    def key(self) -> str:
        return "".join(self.rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(22))

    # --- teams ------------------------------------------------------------------------------

    def team(
        self,
        name: str,
        name_en: str,
        *,
        code: str,
        kind: str,
        theme: str,
        members: list[Person],
        leaders: list[Person],
    ) -> Team:
        org = Organisation.objects.create(name=name, kind=OrgKind.TEAM, node=self.nodes[code])
        team = Team.objects.create(organisation=org, kind=kind, theme=theme, name_en=name_en)
        team.leaders.set(leaders)
        Membership.objects.bulk_create(
            [
                Membership(organisation=org, person=p, title="队长" if p in leaders else "")
                for p in dict.fromkeys([*leaders, *members])
            ]
        )
        self.built.teams += 1
        return team

    # --- activities -------------------------------------------------------------------------

    def activity(
        self,
        *,
        title: str,
        title_en: str,
        theme: str,
        code: str,
        day: dt.date,
        hour: int,
        hours: int,
        people: list[Person],
        team: Team | None = None,
        organiser_org: Organisation | None = None,
        audience: str = Audience.MEMBERS,
        capacity: int | None = None,
        place: str = "",
        description: str = "",
        summary: str = "",
        solved: int = 0,
        state: str | None = None,
        by: Person | None = None,
    ) -> Activity:
        node = self.nodes[code]
        tz = timezone.get_current_timezone()
        starts = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
        ends = starts + dt.timedelta(hours=hours)
        past = ends < self.end
        if state is None:
            state = ActivityState.RECORDED if past else ActivityState.OPEN
        activity = Activity.objects.create(
            title=title,
            title_en=title_en,
            theme=theme,
            description=description,
            team=team,
            organiser_org=organiser_org,
            node=node,
            place_detail=place,
            lat=node.lat,
            lon=node.lon,
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            audience=audience,
            state=ActivityState.PLANNED,
            checkin_key=self.key(),
            created_by=by,
        )
        created = starts - dt.timedelta(days=self.rng.randint(5, 12))
        self.log.append(activity, "create", actor=by, to_state="planned", now=created)
        if state == ActivityState.PLANNED:
            self.built.activities += 1
            return activity
        opened = created + dt.timedelta(hours=2)
        self.log.append(
            activity, "open", actor=by, from_state="planned", to_state="open", now=opened
        )
        if state == ActivityState.CANCELLED:
            self.log.append(
                activity,
                "cancel",
                actor=by,
                from_state="open",
                to_state="cancelled",
                note="天气原因（大风），改期举行",
                now=starts - dt.timedelta(hours=20),
            )
            Activity.objects.filter(pk=activity.pk).update(
                state=state, cancel_reason="天气原因（大风），改期举行"
            )
            self.built.activities += 1
            return activity
        # Sign-ups before the day; on a full activity the last ones wait.
        signed = people[: (capacity or len(people)) + 2]
        confirmed: list[Person] = []
        rows = []
        for index, person in enumerate(signed):
            at = opened + dt.timedelta(minutes=30 + 17 * index)
            waiting = capacity is not None and len(confirmed) >= capacity
            if not waiting:
                confirmed.append(person)
            rows.append((person, at, waiting))
            self.log.append(
                activity,
                "sign_up",
                actor=person,
                person=person,
                data=events.SignedUp(waiting=waiting),
                now=at,
            )
        SignUp.objects.bulk_create(
            [
                SignUp(
                    activity=activity,
                    person=p,
                    state=SignUpState.WAITING if waiting else SignUpState.CONFIRMED,
                    created_at=at,
                )
                for p, at, waiting in rows
            ]
        )
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=len(confirmed))
        self.built.signups += len(rows)
        if not past:
            Activity.objects.filter(pk=activity.pk).update(state=ActivityState.OPEN)
            self.built.activities += 1
            return activity
        # The day: most of those signed up check in; then it is held and recorded.
        came = [p for p in confirmed if self.rng.random() < 0.88] or confirmed[:1]
        for person in came:
            at = starts - dt.timedelta(minutes=self.rng.randint(0, 25))
            distance = self.rng.randint(5, 300)
            self.log.append(
                activity,
                "check_in",
                actor=person,
                person=person,
                data=events.CheckedIn(distance_m=distance),
                now=at,
            )
            SignUp.objects.filter(activity=activity, person=person).update(
                checked_in_at=at, checkin_distance_m=distance
            )
        self.log.append(activity, "hold", actor=by, from_state="open", to_state="held", now=ends)
        if state == ActivityState.HELD:
            Activity.objects.filter(pk=activity.pk).update(state=state)
            self.built.activities += 1
            return activity
        recorded = ends + dt.timedelta(hours=3)
        minutes = hours * 60
        self.log.append(
            activity,
            "record",
            actor=by,
            from_state="held",
            to_state="recorded",
            data=events.Recorded(
                duration_minutes=minutes, solved_count=solved, attendance=len(came)
            ),
            now=recorded,
        )
        credit = Decimal(minutes) / 60
        for person in came:
            self.log.append(
                activity,
                "credit",
                actor=by,
                person=person,
                data=events.Credited(hours=f"{credit:.2f}"),
                now=recorded,
            )
        SignUp.objects.filter(activity=activity, person__in=came).update(hours=credit)
        Activity.objects.filter(pk=activity.pk).update(
            state=ActivityState.RECORDED,
            duration_minutes=minutes,
            summary=summary or title,
            solved_count=solved,
            solved=f"解决实际问题{solved}件" if solved else "",
        )
        self.built.activities += 1
        return activity

    def months(self) -> list[dt.date]:
        """The first day of each month from the start's month to the end's."""
        first = self.start.date().replace(day=1)
        out = []
        while first <= self.end.date():
            out.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return out

    def day_in(self, month: dt.date, low: int = 3, high: int = 26) -> dt.date:
        return month.replace(day=self.rng.randint(low, high))


def build_demo_volunteers(*, seed: int = SEED, days: int = 365) -> Built:
    """Build the people who serve in the demo region (precondition: the region exists)."""
    end = timezone.now().replace(microsecond=0)
    year = _Year(seed=seed, end=end, days=days)
    nodes = year.nodes
    rng = year.rng

    # --- 双报到: Qingyuan's 150 party-member residents and the other communities' members.
    registrations = []
    for code in [QINGYUAN, *(f"{SHANBA_CODE}{i:03d}" for i in range(1, 6)), TUANJIE]:
        staff = _staff(code)
        for index, person in enumerate(_people(Role.PARTY_MEMBER, code)):
            asked = year.start + dt.timedelta(days=rng.randint(0, max(days - 30, 1)))
            pending = code == SHANBA_HOME and index == 0
            registrations.append(
                Registration(
                    person=person,
                    community=nodes[code],
                    party_org_name=rng.choice(
                        ["包钢集团党委", "青山区教育局党组", "市税务局机关党委", "区医院党支部"]
                    ),
                    work_unit=rng.choice(["包钢集团", "第一中学", "税务局", "区医院"]),
                    skills=rng.choice(["理发", "家电维修", "政策宣讲", "法律咨询", "陪诊"]),
                    state=RegistrationState.REQUESTED if pending else RegistrationState.APPROVED,
                    decided_by=None if pending else staff,
                    decided_at=None if pending else asked + dt.timedelta(days=1),
                    created_at=end - dt.timedelta(days=index + 1) if pending else asked,
                )
            )
    Registration.objects.bulk_create(registrations)
    for registration in Registration.objects.filter(person__isnull=False).order_by("id"):
        year.log.append(
            registration,
            "request",
            actor=registration.person,
            to_state="requested",
            data=events.Requested(community=registration.community_id),
            now=registration.created_at,
        )
        if registration.state == RegistrationState.APPROVED:
            year.log.append(
                registration,
                "approve",
                actor=registration.decided_by,
                from_state="requested",
                to_state="approved",
                now=registration.decided_at or registration.created_at,
            )
    hospital = Organisation.objects.get(name=HOSPITAL)
    unit_registration = Registration.objects.create(
        unit=hospital,
        community=nodes[TUANJIE],
        state=RegistrationState.APPROVED,
        decided_by=_staff(TUANJIE),
        decided_at=year.start + dt.timedelta(days=3),
        created_at=year.start + dt.timedelta(days=1),
    )
    year.log.append(
        unit_registration,
        "request",
        to_state="requested",
        data=events.Requested(community=nodes[TUANJIE].pk, unit=hospital.pk),
        now=unit_registration.created_at,
    )
    year.log.append(
        unit_registration,
        "approve",
        actor=unit_registration.decided_by,
        from_state="requested",
        to_state="approved",
        now=unit_registration.decided_at or unit_registration.created_at,
    )
    year.built.registrations = Registration.objects.count()

    # --- Teams.
    shangdu_people = _people(Role.VOLUNTEER, SHANGDU)
    herders = year.team(
        "尚都嘎查“我帮你”志愿服务队",
        "Shangdu 'I help you' volunteers",
        code=SHANGDU,
        kind=TeamKind.VOLUNTEER,
        theme=Theme.HERDING,
        members=shangdu_people,
        leaders=shangdu_people[:1],  # 其其格, the demo volunteer login
    )
    dama_people = [p for i in range(1, 6) for p in _people(Role.VOLUNTEER, f"{SHANBA_CODE}{i:03d}")]
    dama = year.team(
        "陕坝大妈帮帮团",
        "Shanba aunties' help team",
        code=SHANBA_HOME,
        kind=TeamKind.VOLUNTEER,
        theme=Theme.NEIGHBOURS,
        members=dama_people,
        leaders=dama_people[:2],
    )
    qingyuan_members = _people(Role.PARTY_MEMBER, QINGYUAN)
    vanguard = year.team(
        "青园社区党员先锋队",
        "Qingyuan party-member vanguard",
        code=QINGYUAN,
        kind=TeamKind.PARTY,
        theme=Theme.NEIGHBOURS,
        members=qingyuan_members[:40],
        leaders=qingyuan_members[:1],  # 马俊, the demo party-member login
    )
    tuanjie_people = _people(Role.VOLUNTEER, TUANJIE) + _people(Role.PARTY_MEMBER, TUANJIE)
    green = year.team(
        "团结社区环保志愿队",
        "Tuanjie green volunteers",
        code=TUANJIE,
        kind=TeamKind.VOLUNTEER,
        theme=Theme.ENVIRONMENT,
        members=tuanjie_people,
        leaders=tuanjie_people[:1],
    )

    # --- A year of activities.
    months = year.months()
    last_full = months[-2] if len(months) > 1 else months[-1]
    for month in months:
        current = month == months[-1]
        limit = year.end.date().day - 1 if current else 26
        if current and limit < 3:
            continue
        # Shangdu shears in early summer and helps with herding the rest of the year.
        shearing = month.month in (5, 6, 7)
        year.activity(
            title="帮助牧户剪羊毛" if shearing else "入户帮扶牧户",
            title_en="Helping herders shear sheep" if shearing else "Helping herding households",
            theme=Theme.HERDING,
            code=SHANGDU,
            day=year.day_in(month, 3, limit),
            hour=7,
            hours=6 if shearing else 3,
            people=shangdu_people,
            team=herders,
            place="尚都嘎查牧户草场",
            summary="身穿“我帮你”红马甲，为牧户剪羊毛、修棚圈。",
            solved=rng.randint(2, 6),
            by=shangdu_people[0] if shangdu_people else None,
        )
        # The aunties' team: neighbourly help and its monthly review meeting.
        year.activity(
            title="邻里互助：清理楼道、看望独居老人",
            title_en="Neighbourly help: stairwells and visits",
            theme=Theme.NEIGHBOURS,
            code=SHANBA_HOME,
            day=year.day_in(month, 3, limit),
            hour=9,
            hours=2,
            people=dama_people,
            team=dama,
            solved=rng.randint(1, 5),
            by=dama_people[0] if dama_people else None,
        )
        year.activity(
            title="帮帮团月度评议会",
            title_en="Help team's monthly review",
            theme=Theme.REVIEW,
            code=SHANBA_HOME,
            day=min(year.day_in(month, 24, 28), year.end.date() - dt.timedelta(days=1))
            if current
            else year.day_in(month, 24, 28),
            hour=15,
            hours=1,
            people=dama_people,
            team=dama,
            audience=Audience.TEAM,
            place="陕坝镇党群服务中心会议室",
            summary="评议本月帮扶情况，商定下月服务清单。",
            by=dama_people[0] if dama_people else None,
        )
        # Qingyuan's vanguard: twice a month, with capacity (it fills up).
        for slot in range(2):
            if 3 + slot * 12 > limit:
                continue  # early in the current month: the second one has not happened yet
            year.activity(
                title=rng.choice(
                    ["政策宣讲进楼栋", "为老人上门理发", "家电义务维修", "小区环境整治"]
                ),
                title_en="Qingyuan vanguard service",
                theme=rng.choice([Theme.POLICY, Theme.REPAIRS, Theme.ENVIRONMENT, Theme.VISITS]),
                code=QINGYUAN,
                day=year.day_in(month, 3 + slot * 12, min(limit, 14 + slot * 12)),
                hour=9 + slot * 5,
                hours=2,
                people=rng.sample(qingyuan_members, min(18, len(qingyuan_members))),
                team=vanguard,
                capacity=15,
                solved=rng.randint(0, 4),
                by=qingyuan_members[0] if qingyuan_members else None,
            )
        # Tuanjie's green team misses the last full month: the dashboard flags it.
        if month != last_full:
            year.activity(
                title="清理街巷垃圾",
                title_en="Clearing the lanes",
                theme=Theme.ENVIRONMENT,
                code=TUANJIE,
                day=year.day_in(month, 3, limit),
                hour=8,
                hours=2,
                people=tuanjie_people,
                team=green,
                by=tuanjie_people[0] if tuanjie_people else None,
            )
        # The paired hospital's free clinic, every quarter, open to everyone.
        if month.month % 3 == 0:
            year.activity(
                title="蒙中医义诊进社区",
                title_en="Free Mongolian-medicine clinic",
                theme=Theme.CLINIC,
                code=TUANJIE,
                day=year.day_in(month, 3, limit),
                hour=9,
                hours=3,
                people=tuanjie_people,
                organiser_org=hospital,
                audience=Audience.PUBLIC,
                place="团结社区党群服务中心",
                description="突泉县蒙中医医院“双报到”结对义诊：量血压、测血糖、针灸推拿。",
                solved=rng.randint(20, 60),
                by=_staff(TUANJIE),
            )
    # Community events: the hundred-family feast in winter, the neighbours' festival in summer.
    for month in months:
        if month.month in (1, 7) and month < months[-1]:
            feast = month.month == 1
            year.activity(
                title="百家宴" if feast else "睦邻节",
                title_en="Hundred-family feast" if feast else "Neighbours' festival",
                theme=Theme.EVENT,
                code=QINGYUAN,
                day=year.day_in(month, 10, 20),
                hour=11 if feast else 18,
                hours=3,
                people=qingyuan_members[:60],
                organiser_org=None,
                audience=Audience.PUBLIC,
                capacity=120,
                place="青园社区广场",
                summary="居民各带一道家常菜，党员志愿者布置场地、照顾老人。",
                by=_staff(QINGYUAN),
            )
    # What is coming: open for sign-up in the next two weeks, and one planned, one cancelled.
    soon = year.end.date()
    year.activity(
        title="冬季送温暖·入户走访",
        title_en="Winter visits to elderly residents",
        theme=Theme.VISITS,
        code=QINGYUAN,
        day=soon + dt.timedelta(days=3),
        hour=9,
        hours=3,
        people=qingyuan_members[1:9],
        team=vanguard,
        capacity=10,
        by=qingyuan_members[0] if qingyuan_members else None,
    )
    year.activity(
        title="政策宣讲：医保缴费",
        title_en="Medical insurance: what to pay and when",
        theme=Theme.POLICY,
        code=QINGYUAN,
        day=soon + dt.timedelta(days=6),
        hour=14,
        hours=2,
        people=qingyuan_members[10:13],
        team=vanguard,
        audience=Audience.PUBLIC,
        capacity=40,
        by=qingyuan_members[0] if qingyuan_members else None,
    )
    year.activity(
        title="邻里互助：为独居老人送冬菜",
        title_en="Neighbourly help: winter vegetables for elderly people living alone",
        theme=Theme.NEIGHBOURS,
        code=SHANBA_HOME,
        day=soon + dt.timedelta(days=4),
        hour=9,
        hours=3,
        people=dama_people[:6],
        team=dama,
        capacity=12,
        by=dama_people[0] if dama_people else None,
    )
    year.activity(
        title="帮帮团月度评议会",
        title_en="Help team's monthly review",
        theme=Theme.REVIEW,
        code=SHANBA_HOME,
        day=soon + dt.timedelta(days=9),
        hour=15,
        hours=1,
        people=[],
        team=dama,
        audience=Audience.TEAM,
        state=ActivityState.PLANNED,
        by=dama_people[0] if dama_people else None,
    )
    year.activity(
        title="冬季补饲草料搬运",
        title_en="Carrying winter fodder",
        theme=Theme.HERDING,
        code=SHANGDU,
        day=soon + dt.timedelta(days=2),
        hour=8,
        hours=4,
        people=shangdu_people[:4],
        team=herders,
        state=ActivityState.CANCELLED,
        by=shangdu_people[0] if shangdu_people else None,
    )

    # --- Micro-wishes in every state.
    year.built.wishes = _wishes(year, qingyuan_members, dama_people)
    year.log.write()
    points.rebuild()
    # The worker's monthly check, on each check day of the year.
    for month in year.months()[1:]:
        check_day = month.replace(day=settings.VOLUNTEER_TEAM_CHECK_DAY)
        moment = dt.datetime.combine(check_day, dt.time(8), tzinfo=timezone.get_current_timezone())
        if moment <= end:
            check_team_months(now=moment)

    year.built.states = {
        state: Activity.objects.filter(state=state).count() for state in ActivityState.values
    }
    return year.built


_WISHES = (
    ("一台收音机", "一位独居老人", "老人眼睛不好，想听广播。"),
    ("冬天的棉鞋一双", "一位老人", "腿脚怕冷，想要一双厚棉鞋。"),
    ("孩子的课外书", "小明", "三年级，喜欢科普读物。"),
    ("轮椅一辆", "一位行动不便的老人", "出门看病需要轮椅。"),
    ("老花镜", "一位老人", "想看清药盒上的字。"),
    ("一次上门理发", "一位卧床老人", "卧床半年，想理个发过年。"),
    ("书包和文具", "小红", "开学需要新书包。"),
    ("电暖器", "一位独居老人", "平房冬天冷。"),
    ("陪同去医院复查", "一位老人", "子女在外地，想有人陪着去复查。"),
    ("智能手机教学", "一位老人", "想学会视频通话，和外地的孙子聊天。"),
)


def _wishes(year: _Year, members: list[Person], dama: list[Person]) -> int:
    rng = year.rng
    made = 0
    spread = [
        WishState.CONFIRMED,
        WishState.CONFIRMED,
        WishState.CONFIRMED,
        WishState.FULFILLED,
        WishState.CLAIMED,
        WishState.POSTED,
        WishState.POSTED,
        WishState.WITHDRAWN,
    ]
    for code, claimers in ((QINGYUAN, members), (SHANBA_HOME, dama)):
        community = year.nodes[code]
        poster = _grid_worker(community) or _staff(code)
        for index in range(24):
            title, public, story = _WISHES[index % len(_WISHES)]
            state = spread[index % len(spread)]
            if index >= len(spread) * 2:
                state = WishState.CONFIRMED
            created = year.end - dt.timedelta(days=rng.randint(3, 330))
            if state in (WishState.POSTED, WishState.CLAIMED, WishState.FULFILLED):
                created = year.end - dt.timedelta(days=rng.randint(1, 20))
            wish = Wish.objects.create(
                community=community,
                title=title,
                story=story,
                public_name=public,
                person_name=rng.choice("王李张刘陈杨") + rng.choice(["秀英", "桂兰", "建国"]),
                person_mobile=f"1{rng.choice('358')}{rng.randint(100000000, 999999999)}",
                needed_by=(created + dt.timedelta(days=30)).date(),
                state=WishState.POSTED,
                posted_by=poster,
                created_at=created,
            )
            year.log.append(wish, "post", actor=poster, to_state="posted", now=created)
            made += 1
            if state == WishState.POSTED:
                continue
            if state == WishState.WITHDRAWN:
                year.log.append(
                    wish,
                    "withdraw",
                    actor=poster,
                    from_state="posted",
                    to_state="withdrawn",
                    note="家属已经帮忙解决",
                    now=created + dt.timedelta(days=2),
                )
                Wish.objects.filter(pk=wish.pk).update(
                    state=state, withdraw_reason="家属已经帮忙解决"
                )
                continue
            claimer = claimers[rng.randrange(len(claimers))] if claimers else None
            if claimer is None:
                continue
            claimed = created + dt.timedelta(hours=rng.randint(3, 72))
            year.log.append(
                wish,
                "claim",
                actor=claimer,
                person=claimer,
                from_state="posted",
                to_state="claimed",
                data=events.Claimed(),
                now=claimed,
            )
            Wish.objects.filter(pk=wish.pk).update(
                state=WishState.CLAIMED, claimed_by=claimer, claimed_at=claimed
            )
            if state == WishState.CLAIMED:
                continue
            fulfilled = claimed + dt.timedelta(days=rng.randint(1, 6))
            note = f"已送到老人家中：{title}。"
            year.log.append(
                wish,
                "fulfil",
                actor=claimer,
                person=claimer,
                from_state="claimed",
                to_state="fulfilled",
                note=note,
                now=fulfilled,
            )
            Wish.objects.filter(pk=wish.pk).update(
                state=WishState.FULFILLED, fulfilled_note=note, fulfilled_at=fulfilled
            )
            if state == WishState.FULFILLED:
                continue
            confirmed = fulfilled + dt.timedelta(hours=rng.randint(2, 30))
            year.log.append(
                wish,
                "confirm",
                actor=poster,
                person=claimer,
                from_state="fulfilled",
                to_state="confirmed",
                now=confirmed,
            )
            Wish.objects.filter(pk=wish.pk).update(
                state=WishState.CONFIRMED, confirmed_at=confirmed
            )
    return made
