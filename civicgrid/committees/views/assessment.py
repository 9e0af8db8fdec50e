"""Pages of the assessment of member units (考核共评).

- /console/committees/<committee>/assessments/: the committee's assessments; its staff open a
  new one (…/assessments/new/).
- /console/committees/assessments/<id>/: the ranked table (each measure, the peer average and
  how many scores, the score, the rank) and the weights it uses; a member unit's people get the
  form to score the other units (their own unit absent), the committee's staff and community
  staff over its node the community's form; the staff recompute and close. The xlsx of the
  table at …/assessment.xlsx.

A view parses, asks `access`, calls one command of `assessment.py`, and redirects (PRG) with a
message; a refused form is shown again with the errors where the input is. Readers in sight
(a read-only leader) see the table and get no form; their posts are refused (403).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.committees import access
from civicgrid.committees import assessment as service
from civicgrid.committees.models import Assessment, AssessmentState
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.needs.workflow import By
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMMUNITY = "community"


# --- Forms -------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class OpenForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    starts_on = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())


class ScoreForm(forms.Form):
    """A row per unit to score (0–100, blank: not now). `scorer` is the unit scoring, or None
    for the community."""

    def __init__(
        self,
        *args: Any,
        scorer: Organisation | None,
        targets: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scorer = scorer
        self.targets = targets
        for unit in targets:
            self.fields[f"unit_{unit.pk}"] = forms.IntegerField(
                label=unit.name,
                min_value=0,
                max_value=100,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            )

    @property
    def scorer_key(self) -> str:
        return str(self.scorer.pk) if self.scorer else COMMUNITY

    def scores(self) -> dict[Organisation, int]:
        return {
            unit: self.cleaned_data[f"unit_{unit.pk}"]
            for unit in self.targets
            if self.cleaned_data.get(f"unit_{unit.pk}") is not None
        }


# --- Helpers -----------------------------------------------------------------------------------


def _scorers(user: Any, a: Assessment, units: list[Organisation]) -> list[Organisation | None]:
    """For whom the user may score: each of their units of the committee, and the community."""
    mine = access.unit_ids(user, a.committee)
    found: list[Organisation | None] = [u for u in units if u.pk in mine]
    if service.may_score_for_community(user, a.committee):
        found.append(None)
    return found


def _score_form(
    a: Assessment, units: list[Organisation], scorer: Organisation | None, data: Any = None
) -> ScoreForm:
    given = service.scored_by(a, scorer)
    targets = [u for u in units if u.pk not in given and (scorer is None or u.pk != scorer.pk)]
    return ScoreForm(data, scorer=scorer, targets=targets)


def _page(request: HttpRequest, a: Assessment, bound: ScoreForm | None = None) -> HttpResponse:
    user = person(request)
    staff = access.is_committee_staff(user, a.committee)
    units = service.member_units(a.committee)
    names = {u.pk: u.name for u in units}
    scoring = a.state == AssessmentState.SCORING
    sections = []
    for scorer in _scorers(user, a, units) if scoring else []:
        if bound is not None and bound.scorer == scorer:
            form = bound
        else:
            form = _score_form(a, units, scorer)
        given = service.scored_by(a, scorer)
        sections.append(
            {
                "form": form,
                "scorer": scorer,
                "given": sorted((names.get(pk, "?"), score) for pk, score in given.items()),
            }
        )
    return render(
        request,
        "committees/assessment/detail.html",
        {
            "committee": a.committee,
            "nav": "assessments",
            "assessment": a,
            "rows": service.table(a),
            "weights": service.weight_lines(a),
            "staff": staff,
            "scoring": scoring,
            "sections": sections,
        },
    )


# --- Views -------------------------------------------------------------------------------------


@console_required
@require_GET
def assessment_list(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id)
    found = Assessment.objects.filter(committee=committee).order_by("-ends_on", "-id")[:100]
    return render(
        request,
        "committees/assessment/list.html",
        {
            "committee": committee,
            "nav": "assessments",
            "assessments": list(found),
            "staff": access.is_committee_staff(user, committee),
        },
    )


@console_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    if request.method == "POST":
        form = OpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = service.assessment_open(
                    committee=committee,
                    by=By(person=user),
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(request, _("The assessment is open for scores."))
                return redirect("committees:assessment", assessment_id=opened.pk)
    else:
        form = OpenForm()
    return render(
        request,
        "committees/assessment/new.html",
        {"committee": committee, "nav": "assessments", "form": form},
    )


@console_required
@require_GET
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    a = access.access_assessment(person(request), assessment_id)
    return _page(request, a)


@console_required
@require_POST
def assessment_score(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = person(request)
    a = access.access_assessment(user, assessment_id)
    units = service.member_units(a.committee)
    scorers = _scorers(user, a, units)
    if not scorers:
        raise PermissionDenied(_("Only the committee's member units and the community score."))
    raw = request.POST.get("scorer", "")
    chosen = [s for s in scorers if (str(s.pk) if s else COMMUNITY) == raw]
    if not chosen:
        raise PermissionDenied(_("You may score only for your own unit or the community."))
    scorer = chosen[0]
    if a.state != AssessmentState.SCORING:
        messages.error(request, _("This assessment is closed: it takes no more scores."))
        return redirect("committees:assessment", assessment_id=a.pk)
    form = _score_form(a, units, scorer, request.POST)
    if form.is_valid():
        try:
            given = service.peer_scores(
                assessment=a, by=By(person=user), scores=form.scores(), by_unit=scorer
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("%(count)d scores saved.") % {"count": len(given)})
            return redirect("committees:assessment", assessment_id=a.pk)
    return _page(request, a, bound=form)


@console_required
@require_POST
def assessment_recompute(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = person(request)
    a = access.access_assessment(user, assessment_id, write=True)
    try:
        service.assessment_recompute(assessment=a, by=By(person=user))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The table is computed again from what happened."))
    return redirect("committees:assessment", assessment_id=a.pk)


@console_required
@require_POST
def assessment_close(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = person(request)
    a = access.access_assessment(user, assessment_id, write=True)
    try:
        service.assessment_close(assessment=a, by=By(person=user))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The assessment is closed; its table is final."))
    return redirect("committees:assessment", assessment_id=a.pk)


@console_required
@require_GET
def assessment_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    a = access.access_assessment(person(request), assessment_id)
    book = service.workbook(a, service.table(a))
    response = HttpResponse(book, content_type=XLSX)
    filename = f"assessment-{a.committee_id}-{a.starts_on:%Y%m%d}-{a.ends_on:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


console_urls: list[URLPattern] = [
    path("<int:committee_id>/assessments/", assessment_list, name="assessments"),
    path("<int:committee_id>/assessments/new/", assessment_new, name="assessment_new"),
    path("assessments/<int:assessment_id>/", assessment_detail, name="assessment"),
    path("assessments/<int:assessment_id>/score/", assessment_score, name="assessment_score"),
    path(
        "assessments/<int:assessment_id>/recompute/",
        assessment_recompute,
        name="assessment_recompute",
    ),
    path("assessments/<int:assessment_id>/close/", assessment_close, name="assessment_close"),
    path(
        "assessments/<int:assessment_id>/assessment.xlsx",
        assessment_xlsx,
        name="assessment_xlsx",
    ),
]
