"""/near/: the resident's pages of the catalogue, no account. A place's services, a service
with its free times and the booking form (a one-time key: a double send books once; the
intake's rate limit), the appointment's keyed page (cancel, rate, stop texts) and a
service's QR poster."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from civicgrid.core import once
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.i18n import MONGOLIAN
from civicgrid.core.views import limited
from civicgrid.needs.qr import qr_svg
from civicgrid.network.models import Node, node_label
from civicgrid.services import access, bookings, catalogue, slots
from civicgrid.services.models import Booking, BookingState, Mode, Service

T = "services/resident/"
BOOK_ONCE = "service-book"


class BookForm(forms.Form):
    slot = forms.CharField(
        label=gettext_lazy("Time"), error_messages={"required": gettext_lazy("Choose a time.")}
    )
    mode = forms.ChoiceField(label=gettext_lazy("How"), widget=forms.RadioSelect)
    resident_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=64,
        help_text=gettext_lazy("The name to ask for, e.g. 张大娘."),
    )
    resident_phone = forms.CharField(
        label=gettext_lazy("Your mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("The workshop calls this number if anything changes."),
    )
    address = forms.CharField(
        label=gettext_lazy("Address (door to door only)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Building, unit and door, or the pasture, for a visit at home."),
    )
    note = forms.CharField(
        label=gettext_lazy("What is needed (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = service.modes
        self.fields["mode"].choices = [(m, Mode(m).label) for m in offered]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("once", once.new_key())
            self.initial.setdefault("mode", offered[0] if offered else "")
        if Mode.DOOR not in offered:
            del self.fields["address"]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How was it?"),
        coerce=int,
        choices=[
            (5, gettext_lazy("★★★★★ Very good")),
            (4, gettext_lazy("★★★★ Good")),
            (3, gettext_lazy("★★★ All right")),
            (2, gettext_lazy("★★ Poor")),
            (1, gettext_lazy("★ Very poor")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose from one to five stars.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("A word for the workshop (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why (optional)"), required=False, max_length=300)


def _service(service_id: int) -> Service:
    return get_object_or_404(
        Service.objects.select_related("node", "provider_org", "provider_person"),
        pk=service_id,
        active=True,
    )


def place_services(request: HttpRequest, code: str) -> HttpResponse:
    """The services given at a place and under it (a community's workshop)."""
    node = get_object_or_404(Node, code=code)
    services = catalogue.offered_at(node)
    cards = [catalogue.card(s) for s in services]
    return render(request, T + "place.html", {"place": node_label(node), "cards": cards})


def _days(service: Service, chosen: str) -> tuple[list[dict[str, Any]], dt.date | None]:
    days = slots.days_open(service)
    try:
        day = dt.date.fromisoformat(chosen) if chosen else None
    except ValueError:
        day = None
    if day not in days:
        day = days[0] if days else None
    rows = [{"date": d, "chosen": d == day, "param": d.isoformat()} for d in days]
    return rows, day


def service_page(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _service(service_id)
    form = BookForm(request.POST or None, service=service)
    status = 200
    if request.method == "POST":
        refused = limited(
            request, "service-book", settings.RESIDENT_RAISE_LIMIT, settings.RESIDENT_RAISE_WINDOW
        )
        if refused:
            return refused
        key = request.POST.get("once", "")
        first = once.result_of(BOOK_ONCE, key) if once.well_formed(key) else None
        if first:
            return redirect(_booking_url(int(first)))
        status = 400
        if form.is_valid():
            made = _book(form, service, key)
            if isinstance(made, Booking):
                return redirect(_booking_url(made.pk))
            if isinstance(made, HttpResponse):
                return made
            status = made
    days, day = _days(service, request.GET.get("day") or request.POST.get("day", ""))
    free = [s for s in slots.slots_on(service, day) if s.free] if day else []
    chosen = form.data.get("slot", "") if form.is_bound else ""
    context = {
        "service": service,
        "card": catalogue.card(service),
        "form": form,
        "days": days,
        "day": day,
        "free": [{"key": s.key, "label": _hhmm(s), "late": s.after_hours} for s in free],
        "chosen": chosen,
    }
    response = render(request, T + "service.html", context, status=status)
    # Not kept by the browser: going back fetches fresh free times and a fresh one-time key.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _hhmm(slot: slots.Slot) -> str:
    return timezone.localtime(slot.starts_at).strftime("%H:%M")


def _book(form: BookForm, service: Service, key: str) -> Booking | HttpResponse | int:
    data = form.cleaned_data
    starts_at = slots.parse_key(data["slot"])
    if starts_at is None:
        form.add_error("slot", _("Choose one of the times shown."))
        return 400
    try:
        with transaction.atomic():
            booking = bookings.booking_book(
                service=service,
                starts_at=starts_at,
                mode=data["mode"],
                resident_name=data["resident_name"],
                resident_phone=data["resident_phone"],
                address=data.get("address") or "",
                note=data.get("note") or "",
                by=bookings.RESIDENT,
                language=get_language() or settings.LANGUAGE_CODE,
            )
            if once.well_formed(key):
                once.claim(BOOK_ONCE, key, str(booking.pk))
    except DomainError as failure:
        onto_form(form, failure)
        return failure.status
    except IntegrityError:
        first = once.result_of(BOOK_ONCE, key)
        if first is None:
            raise
        return redirect(_booking_url(int(first)))
    return booking


def _booking_url(booking_id: int) -> str:
    url = reverse("nearby:booking", args=[booking_id])
    return f"{url}?k={access.booking_key(booking_id)}"


def booking_page(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The resident's appointment: what, when, where; cancel before it starts; rate once
    done; stop (or resume) the texts about it. Only with the keyed link: without it, the page
    does not exist."""
    key = request.GET.get("k") or request.POST.get("k", "")
    if not access.key_ok(booking_id, key):
        raise Http404(_("No such appointment."))
    booking = get_object_or_404(
        Booking.objects.select_related("service", "service__node", "node"), pk=booking_id
    )
    op = request.POST.get("op", "") if request.method == "POST" else ""
    rate_form = RateForm(request.POST if op == "rate" else None)
    cancel_form = CancelForm(request.POST if op == "cancel" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if op in ("stop", "resume"):
            # The texts about this appointment (civicgrid/outreach): stopped or on again.
            bookings.booking_stop_messages(booking=booking, stop=op == "stop")
            return redirect(_booking_url(booking.pk) + f"&done={op}")
        try:
            if request.POST.get("op") == "rate" and rate_form.is_valid():
                bookings.booking_rate(
                    booking=booking,
                    rating=rate_form.cleaned_data["rating"],
                    comment=rate_form.cleaned_data["comment"],
                )
                return redirect(_booking_url(booking.pk) + "&done=rated")
            if request.POST.get("op") == "cancel" and cancel_form.is_valid():
                bookings.booking_cancel(
                    booking=booking,
                    by=bookings.RESIDENT,
                    reason=cancel_form.cleaned_data["reason"],
                )
                return redirect(_booking_url(booking.pk) + "&done=cancelled")
        except DomainError as failure:
            onto_form(rate_form if request.POST.get("op") == "rate" else cancel_form, failure)
            status = failure.status
    allowed = bookings.allowed_actions(booking, bookings.RESIDENT)
    context = {
        "booking": booking,
        "card": catalogue.card(booking.service),
        "key": key,
        "when": timezone.localtime(booking.starts_at),
        "may_cancel": bookings.Action.CANCEL in allowed,
        "may_rate": bookings.Action.RATE in allowed,
        "rate_form": rate_form,
        "cancel_form": cancel_form,
        "done": request.GET.get("done", ""),
        "state_words": STATE_WORDS.get(booking.state, ""),
        # Cancelled by the workshop: the reason, which the text to the resident does not carry.
        "cancel_reason": booking.reason if booking.state == BookingState.CANCELLED else "",
        # The texts about the appointment: the resident stops or resumes them.
        "messages_about": bool(booking.resident_phone),
    }
    response = render(request, T + "booking.html", context, status=status)
    # The resident's own appointment (name, address): never stored, always as it is now.
    patch_cache_control(response, private=True, no_store=True)
    return response


STATE_WORDS: dict[str, Any] = {
    BookingState.BOOKED: gettext_lazy(
        "Your time is kept. The workshop may call to confirm; come a few minutes early."
    ),
    BookingState.CONFIRMED: gettext_lazy("The workshop has confirmed your time."),
    BookingState.DONE: gettext_lazy("Done. Thank you for coming."),
    BookingState.CANCELLED: gettext_lazy("This appointment is cancelled."),
    BookingState.NO_SHOW: gettext_lazy("This appointment was missed. Book again any time."),
}


def service_poster(request: HttpRequest, service_id: int) -> HttpResponse:
    """A printable poster with the service's QR code, Mongolian on the left and Chinese on
    the right at the same size, as the network's posters."""
    service = _service(service_id)
    url = request.build_absolute_uri(reverse("nearby:service", args=[service.pk]))
    context = {
        "service": service,
        "card": catalogue.card(service),
        "url": url,
        "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
        "name_mn": service.name_mn,
        "within_mn": node_label(service.node, MONGOLIAN),
    }
    return render(request, T + "poster.html", context)


public_urls = [
    path("place/<str:code>/", place_services, name="place_services"),
    path("services/<int:service_id>/", service_page, name="service"),
    path("services/<int:service_id>/poster/", service_poster, name="service_poster"),
    path("appointments/<int:booking_id>/", booking_page, name="booking"),
]
