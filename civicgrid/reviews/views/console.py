"""Department reviews in the console (/console/reviews/): the rounds list, creating and editing
a round, its questionnaire (simple forms), the departments picker, the moves (open, close,
publish, withdraw), the results table with the comments and its xlsx.

A writing view refuses a read-only reader (403) before it reads a form; the commands check
again (`rounds.py`, `services.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, Organisation, UnitKind
from civicgrid.reviews import access, events, results, rounds, services
from civicgrid.reviews.models import (
    Answer,
    Department,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
)

T = "reviews/console/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each event of a round's timeline is called on its page.
EVENT_LABELS = {
    "create": gettext_lazy("Round made"),
    "edit": gettext_lazy("Round edited"),
    "open": gettext_lazy("Opened"),
    "close": gettext_lazy("Closed"),
    "publish": gettext_lazy("Results published"),
    "withdraw": gettext_lazy("Results withdrawn"),
    "question.save": gettext_lazy("Question saved"),
    "question.delete": gettext_lazy("Question removed"),
    "department.add": gettext_lazy("Department added"),
    "department.remove": gettext_lazy("Department removed"),
    "comment.public": gettext_lazy("Comment shown to the public"),
    "comment.hide": gettext_lazy("Comment hidden from the public"),
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


# --- Rounds -----------------------------------------------------------------------------------


@console_required
@require_safe
def rounds_list(request: HttpRequest) -> HttpResponse:
    """The rounds of towns in the reader's scope, newest first, with their answers counted."""
    user = person(request)
    rows = (
        access.visible_rounds(user)
        .annotate(
            answers=Count("responses", distinct=True),
            departments_n=Count("departments", distinct=True),
        )
        .values_list(
            "pk", "title", "node__name", "state", "opens", "closes", "answers", "departments_n"
        )
        .order_by("-opens", "-pk")[:200]
    )
    labels = dict(RoundState.choices)
    table = [
        {
            "id": pk,
            "title": title,
            "town": town,
            "state": state,
            "state_label": labels.get(state, state),
            "opens": opens,
            "closes": closes,
            "answers": answers,
            "departments": departments,
        }
        for pk, title, town, state, opens, closes, answers, departments in rows
    ]
    context = {"rows": table, "may_create": access.towns_served(user).exists()}
    return render(request, T + "rounds.html", context)


class RoundForm(forms.Form):
    node = forms.ModelChoiceField(
        label=gettext_lazy("Town or subdistrict"), queryset=Node.objects.none()
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    title_en = forms.CharField(
        label=gettext_lazy("Title in English"), max_length=160, required=False
    )
    title_mn = forms.CharField(
        label=gettext_lazy("Title in Mongolian"), max_length=200, required=False
    )
    intro = forms.CharField(
        label=gettext_lazy("Introduction for residents"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intro_mn = forms.CharField(
        label=gettext_lazy("Introduction in Mongolian"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opens = forms.DateField(label=gettext_lazy("First day"), widget=_date_input())
    closes = forms.DateField(label=gettext_lazy("Last day"), widget=_date_input())

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["node"]
        else:
            self.fields["node"].queryset = access.towns_served(user)  # type: ignore[attr-defined]


def _round_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: data.get(name) or ("" if name not in ("opens", "closes") else None)
        for name in ("title", "title_en", "title_mn", "intro", "intro_mn", "opens", "closes")
    }


@console_required
@require_http_methods(["GET", "POST"])
def round_add(request: HttpRequest) -> HttpResponse:
    user = person(request)
    access.check_serves_anywhere(user)
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        user=user,
        initial={"opens": today, "closes": today + dt.timedelta(days=30)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = services.round_create(
                    by=user, node=form.cleaned_data["node"], **_round_values(form.cleaned_data)
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(
                    request, _("The round is made. Add its questions and departments.")
                )
                return redirect("reviews:round", round_id=made.pk)
    return render(request, T + "round_edit.html", {"form": form, "round": None}, status=status)


@console_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    initial = {name: getattr(found, name) for name in _round_values({})}
    form = RoundForm(request.POST or None, user=user, editing=True, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.round_update(by=user, round=found, **_round_values(form.cleaned_data))
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The round is saved."))
                return redirect("reviews:round", round_id=found.pk)
    return render(request, T + "round_edit.html", {"form": form, "round": found}, status=status)


def _question_rows(found: Round) -> list[dict[str, Any]]:
    rows = []
    for q in Question.objects.filter(round=found).order_by("order", "pk"):
        rows.append(
            {
                "id": q.pk,
                "order": q.order,
                "text": q.text,
                "text_en": q.text_en,
                "text_mn": q.text_mn,
                "kind": q.get_kind_display(),
                "options": ", ".join(results.option_label(o) for o in q.options),
                "required": q.required,
            }
        )
    return rows


@console_required
@require_safe
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round: its facts, its moves, its questionnaire, its departments, its timeline."""
    user = person(request)
    found = access.access_round(user, round_id)
    serves = access.serves(user, found.node)
    answered = Response.objects.filter(round=found).exists()
    departments = [
        {"id": d.pk, "name": d.organisation.name, "name_mn": d.name_mn, "answers": d.n}
        for d in Department.objects.filter(round=found)
        .select_related("organisation")
        .annotate(n=Count("responses"))
        .order_by("order", "pk")
    ]
    timeline = [
        {
            "at": e.created_at,
            "action": EVENT_LABELS.get(e.action, e.action),
            "actor": e.actor.name
            if e.actor
            else _("the system")
            if e.actor_kind == "system"
            else "",
            "note": e.note,
        }
        for e in events.timeline(found).select_related("actor")
    ]
    context = {
        "round": found,
        "serves": serves,
        "actions": [
            (a.value, rounds.ACTION_LABELS[a]) for a in rounds.allowed_actions(user, found)
        ],
        "editable": serves and found.state in services.EDITABLE,
        "questions_locked": answered,
        "questions": _question_rows(found),
        "departments": departments,
        "timeline": timeline,
    }
    return render(request, T + "round.html", context)


@console_required
@require_POST
def round_act(request: HttpRequest, round_id: int) -> HttpResponse:
    """One move of the round: `action` is open, close, publish or withdraw."""
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    try:
        action = rounds.Action(request.POST.get("action", ""))
    except ValueError:
        messages.error(request, _("Choose what to do with the round."))
        return redirect("reviews:round", round_id=found.pk)
    try:
        rounds.COMMANDS[action](by=user, round=found)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Done: %(what)s.") % {"what": rounds.ACTION_LABELS[action]})
    return redirect("reviews:round", round_id=found.pk)


# --- The questionnaire ------------------------------------------------------------------------


class QuestionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Question"), max_length=200)
    text_en = forms.CharField(
        label=gettext_lazy("Question in English"), max_length=250, required=False
    )
    text_mn = forms.CharField(
        label=gettext_lazy("Question in Mongolian"), max_length=300, required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Answer"), choices=QuestionKind.choices)
    options = forms.CharField(
        label=gettext_lazy("Options (for a choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One option a line: Chinese | English | Mongolian "
            "(English and Mongolian may be left out)."
        ),
    )
    required = forms.BooleanField(
        label=gettext_lazy("An answer is required"), required=False, initial=True
    )
    order = forms.IntegerField(
        label=gettext_lazy("Order"), min_value=0, max_value=999, required=False
    )

    def parsed_options(self) -> list[dict[str, str]]:
        parsed = []
        for line in (self.cleaned_data.get("options") or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            parsed.append(
                {
                    "label": parts[0],
                    "label_en": parts[1] if len(parts) > 1 else "",
                    "label_mn": parts[2] if len(parts) > 2 else "",
                }
            )
        return parsed


def options_text(options: list[dict[str, str]]) -> str:
    return "\n".join(
        " | ".join(
            p for p in (o.get("label", ""), o.get("label_en", ""), o.get("label_mn", ""))
        ).rstrip(" |")
        for o in options
    )


@console_required
@require_http_methods(["GET", "POST"])
def question_edit(
    request: HttpRequest, round_id: int, question_id: int | None = None
) -> HttpResponse:
    """Add a question (no `question_id`) or change one."""
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    question = None
    initial: dict[str, Any] = {"required": True, "kind": QuestionKind.SCORE}
    if question_id is not None:
        question = Question.objects.filter(round=found, pk=question_id).first()
        if question is None:
            raise Http404(_("No such question in this round."))
        initial = {
            "text": question.text,
            "text_en": question.text_en,
            "text_mn": question.text_mn,
            "kind": question.kind,
            "options": options_text(question.options),
            "required": question.required,
            "order": question.order,
        }
    form = QuestionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.question_save(
                    by=user,
                    round=found,
                    question=question,
                    text=data["text"],
                    text_en=data.get("text_en") or "",
                    text_mn=data.get("text_mn") or "",
                    kind=data["kind"],
                    options=form.parsed_options(),
                    required=bool(data.get("required")),
                    order=data.get("order"),
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The question is saved."))
                return redirect("reviews:round", round_id=found.pk)
    context = {"form": form, "round": found, "question": question}
    return render(request, T + "question_edit.html", context, status=status)


@console_required
@require_POST
def question_delete(request: HttpRequest, round_id: int, question_id: int) -> HttpResponse:
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    try:
        services.question_delete(by=user, round=found, question=question_id)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The question is removed."))
    return redirect("reviews:round", round_id=found.pk)


# --- Departments ------------------------------------------------------------------------------


def department_choices(user: Any, found: Round, search: str) -> list[dict[str, Any]]:
    """Organisations staff may put under review: government departments anywhere, and any
    organisation of a place in the reader's scope; those already in the round left out."""
    inside = scope.scope_q(user, node_field="node")
    where = Q(unit_kind=UnitKind.DEPARTMENT)
    if inside is None:
        where = Q()
    else:
        where |= inside
    orgs = Organisation.objects.filter(where).exclude(
        pk__in=Department.objects.filter(round=found).values("organisation_id")
    )
    if search:
        orgs = orgs.filter(name__icontains=search)
    return [
        {"id": pk, "name": name, "place": place, "department": unit_kind == UnitKind.DEPARTMENT}
        for pk, name, place, unit_kind in orgs.order_by("name", "pk").values_list(
            "pk", "name", "node__name", "unit_kind"
        )[:100]
    ]


@console_required
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest, round_id: int) -> HttpResponse:
    """The departments picker: search organisations, add one (POST `organisation`)."""
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    status = 200
    if request.method == "POST":
        raw = request.POST.get("organisation", "")
        chosen = Organisation.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        allowed = {row["id"] for row in department_choices(user, found, "")}
        if chosen is None or chosen.pk not in allowed:
            messages.error(request, _("Choose an organisation from the list."))
            status = 400
        else:
            try:
                services.department_add(
                    by=user,
                    round=found,
                    organisation=chosen,
                    name_mn=request.POST.get("name_mn", ""),
                )
            except DomainError as failure:
                messages.error(request, failure.message)
                status = failure.status
            else:
                messages.success(request, _("%(name)s is under review.") % {"name": chosen.name})
                return redirect("reviews:departments", round_id=found.pk)
    search = request.GET.get("q", "").strip()[:60]
    listed = [
        {"id": d.pk, "name": d.organisation.name}
        for d in Department.objects.filter(round=found).select_related("organisation")
    ]
    context = {
        "round": found,
        "choices": department_choices(user, found, search),
        "listed": listed,
        "q": search,
    }
    return render(request, T + "departments.html", context, status=status)


@console_required
@require_POST
def department_remove(request: HttpRequest, round_id: int, department_id: int) -> HttpResponse:
    user = person(request)
    access.check_serves_anywhere(user)
    found = access.access_round(user, round_id, write=True)
    try:
        services.department_remove(by=user, round=found, department=department_id)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The department is taken off the round."))
    return redirect("reviews:departments", round_id=found.pk)


# --- Results ----------------------------------------------------------------------------------


@console_required
@require_safe
def results_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """The results table: per department, responses, each score question's average and
    distribution, choice counts, and the comments (staff only) with the public mark."""
    user = person(request)
    found = access.access_round(user, round_id)
    context = {
        "round": found,
        "rows": results.tally(found),
        "scores": results.SCORES,
        "serves": access.serves(user, found.node),
    }
    return render(request, T + "results.html", context)


@console_required
@require_safe
def results_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    user = person(request)
    found = access.access_round(user, round_id)
    content = results.results_xlsx(found, results.tally(found))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="reviews-{found.pk}.xlsx"'
    return response


@console_required
@require_POST
def comment_mark(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Show a comment on the public results page (`public=1`) or take it off."""
    user = person(request)
    access.check_serves_anywhere(user)
    answer = Answer.objects.select_related("response").filter(pk=answer_id).first()
    if answer is None:
        raise Http404
    found = access.access_round(user, answer.response.round_id, write=True)
    try:
        services.comment_mark(by=user, answer=answer, public=request.POST.get("public") == "1")
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("reviews:results", round_id=found.pk)


console_urls = [
    path("", rounds_list, name="rounds"),
    path("new/", round_add, name="round_add"),
    path("<int:round_id>/", round_detail, name="round"),
    path("<int:round_id>/edit/", round_edit, name="round_edit"),
    path("<int:round_id>/act/", round_act, name="round_act"),
    path("<int:round_id>/questions/new/", question_edit, name="question_add"),
    path("<int:round_id>/questions/<int:question_id>/", question_edit, name="question_edit"),
    path(
        "<int:round_id>/questions/<int:question_id>/delete/",
        question_delete,
        name="question_delete",
    ),
    path("<int:round_id>/departments/", departments, name="departments"),
    path(
        "<int:round_id>/departments/<int:department_id>/remove/",
        department_remove,
        name="department_remove",
    ),
    path("<int:round_id>/results/", results_page, name="results"),
    path("<int:round_id>/results.xlsx", results_xlsx, name="results_xlsx"),
    path("comments/<int:answer_id>/", comment_mark, name="comment_mark"),
]
