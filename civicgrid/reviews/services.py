"""Writes to review rounds other than their moves (`rounds.py`): creating and editing a
round, its questionnaire and its departments, and marking a comment public.

Staff who serve the town edit a round while it is a draft or open; a round that has answers
keeps its questions (`answered`): changing them would change what was answered. A department
with responses stays. Each command locks the round's row and appends an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import Node, NodeKind, Organisation, Person
from civicgrid.reviews import access, events
from civicgrid.reviews.models import (
    Answer,
    Department,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
)
from civicgrid.reviews.rounds import lock

EDITABLE = (RoundState.DRAFT, RoundState.OPEN)
MAX_OPTIONS = 10
MAX_QUESTIONS = 20


@events.kind("edit")
@dataclass(frozen=True, kw_only=True)
class Edited(events.EventData):
    fields: list[str]


@events.kind("question.save")
@events.kind("question.delete")
@dataclass(frozen=True, kw_only=True)
class QuestionChanged(events.EventData):
    question_id: int
    text: str


@events.kind("department.add")
@events.kind("department.remove")
@dataclass(frozen=True, kw_only=True)
class DepartmentChanged(events.EventData):
    organisation_id: int
    name: str


@events.kind("comment.public")
@events.kind("comment.hide")
@dataclass(frozen=True, kw_only=True)
class CommentMarked(events.EventData):
    answer_id: int


def _field(name: str, message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={name: [message]})


def _staff(by: Person | None, node: Node) -> Person:
    person = access.person_of(by)
    if person is None or not access.serves(person, node):
        raise NotAllowed(_("Your role may not change review rounds here."), code="not_allowed")
    return person


def _editable(locked: Round) -> None:
    if locked.state not in EDITABLE:
        raise Conflict(
            _("The round is %(state)s: it can no longer be edited.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )


def _questions_unlocked(locked: Round) -> None:
    _editable(locked)
    if Response.objects.filter(round=locked).exists():
        raise Conflict(
            _("Residents have answered this round: its questions can no longer change."),
            code="answered",
        )


def _dates(opens: dt.date | None, closes: dt.date | None) -> tuple[dt.date, dt.date]:
    if opens is None:
        raise _field("opens", _("Give the first day of the round."), "opens_required")
    if closes is None:
        raise _field("closes", _("Give the last day of the round."), "closes_required")
    if closes < opens:
        raise _field("closes", _("The last day comes before the first day."), "dates")
    return opens, closes


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise _field("title", _("Give the round a title."), "title_required")
    return title[:120]


# --- Rounds -----------------------------------------------------------------------------------


def round_create(
    *,
    by: Person | None,
    node: Node,
    title: str,
    opens: dt.date | None,
    closes: dt.date | None,
    title_en: str = "",
    title_mn: str = "",
    intro: str = "",
    intro_mn: str = "",
    now: dt.datetime | None = None,
) -> Round:
    """A draft round in a town (a subdistrict): staff who serve it. Refusals: `not_allowed`,
    `not_a_town`, `title_required`, `opens_required`, `closes_required`, `dates`."""
    if node.kind != NodeKind.TOWN:
        raise _field("node", _("Reviews are run by a town or subdistrict."), "not_a_town")
    person = _staff(by, node)
    clean = _title(title)
    first, last = _dates(opens, closes)
    now = now or timezone.now()
    with transaction.atomic():
        made = Round.objects.create(
            node=node,
            title=clean,
            title_en=(title_en or "").strip()[:160],
            title_mn=(title_mn or "").strip()[:200],
            intro=(intro or "").strip()[:400],
            intro_mn=(intro_mn or "").strip()[:600],
            opens=first,
            closes=last,
            created_by=person,
            created_at=now,
        )
        from civicgrid.reviews.rounds import Moved

        locked = lock(made)
        events.append(
            locked,
            "create",
            actor=person,
            actor_kind="staff",
            data=Moved(from_state="", to_state=RoundState.DRAFT),
            now=now,
        )
    return made


def round_update(
    *,
    by: Person | None,
    round: Round | int,
    title: str,
    opens: dt.date | None,
    closes: dt.date | None,
    title_en: str = "",
    title_mn: str = "",
    intro: str = "",
    intro_mn: str = "",
    now: dt.datetime | None = None,
) -> Round:
    """Change a draft or open round's title, introduction and days."""
    with transaction.atomic():
        locked = lock(round)
        person = _staff(by, locked.node)
        _editable(locked)
        _dates(opens, closes)
        values: dict[str, Any] = {
            "title": _title(title),
            "title_en": (title_en or "").strip()[:160],
            "title_mn": (title_mn or "").strip()[:200],
            "intro": (intro or "").strip()[:400],
            "intro_mn": (intro_mn or "").strip()[:600],
            "opens": opens,
            "closes": closes,
        }
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        Round.objects.filter(pk=locked.pk).update(**values)
        for name, value in values.items():
            setattr(locked, name, value)
        events.append(
            locked, "edit", actor=person, actor_kind="staff", data=Edited(fields=changed), now=now
        )
        return locked


# --- The questionnaire ------------------------------------------------------------------------


def clean_options(kind: str, options: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """A choice question's options as stored: a value ("o1"…) and labels; other kinds none."""
    if kind != QuestionKind.CHOICE:
        return []
    kept: list[dict[str, str]] = []
    for raw in options or []:
        label = str(raw.get("label", "")).strip()[:80]
        if not label:
            continue
        kept.append(
            {
                "value": str(raw.get("value") or f"o{len(kept) + 1}")[:40],
                "label": label,
                "label_en": str(raw.get("label_en", "")).strip()[:80],
                "label_mn": str(raw.get("label_mn", "")).strip()[:120],
            }
        )
    if len(kept) < 2:
        raise _field("options", _("A choice needs at least two options."), "options_required")
    if len(kept) > MAX_OPTIONS:
        raise _field(
            "options",
            _("At most %(n)d options.") % {"n": MAX_OPTIONS},
            "too_many_options",
        )
    values = [o["value"] for o in kept]
    if len(set(values)) != len(values):
        raise _field("options", _("Two options have the same value."), "options_repeated")
    return kept


def question_save(
    *,
    by: Person | None,
    round: Round | int,
    text: str,
    kind: str,
    question: Question | int | None = None,
    text_en: str = "",
    text_mn: str = "",
    options: list[dict[str, str]] | None = None,
    required: bool = True,
    order: int | None = None,
    now: dt.datetime | None = None,
) -> Question:
    """Add a question to a round (`question` None) or change one. Refusals: `not_allowed`,
    `wrong_state`, `answered` (residents have answered: the questions are fixed),
    `text_required`, `kind_invalid`, `options_required`, `too_many_options`,
    `options_repeated`, `too_many_questions`."""
    with transaction.atomic():
        locked = lock(round)
        person = _staff(by, locked.node)
        _questions_unlocked(locked)
        clean = (text or "").strip()[:200]
        if not clean:
            raise _field("text", _("Write the question."), "text_required")
        if kind not in QuestionKind.values:
            raise _field(
                "kind", _("Choose what kind of answer the question takes."), "kind_invalid"
            )
        values: dict[str, Any] = {
            "text": clean,
            "text_en": (text_en or "").strip()[:250],
            "text_mn": (text_mn or "").strip()[:300],
            "kind": kind,
            "options": clean_options(kind, options),
            "required": bool(required),
        }
        existing = Question.objects.filter(round=locked)
        if question is None:
            if existing.count() >= MAX_QUESTIONS:
                raise Invalid(
                    _("A questionnaire holds at most %(n)d questions.") % {"n": MAX_QUESTIONS},
                    code="too_many_questions",
                )
            last = max((q.order for q in existing), default=0)
            saved = Question.objects.create(
                round=locked, order=order if order is not None else last + 1, **values
            )
        else:
            pk = question if isinstance(question, int) else question.pk
            saved_or_none = existing.filter(pk=pk).first()
            if saved_or_none is None:
                raise Invalid(_("No such question in this round."), code="no_question")
            saved = saved_or_none
            if order is not None:
                values["order"] = order
            Question.objects.filter(pk=saved.pk).update(**values)
            for name, value in values.items():
                setattr(saved, name, value)
        events.append(
            locked,
            "question.save",
            actor=person,
            actor_kind="staff",
            data=QuestionChanged(question_id=saved.pk, text=saved.text),
            now=now,
        )
        return saved


def question_delete(
    *,
    by: Person | None,
    round: Round | int,
    question: Question | int,
    now: dt.datetime | None = None,
) -> None:
    """Remove a question while nobody has answered the round."""
    with transaction.atomic():
        locked = lock(round)
        person = _staff(by, locked.node)
        _questions_unlocked(locked)
        pk = question if isinstance(question, int) else question.pk
        found = Question.objects.filter(round=locked, pk=pk).first()
        if found is None:
            raise Invalid(_("No such question in this round."), code="no_question")
        found.delete()
        events.append(
            locked,
            "question.delete",
            actor=person,
            actor_kind="staff",
            data=QuestionChanged(question_id=pk, text=found.text),
            now=now,
        )


# --- Departments ------------------------------------------------------------------------------


def department_add(
    *,
    by: Person | None,
    round: Round | int,
    organisation: Organisation,
    name_mn: str = "",
    now: dt.datetime | None = None,
) -> Department:
    """Put an organisation under review in a draft or open round. Refusals: `not_allowed`,
    `wrong_state`, `already_listed`."""
    with transaction.atomic():
        locked = lock(round)
        person = _staff(by, locked.node)
        _editable(locked)
        if Department.objects.filter(round=locked, organisation=organisation).exists():
            raise Conflict(
                _("%(name)s is already under review in this round.") % {"name": organisation.name},
                code="already_listed",
            )
        last = max(
            Department.objects.filter(round=locked).values_list("order", flat=True), default=0
        )
        try:
            with transaction.atomic():
                made = Department.objects.create(
                    round=locked,
                    organisation=organisation,
                    name_mn=(name_mn or "").strip()[:200],
                    order=last + 1,
                )
        except IntegrityError as failure:  # pragma: no cover - the row lock orders adds
            raise Conflict(_("Already under review."), code="already_listed") from failure
        events.append(
            locked,
            "department.add",
            actor=person,
            actor_kind="staff",
            data=DepartmentChanged(organisation_id=organisation.pk, name=organisation.name),
            now=now,
        )
        return made


def department_remove(
    *,
    by: Person | None,
    round: Round | int,
    department: Department | int,
    now: dt.datetime | None = None,
) -> None:
    """Take a department off a draft or open round, unless residents have reviewed it."""
    with transaction.atomic():
        locked = lock(round)
        person = _staff(by, locked.node)
        _editable(locked)
        pk = department if isinstance(department, int) else department.pk
        found = (
            Department.objects.select_related("organisation").filter(round=locked, pk=pk).first()
        )
        if found is None:
            raise Invalid(_("No such department in this round."), code="no_department")
        if Response.objects.filter(department=found).exists():
            raise Conflict(
                _("Residents have reviewed this department: it stays in the round."),
                code="answered",
            )
        found.delete()
        events.append(
            locked,
            "department.remove",
            actor=person,
            actor_kind="staff",
            data=DepartmentChanged(
                organisation_id=found.organisation_id, name=found.organisation.name
            ),
            now=now,
        )


# --- Comments ---------------------------------------------------------------------------------


def comment_mark(
    *, by: Person | None, answer: Answer | int, public: bool, now: dt.datetime | None = None
) -> Answer:
    """Staff who serve the town show a comment on the public results page (`public`) or take
    it off again. The comment's words are shown as written, never who wrote them."""
    pk = answer if isinstance(answer, int) else answer.pk
    found = Answer.objects.select_related("response").filter(pk=pk).exclude(comment="").first()
    if found is None:
        raise Invalid(_("No such comment."), code="no_comment")
    with transaction.atomic():
        locked = lock(found.response.round_id)
        person = _staff(by, locked.node)
        Answer.objects.filter(pk=found.pk).update(comment_public=public)
        found.comment_public = public
        events.append(
            locked,
            "comment.public" if public else "comment.hide",
            actor=person,
            actor_kind="staff",
            data=CommentMarked(answer_id=found.pk),
            now=now,
        )
    return found
