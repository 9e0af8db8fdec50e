"""Care visits in the console: the visits due and overdue in the reader's area (a grid
worker's list of whom to see), recording a visit with what was found, and a person's
visiting plan.

Recording a visit and changing a plan refuse a reader (403) before the form is read; the
services check again (`visits.visit_record`, `visits.plan_save`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from civicgrid.care import access, access_visits, visits
from civicgrid.care.models import CaredPerson, Finding, VisitPlan
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Person

T = "care/console/"
HORIZONS = (0, 7, 30)
LIMIT = 300


def due_rows(plans: Any, today: dt.date) -> list[dict[str, Any]]:
    """Plans read as plain values, shaped once."""
    rows = []
    for pk, person_id, name, place, every, next_due, visitor in plans.values_list(
        "pk",
        "person_id",
        "person__name",
        "person__node__name",
        "every_days",
        "next_due",
        "visitor__name",
    )[:LIMIT]:
        late = (today - next_due).days
        rows.append(
            {
                "plan": pk,
                "name": name,
                "url": reverse("care:person", args=[person_id]),
                "visit_url": reverse("care:visit_add", args=[person_id]),
                "place": place,
                "every": every,
                "due": next_due,
                "late": max(late, 0),
                "overdue": late > 0,
                "visitor": visitor or "",
            }
        )
    return rows


@console_required
@require_safe
def visits_due(request: HttpRequest) -> HttpResponse:
    """Whom to visit: plans due within the chosen days, or already overdue (first)."""
    user = person(request)
    today = timezone.localdate()
    try:
        days = int(request.GET.get("days", "7"))
    except ValueError:
        days = 7
    days = days if days in HORIZONS else 7
    mine = request.GET.get("mine") == "1"
    plans = access_visits.visible_plans(user).filter(next_due__lte=today + dt.timedelta(days=days))
    if mine:
        plans = plans.filter(visitor_id=user.pk)
    plans = plans.order_by("next_due", "pk")
    recent = (
        access_visits.visible_visits(user)
        .select_related("person", "visitor")
        .order_by("-visited_at", "-pk")[:20]
    )
    context = {
        "rows": due_rows(plans, today),
        "days": days,
        "horizons": HORIZONS,
        "mine": mine,
        "recent": list(recent),
        "may_visit": access.serves_anywhere(user),
    }
    return render(request, T + "visits_due.html", context)


# --- Recording a visit ------------------------------------------------------------------------


class VisitForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("What was found"), choices=Finding.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    raise_need = forms.BooleanField(
        label=gettext_lazy("Raise a need for this person"),
        required=False,
        help_text=gettext_lazy("“Needs help now” always raises an urgent need."),
    )
    visited_on = forms.DateField(
        label=gettext_lazy("Day of the visit"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Blank: today, now."),
    )

    def when(self) -> dt.datetime | None:
        day = self.cleaned_data.get("visited_on")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@console_required
def visit_add(request: HttpRequest, person_id: int) -> HttpResponse:
    user = person(request)
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may not record visits."))
    cared = access_visits.access_visit_person(user, person_id)
    form = VisitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = visits.visit_record(
                    by=user,
                    person=cared,
                    finding=data["finding"],
                    note=data.get("note") or "",
                    raise_need=bool(data.get("raise_need")),
                    when=form.when(),
                )
            except DomainError as failure:
                if failure.details.get("fields", {}).get("when"):
                    failure.details["fields"]["visited_on"] = failure.details["fields"].pop("when")
                onto_form(form, failure)
                status = failure.status
            else:
                if visit.raised_need is not None:
                    messages.success(request, _("The visit is recorded and a need was raised."))
                else:
                    messages.success(request, _("The visit is recorded."))
                return redirect("care:person", person_id=cared.pk)
    context = {"form": form, "cared": cared}
    return render(request, T + "visits_add.html", context, status=status)


# --- The plan ---------------------------------------------------------------------------------


class PlanForm(forms.Form):
    every_days = forms.IntegerField(
        label=gettext_lazy("Visit every (days)"), min_value=1, max_value=visits.MAX_EVERY
    )
    visitor = forms.ModelChoiceField(
        label=gettext_lazy("Visitor"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=gettext_lazy("The grid's workers"),
    )
    next_due = forms.DateField(
        label=gettext_lazy("Next visit due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Blank: from the last visit, or today."),
    )

    def __init__(self, *args: Any, cared: CaredPerson, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitor"].queryset = visits.visitors_for(cared.node)  # type: ignore[attr-defined]


@console_required
def visit_plan(request: HttpRequest, person_id: int) -> HttpResponse:
    """Make or change a person's visiting plan, or stop it (`op=stop`)."""
    user = person(request)
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may not change visiting plans."))
    cared = access_visits.access_visit_person(user, person_id)
    plan = VisitPlan.objects.filter(person_id=cared.pk, active=True).first()
    if request.method == "POST" and request.POST.get("op") == "stop" and plan is not None:
        visits.plan_stop(by=user, plan=plan)
        messages.success(request, _("The visiting plan is stopped."))
        return redirect("care:person", person_id=cared.pk)
    initial = (
        {"every_days": plan.every_days, "visitor": plan.visitor_id}
        if plan is not None
        else {"every_days": visits.default_every(cared) or visits.EVERY_FACT_ORPHAN}
    )
    form = PlanForm(request.POST or None, initial=initial, cared=cared)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                visits.plan_save(
                    by=user,
                    person=cared,
                    every_days=data["every_days"],
                    visitor=data.get("visitor"),
                    next_due=data.get("next_due"),
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The visiting plan is saved."))
                return redirect("care:person", person_id=cared.pk)
    context = {
        "form": form,
        "cared": cared,
        "plan": plan,
        "default_every": visits.default_every(cared),
    }
    return render(request, T + "visits_plan.html", context, status=status)


console_urls = [
    path("visits/", visits_due, name="visits"),
    path("visits/<int:person_id>/new/", visit_add, name="visit_add"),
    path("visits/<int:person_id>/plan/", visit_plan, name="visit_plan"),
]
public_urls: list[Any] = []
