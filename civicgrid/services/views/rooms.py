"""Rooms to book: the console's rooms, their calendars (a room's and a community's, by day or
week), booking (for an activity too), a booking's page with approve/refuse/cancel, the iCal
feeds staff subscribe to on their phones; and the public page of a room open to the public,
with its busy times and, where residents may book, a request form.

Each view parses, asks `services.access`, calls one service or read, renders; the services
check again. The buttons are `rooms.allowed_actions` for the reader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.core import once, ratelimit
from civicgrid.core.errors import Conflict, DomainError, onto_form
from civicgrid.core.views import too_many_requests
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, NodeKind, mask_mobile, node_label
from civicgrid.services import access, calendar, ical, rooms
from civicgrid.services.models import Room, RoomBooking, RoomKind, WhoMayBook
from civicgrid.volunteers.models import Activity, ActivityState

T = "services/rooms/"
SHOWN = 300


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def _aware(day: dt.date | None, at: dt.time | None) -> dt.datetime | None:
    if day is None or at is None:
        return None
    return dt.datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


# --- Forms (they only parse) -------------------------------------------------------------------


class RoomForm(forms.ModelForm):
    node = forms.TypedChoiceField(label=gettext_lazy("Place"), coerce=int)

    class Meta:
        model = Room
        fields = rooms.ROOM_FIELDS
        widgets = {"opens": _time(), "closes": _time()}

    field_order = ("node",)

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The place is not a model field of the form: the service sets and checks it.
        self.fields["node"].choices = places  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["node"].disabled = True
            self.initial["node"] = self.instance.node_id


class BookingForm(forms.Form):
    activity = forms.TypedChoiceField(
        label=gettext_lazy("For an activity"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=gettext_lazy("What for"), max_length=120, required=False)
    day = forms.DateField(label=gettext_lazy("Day"), widget=_date(), required=False)
    starts = forms.TimeField(label=gettext_lazy("From"), widget=_time(), required=False)
    ends = forms.TimeField(label=gettext_lazy("Until"), widget=_time(), required=False)
    organiser = forms.CharField(label=gettext_lazy("Organiser"), max_length=120, required=False)
    people = forms.IntegerField(label=gettext_lazy("People expected"), min_value=1, initial=1)
    contact_name = forms.CharField(
        label=gettext_lazy("Contact name"), max_length=64, required=False
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact mobile"), max_length=20, required=False
    )

    def __init__(self, *args: Any, activities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("None: a booking of its own")), *activities]
        self.fields["activity"].choices = choices  # type: ignore[attr-defined]
        self.fields["activity"].help_text = _(
            "The activity's title and time are used where you leave them empty."
        )
        if not activities:
            del self.fields["activity"]

    def add_error(self, field: str | None, error: Any) -> None:
        # The service names the times `starts_at`/`ends_at`; the form asks for them as
        # `starts`/`ends`.
        field = {"starts_at": "starts", "ends_at": "ends"}.get(field or "", field)
        super().add_error(field, error)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=300, required=False, widget=forms.TextInput()
    )


class RequestForm(forms.Form):
    """A resident asks for a room: no account, a name and a phone."""

    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=64)
    contact_phone = forms.CharField(
        label=gettext_lazy("Your mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    title = forms.CharField(
        label=gettext_lazy("What for"),
        max_length=120,
        help_text=gettext_lazy("e.g. “chess club”, “dance practice”"),
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=_date())
    starts = forms.TimeField(label=gettext_lazy("From"), widget=_time())
    ends = forms.TimeField(label=gettext_lazy("Until"), widget=_time())
    people = forms.IntegerField(label=gettext_lazy("How many people"), min_value=1, initial=1)
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def add_error(self, field: str | None, error: Any) -> None:
        field = {"starts_at": "starts", "ends_at": "ends"}.get(field or "", field)
        super().add_error(field, error)


# --- Helpers ---------------------------------------------------------------------------------


def _places(user: Any) -> list[tuple[int, str]]:
    """The places where the user may keep rooms: communities and below in their write scope."""
    nodes = scope.within_scope(Node.objects.all(), user, write=True).exclude(
        kind__in=[NodeKind.UNIT]
    )
    rows = nodes.order_by("path").values_list("pk", "name", "kind")[:SHOWN]
    labels = dict(NodeKind.choices)
    return [(pk, f"{name} ({labels.get(kind, kind)})") for pk, name, kind in rows]


def _activities(user: Any, room: Room) -> list[tuple[int, str]]:
    """Activities the user may book this room for: not cancelled, not over, at the room's
    place, below it, or at a place above it (the community's activity in its hall), and at a
    place the user serves."""
    around = scope.paths_q([room.node.path], node_field="node")
    above = room.node.ancestor_ids()
    rows = (
        Activity.objects.filter(around | Q(node_id__in=above))
        .exclude(state=ActivityState.CANCELLED)
        .filter(ends_at__gt=timezone.now())
        .select_related("node")
        .order_by("starts_at")[:100]
    )
    return [
        (a.pk, f"{a.title} · {timezone.localtime(a.starts_at):%Y-%m-%d %H:%M}")
        for a in rows
        if access.serves(user, a.node)
    ]


def _period(request: HttpRequest) -> calendar.Period:
    return calendar.Period(
        calendar.parse_view(request.GET.get("view")), calendar.parse_day(request.GET.get("date"))
    )


def _nav(base: str, period: calendar.Period) -> dict[str, str]:
    def link(view: str, day: dt.date) -> str:
        return f"{base}?{urlencode({'view': view, 'date': day.isoformat()})}"

    return {
        "prev": link(period.view, period.previous),
        "next": link(period.view, period.next),
        "today": link(period.view, timezone.localdate()),
        "day": link(calendar.DAY, period.day),
        "week": link(calendar.WEEK, period.day),
    }


def _feed_url(request: HttpRequest, name: str, target_id: int, kind: str) -> str:
    token = ical.token(person(request).pk, kind, target_id)
    return request.build_absolute_uri(reverse(f"services:{name}", args=[target_id, token]))


# --- Rooms ------------------------------------------------------------------------------------


@console_required
@require_safe
def room_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    rows = list(
        access.visible_rooms(user)
        .select_related("node")
        .order_by("node__path", "kind", "name", "id")[:SHOWN]
    )
    writable = scope.scope_paths(user, write=True)
    communities = {r.node_id: r.node for r in rows}
    return render(
        request,
        T + "list.html",
        {
            "rooms": [(r, access.serves(user, r.node)) for r in rows],
            "places": sorted(communities.values(), key=lambda n: n.path),
            "may_add": writable is None or bool(writable),
        },
    )


def _room_form_page(
    request: HttpRequest, form: RoomForm, room: Room | None, status: int = 200
) -> HttpResponse:
    return render(request, T + "form.html", {"form": form, "room": room}, status=status)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def room_new(request: HttpRequest) -> HttpResponse:
    user = person(request)
    places = _places(user)
    if not places:
        raise Http404(_("You keep no places where rooms could be added."))
    if request.method != "POST":
        initial = {"node": request.GET.get("node", ""), "kind": RoomKind.FUNCTION}
        return _room_form_page(request, RoomForm(initial=initial, places=places), None)
    form = RoomForm(request.POST, places=places)
    if form.is_valid():
        node = Node.objects.filter(pk=form.cleaned_data["node"]).first()
        if node is None:
            raise Http404(_("No such place."))
        fields = {k: v for k, v in form.cleaned_data.items() if k in rooms.ROOM_FIELDS}
        try:
            room = rooms.room_create(node=node, by=rooms.By(person=user), **fields)
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("Room added: %(room)s.") % {"room": room.name})
            return redirect("services:room_calendar", room_id=room.pk)
    return _room_form_page(request, form, None, status=400)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    user = person(request)
    room = access.access_room(user, room_id, write=True)
    places = [(room.node_id, room.node.name)]
    if request.method != "POST":
        return _room_form_page(request, RoomForm(instance=room, places=places), room)
    form = RoomForm(request.POST, instance=Room.objects.get(pk=room.pk), places=places)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in rooms.ROOM_FIELDS}
        try:
            rooms.room_change(room=room, by=rooms.By(person=user), **fields)
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("Room saved."))
            return redirect("services:room_calendar", room_id=room.pk)
    return _room_form_page(request, form, room, status=400)


# --- Calendars ---------------------------------------------------------------------------------


@console_required
@require_safe
def room_calendar(request: HttpRequest, room_id: int) -> HttpResponse:
    user = person(request)
    room = access.access_room(user, room_id)
    period = _period(request)
    base = reverse("services:room_calendar", args=[room.pk])
    return render(
        request,
        T + "calendar.html",
        {
            "room": room,
            "grid": calendar.room_grid(room, period),
            "period": period,
            "links": _nav(base, period),
            "per_day": True,
            "serves": access.serves(user, room.node),
            "feed_url": _feed_url(request, "room_feed", room.pk, ical.ROOM),
        },
    )


@console_required
@require_safe
def community_calendar(request: HttpRequest, node_id: int) -> HttpResponse:
    user = person(request)
    node = scope.access_node(user, node_id)
    period = _period(request)
    base = reverse("services:community_calendar", args=[node.pk])
    held = calendar.community_rooms(user, node)
    return render(
        request,
        T + "calendar.html",
        {
            "node": node,
            "grid": calendar.grid(held, period),
            "room_count": len(held),
            "period": period,
            "links": _nav(base, period),
            "per_day": period.view == calendar.WEEK,
            "feed_url": _feed_url(request, "community_feed", node.pk, ical.COMMUNITY),
        },
    )


# --- Bookings ----------------------------------------------------------------------------------


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def room_book(request: HttpRequest, room_id: int) -> HttpResponse:
    user = person(request)
    room = access.access_room(user, room_id, write=True)
    activities = _activities(user, room)
    if request.method != "POST":
        initial: dict[str, Any] = {"people": 1}
        if request.GET.get("date"):
            initial["day"] = calendar.parse_day(request.GET.get("date"))
        if request.GET.get("activity", "").isdigit():
            initial["activity"] = int(request.GET["activity"])
        form = BookingForm(initial=initial, activities=activities)
        return render(request, T + "book.html", {"room": room, "form": form})
    form = BookingForm(request.POST, activities=activities)
    if form.is_valid():
        data = form.cleaned_data
        activity = None
        if data.get("activity"):
            activity = Activity.objects.select_related("node").filter(pk=data["activity"]).first()
        day = data["day"] or (timezone.localtime(activity.starts_at).date() if activity else None)
        try:
            booking = rooms.room_book(
                room=room,
                starts_at=_aware(day, data["starts"]),
                ends_at=_aware(day, data["ends"]),
                title=data["title"],
                by=rooms.By(person=user),
                organiser=data["organiser"],
                people=data["people"],
                activity=activity,
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(
                request,
                _("Booked: %(title)s, %(state)s.")
                % {"title": booking.title, "state": booking.get_state_display()},
            )
            return redirect("services:room_booking", room_booking_id=booking.pk)
    return render(request, T + "book.html", {"room": room, "form": form}, status=400)


def _booking_page(
    request: HttpRequest,
    booking: RoomBooking,
    *,
    status: int = 200,
    reason_form: Any = None,
    phone: str = "",
) -> HttpResponse:
    by = rooms.By(person=person(request))
    timeline = [
        {"event": e, "label": rooms.EVENT_LABELS.get(e.action, e.action)}
        for e in booking.events.select_related("actor").order_by("seq")
    ]
    return render(
        request,
        T + "booking.html",
        {
            "booking": booking,
            "room": booking.room,
            "phone": phone or (mask_mobile(booking.contact_phone) if booking.contact_phone else ""),
            "may_reveal": bool(booking.contact_phone)
            and not phone
            and access.serves(person(request), booking.room.node),
            "allowed": [(a, rooms.ACTION_LABELS[a]) for a in rooms.allowed_actions(booking, by)],
            "reason_form": reason_form or ReasonForm(),
            "timeline": timeline,
        },
        status=status,
    )


@console_required
@require_safe
def room_booking(request: HttpRequest, room_booking_id: int) -> HttpResponse:
    booking = access.access_room_booking(person(request), room_booking_id)
    return _booking_page(request, booking)


@console_required
@require_POST
def room_booking_phone(request: HttpRequest, room_booking_id: int) -> HttpResponse:
    """The resident's phone on a room request in full, on a button, each reveal logged."""
    user = person(request)
    booking = access.access_room_booking(user, room_booking_id)
    try:
        phone = access.reveal_room_phone(user, booking)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status)
    return _booking_page(request, booking, phone=phone)


@console_required
@require_POST
def room_booking_action(request: HttpRequest, room_booking_id: int, action: str) -> HttpResponse:
    user = person(request)
    booking = access.access_room_booking(user, room_booking_id)
    try:
        move = rooms.Action(action)
    except ValueError as missing:
        raise Http404(_("No such action.")) from missing
    by = rooms.By(person=user)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if move == rooms.Action.APPROVE:
            rooms.room_approve(booking=booking, by=by)
        elif move == rooms.Action.REFUSE:
            rooms.room_refuse(booking=booking, by=by, reason=reason)
        else:
            rooms.room_cancel(booking=booking, by=by, reason=reason)
    except DomainError as error:
        onto_form(form, error)
        fresh = access.access_room_booking(user, room_booking_id)
        return _booking_page(request, fresh, status=error.status, reason_form=form)
    fresh = access.access_room_booking(user, room_booking_id)
    messages.success(
        request, _("Done: the booking is %(state)s.") % {"state": fresh.get_state_display()}
    )
    return redirect("services:room_booking", room_booking_id=room_booking_id)


# --- iCal feeds (no session: the token is the key) ---------------------------------------------


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    patch_cache_control(response, private=True, max_age=300)
    return response


@require_safe
def room_feed(request: HttpRequest, room_id: int, token: str) -> HttpResponse:
    room = ical.room_for(token, room_id)
    if room is None:
        raise Http404(_("No such calendar."))
    return _ics(ical.room_feed(room), f"room-{room.pk}")


@require_safe
def community_feed(request: HttpRequest, node_id: int, token: str) -> HttpResponse:
    found = ical.community_for(token, node_id)
    if found is None:
        raise Http404(_("No such calendar."))
    holder, node = found
    return _ics(ical.community_feed(holder, node), f"community-{node.pk}")


# --- The public room page -----------------------------------------------------------------------

R = "services/nearby/"
REQUEST_ONCE = "room-request"


def _public_room(room_id: int) -> Room:
    room = Room.objects.select_related("node").filter(pk=room_id, public=True, active=True).first()
    if room is None:
        raise Http404(_("No such room open to the public."))
    return room


def _public_context(request: HttpRequest, room: Room) -> dict[str, Any]:
    day = calendar.parse_day(request.GET.get("date"))
    first = calendar.week_start(day)
    return {
        "room": room,
        "place": node_label(room.node),
        "week": calendar.busy_week(room, day),
        "first": first,
        "previous": (first - dt.timedelta(days=7)).isoformat(),
        "next": (first + dt.timedelta(days=7)).isoformat(),
        "residents_book": room.who_may_book == WhoMayBook.RESIDENTS,
    }


@require_safe
def public_room(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _public_room(room_id)
    return render(request, R + "room.html", _public_context(request, room))


def _requested(request: HttpRequest, room: Room) -> HttpResponse:
    messages.success(
        request,
        _(
            "Thank you: your request is received. The community confirms it by a text message "
            "to the mobile you left."
        ),
    )
    return redirect("nearby:room", room_id=room.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def public_room_request(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _public_room(room_id)
    if room.who_may_book != WhoMayBook.RESIDENTS:
        raise Http404(_("This room is booked by staff only."))
    status = 200
    if request.method == "POST":
        wait = ratelimit.hit(
            "room-request",
            ratelimit.client_ip(request),
            limit=settings.RESIDENT_RAISE_LIMIT,
            per=settings.RESIDENT_RAISE_WINDOW,
        )
        if wait:
            return too_many_requests(request, wait)
        data = request.POST.copy()
        if not once.well_formed(data.get("once", "")):
            data["once"] = once.new_key()
        key = str(data["once"])
        if once.result_of(REQUEST_ONCE, key):
            return _requested(request, room)
        form = RequestForm(data)
        if form.is_valid():
            clean = form.cleaned_data
            try:
                with transaction.atomic():
                    booking = rooms.room_book(
                        room=room,
                        starts_at=_aware(clean["day"], clean["starts"]),
                        ends_at=_aware(clean["day"], clean["ends"]),
                        title=clean["title"],
                        by=rooms.RESIDENT,
                        people=clean["people"],
                        contact_name=clean["contact_name"],
                        contact_phone=clean["contact_phone"],
                    )
                    once.claim(REQUEST_ONCE, key, str(booking.pk))
            except IntegrityError:
                # Sent twice: the first request holds the key and its booking is kept.
                if once.result_of(REQUEST_ONCE, key) is None:
                    raise
                return _requested(request, room)
            except Conflict as error:
                # The twin of a double send waits on the first one's hold, then finds it taken.
                if once.result_of(REQUEST_ONCE, key):
                    return _requested(request, room)
                onto_form(form, error)
            except DomainError as error:
                onto_form(form, error)
            else:
                return _requested(request, room)
        status = 400
    else:
        form = RequestForm(initial={"once": once.new_key(), "people": 1})
    context = {**_public_context(request, room), "form": form}
    response = render(request, R + "room_request.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


console_urls: list[URLPattern] = [
    path("rooms/", room_list, name="rooms"),
    path("rooms/new/", room_new, name="room_new"),
    path("rooms/<int:room_id>/edit/", room_edit, name="room_edit"),
    path("rooms/<int:room_id>/calendar/", room_calendar, name="room_calendar"),
    path("rooms/<int:room_id>/book/", room_book, name="room_book"),
    path("rooms/bookings/<int:room_booking_id>/", room_booking, name="room_booking"),
    path(
        "rooms/bookings/<int:room_booking_id>/phone/", room_booking_phone, name="room_booking_phone"
    ),
    path(
        "rooms/bookings/<int:room_booking_id>/<slug:action>/",
        room_booking_action,
        name="room_booking_action",
    ),
    path("rooms/<int:room_id>/feed/<slug:token>.ics", room_feed, name="room_feed"),
    path("communities/<int:node_id>/calendar/", community_calendar, name="community_calendar"),
    path("communities/<int:node_id>/feed/<slug:token>.ics", community_feed, name="community_feed"),
]

public_urls: list[URLPattern] = [
    path("rooms/<int:room_id>/", public_room, name="room"),
    path("rooms/<int:room_id>/request/", public_room_request, name="room_request"),
]
