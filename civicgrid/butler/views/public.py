"""The project's QR page, /butler/ (namespace "butler_public"): the enterprise's contact
raises a matter with the project's keyed link, no account. A wrong key is a 404 (nothing says
the project exists). The phone must be one of the project's contacts (`matters.py` says why);
every form carries a one-time key and posts are rate-limited per address and per project."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_http_methods

from civicgrid.butler import access, matters, publication
from civicgrid.butler.models import MatterKind, Project
from civicgrid.core import once, ratelimit
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.views import limited, too_many_requests
from civicgrid.needs.tracking import tracking_url

R = "butler/public/"
# Posts per project per hour: a leaked poster cannot flood the team.
PROJECT_LIMIT = 30
PROJECT_WINDOW = 3600


class RaiseForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        help_text=gettext_lazy("One of the numbers your butler team has for the enterprise."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What do you need"),
        choices=MatterKind.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the matter"),
        max_length=matters.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.initial.setdefault("once", once.new_key())


def _project(project_id: int, key: str) -> Project:
    project = Project.objects.select_related("enterprise", "node").filter(pk=project_id).first()
    if project is None or not access.qr_key_ok(project_id, key):
        raise Http404
    return project


@require_http_methods(["GET", "HEAD", "POST"])
def raise_matter(request: HttpRequest, project_id: int, key: str) -> HttpResponse:
    project = _project(project_id, key)
    form = RaiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        refused = limited(
            request, "butler-raise", settings.RESIDENT_RAISE_LIMIT, settings.RESIDENT_RAISE_WINDOW
        )
        if refused:
            return refused
        wait = ratelimit.hit(
            "butler-raise-project", str(project.pk), limit=PROJECT_LIMIT, per=PROJECT_WINDOW
        )
        if wait:
            return too_many_requests(request, wait)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            key_once = d.get("once") or ""
            try:
                matter, _made = matters.matter_raise_by_contact(
                    project=project,
                    phone=d["phone"],
                    kind=d["kind"],
                    description=d["description"],
                    once_key=key_once if once.well_formed(key_once) else "",
                    language=get_language() or "",
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                return redirect(tracking_url(matter.need.number))
    context = {"project": publication.public_project(project), "form": form}
    response = render(request, R + "raise.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


public_urls = [
    path("p/<int:project_id>/<str:key>/", raise_matter, name="raise"),
]
