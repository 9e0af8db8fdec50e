"""The console page for personal data requests (个人信息请求), mounted at /console/privacy/:
export what is held about a mobile number, anonymise closed needs. See docs/privacy.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.errors import DomainError, NotAllowed
from civicgrid.network.console import console_required
from civicgrid.network.models import Person
from civicgrid.privacy import exports, services
from civicgrid.privacy.forms import AnonymiseForm, ExportForm
from civicgrid.privacy.models import DataRequest

RECENT = 20


def _person(request: HttpRequest) -> Person:
    user = request.user
    if not isinstance(user, Person) or not services.may_handle_requests(user):
        raise PermissionDenied(_("Only community staff and admins handle personal data requests."))
    return user


def _page(
    request: HttpRequest,
    *,
    export_form: ExportForm | None = None,
    anonymise_form: AnonymiseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    person = _person(request)
    recent = DataRequest.objects.select_related("actor")
    if not person.is_superuser:
        recent = recent.filter(actor=person)
    context: dict[str, Any] = {
        "export_form": export_form or ExportForm(),
        "anonymise_form": anonymise_form or AnonymiseForm(),
        "recent": recent[:RECENT],
        "error": error,
    }
    return render(request, "privacy/requests.html", context, status=status)


@console_required
def requests_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@console_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, export_form=form, status=400)
    try:
        data = services.personal_data_export(
            phone=form.cleaned_data["phone"],
            by=person,
            via="console",
            reason=form.cleaned_data["reason"],
        )
    except DomainError as failure:
        return _page(request, export_form=form, error=failure.message, status=failure.status)
    stamp = f"{timezone.localdate():%Y%m%d}"
    if form.cleaned_data["format"] == "xlsx":
        body = exports.as_xlsx(data)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"personal-data-{stamp}.xlsx"
    else:
        body, kind, name = exports.as_json(data), "application/json", f"personal-data-{stamp}.json"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@console_required
@require_POST
def anonymise(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = AnonymiseForm(request.POST)
    if not form.is_valid():
        return _page(request, anonymise_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["number"]:
            need = services.find_need(data["number"])
            if not services.needs_in_reach(person).filter(pk=need.pk).exists():
                raise NotAllowed(_("That need is outside your area."))
            services.need_anonymise(need=need, by=person, reason=data["reason"], via="console")
            messages.success(
                request, _("Personal data of need %(number)s removed.") % {"number": need.number}
            )
        else:
            result = services.phone_anonymise(
                phone=data["phone"], by=person, reason=data["reason"], via="console"
            )
            messages.success(
                request,
                _("Personal data removed from %(n)d closed needs.") % {"n": len(result.done)},
            )
            others = sum(result.modules.values())
            if others:
                messages.success(
                    request,
                    _(
                        "Also forgotten: %(n)d messages to representatives, proposals, reviews "
                        "and enterprise contacts."
                    )
                    % {"n": others},
                )
            if result.still_open:
                messages.warning(
                    request,
                    _(
                        "Left %(n)d needs that are still open: %(numbers)s. Anonymise them "
                        "once they are closed."
                    )
                    % {"n": len(result.still_open), "numbers": ", ".join(result.still_open)},
                )
    except DomainError as failure:
        return _page(request, anonymise_form=form, error=failure.message, status=failure.status)
    return redirect("privacy:requests")
