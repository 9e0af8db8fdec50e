"""The request and response shapes of department reviews (/reviews/…): rounds (the public
list of open rounds and published results), a round's departments and questionnaire, a
department's results, codes texted to a phone, and responses.

Inputs are bounded (ids fit the database, texts are limited and carry no NUL); what the
command requires is checked by it and named in the error's `details.fields`. Results carry
averages and counts, and only the comments staff marked public unless the caller is staff
who may read the round.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from civicgrid.api.schemas import Cursor, Id, NoNul
from civicgrid.api.schemas_committees import PageSize
from civicgrid.reviews.models import QuestionKind, RoundState

Phone = Annotated[str, Field(max_length=20), NoNul]
Code = Annotated[str, Field(max_length=12), NoNul]
Value = Annotated[str, Field(max_length=500), NoNul]


class RoundQuery(Schema):
    node: Id | None = Field(None, description="Only rounds of this town.")
    cursor: Cursor | None = Field(None, description="`next` of the previous page.")
    limit: PageSize = 50


class RoundItem(Schema):
    id: int
    node_id: int
    node_name: str
    title: str
    state: RoundState
    state_label: str
    opens: dt.date
    closes: dt.date
    answering: bool = Field(description="Whether residents may answer today.")
    results_public: bool


class RoundPage(Schema):
    items: list[RoundItem]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class OptionOut(Schema):
    value: str
    label: str


class ReviewQuestionOut(Schema):
    id: int
    text: str
    kind: QuestionKind
    required: bool
    options: list[OptionOut]


class DepartmentOut(Schema):
    id: int
    organisation_id: int
    name: str


class RoundDetail(RoundItem):
    intro: str
    departments: list[DepartmentOut]
    questions: list[ReviewQuestionOut]


class ChoiceCount(Schema):
    value: str
    label: str
    count: int


class CommentOut(Schema):
    id: int
    text: str
    public: bool


class QuestionResultOut(Schema):
    question_id: int
    text: str
    kind: QuestionKind
    answered: int
    average: float | None
    distribution: dict[str, int] = Field(description="Score (1–5) → answers; score questions.")
    choices: list[ChoiceCount]
    comments: list[CommentOut]


class DepartmentResultOut(Schema):
    round_id: int
    department_id: int
    name: str
    responses: int
    average: float | None
    questions: list[QuestionResultOut]


class CodeIn(Schema):
    phone: Phone


class CodeOut(Schema):
    sent: bool
    phone: str = Field(description="The number, masked.")


class ReviewAnswerIn(Schema):
    question: Id
    value: Value = Field(description="A score 1–5, an option's value, or a comment.")


class ResponseIn(Schema):
    department: Id
    phone: Phone
    code: Code = Field(description="The code texted by POST …/codes.")
    answers: list[ReviewAnswerIn] = Field(max_length=50)


class ResponseOut(Schema):
    id: int
    round_id: int
    department_id: int
