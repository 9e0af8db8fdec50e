"""The categories of DESIGN.md section 3 and the 2026 working calendar, as seed data.

Used by the data migration (so every installation starts with them) and by tests. Admins edit
both afterwards in the admin; nothing in code depends on a particular category existing except
the demo and the tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

H = 60  # minutes in an hour
DAY = 24 * H
WDAY = 7 * H  # one working day of WORKING_HOURS (09:00-12:00, 13:30-17:30)

# code, parent, zh, en, shown, basis, report group, {priority: (response, resolve)}
CATEGORIES: list[tuple[str, str, str, str, bool, str, str, dict[str, tuple[int, int]]]] = [
    (
        "infrastructure",
        "",
        "基础设施",
        "Roads and facilities",
        True,
        "calendar",
        "difficulties",
        {},
    ),
    (
        "roads",
        "infrastructure",
        "道路损坏",
        "Road damaged",
        True,
        "calendar",
        "difficulties",
        {"urgent": (30, 2 * DAY), "normal": (4 * H, 7 * DAY), "low": (DAY, 15 * DAY)},
    ),
    (
        "repairs",
        "infrastructure",
        "房屋设施维修",
        "Repairs",
        True,
        "calendar",
        "difficulties",
        {"urgent": (30, DAY), "normal": (4 * H, 5 * DAY), "low": (DAY, 10 * DAY)},
    ),
    (
        "drainage",
        "infrastructure",
        "排水下水道",
        "Drainage and sewers",
        True,
        "calendar",
        "difficulties",
        {"urgent": (30, DAY), "normal": (4 * H, 3 * DAY), "low": (DAY, 7 * DAY)},
    ),
    ("assistance", "", "民生帮办", "Help with daily life", True, "calendar", "difficulties", {}),
    (
        "pension",
        "assistance",
        "养老金社保帮办",
        "Pension and social-security help",
        True,
        "calendar",
        "difficulties",
        {"urgent": (15, 4 * H), "normal": (2 * H, 2 * DAY), "low": (DAY, 5 * DAY)},
    ),
    (
        "micro_wish",
        "assistance",
        "微心愿",
        "Micro-wish",
        True,
        "calendar",
        "difficulties",
        {"urgent": (4 * H, 3 * DAY), "normal": (DAY, 15 * DAY), "low": (2 * DAY, 30 * DAY)},
    ),
    (
        "disputes",
        "",
        "矛盾纠纷",
        "Dispute between neighbours",
        True,
        "calendar",
        "conflicts",
        {"urgent": (30, DAY), "normal": (4 * H, 7 * DAY), "low": (DAY, 15 * DAY)},
    ),
    (
        "hazards",
        "",
        "安全隐患",
        "Safety hazard",
        True,
        "calendar",
        "conflicts",
        {"urgent": (15, 12 * H), "normal": (2 * H, 3 * DAY), "low": (DAY, 7 * DAY)},
    ),
    (
        "policy",
        "",
        "政策咨询",
        "Policy question",
        True,
        "working",
        "opinions",
        {"urgent": (H, WDAY), "normal": (4 * H, 2 * WDAY), "low": (WDAY, 5 * WDAY)},
    ),
    (
        "petitions",
        "",
        "信访代办",
        "Petition by proxy",
        False,
        "working",
        "petitions",
        {"urgent": (2 * H, 3 * WDAY), "normal": (WDAY, 15 * WDAY), "low": (2 * WDAY, 30 * WDAY)},
    ),
    (
        "suggestions",
        "",
        "意见建议",
        "Suggestion",
        True,
        "working",
        "opinions",
        {
            "urgent": (4 * H, 3 * WDAY),
            "normal": (2 * WDAY, 10 * WDAY),
            "low": (3 * WDAY, 20 * WDAY),
        },
    ),
    (
        "opinion",
        "",
        "社情民意",
        "Public opinion",
        False,
        "working",
        "opinions",
        {
            "urgent": (4 * H, 3 * WDAY),
            "normal": (2 * WDAY, 10 * WDAY),
            "low": (3 * WDAY, 20 * WDAY),
        },
    ),
    ("proactive", "", "主动工作", "Proactive work", False, "calendar", "", {}),
    ("key_visits", "proactive", "重点人员走访", "Visit to a key person", False, "calendar", "", {}),
    (
        "inspections",
        "proactive",
        "隐患排查",
        "Hazard inspection",
        False,
        "calendar",
        "conflicts",
        {},
    ),
    (
        "mediations",
        "proactive",
        "矛盾调解",
        "Dispute mediation",
        False,
        "calendar",
        "conflicts",
        {},
    ),
    (
        "collection",
        "proactive",
        "信息采集",
        "Information collection",
        False,
        "calendar",
        "opinions",
        {},
    ),
    # Raised by the care module: a delivery nobody answered, a visit's urgent finding.
    (
        "welfare_check",
        "assistance",
        "关爱探视",
        "Welfare check",
        False,
        "calendar",
        "difficulties",
        {"urgent": (15, 4 * H), "normal": (2 * H, DAY), "low": (DAY, 3 * DAY)},
    ),
    ("care_visits", "proactive", "关爱走访", "Care visit", False, "calendar", "", {}),
    # Raised by the project butler module (issue 20): an enterprise's matter about its key
    # project, an approval to chase or a problem, counted in working time.
    (
        "enterprise_matters",
        "",
        "项目管家事项",
        "Enterprise project matter",
        False,
        "working",
        "difficulties",
        {"urgent": (2 * H, 2 * WDAY), "normal": (WDAY, 5 * WDAY), "low": (2 * WDAY, 10 * WDAY)},
    ),
]

# code, key, zh, en, kind, required, choices [(value, zh, en)]
QUESTIONS: list[tuple[str, str, str, str, str, bool, list[tuple[str, str, str]]]] = [
    (
        "roads",
        "passable",
        "现在还能通行吗？",
        "Can vehicles still pass?",
        "choice",
        True,
        [
            ("yes", "能通行", "Yes"),
            ("partly", "勉强通行", "With difficulty"),
            ("no", "不能通行", "No"),
        ],
    ),
    (
        "roads",
        "length_m",
        "损坏路段大约多长（米）？",
        "About how long is the damaged stretch (metres)?",
        "number",
        False,
        [],
    ),
    (
        "repairs",
        "what",
        "需要维修什么？",
        "What needs repair?",
        "choice",
        True,
        [
            ("roof", "屋顶", "Roof"),
            ("water", "水管", "Water pipes"),
            ("power", "电路", "Wiring"),
            ("heating", "取暖", "Heating"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "pension",
        "age",
        "需要帮助的人多大年纪？",
        "How old is the person who needs help?",
        "number",
        False,
        [],
    ),
    (
        "disputes",
        "parties",
        "涉及几户人家？",
        "How many households are involved?",
        "number",
        False,
        [],
    ),
]

# The same categories and questions in traditional Mongolian (a draft waiting for a native
# reviewer, like the catalogue: docs/translations.md). Kept apart from the tables above because
# the first data migration seeds those with models that have no Mongolian fields yet.
CATEGORY_NAMES_MN: dict[str, str] = {
    "welfare_check": "ᠠᠰᠠᠷᠠᠮᠵᠢ ᠶᠢᠨ ᠡᠷᠢᠯᠲᠡ",
    "care_visits": "ᠠᠰᠠᠷᠠᠮᠵᠢ ᠶᠢᠨ ᠠᠶᠢᠯᠴᠢᠯᠠᠯ",
    "enterprise_matters": "ᠲᠥᠰᠦᠯ ᠦᠨ ᠬᠠᠮᠢᠶᠠᠷᠤᠭᠴᠢ ᠶᠢᠨ ᠬᠡᠷᠡᠭ ᠶᠠᠪᠤᠳᠠᠯ",
    "infrastructure": "ᠰᠠᠭᠤᠷᠢ ᠪᠠᠶᠢᠭᠤᠯᠤᠮᠵᠢ",
    "roads": "ᠵᠠᠮ ᠡᠪᠳᠡᠷᠡᠭᠰᠡᠨ",
    "repairs": "ᠪᠠᠶᠢᠰᠢᠩ ᠵᠠᠰᠠᠪᠤᠷᠢ",
    "drainage": "ᠤᠰᠤ ᠭᠠᠷᠭᠠᠬᠤ ᠰᠤᠪᠠᠭ",
    "assistance": "ᠠᠮᠢᠳᠤᠷᠠᠯ\u202fᠤᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ",
    "pension": "ᠲᠡᠲᠡᠭᠦᠯᠪᠦᠷᠢ ᠨᠡᠶᠢᠭᠡᠮ\u202fᠦᠨ ᠳᠠᠭᠠᠳᠬᠠᠯ\u202fᠤᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ",
    "micro_wish": "ᠪᠠᠭ\u180eᠠ ᠬᠦᠰᠡᠯ",
    "disputes": "ᠵᠦᠷᠢᠴᠡᠯ ᠮᠠᠷᠭᠤᠯᠳᠤᠭᠠᠨ",
    "hazards": "ᠠᠶᠤᠯᠭᠦᠢ\u202fᠶᠢᠨ ᠨᠢᠭᠤᠴᠠ ᠠᠶᠤᠯ",
    "policy": "ᠪᠣᠳᠤᠯᠭ\u180eᠠ\u202fᠶᠢᠨ ᠯᠠᠪᠯᠠᠯᠭ\u180eᠠ",
    "petitions": "ᠪᠢᠴᠢᠭ ᠵᠠᠬᠢᠳᠠᠯ\u202fᠢ ᠣᠷᠣᠯᠠᠨ ᠰᠢᠢᠳᠬᠦ",
    "suggestions": "ᠰᠠᠨᠠᠯ ᠵᠥᠪᠯᠡᠯᠭᠡ",
    "opinion": "ᠣᠯᠠᠨ\u202fᠤ ᠰᠠᠨᠠᠯ",
    "proactive": "ᠢᠳᠡᠪᠬᠢᠲᠡᠢ ᠠᠵᠢᠯ",
    "key_visits": "ᠭᠣᠣᠯ ᠬᠦᠮᠦᠰ\u202fᠢ ᠡᠷᠢᠯᠴᠡᠬᠦ",
    "inspections": "ᠨᠢᠭᠤᠴᠠ ᠠᠶᠤᠯ\u202fᠢ ᠰᠢᠯᠭᠠᠬᠤ",
    "mediations": "ᠮᠠᠷᠭᠤᠯᠳᠤᠭᠠᠨ\u202fᠢ ᠡᠪᠯᠡᠷᠡᠭᠦᠯᠬᠦ",
    "collection": "ᠮᠡᠳᠡᠭᠡ ᠴᠤᠭᠯᠠᠭᠤᠯᠬᠤ",
}

# (category, key): (question, {choice value: choice})
QUESTIONS_MN: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("roads", "passable"): (
        "ᠣᠳᠣ ᠲᠡᠷᠭᠡ ᠶᠠᠪᠤᠵᠤ ᠴᠢᠳᠠᠬᠤ ᠤᠤ?",
        {
            "yes": "ᠶᠠᠪᠤᠵᠤ ᠴᠢᠳᠠᠨ\u180eᠠ",
            "partly": "ᠠᠷᠠᠢ ᠶᠠᠪᠤᠨ\u180eᠠ",
            "no": "ᠶᠠᠪᠤᠵᠤ ᠴᠢᠳᠠᠬᠤ ᠦᠭᠡᠢ",
        },
    ),
    ("roads", "length_m"): ("ᠡᠪᠳᠡᠷᠡᠭᠰᠡᠨ ᠵᠠᠮ ᠶᠠᠮᠠᠷ ᠤᠷᠲᠤ ᠪᠤᠢ (ᠮᠧᠲ᠋ᠷ)?", {}),
    ("repairs", "what"): (
        "ᠶᠠᠭᠤ\u202fᠶᠢ ᠵᠠᠰᠠᠬᠤ ᠬᠡᠷᠡᠭᠲᠡᠢ ᠪᠤᠢ?",
        {
            "roof": "ᠳᠡᠭᠡᠪᠦᠷᠢ",
            "water": "ᠤᠰᠤᠨ\u202fᠤ ᠬᠣᠭᠤᠯᠠᠢ",
            "power": "ᠴᠠᠬᠢᠯᠭᠠᠨ\u202fᠤ ᠱᠤᠭᠤᠮ",
            "heating": "ᠳᠤᠯᠠᠭᠠᠨ ᠬᠠᠩᠭᠠᠮᠵᠢ",
            "other": "ᠪᠤᠰᠤᠳ",
        },
    ),
    ("pension", "age"): ("ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠡᠷᠡᠭᠲᠡᠢ ᠬᠦᠮᠦᠨ ᠬᠡᠳᠦᠨ ᠨᠠᠰᠤᠲᠠᠢ ᠪᠤᠢ?", {}),
    ("disputes", "parties"): ("ᠬᠡᠳᠦᠨ ᠥᠷᠬᠡ ᠣᠷᠣᠯᠴᠠᠭᠰᠠᠨ ᠪᠤᠢ?", {}),
}

# The 2026 public holidays and make-up working days (State Council notice); check each year.
HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
MAKEUP_DAYS_2026 = [
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
]


def seed_categories(category_model: Any, deadline_model: Any, question_model: Any) -> None:
    by_code: dict[str, Any] = {}
    for sort, (code, parent, zh, en, shown, basis, group, limits) in enumerate(CATEGORIES):
        cat, _created = category_model.objects.update_or_create(
            code=code,
            defaults={
                "parent": by_code.get(parent),
                "name": zh,
                "name_en": en,
                "shown_to_residents": shown,
                "time_basis": basis,
                "report_group": group,
                "sort": sort * 10,
            },
        )
        by_code[code] = cat
        for priority, (response, resolve) in limits.items():
            deadline_model.objects.update_or_create(
                category=cat,
                priority=priority,
                defaults={"response_minutes": response, "resolve_minutes": resolve},
            )
    for sort, (code, key, zh, en, kind, required, choices) in enumerate(QUESTIONS):
        question_model.objects.update_or_create(
            category=by_code[code],
            key=key,
            defaults={
                "label": zh,
                "label_en": en,
                "kind": kind,
                "required": required,
                "choices": [{"value": v, "label": z, "label_en": e} for v, z, e in choices],
                "sort": sort,
            },
        )


def seed_mongolian_names(category_model: Any, question_model: Any) -> None:
    """Fill in the Mongolian names the seed knows; names an admin typed are kept."""
    for code, name in CATEGORY_NAMES_MN.items():
        category_model.objects.filter(code=code, name_mn="").update(name_mn=name)
    for (code, key), (label, choices) in QUESTIONS_MN.items():
        for question in question_model.objects.filter(category__code=code, key=key):
            question.label_mn = question.label_mn or label
            for choice in question.choices:
                if choice.get("value") in choices and not choice.get("label_mn"):
                    choice["label_mn"] = choices[choice["value"]]
            question.save(update_fields=["label_mn", "choices"])


def seed_calendar(day_model: Any) -> None:
    for first, last, note in HOLIDAYS_2026:
        day = dt.date.fromisoformat(first)
        while day <= dt.date.fromisoformat(last):
            day_model.objects.update_or_create(
                date=day, defaults={"is_working": False, "note": note}
            )
            day += dt.timedelta(days=1)
    for text in MAKEUP_DAYS_2026:
        day_model.objects.update_or_create(
            date=dt.date.fromisoformat(text), defaults={"is_working": True, "note": "调休上班"}
        )
