"""The demo's department reviews (部门评议, issue 20): Hongxing subdistrict's QR mailbox, where
the subdistrict's people's congress work committee (街道人大工委) has residents review the
departments that serve them ("被评议部门"). Last year's round is closed with its results
published (about 200 reviews of six departments, a few comments shown on the public page);
this year's round is open, with its first reviews in. Deterministic from the seed.

The departments are organisations of 科尔沁区 (made here when missing): 城管, 住建, 市场监管,
the heating company, the police station and social security. Each has its own believable
spread of scores (the heating company draws the winter's complaints; the police station is
well liked). Reviews are written in bulk as `responses.response_submit` would have left them
(a keyed digest of a made-up phone, never the phone); the rounds' moves go through
`rounds.py` on their days, so their timelines hold them.

The demo login it adds: 高秀兰, 19900000031, staff of 红星街道 who runs the reviews.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from civicgrid.core.hashing import phone_digest
from civicgrid.demo.login import DEMO_PASSWORD
from civicgrid.demo.mongolian import NNBSP
from civicgrid.network.models import (
    Node,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    UnitKind,
)
from civicgrid.reviews import rounds, services
from civicgrid.reviews.models import Answer, Department, QuestionKind, Response, Round

SEED = 20
HONGXING = "150502003"
DISTRICT = "150502"
STAFF_LOGIN = ("高秀兰", "19900000031")
ADMIN_LOGIN = "19900000001"
PHONES = 19904900000  # the reviewers' made-up phones (only their digests are kept)

# name, unit kind, Mongolian name (a draft), mean score, how often they comment
DEPARTMENTS: tuple[tuple[str, str, str, float, float], ...] = (
    ("科尔沁区城市管理综合执法局", UnitKind.DEPARTMENT, "ᠬᠣᠲᠠ ᠶᠢᠨ ᠬᠠᠮᠢᠶᠠᠷᠤᠯᠲᠠ", 3.6, 0.3),
    ("科尔沁区住房和城乡建设局", UnitKind.DEPARTMENT, "ᠣᠷᠣᠨ ᠰᠠᠭᠤᠴᠠ ᠪᠠᠷᠢᠯᠭ᠎ᠠ", 3.4, 0.3),
    ("科尔沁区市场监督管理局", UnitKind.DEPARTMENT, "ᠵᠠᠬ᠎ᠠ ᠵᠡᠭᠡᠯᠢ ᠶᠢᠨ ᠬᠢᠨᠠᠯᠲᠠ", 4.0, 0.2),
    ("通辽市热力公司", UnitKind.ENTERPRISE, "ᠳᠤᠯᠠᠭᠠᠨ ᠬᠠᠩᠭᠠᠬᠤ ᠺᠣᠮᠫᠠᠨᠢ", 3.1, 0.45),
    ("红星派出所", UnitKind.POLICE, "ᠬᠦᠩ ᠰᠢᠩ ᠴᠠᠭᠳᠠᠭ᠎ᠠ ᠶᠢᠨ ᠭᠠᠵᠠᠷ", 4.3, 0.15),
    ("科尔沁区人力资源和社会保障局", UnitKind.DEPARTMENT, "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠬᠠᠮᠠᠭᠠᠯᠠᠯ", 4.1, 0.2),
)

COMMENTS: dict[str, tuple[str, ...]] = {
    "城市管理": ("小区门口占道经营管得及时", "垃圾清运比去年准时了", "违停车辆多，希望多巡查"),
    "住房": ("老旧小区改造进度慢", "加装电梯的事情办得好", "楼道漏水报了很久才修"),
    "市场": ("菜市场价格公示清楚", "投诉过期食品当天就有人来"),
    "热力": ("去年冬天屋里温度不够", "报修电话一直占线", "今年暖气比去年热乎"),
    "派出所": ("办身份证很快", "晚上巡逻多了，安心"),
    "社会保障": ("退休手续一次办好", "养老金认证在手机上就能办"),
}

QUESTIONS: tuple[dict[str, object], ...] = (
    {
        "text": "总体满意度",
        "text_en": "Overall, how satisfied are you?",
        "text_mn": "ᠶᠡᠷᠦᠩᠬᠡᠢ ᠰᠡᠳᠬᠢᠯ ᠬᠠᠩᠤᠯᠲᠠ",
        "kind": QuestionKind.SCORE,
    },
    {
        "text": "工作人员服务态度",
        "text_en": "How did the staff treat you?",
        "text_mn": f"ᠠᠵᠢᠯᠲᠠᠨ{NNBSP}ᠤ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡᠨ ᠦ ᠬᠠᠨᠳᠤᠯᠭ᠎ᠠ",
        "kind": QuestionKind.SCORE,
    },
    {
        "text": "办事效率",
        "text_en": "How quickly are things done?",
        "text_mn": "ᠠᠵᠢᠯ ᠬᠡᠷᠡᠭ ᠪᠡᠯᠡᠳᠬᠡᠬᠦ ᠬᠤᠷᠳᠤᠴᠠ",
        "kind": QuestionKind.SCORE,
    },
    {
        "text": "近一年您是否找该部门办过事？",
        "text_en": "Have you dealt with this department in the past year?",
        "text_mn": "ᠡᠨᠡ ᠵᠢᠯ ᠲᠤ ᠡᠨᠡ ᠰᠠᠯᠪᠤᠷᠢ ᠳᠤ ᠬᠠᠨᠳᠤᠭᠰᠠᠨ ᠤᠤ?",
        "kind": QuestionKind.CHOICE,
        "options": [
            {"value": "yes", "label": "办过", "label_en": "Yes", "label_mn": "ᠲᠡᠢᠮᠦ"},
            {
                "value": "know",
                "label": "没办过，但了解",
                "label_en": "No, but I know their work",
                "label_mn": "ᠦᠭᠡᠢ᠂ ᠭᠡᠪᠡᠴᠦ ᠮᠡᠳᠡᠨ᠎ᠡ",
            },
            {
                "value": "no",
                "label": "不了解",
                "label_en": "I don't know them",
                "label_mn": "ᠮᠡᠳᠡᠬᠦ ᠦᠭᠡᠢ",
            },
        ],
    },
    {
        "text": "意见和建议",
        "text_en": "Your comments and suggestions",
        "text_mn": "ᠰᠠᠨᠠᠯ ᠪᠣᠳᠤᠯ",
        "kind": QuestionKind.COMMENT,
        "required": False,
    },
)


@dataclass
class Built:
    rounds: int = 0
    responses: int = 0
    departments: list[str] = field(default_factory=list)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _staff(town: Node) -> Person:
    name, mobile = STAFF_LOGIN
    person = Person.objects.filter(mobile=mobile).first()
    if person is None:
        admin = Person.objects.filter(mobile=ADMIN_LOGIN).only("password").first()
        person = Person.objects.create(
            name=name,
            mobile=mobile,
            password=admin.password if admin else make_password(DEMO_PASSWORD),
        )
    RoleBinding.objects.get_or_create(person=person, role=Role.COMMUNITY_STAFF, node=town)
    return person


def _departments(district: Node) -> list[Organisation]:
    found = []
    for name, unit_kind, _mn, _mean, _talk in DEPARTMENTS:
        org = Organisation.objects.filter(name=name).first()
        if org is None:
            org = Organisation.objects.create(
                name=name, kind=OrgKind.MEMBER_UNIT, unit_kind=unit_kind, node=district
            )
        found.append(org)
    return found


def _score(rng: random.Random, mean: float) -> int:
    weights = [math.exp(-((s - mean) ** 2) / 1.3) for s in range(1, 6)]
    return rng.choices(range(1, 6), weights=weights)[0]


def _round(
    staff: Person,
    town: Node,
    orgs: list[Organisation],
    *,
    title: str,
    title_en: str,
    title_mn: str,
    opens: dt.date,
    closes: dt.date,
) -> Round:
    made_at = _at(opens - dt.timedelta(days=7), 10)
    r = services.round_create(
        by=staff,
        node=town,
        title=title,
        title_en=title_en,
        title_mn=title_mn,
        intro="请对为红星街道居民服务的部门作出评价。您的手机号只用于验证，不会保存。",
        intro_mn=f"ᠬᠦᠩ ᠰᠢᠩ ᠭᠤᠳᠤᠮᠵᠢ ᠶᠢᠨ ᠰᠠᠯᠪᠤᠷᠢ ᠶᠢ ᠦᠨᠡᠯᠡᠭᠡᠷᠡᠢ{NNBSP}᠃",
        opens=opens,
        closes=closes,
        now=made_at,
    )
    for org, (_n, _k, name_mn, _mean, _talk) in zip(orgs, DEPARTMENTS, strict=True):
        services.department_add(by=staff, round=r, organisation=org, name_mn=name_mn, now=made_at)
    for q in QUESTIONS:
        services.question_save(by=staff, round=r, now=made_at, **q)  # type: ignore[arg-type]
    rounds.round_open(by=staff, round=r, now=_at(opens, 8))
    return r


def _reviews(rng: random.Random, r: Round, *, count: int, first: int, until: dt.date) -> int:
    """`count` reviews spread over the round's days up to `until`, one per phone and
    department, with each department's own spread."""
    departments = list(Department.objects.filter(round=r).select_related("organisation"))
    questions = list(r.questions.order_by("order", "pk"))
    days = max(1, (min(until, r.closes) - r.opens).days + 1)
    made = 0
    pairs: set[tuple[int, int]] = set()
    responses: list[Response] = []
    answers: list[tuple[int, list[Answer]]] = []
    for i in range(count):
        d_index = rng.randrange(len(departments))
        d = departments[d_index]
        phone = PHONES + first + rng.randrange(count * 2)
        if (phone, d.pk) in pairs:
            continue
        pairs.add((phone, d.pk))
        _name, _kind, _mn, mean, talk = DEPARTMENTS[d_index]
        day = r.opens + dt.timedelta(days=rng.randrange(days))
        at = _at(day, rng.randint(7, 21), rng.randint(0, 59))
        responses.append(
            Response(round=r, department=d, phone_digest=phone_digest(str(phone)), created_at=at)
        )
        overall = _score(rng, mean)
        mine: list[Answer] = []
        for q in questions:
            if q.kind == QuestionKind.SCORE:
                near = overall if rng.random() < 0.6 else _score(rng, mean)
                mine.append(Answer(question=q, score=near))
            elif q.kind == QuestionKind.CHOICE:
                choice = rng.choices(["yes", "know", "no"], weights=[6, 3, 1])[0]
                mine.append(Answer(question=q, choice=choice))
            elif rng.random() < talk:
                pool = next(v for k, v in COMMENTS.items() if k in d.organisation.name)
                mine.append(Answer(question=q, comment=rng.choice(pool)))
        answers.append((i, mine))
        made += 1
    Response.objects.bulk_create(responses)
    rows = []
    for response, (_i, mine) in zip(responses, answers, strict=True):
        for a in mine:
            a.response = response
            rows.append(a)
    Answer.objects.bulk_create(rows)
    return made


def build_reviews(*, days: int = 365, seed: int = SEED, end: dt.datetime | None = None) -> Built:
    """Build Hongxing's department reviews (precondition: the demo region exists; without
    红星街道 nothing is built, and a database that already holds its rounds is left as is)."""
    end = end or timezone.now()
    town = Node.objects.filter(code=HONGXING).first()
    district = Node.objects.filter(code=DISTRICT).first()
    built = Built()
    if town is None or district is None or Round.objects.filter(node=town).exists():
        return built
    rng = random.Random(seed)
    today = timezone.localdate(end)
    with transaction.atomic():
        staff = _staff(town)
        orgs = _departments(district)
        built.departments = [o.name for o in orgs]
        # Last year's round: a month, closed, its results published a week later.
        back = min(max(days, 60), 365)
        opens = today - dt.timedelta(days=back - 20)
        closes = opens + dt.timedelta(days=29)
        last = _round(
            staff,
            town,
            orgs,
            title=f"{opens.year}年度部门评议",
            title_en=f"Department reviews {opens.year}",
            title_mn=f"{opens.year} ᠣᠨ{NNBSP}ᠤ ᠰᠠᠯᠪᠤᠷᠢ ᠶᠢᠨ ᠦᠨᠡᠯᠡᠯᠲᠡ",
            opens=opens,
            closes=closes,
        )
        built.responses += _reviews(rng, last, count=210, first=0, until=closes)
        rounds.round_close(by=staff, round=last, now=_at(closes + dt.timedelta(days=1), 9))
        published = _at(closes + dt.timedelta(days=7), 10)
        rounds.round_publish(by=staff, round=last, now=published)
        shown = Answer.objects.filter(response__round=last).exclude(comment="").order_by("pk")
        for answer in list(shown)[::5][:6]:
            services.comment_mark(by=staff, answer=answer, public=True, now=published)
        # This year's round: open since ten days ago, for three more weeks.
        opens = today - dt.timedelta(days=10)
        current = _round(
            staff,
            town,
            orgs,
            title=f"{today.year}年度部门评议",
            title_en=f"Department reviews {today.year}",
            title_mn=f"{today.year} ᠣᠨ{NNBSP}ᠤ ᠰᠠᠯᠪᠤᠷᠢ ᠶᠢᠨ ᠦᠨᠡᠯᠡᠯᠲᠡ",
            opens=opens,
            closes=today + dt.timedelta(days=20),
        )
        built.responses += _reviews(rng, current, count=45, first=1000, until=today)
        built.rounds = 2
    return built
