"""The residents' side of department reviews (/reviews/, no account): a town's mailbox page
listing its open rounds and published results, a round's departments, the questionnaire for
one department (the phone proved by a texted code, one review per phone per department, a
one-time key, limited per address and per phone), and a published round's results.

Mobile first and light, elder mode as every resident page; question texts, options and names
come from the data in the page's language. What is public is `publication.py`'s answer.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from civicgrid.core import once, ratelimit
from civicgrid.core.errors import DomainError, Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.core.i18n import localised
from civicgrid.core.views import limited, too_many_requests
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node, NodeKind, mask_mobile
from civicgrid.reviews import publication, responses, results
from civicgrid.reviews.models import Department, Question, QuestionKind, Round, RoundState

R = "reviews/public/"
ONCE_SCOPE = "reviews-response"
# Reviews sent from one phone within an hour, whatever the departments.
PER_PHONE = 20
PER_PHONE_WINDOW = 3600
SCORE_WORDS = {
    1: gettext_lazy("1 · very dissatisfied"),
    2: gettext_lazy("2 · dissatisfied"),
    3: gettext_lazy("3 · fair"),
    4: gettext_lazy("4 · satisfied"),
    5: gettext_lazy("5 · very satisfied"),
}


def round_title(r: Round) -> str:
    return localised(r.title, r.title_en, name_mn=r.title_mn)


def round_intro(r: Round) -> str:
    return localised(r.intro, None, name_mn=r.intro_mn)


def _public_round(round_id: int) -> Round:
    found = Round.objects.select_related("node").filter(pk=round_id).first()
    if found is None or not publication.listed(found):
        raise Http404(_("No such review round."))
    return found


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def mailbox(request: HttpRequest, node_id: int) -> HttpResponse:
    """A town's review mailbox: its open rounds (to answer) and its published results."""
    town = Node.objects.filter(pk=node_id, kind=NodeKind.TOWN).first()
    if town is None:
        raise Http404(_("No such town."))
    found = publication.public_rounds().filter(node=town).order_by("-opens", "-pk")
    today = timezone.localdate()
    open_rounds: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    for r in found:
        item = {
            "id": r.pk,
            "title": round_title(r),
            "opens": r.opens,
            "closes": r.closes,
            "answering": responses.answering_open(r, today) is None,
        }
        (open_rounds if r.state == RoundState.OPEN else published).append(item)
    context = {
        "town": localised(town.name, town.name_en, name_mn=town.name_mn),
        "open_rounds": open_rounds,
        "published": published,
    }
    return render(request, R + "mailbox.html", context)


@require_safe
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round: its departments, each with the link to review it (while it is open)."""
    found = _public_round(round_id)
    refusal = responses.answering_open(found, timezone.localdate())
    departments = [
        {"id": d.pk, "name": results.department_name(d)}
        for d in Department.objects.filter(round=found)
        .select_related("organisation")
        .order_by("order", "pk")
    ]
    context = {
        "round": found,
        "title": round_title(found),
        "intro": round_intro(found),
        "town": localised(found.node.name, found.node.name_en, name_mn=found.node.name_mn),
        "departments": departments,
        "answering": refusal is None,
        "why_not": refusal[1] if refusal else "",
        "published": publication.results_public(found),
        "thanks": request.GET.get("thanks", ""),
    }
    return render(request, R + "round.html", context)


class ReviewForm(forms.Form):
    """The questionnaire of a round, one field a question (`q<id>`), then the phone and the
    texted code."""

    phone = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        help_text=gettext_lazy("We text you a code. Your number is not kept, nor shown to anyone."),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        help_text=gettext_lazy("6 digits. It works once, for 10 minutes."),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        asked: dict[str, forms.Field] = {}
        for q in questions:
            label = results.question_text(q)
            if q.kind == QuestionKind.SCORE:
                asked[f"q{q.pk}"] = forms.ChoiceField(
                    label=label,
                    choices=[(str(s), SCORE_WORDS[s]) for s in results.SCORES],
                    widget=forms.RadioSelect,
                    required=False,
                )
            elif q.kind == QuestionKind.CHOICE:
                asked[f"q{q.pk}"] = forms.ChoiceField(
                    label=label,
                    choices=[(str(o.get("value")), results.option_label(o)) for o in q.options],
                    widget=forms.RadioSelect,
                    required=False,
                )
            else:
                asked[f"q{q.pk}"] = forms.CharField(
                    label=label,
                    max_length=responses.COMMENT_MAX,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            asked[f"q{q.pk}"].required_mark = q.required  # type: ignore[attr-defined]
        self.fields = {**asked, **self.fields}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q{q.pk}"] for q in self.questions]

    def answers(self) -> dict[int, Any]:
        return {q.pk: self.data.get(f"q{q.pk}", "") for q in self.questions}


def _form_error(form: ReviewForm, failure: DomainError) -> None:
    placed = False
    for name, problems in (failure.details.get("fields") or {}).items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, failure.message)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, round_id: int, department_id: int) -> HttpResponse:
    """The questionnaire for one department. `op=send` texts a code to the phone typed (the
    answers stay on the page); `op=submit` sends the review with the code."""
    found = _public_round(round_id)
    department = (
        Department.objects.select_related("organisation")
        .filter(round=found, pk=department_id)
        .first()
    )
    if department is None:
        raise Http404(_("No such department in this round."))
    refusal = responses.answering_open(found, timezone.localdate())
    questions = list(Question.objects.filter(round=found).order_by("order", "pk"))
    context: dict[str, Any] = {
        "round": found,
        "title": round_title(found),
        "department": results.department_name(department),
        "why_not": refusal[1] if refusal else "",
        "sent_to": "",
    }
    status = 200
    if request.method == "POST" and refusal is None:
        op = request.POST.get("op", "submit")
        if op == "send":
            form = ReviewForm(initial=request.POST.dict(), questions=questions)
            answer = _send_code(request, form, context)
            if isinstance(answer, HttpResponse):
                return answer
            status = answer
        else:
            form = ReviewForm(request.POST, questions=questions)
            form.is_valid()
            answer = _submit(request, form, found, department)
            if isinstance(answer, HttpResponse):
                return answer
            status = answer
    else:
        form = ReviewForm(initial={"once": once.new_key()}, questions=questions)
    context["form"] = form
    return _no_store(render(request, R + "review.html", context, status=status))


def _send_code(
    request: HttpRequest, form: ReviewForm, context: dict[str, Any]
) -> HttpResponse | int:
    refused = limited(
        request, "reviews-send", settings.RESIDENT_CODE_LIMIT, settings.RESIDENT_CODE_WINDOW
    )
    if refused:
        return refused
    try:
        phone = clean_phone(request.POST.get("phone", ""), required=True)
    except Invalid as failure:
        # An unbound form (the answers typed are its initial values) with the one message.
        assert form.errors is not None
        form.errors["phone"] = form.error_class([failure.message])
        return 400
    text = _(
        "CivicGrid: your code is %(code)s. It sends your review of a department, once, "
        "within 10 minutes. Staff never ask you for it."
    )
    wait = responses.send_code(phone, text=text)
    if wait:
        return too_many_requests(request, wait)
    context["sent_to"] = mask_mobile(phone)
    return 200


def _submit(
    request: HttpRequest, form: ReviewForm, found: Round, department: Department
) -> HttpResponse | int:
    key = request.POST.get("once", "")
    thanks = reverse("reviews_public:round", args=[found.pk]) + "?thanks=1"
    if once.well_formed(key) and once.result_of(ONCE_SCOPE, key):
        return redirect(thanks)
    refused = limited(
        request, "reviews-submit", settings.RESIDENT_RAISE_LIMIT, settings.RESIDENT_RAISE_WINDOW
    )
    if refused:
        return refused
    phone = request.POST.get("phone", "")
    try:
        digest = phone_digest(clean_phone(phone, required=True))
    except Invalid:
        digest = ""
    if digest:
        wait = ratelimit.hit("reviews-phone", digest, limit=PER_PHONE, per=PER_PHONE_WINDOW)
        if wait:
            return too_many_requests(request, wait)
    try:
        responses.response_submit(
            round=found,
            department=department,
            phone=phone,
            code=request.POST.get("code", ""),
            answers=form.answers(),
            also=(lambda made: once.claim(ONCE_SCOPE, key, str(made.pk)))
            if once.well_formed(key)
            else None,
        )
    except DomainError as failure:
        _form_error(form, failure)
        # A code is good once at most: the page never offers it again.
        again = request.POST.copy()
        again["code"] = ""
        form.data = again
        return failure.status
    except IntegrityError:
        if once.result_of(ONCE_SCOPE, key) is None:
            raise
    return redirect(thanks)


@require_safe
def results_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """A published round's results: per department, responses, averages, score counts and
    choice counts, and only the comments staff marked public."""
    found = _public_round(round_id)
    if not publication.results_public(found):
        raise Http404(_("The results of this round are not published."))
    context = {
        "round": found,
        "title": round_title(found),
        "town": localised(found.node.name, found.node.name_en, name_mn=found.node.name_mn),
        "rows": publication.public_results(found),
        "scores": results.SCORES,
    }
    return render(request, R + "results.html", context)


public_urls = [
    path("town/<int:node_id>/", mailbox, name="mailbox"),
    path("<int:round_id>/", round_page, name="round"),
    path("<int:round_id>/review/<int:department_id>/", review, name="review"),
    path("<int:round_id>/results/", results_page, name="results"),
]
