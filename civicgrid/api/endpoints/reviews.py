"""Department reviews (部门评议) through the API: the public list of rounds (open to answer,
or with published results), a round's departments and questionnaire, a department's results,
a code texted to a phone and a resident's response with it.

A façade like the rest: what the public reads is `reviews.publication`'s answer (a round
neither open nor published is a 404 to the public; results only once published, with only
the comments staff marked public); staff who may read the round (`reviews.access`) read its
results in full, comments included, in any state. A response is `responses.response_submit`,
the same command the resident page calls: the code must be the one texted to the phone, one
response per phone per department (409 `already_answered`). Anonymous calls are limited per
address, responses also per phone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from civicgrid.api import pagination
from civicgrid.api.auth import OPEN, caller
from civicgrid.api.errors import RateLimited, limit_anonymous, limit_known_caller, responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_reviews import (
    CodeIn,
    CodeOut,
    DepartmentResultOut,
    ResponseIn,
    ResponseOut,
    RoundDetail,
    RoundPage,
    RoundQuery,
)
from civicgrid.core import ratelimit
from civicgrid.core.errors import Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.core.i18n import localised
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import mask_mobile
from civicgrid.reviews import access, publication, results
from civicgrid.reviews import responses as review_responses
from civicgrid.reviews.models import Department, Question, Round

reviews_router = Router(auth=OPEN, tags=["reviews"])
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}
# Responses sent from one phone within an hour (as the resident page).
PER_PHONE = 20
PER_PHONE_WINDOW = 3600


def _round_item(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "node_id": r.node_id,
        "node_name": r.node.name,
        "title": localised(r.title, r.title_en, name_mn=r.title_mn),
        "state": r.state,
        "state_label": str(r.get_state_display()),
        "opens": r.opens,
        "closes": r.closes,
        "answering": review_responses.answering_open(r, timezone.localdate()) is None,
        "results_public": publication.results_public(r),
    }


def _listed(request: HttpRequest, round_id: int) -> Round:
    """A round the public may read; staff may read any round in their scope."""
    found = Round.objects.select_related("node").filter(pk=round_id).first()
    if found is not None and publication.listed(found):
        return found
    person = caller(request)
    if person is not None:
        return access.access_round(person, round_id)
    raise Http404(_("No such review round."))


def _read_limit(request: HttpRequest) -> None:
    limit_anonymous(request, "read", settings.API_ANON_READS_PER_MINUTE)


@reviews_router.get(
    "/reviews/rounds", response=responses({200: RoundPage}), openapi_extra=OPTIONAL_AUTH
)
def list_review_rounds(request: HttpRequest, filters: Query[RoundQuery]) -> Any:
    """Rounds open to answer or with published results, newest first (by id), a page at a
    time; no credentials needed."""
    _read_limit(request)
    qs: QuerySet[Round] = publication.public_rounds().select_related("node")
    if filters.node is not None:
        qs = qs.filter(node_id=filters.node)
    if filters.cursor:
        (last,) = pagination.decode(filters.cursor, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
        qs = qs.filter(pk__lt=last)
    rows = list(qs.order_by("-pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_round_item(r) for r in rows],
        "next": pagination.encode([rows[-1].pk]) if more and rows else None,
    }


@reviews_router.get(
    "/reviews/rounds/{round_id}",
    response=responses({200: RoundDetail}),
    openapi_extra=OPTIONAL_AUTH,
)
def get_review_round(request: HttpRequest, round_id: Id) -> Any:
    """A round with its departments and questionnaire (texts in the request's language)."""
    _read_limit(request)
    found = _listed(request, round_id)
    departments = Department.objects.filter(round=found).select_related("organisation")
    questions = Question.objects.filter(round=found).order_by("order", "pk")
    return {
        **_round_item(found),
        "intro": localised(found.intro, None, name_mn=found.intro_mn),
        "departments": [
            {"id": d.pk, "organisation_id": d.organisation_id, "name": results.department_name(d)}
            for d in departments.order_by("order", "pk")
        ],
        "questions": [
            {
                "id": q.pk,
                "text": results.question_text(q),
                "kind": q.kind,
                "required": q.required,
                "options": [
                    {"value": str(o.get("value")), "label": results.option_label(o)}
                    for o in q.options
                ],
            }
            for q in questions
        ],
    }


@reviews_router.get(
    "/reviews/rounds/{round_id}/departments/{department_id}/results",
    response=responses({200: DepartmentResultOut}),
    openapi_extra=OPTIONAL_AUTH,
)
def get_department_results(request: HttpRequest, round_id: Id, department_id: Id) -> Any:
    """One department's results: public once the round's results are published (averages,
    counts, the comments marked public); staff who may read the round read them in full."""
    _read_limit(request)
    found = Round.objects.select_related("node").filter(pk=round_id).first()
    person = caller(request)
    if found is not None and person is not None and access.may_see(person, found):
        rows = results.tally(found, department_id=department_id)
    elif found is not None and publication.results_public(found):
        rows = publication.public_results(found, department_id=department_id)
    else:
        raise Http404(_("The results of this round are not published."))
    if not rows:
        raise Http404(_("No such department in this round."))
    row = rows[0]
    return {
        "round_id": found.pk,
        "department_id": row.department_id,
        "name": row.name,
        "responses": row.responses,
        "average": row.average,
        "questions": [
            {
                "question_id": q.question_id,
                "text": q.text,
                "kind": q.kind,
                "answered": q.answered,
                "average": q.average,
                "distribution": {str(k): v for k, v in q.distribution.items()},
                "choices": [{"value": v, "label": label, "count": n} for v, label, n in q.choices],
                "comments": [{"id": c.id, "text": c.text, "public": c.public} for c in q.comments],
            }
            for q in row.questions
        ],
    }


def _write_limit(request: HttpRequest) -> None:
    if caller(request) is None:
        limit_anonymous(request, "create", settings.API_ANON_CREATES_PER_MINUTE)
    else:
        limit_known_caller(request, "token-create", settings.API_TOKEN_CREATES_PER_MINUTE)


def _phone(raw: str) -> str:
    try:
        return clean_phone(raw, required=True)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure


@reviews_router.post(
    "/reviews/rounds/{round_id}/codes",
    response=responses({200: CodeOut}),
    openapi_extra=OPTIONAL_AUTH,
)
def send_review_code(request: HttpRequest, round_id: Id, body: CodeIn) -> Any:
    """Text a one-time code to the phone, for a response to an open round (a few codes per
    number an hour: 429 past that)."""
    _write_limit(request)
    found = Round.objects.filter(pk=round_id).first()
    if found is None or not publication.listed(found):
        raise Http404(_("No such review round."))
    phone = _phone(body.phone)
    text = _(
        "CivicGrid: your code is %(code)s. It sends your review of a department, once, "
        "within 10 minutes. Staff never ask you for it."
    )
    wait = review_responses.send_code(phone, text=text)
    if wait:
        raise RateLimited(wait)
    return {"sent": True, "phone": mask_mobile(phone)}


@reviews_router.post(
    "/reviews/rounds/{round_id}/responses",
    response=responses({201: ResponseOut}, 409),
    openapi_extra=OPTIONAL_AUTH,
)
def create_review_response(request: HttpRequest, round_id: Id, body: ResponseIn) -> Any:
    """A resident's review of one department: the code texted to the phone (…/codes) is
    required and spent; one response per phone per department (409 `already_answered`)."""
    _write_limit(request)
    found = Round.objects.filter(pk=round_id).first()
    if found is None or not publication.listed(found):
        raise Http404(_("No such review round."))
    department = Department.objects.filter(round=found, pk=body.department).first()
    if department is None:
        message = _("No such department in this round.")
        raise Invalid(message, code="no_department", fields={"department": [message]})
    phone = _phone(body.phone)
    wait = ratelimit.hit(
        "api-reviews-phone", phone_digest(phone), limit=PER_PHONE, per=PER_PHONE_WINDOW
    )
    if wait:
        raise RateLimited(wait)
    made = review_responses.response_submit(
        round=found,
        department=department,
        phone=phone,
        code=body.code,
        answers={a.question: a.value for a in body.answers},
    )
    return Status(201, {"id": made.pk, "round_id": found.pk, "department_id": department.pk})
