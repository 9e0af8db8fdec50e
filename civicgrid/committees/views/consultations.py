"""Pages of consultations on hard needs (问题攻坚会商): a committee's consultations, and one
consultation with its need, the units involved, their contributions, the decision (who does
what by when: tasks) and the return to the community."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicgrid.committees import access, consultations
from civicgrid.committees import forms as f
from civicgrid.committees.models import Consultation, Task
from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.needs.workflow import By
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Organisation

SHOWN = 100


def _units(committee: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(committee=committee).order_by("name"))


@console_required
@require_safe
def consultation_list(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = access.access_committee(person(request), committee_id)
    found = list(
        Consultation.objects.filter(committee=committee)
        .select_related("need", "need__category", "need__node")
        .prefetch_related("units")
        .order_by("-opened_at")[:SHOWN]
    )
    return render(
        request,
        "committees/consultations/list.html",
        {"committee": committee, "nav": "consultations", "consultations": found},
    )


def _page(
    request: HttpRequest, consultation: Consultation, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = person(request)
    committee = consultation.committee
    staff = access.is_committee_staff(user, committee)
    units = _units(committee)
    mine = access.unit_ids(user, committee)
    live = consultation.state in consultations.LIVE
    need = consultation.need
    timeline = [
        {"event": e, "label": consultations.EVENT_LABELS.get(e.action, e.action)}
        for e in consultation.events.select_related("actor", "unit").order_by("seq")
    ]
    return render(
        request,
        "committees/consultations/detail.html",
        {
            "committee": committee,
            "nav": "consultations",
            "consultation": consultation,
            "need": need,
            "need_text": need.description
            if staff or scope.can_see(user, need.node)
            else need.public_summary,
            "involved": list(consultation.units.order_by("name")),
            "contributions": list(consultation.contributions.select_related("unit", "person")),
            "decisions": list(consultation.decisions.prefetch_related("tasks__unit")),
            "tasks": list(
                Task.objects.filter(decision__consultation=consultation).select_related("unit")
            ),
            "timeline": timeline,
            "staff": staff,
            "live": live,
            "arrange_form": forms.get("arrange")
            or f.ArrangeForm(
                units=units,
                initial={
                    "units": [u.pk for u in consultation.units.all()],
                    "held_on": consultation.held_on,
                },
            ),
            "contribute_form": forms.get("contribute")
            or (
                f.ContributionForm(units=[u for u in units if staff or u.pk in mine])
                if (staff or mine)
                else None
            ),
            "decide_form": forms.get("decide") or f.ConsultationDecisionForm(),
            "task_rows": forms.get("task_rows")
            or f.TaskRows(prefix="task", form_kwargs={"units": units}),
            "return_form": forms.get("return") or f.OutcomeForm(),
        },
        status=status,
    )


@console_required
@require_safe
def consultation_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    return _page(request, access.access_consultation(person(request), consultation_id))


def _unit(committee: Organisation, pk: Any) -> Organisation | None:
    try:
        return Organisation.objects.filter(pk=int(pk), committee=committee).first()
    except (TypeError, ValueError):
        return None


@console_required
@require_POST
def consultation_arrange(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = person(request)
    consultation = access.access_consultation(user, consultation_id, write=True)
    units = _units(consultation.committee)
    form = f.ArrangeForm(request.POST, units=units)
    if form.is_valid():
        chosen = [u for u in units if str(u.pk) in form.cleaned_data["units"]]
        try:
            consultations.consultation_arrange(
                consultation=consultation,
                by=By(person=user),
                units=chosen,
                held_on=form.cleaned_data["held_on"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("Units and date saved."))
            return redirect("committees:consultation", consultation_id=consultation.pk)
    return _page(request, consultation, status=400, arrange=form)


@console_required
@require_POST
def consultation_contribute(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = person(request)
    consultation = access.access_consultation(user, consultation_id)
    committee = consultation.committee
    staff = access.is_committee_staff(user, committee)
    mine = access.unit_ids(user, committee)
    if not staff and not mine:
        return HttpResponse(_("Only the committee and its units may contribute."), status=403)
    units = [u for u in _units(committee) if staff or u.pk in mine]
    form = f.ContributionForm(request.POST, units=units)
    if form.is_valid():
        unit = _unit(committee, form.cleaned_data["unit"])
        try:
            if unit is None:
                raise Invalid(_("Choose your unit."), code="validation")
            consultations.consultation_contribute(
                consultation=consultation,
                by=By(person=user),
                unit=unit,
                text=form.cleaned_data["text"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("Contribution added."))
            return redirect("committees:consultation", consultation_id=consultation.pk)
    return _page(request, consultation, status=400, contribute=form)


@console_required
@require_POST
def consultation_decide(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = person(request)
    consultation = access.access_consultation(user, consultation_id, write=True)
    committee = consultation.committee
    units = _units(committee)
    form = f.ConsultationDecisionForm(request.POST)
    rows = f.TaskRows(request.POST, prefix="task", form_kwargs={"units": units})
    if form.is_valid() and rows.is_valid():
        try:
            consultations.consultation_decide(
                consultation=consultation,
                by=By(person=user),
                text=form.cleaned_data["text"],
                outcome=form.cleaned_data["outcome"],
                tasks=f.task_specs(rows, units),
            )
        except DomainError as error:
            f.decision_error_onto(form, rows, error)
        else:
            messages.success(request, _("Decision recorded; the tasks went to the units."))
            return redirect("committees:consultation", consultation_id=consultation.pk)
    return _page(request, consultation, status=400, decide=form, task_rows=rows)


@console_required
@require_POST
def consultation_return(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = person(request)
    consultation = access.access_consultation(user, consultation_id, write=True)
    form = f.OutcomeForm(request.POST)
    if form.is_valid():
        try:
            consultations.consultation_return(
                consultation=consultation, by=By(person=user), outcome=form.cleaned_data["outcome"]
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("The need went back to its community with the decision."))
            return redirect("committees:consultation", consultation_id=consultation.pk)
    return _page(request, consultation, status=400, **{"return": form})


console_urls: list[URLPattern] = [
    path("<int:committee_id>/consultations/", consultation_list, name="consultations"),
    path("consultations/<int:consultation_id>/", consultation_detail, name="consultation"),
    path(
        "consultations/<int:consultation_id>/arrange/",
        consultation_arrange,
        name="consultation_arrange",
    ),
    path(
        "consultations/<int:consultation_id>/contribute/",
        consultation_contribute,
        name="consultation_contribute",
    ),
    path(
        "consultations/<int:consultation_id>/decide/",
        consultation_decide,
        name="consultation_decide",
    ),
    path(
        "consultations/<int:consultation_id>/return/",
        consultation_return,
        name="consultation_return",
    ),
]
