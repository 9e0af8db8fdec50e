"""The resident's pages: the message page a QR code opens, and the keyed tracking page."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from civicgrid.core import once, ratelimit
from civicgrid.core.errors import DomainError
from civicgrid.core.views import too_many_requests
from civicgrid.liaison import deadlines, publication, workflow
from civicgrid.liaison.forms import MessageForm
from civicgrid.liaison.models import Message
from civicgrid.needs.services import clean_phone
from civicgrid.representatives.models import LiaisonStation, Representative

T = "liaison/resident/"
SEND_ONCE = "liaison:send"
# Per client address, and per phone number left.
PER_IP = (10, 3600)
PER_PHONE = (5, 3600)
# Closing or withdrawing from the tracking page.
TRACK_PER_IP = (30, 3600)


def _representative(rep_id: int) -> Representative:
    return get_object_or_404(
        Representative.objects.select_related("person", "station", "node"),
        pk=rep_id,
        public=True,
        active=True,
    )


def _station(station_id: int) -> LiaisonStation:
    return get_object_or_404(
        LiaisonStation.objects.select_related("node"), pk=station_id, active=True
    )


def _write(
    request: HttpRequest,
    *,
    representative: Representative | None = None,
    station: LiaisonStation | None = None,
) -> HttpResponse:
    to = ""
    if representative is not None:
        to = (
            representative.name_mn
            if (get_language() or "").startswith("mn") and representative.name_mn
            else representative.person.name
        )
    elif station is not None:
        to = (
            station.name_mn
            if (get_language() or "").startswith("mn") and station.name_mn
            else station.name
        )
    context: dict[str, Any] = {
        "to": to,
        "representative": representative,
        "station": station,
        "days": deadlines.answer_days(),
    }
    if request.method != "POST":
        form = MessageForm(initial={"once": once.new_key()})
        return render(request, T + "write.html", context | {"form": form})
    data = request.POST.copy()
    if not once.well_formed(data.get("once", "")):
        data["once"] = once.new_key()
    key = str(data["once"])
    first = once.result_of(SEND_ONCE, key)
    if first:
        return redirect(publication.tracking_path(first))
    wait = ratelimit.hit(
        "liaison-send", ratelimit.client_ip(request), limit=PER_IP[0], per=PER_IP[1]
    )
    if wait:
        return too_many_requests(request, wait)
    form = MessageForm(data)
    status = 400
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        if phone:
            try:
                cleaned = clean_phone(phone, required=False)
            except DomainError:
                cleaned = ""
            if cleaned:
                wait = ratelimit.hit(
                    "liaison-send-phone", cleaned, limit=PER_PHONE[0], per=PER_PHONE[1]
                )
        if wait:
            return too_many_requests(request, wait)
        try:
            message = workflow.message_send(
                representative=representative,
                station=station,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                name=form.cleaned_data["name"],
                phone=phone,
                language=get_language() or "",
                also=lambda m: once.claim(SEND_ONCE, key, m.number),
            )
        except IntegrityError:
            # Two sends with one key at once: the other one made the message.
            first = once.result_of(SEND_ONCE, key)
            if first:
                return redirect(publication.tracking_path(first))
            raise
        except DomainError as failure:
            fields = failure.details.get("fields") or {}
            for field, messages in fields.items():
                for text in messages:
                    form.add_error(field if field in form.fields else None, text)
            if not fields:
                form.add_error(None, failure.message)
        else:
            return redirect(publication.tracking_path(message.number) + "?sent=1")
    return render(request, T + "write.html", context | {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def write_to_representative(request: HttpRequest, rep_id: int) -> HttpResponse:
    return _write(request, representative=_representative(rep_id))


@require_http_methods(["GET", "HEAD", "POST"])
def write_to_station(request: HttpRequest, station_id: int) -> HttpResponse:
    return _write(request, station=_station(station_id))


def _message(number: str) -> Message:
    return get_object_or_404(
        Message.objects.select_related(
            "representative__person", "representative__station", "station", "need"
        ),
        number=number,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest, number: str, key: str) -> HttpResponse:
    """The message, its state, the due date, the answer; confirm or withdraw."""
    message = _message(number)
    view = publication.public_view(message, key)
    if view is None:
        raise Http404
    error = ""
    status = 200
    if request.method == "POST":
        wait = ratelimit.hit(
            "liaison-track",
            ratelimit.client_ip(request),
            limit=TRACK_PER_IP[0],
            per=TRACK_PER_IP[1],
        )
        if wait:
            return too_many_requests(request, wait)
        action = request.POST.get("action", "")
        try:
            if action == "close":
                workflow.message_close(message=message)
            elif action == "withdraw":
                workflow.message_withdraw(message=message)
            else:
                raise Http404
        except DomainError as failure:
            error, status = failure.message, failure.status
        else:
            return redirect(publication.tracking_path(number) + f"?done={action}")
    context = {
        "m": view,
        "sent": request.GET.get("sent") == "1",
        "done": request.GET.get("done", ""),
        "error": error,
        "now": timezone.now(),
        "link": request.build_absolute_uri(publication.tracking_path(number)),
    }
    response = render(request, T + "track.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
