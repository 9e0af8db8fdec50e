"""A round's answers counted per department: responses, each score question's average and
distribution, each choice question's counts, and the comments (staff only; `publication.py`
keeps the ones staff marked public). Read with a few grouped queries, however many answers.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from civicgrid.core import xlsx
from civicgrid.core.i18n import localised
from civicgrid.reviews.models import Answer, Department, Question, QuestionKind, Response, Round

SCORES = (1, 2, 3, 4, 5)


@dataclass
class Comment:
    id: int
    text: str
    public: bool


@dataclass
class QuestionResult:
    question_id: int
    text: str
    kind: str
    answered: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # score → answers
    choices: list[tuple[str, str, int]] = field(default_factory=list)  # value, label, count
    comments: list[Comment] = field(default_factory=list)


@dataclass
class DepartmentResult:
    department_id: int
    organisation_id: int
    name: str
    responses: int
    average: float | None  # of every score given to the department
    questions: list[QuestionResult]


def question_text(q: Question) -> str:
    return localised(q.text, q.text_en, name_mn=q.text_mn)


def option_label(option: dict[str, Any]) -> str:
    return localised(
        str(option.get("label", "")),
        str(option.get("label_en", "")),
        name_mn=str(option.get("label_mn", "")),
    )


def department_name(d: Department) -> str:
    return localised(d.organisation.name, None, name_mn=d.name_mn)


def _average(distribution: dict[int, int]) -> float | None:
    total = sum(distribution.values())
    if not total:
        return None
    return round(sum(score * n for score, n in distribution.items()) / total, 2)


def tally(
    round_: Round, *, department_id: int | None = None, comments: bool = True
) -> list[DepartmentResult]:
    """The round's results, one row per department (in the round's order)."""
    departments = Department.objects.filter(round=round_).select_related("organisation")
    answers = Answer.objects.filter(response__round=round_)
    responses = Response.objects.filter(round=round_)
    if department_id is not None:
        departments = departments.filter(pk=department_id)
        answers = answers.filter(response__department_id=department_id)
        responses = responses.filter(department_id=department_id)
    questions = list(Question.objects.filter(round=round_).order_by("order", "pk"))
    counted = dict(
        responses.values("department_id").annotate(n=Count("pk")).values_list("department_id", "n")
    )
    grouped: dict[tuple[int, int], dict[Any, int]] = defaultdict(dict)
    for dep, qid, score, choice, n in (
        answers.filter(comment="")
        .values("response__department_id", "question_id", "score", "choice")
        .annotate(n=Count("pk"))
        .values_list("response__department_id", "question_id", "score", "choice", "n")
    ):
        key = score if score is not None else choice
        grouped[(dep, qid)][key] = grouped[(dep, qid)].get(key, 0) + n
    written: dict[tuple[int, int], list[Comment]] = defaultdict(list)
    if comments:
        for pk, dep, qid, text, public in (
            answers.exclude(comment="")
            .order_by("-response__created_at", "-pk")
            .values_list(
                "pk", "response__department_id", "question_id", "comment", "comment_public"
            )
        ):
            written[(dep, qid)].append(Comment(id=pk, text=text, public=public))
    comment_counts: dict[tuple[int, int], int] = {
        (dep, qid): n
        for dep, qid, n in answers.exclude(comment="")
        .values("response__department_id", "question_id")
        .annotate(n=Count("pk"))
        .values_list("response__department_id", "question_id", "n")
    }
    rows = []
    for d in departments.order_by("order", "pk"):
        results = []
        all_scores: dict[int, int] = defaultdict(int)
        for q in questions:
            got = grouped.get((d.pk, q.pk), {})
            r = QuestionResult(question_id=q.pk, text=question_text(q), kind=q.kind)
            if q.kind == QuestionKind.SCORE:
                r.distribution = {s: int(got.get(s, 0)) for s in SCORES}
                r.answered = sum(r.distribution.values())
                r.average = _average(r.distribution)
                for s, n in r.distribution.items():
                    all_scores[s] += n
            elif q.kind == QuestionKind.CHOICE:
                r.choices = [
                    (str(o.get("value")), option_label(o), int(got.get(o.get("value"), 0)))
                    for o in q.options
                ]
                r.answered = sum(n for _v, _l, n in r.choices)
            else:
                r.comments = written.get((d.pk, q.pk), [])
                r.answered = comment_counts.get((d.pk, q.pk), 0)
            results.append(r)
        rows.append(
            DepartmentResult(
                department_id=d.pk,
                organisation_id=d.organisation_id,
                name=department_name(d),
                responses=int(counted.get(d.pk, 0)),
                average=_average(dict(all_scores)),
                questions=results,
            )
        )
    return rows


def results_xlsx(round_: Round, rows: list[DepartmentResult]) -> bytes:
    """The results table as a workbook (`core/xlsx.py`): a sheet of figures per department
    and question, and a sheet of the comments (no phone: none is kept)."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Results")[:31])
    xlsx.write_cell(sheet, 0, 0, f"{round_.node.name} · {round_.title}", bold)
    xlsx.write_cell(sheet, 1, 0, f"{round_.opens.isoformat()} – {round_.closes.isoformat()}")
    header = [
        _("Department"),
        _("Responses"),
        _("Question"),
        _("Answers"),
        _("Average score"),
        *[str(s) for s in SCORES],
        _("Choices"),
    ]
    xlsx.write_row(sheet, 3, header, bold)
    line = 4
    for d in rows:
        xlsx.write_row(sheet, line, [d.name, d.responses, _("All scores"), None, d.average])
        line += 1
        for q in d.questions:
            if q.kind == QuestionKind.COMMENT:
                values: list[Any] = [d.name, d.responses, q.text, q.answered]
            else:
                values = [
                    d.name,
                    d.responses,
                    q.text,
                    q.answered,
                    q.average,
                    *[q.distribution.get(s) if q.distribution else None for s in SCORES],
                    "; ".join(f"{label}: {n}" for _v, label, n in q.choices),
                ]
            xlsx.write_row(sheet, line, values)
            line += 1
    sheet.set_column(0, 0, 20)
    sheet.set_column(2, 2, 36)
    notes = book.add_worksheet(_("Comments")[:31])
    xlsx.write_row(notes, 0, [_("Department"), _("Question"), _("Comment"), _("Public")], bold)
    line = 1
    for d in rows:
        for q in d.questions:
            for c in q.comments:
                xlsx.write_row(notes, line, [d.name, q.text, c.text, _("yes") if c.public else ""])
                line += 1
    notes.set_column(2, 2, 60)
    book.close()
    return out.getvalue()
