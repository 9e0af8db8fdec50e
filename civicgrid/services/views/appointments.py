"""Appointments in the console: the list (staff of the place and the providers), the
provider's phone list of the days ahead (door-to-door addresses included), an appointment with
its timeline and the moves the reader may make, the phone revealed on a button (logged), and a
booking made for a resident (代办).

The buttons are the state machine's `allowed_actions` for the reader; the services check again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network.console import person
from civicgrid.services import access, bookings, catalogue
from civicgrid.services.bookings import Action, By
from civicgrid.services.models import Booking, BookingState, Mode, ServiceEvent
from civicgrid.services.views.console import console_or_provider

T = "services/console/"
SHOWN = 300


class ActForm(forms.Form):
    done_note = forms.CharField(label=gettext_lazy("What was done"), required=False, max_length=300)
    price_paid = forms.CharField(
        label=gettext_lazy("Price paid (yuan)"), required=False, max_length=12
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)


def _row(b: Booking, user: Any, revealable: bool) -> dict[str, Any]:
    when = timezone.localtime(b.starts_at)
    return {
        "id": b.pk,
        "day": when.date(),
        "time": when.strftime("%H:%M"),
        "service": b.service.label,
        "mode": b.get_mode_display(),
        "door": b.mode == Mode.DOOR,
        "name": b.resident_name,
        "phone": b.masked_phone,
        "address": b.address if revealable else ("…" if b.address else ""),
        "state": b.state,
        "state_name": b.get_state_display(),
        "rating": b.rating,
    }


@console_or_provider
@require_safe
def appointment_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    today = timezone.localdate()
    try:
        first = (
            dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else today
        )
        last = (
            dt.date.fromisoformat(request.GET.get("to", ""))
            if request.GET.get("to")
            else first + dt.timedelta(days=7)
        )
    except ValueError:
        first, last = today, today + dt.timedelta(days=7)
    found = access.visible_bookings(user).filter(
        starts_at__date__gte=first, starts_at__date__lte=last
    )
    state = request.GET.get("state", "")
    if state in BookingState.values:
        found = found.filter(state=state)
    service = request.GET.get("service", "")
    if service.isdigit():
        found = found.filter(service_id=int(service))
    found = found.select_related("service", "service__node").order_by("starts_at", "id")[:SHOWN]
    mine = access.provider_ids(user)
    rows = [
        _row(b, user, b.service_id in mine or access.serves(user, b.service.node)) for b in found
    ]
    context = {
        "rows": rows,
        "first": first,
        "last": last,
        "state": state,
        "states": BookingState.choices,
        "services": access.visible_services(user).order_by("name")[:200],
        "service": service,
        "shown": SHOWN,
    }
    return render(request, T + "appointments.html", context)


@console_or_provider
@require_safe
def my_appointments(request: HttpRequest) -> HttpResponse:
    """The provider's phone list: the live appointments of the services they give, today and
    the week ahead, by day, with the address to go to."""
    user = person(request)
    mine = access.provider_ids(user)
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    found = (
        Booking.objects.filter(service_id__in=mine)
        .filter(Q(state__in=bookings.LIVE) | Q(state=BookingState.DONE, starts_at__gte=start))
        .filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=8))
        .select_related("service", "service__node")
        .order_by("starts_at", "id")
    )
    days: dict[dt.date, list[dict[str, Any]]] = {}
    for b in found:
        row = _row(b, user, True)
        days.setdefault(row["day"], []).append(row)
    return render(
        request, T + "mine.html", {"days": sorted(days.items()), "has_services": bool(mine)}
    )


def _detail(
    request: HttpRequest, booking: Booking, form: ActForm | None = None, *, phone: str = ""
) -> dict[str, Any]:
    user = person(request)
    by = By(user)
    allowed = [a for a in bookings.allowed_actions(booking, by) if a != Action.RATE]
    timeline = ServiceEvent.objects.filter(booking=booking).select_related("actor").order_by("seq")
    return {
        "booking": booking,
        "card": catalogue.card(booking.service),
        "when": timezone.localtime(booking.starts_at),
        "actions": [(a.value, bookings.ACTION_LABELS[a]) for a in allowed],
        "may_done": Action.DONE in allowed,
        "form": form or ActForm(),
        "timeline": [(e, bookings.EVENT_LABELS.get(e.action, e.action)) for e in timeline],
        "may_reveal": access.may_reveal(user, booking),
        "phone": phone,
        "address": booking.address if access.may_reveal(user, booking) else "",
    }


@console_or_provider
@require_safe
def appointment_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = access.access_booking(person(request), booking_id)
    return render(request, T + "appointment.html", _detail(request, booking))


COMMANDS = {
    Action.CONFIRM: lambda b, by, d: bookings.booking_confirm(booking=b, by=by),
    Action.DONE: lambda b, by, d: bookings.booking_done(
        booking=b, by=by, done_note=d["done_note"], price_paid=d["price_paid"]
    ),
    Action.CANCEL: lambda b, by, d: bookings.booking_cancel(booking=b, by=by, reason=d["reason"]),
    Action.NO_SHOW: lambda b, by, d: bookings.booking_no_show(booking=b, by=by, reason=d["reason"]),
}


@console_or_provider
@require_POST
def appointment_act(request: HttpRequest, booking_id: int) -> HttpResponse:
    user = person(request)
    booking = access.access_booking(user, booking_id)
    if not (access.serves(user, booking.service.node) or access.is_provider(user, booking.service)):
        raise PermissionDenied(_("Your role may read this appointment but not change it."))
    form = ActForm(request.POST)
    op = request.POST.get("op", "")
    try:
        action = Action(op)
        command = COMMANDS[action]
    except (ValueError, KeyError):
        form.add_error(None, _("Choose one of the buttons."))
        return render(request, T + "appointment.html", _detail(request, booking, form), status=400)
    if form.is_valid():
        try:
            command(booking, By(user), form.cleaned_data)
        except DomainError as failure:
            onto_form(form, failure)
            booking.refresh_from_db()
            return render(
                request,
                T + "appointment.html",
                _detail(request, booking, form),
                status=failure.status,
            )
        messages.success(request, _("Saved."))
        back = request.POST.get("next", "")
        if back == "mine":
            return redirect("services:my_appointments")
        return redirect("services:appointment", booking_id=booking.pk)
    return render(request, T + "appointment.html", _detail(request, booking, form), status=400)


@console_or_provider
@require_POST
def appointment_phone(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The resident's phone in full, on a button, each reveal logged."""
    user = person(request)
    booking = access.access_booking(user, booking_id)
    try:
        phone = access.reveal_phone(user, booking)
    except DomainError as failure:
        return HttpResponse(failure.message, status=failure.status)
    if getattr(request, "htmx", False):
        return HttpResponse(format_html('<a href="tel:{0}">{0}</a>', phone))
    return render(request, T + "appointment.html", _detail(request, booking, phone=phone))


console_urls = [
    path("appointments/", appointment_list, name="appointments"),
    path("appointments/mine/", my_appointments, name="my_appointments"),
    path("appointments/<int:booking_id>/", appointment_detail, name="appointment"),
    path("appointments/<int:booking_id>/act/", appointment_act, name="appointment_act"),
    path("appointments/<int:booking_id>/phone/", appointment_phone, name="appointment_phone"),
]
