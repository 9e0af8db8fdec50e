"""Builders for review tests on top of the needs tests' small world: a round in 一镇 (town1)
with two departments and three questions (a score, a choice, a comment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from civicgrid.core import phonecode
from civicgrid.core.models import PhoneCode
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Organisation, OrgKind, UnitKind
from civicgrid.reviews import responses, rounds, services
from civicgrid.reviews.models import Department, Question, QuestionKind, Response, Round

PHONE = "13912345678"
OPTIONS = [
    {"label": "及时", "label_en": "On time", "label_mn": "ᠴᠠᠭ ᠲᠤ"},
    {"label": "较慢", "label_en": "Slow", "label_mn": "ᠤᠳᠠᠭᠠᠨ"},
]


@dataclass
class Reviews:
    w: nf.World
    round: Round
    dept: Department
    other: Department
    score: Question
    choice: Question
    comment: Question


def organisation(w: nf.World, name: str) -> Organisation:
    return Organisation.objects.create(
        name=name, kind=OrgKind.MEMBER_UNIT, unit_kind=UnitKind.DEPARTMENT, node=w.t["banner"]
    )


def draft(w: nf.World | None = None) -> Reviews:
    """A draft round of town1 with its departments and questions, made by the town's staff."""
    w = w or nf.world()
    today = timezone.localdate()
    r = services.round_create(
        by=w.town_staff,
        node=w.t["town1"],
        title="2026年部门评议",
        title_en="Department reviews 2026",
        title_mn="ᠬᠡᠯᠲᠡᠰ",
        opens=today - dt.timedelta(days=1),
        closes=today + dt.timedelta(days=10),
    )
    dept = services.department_add(by=w.town_staff, round=r, organisation=organisation(w, "城管局"))
    other = services.department_add(
        by=w.town_staff, round=r, organisation=organisation(w, "住建局")
    )
    score = services.question_save(
        by=w.town_staff, round=r, text="总体满意度", text_en="Overall", kind=QuestionKind.SCORE
    )
    choice = services.question_save(
        by=w.town_staff,
        round=r,
        text="办事是否及时",
        text_en="Timely?",
        kind=QuestionKind.CHOICE,
        options=OPTIONS,
    )
    comment = services.question_save(
        by=w.town_staff,
        round=r,
        text="意见建议",
        text_en="Comments",
        kind=QuestionKind.COMMENT,
        required=False,
    )
    r.refresh_from_db()
    return Reviews(w, r, dept, other, score, choice, comment)


def opened(w: nf.World | None = None) -> Reviews:
    rv = draft(w)
    rounds.round_open(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    return rv


def known_code(phone: str = PHONE) -> str:
    """Test set-up only: a live code for `phone`, stored as `phonecode.send` would store it
    (the texted code itself is read from the log in the page tests)."""
    code = "424242"
    now = timezone.now()
    PhoneCode.objects.filter(phone_digest=phonecode.phone_digest(phone)).update(spent=True)
    PhoneCode.objects.create(
        purpose=responses.PURPOSE,
        phone_digest=phonecode.phone_digest(phone),
        code_digest=phonecode._code_digest(code, phone),
        created_at=now,
        expires_at=now + phonecode.LIFETIME,
    )
    return code


def answers(rv: Reviews, score: int = 4, choice: str = "o1", comment: str = "") -> dict[int, Any]:
    return {rv.score.pk: str(score), rv.choice.pk: choice, rv.comment.pk: comment}


def respond(
    rv: Reviews,
    *,
    phone: str = PHONE,
    department: Department | None = None,
    **kwargs: Any,
) -> Response:
    return responses.response_submit(
        round=rv.round,
        department=department or rv.dept,
        phone=phone,
        code=known_code(phone),
        answers=answers(rv, **kwargs),
    )
