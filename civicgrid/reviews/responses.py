"""A resident's review of one department: answers checked against the round's questionnaire,
the phone proved by a one-time code (`core/phonecode.py`), one response per phone per
department per round (held by the database: `response_one_per_phone`).

Only the keyed digest of the phone is stored (`core.hashing.phone_digest`), never the number.
The answers are checked before the code, so a mistake in the form does not spend the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import phonecode
from civicgrid.core.errors import Conflict, Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.needs.services import clean_phone
from civicgrid.reviews.models import (
    Answer,
    Department,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
)

# What a code proves here: the holder of the number reviews departments.
PURPOSE = "reviews"
ONE_PER_PHONE = "response_one_per_phone"
COMMENT_MAX = 500


def send_code(phone: str, *, text: str) -> int:
    """Text a code to `phone` (already cleaned); 0, or the seconds to wait."""
    return phonecode.send(phone, purpose=PURPOSE, text=text)


def answering_open(round_: Round, today: dt.date) -> tuple[str, str] | None:
    """Why the round takes no answer today, as (code, message); None when it does."""
    if round_.state != RoundState.OPEN:
        return "round_not_open", _("This review round is not open.")
    if today < round_.opens:
        return "not_yet", _("This review round opens on %(day)s.") % {
            "day": round_.opens.isoformat()
        }
    if today > round_.closes:
        return "round_over", _("This review round has ended.")
    return None


def clean_answers(
    questions: list[Question], raw: Mapping[int, Any]
) -> list[tuple[Question, dict[str, Any]]]:
    """The answers as stored, one per answered question; Invalid naming the fields
    (`q<id>`) when a required one is missing or a value is not one the question takes."""
    problems: dict[str, list[str]] = {}
    kept: list[tuple[Question, dict[str, Any]]] = []
    for q in questions:
        value = raw.get(q.pk)
        value = "" if value is None else str(value).strip()
        name = f"q{q.pk}"
        if not value:
            if q.required:
                problems[name] = [_("Answer this question.")]
            continue
        if q.kind == QuestionKind.SCORE:
            if value not in {"1", "2", "3", "4", "5"}:
                problems[name] = [_("Choose a score from 1 to 5.")]
                continue
            kept.append((q, {"score": int(value)}))
        elif q.kind == QuestionKind.CHOICE:
            if value not in {o.get("value") for o in q.options}:
                problems[name] = [_("Choose one of the options.")]
                continue
            kept.append((q, {"choice": value}))
        else:
            if len(value) > COMMENT_MAX:
                problems[name] = [
                    _("Keep the comment under %(n)d characters.") % {"n": COMMENT_MAX}
                ]
                continue
            kept.append((q, {"comment": value}))
    if problems:
        raise Invalid(
            _("Some answers need fixing: see the questions marked."),
            code="answers_invalid",
            fields=problems,
        )
    return kept


def response_submit(
    *,
    round: Round,
    department: Department,
    phone: str,
    code: str,
    answers: Mapping[int, Any],
    now: dt.datetime | None = None,
    also: Any = None,
) -> Response:
    """Record one phone's review of `department` in `round`. `answers` maps a question's id
    to the value typed (a score "1"…"5", an option's value, a comment). `also(response)` runs
    in the same transaction (a one-time key's claim).

    Refusals: `round_not_open`, `not_yet`, `round_over`, `no_department`, `phone_required`,
    `phone_invalid`, `answers_invalid` (with `fields`), `code_required`, `code_wrong`,
    `code_spent`, `already_answered`."""
    now = now or timezone.now()
    if department.round_id != round.pk:
        raise Invalid(_("This department is not under review in this round."), code="no_department")
    refusal = answering_open(round, timezone.localdate(now))
    if refusal:
        raise Conflict(refusal[1], code=refusal[0])
    try:
        cleaned_phone = clean_phone(phone, required=True)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure
    questions = list(Question.objects.filter(round=round).order_by("order", "pk"))
    kept = clean_answers(questions, answers)
    if not (code or "").strip():
        message = _("Type the code from the text message.")
        raise Invalid(message, code="code_required", fields={"code": [message]})
    checked = phonecode.check(cleaned_phone, purpose=PURPOSE, code=code)
    if checked is phonecode.Checked.WRONG:
        message = _("That code is not right. Check the text message and type it again.")
        raise Invalid(message, code="code_wrong", fields={"code": [message]})
    if checked is not phonecode.Checked.OK:
        message = _(
            "This code can no longer be used: it expired, was used, or was typed wrong too "
            "often. Ask for a new one."
        )
        raise Invalid(message, code="code_spent", fields={"code": [message]})
    digest = phone_digest(cleaned_phone)
    try:
        with transaction.atomic():
            # Rounds are read again under a share of the lock: a round closed by staff at
            # this moment takes no answer after its close committed.
            current = Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
            refusal = answering_open(current, timezone.localdate(now))
            if refusal:
                raise Conflict(refusal[1], code=refusal[0])
            made = Response.objects.create(
                round=current, department=department, phone_digest=digest, created_at=now
            )
            Answer.objects.bulk_create(
                [Answer(response=made, question=q, **values) for q, values in kept]
            )
            if also is not None:
                also(made)
    except IntegrityError as failure:
        if ONE_PER_PHONE not in str(failure) and "reviews_response.round_id" not in str(failure):
            raise
        raise Conflict(
            _("This phone has already reviewed this department in this round."),
            code="already_answered",
        ) from failure
    return made


def answered(round_: Round, phone: str) -> set[int]:
    """The departments (ids) this phone (cleaned) has reviewed in the round."""
    return set(
        Response.objects.filter(round=round_, phone_digest=phone_digest(phone)).values_list(
            "department_id", flat=True
        )
    )
