"""Pages of joint meetings (联席会议), under /console/committees/.

A committee's meetings (upcoming, past, its schedules) and the forms for a new meeting and a new
schedule; a meeting's page (agenda, notice, attendance, minutes, decisions with their tasks),
its record as a PDF, its check-in poster, and the check-in page its QR code opens.

A view parses, asks `access`, calls one command of `meetings.py` and redirects (PRG); a domain
error goes on the form where the input is (`core/errors.onto_form`). The committee's staff get
the forms; a member unit's people may add agenda items and check in; a read-only reader (a
leader over the area) sees the page and gets no form, and a post of theirs is a 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.committees import access, meeting_record, meetings
from civicgrid.committees import forms as f
from civicgrid.committees.meetings import Action
from civicgrid.committees.models import (
    AgendaItem,
    AgendaKind,
    Attendance,
    Meeting,
    MeetingSeries,
    MeetingState,
)
from civicgrid.core import pdf
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.needs.models import OPEN_STATES, Need
from civicgrid.needs.qr import qr_svg
from civicgrid.needs.workflow import By
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Membership, Node, Organisation, OrgKind, Person

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PAST_SHOWN = 50  # past meetings listed


# --- Forms (they parse; the rules are the commands') ----------------------------------------


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


class PlaceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'· ' * max(obj.depth - 2, 0)}{obj.name}"  # indented by level


def _places(committee: Organisation) -> Any:
    return Node.objects.filter(path__startswith=committee.node.path).order_by("path")


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class MeetingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts"), widget=DateTimeLocal(), input_formats=[DATETIME_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"), widget=DateTimeLocal(), input_formats=[DATETIME_FORMAT]
    )
    node = PlaceChoice(label=gettext_lazy("Place"), queryset=Node.objects.none())
    place_detail = forms.CharField(
        label=gettext_lazy("Where exactly"), max_length=120, required=False
    )

    def __init__(self, *args: Any, committee: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["node"]
        assert isinstance(field, PlaceChoice)
        field.queryset = _places(committee)


class SeriesForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        help_text=gettext_lazy("e.g. Monthly border joint meeting"),
    )
    day_of_month = forms.IntegerField(
        label=gettext_lazy("Day of the month"), min_value=1, max_value=28, initial=10
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=dt.time(9, 0),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=15, max_value=24 * 60, initial=120
    )
    node = PlaceChoice(label=gettext_lazy("Place"), queryset=Node.objects.none())
    place_detail = forms.CharField(
        label=gettext_lazy("Where exactly"), max_length=120, required=False
    )
    lead_days = forms.IntegerField(
        label=gettext_lazy("Created ahead (days)"),
        min_value=1,
        max_value=60,
        initial=14,
        help_text=gettext_lazy("The meeting, its agenda and its notice are made this long before."),
    )

    def __init__(self, *args: Any, committee: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["node"]
        assert isinstance(field, PlaceChoice)
        field.queryset = _places(committee)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=gettext_lazy("Minutes"), widget=forms.Textarea(attrs={"rows": 8}), max_length=50000
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is it cancelled?"), max_length=300)


class AgendaForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Item"), max_length=300)
    unit = forms.ChoiceField(label=gettext_lazy("Raised for"), required=False)

    def __init__(self, *args: Any, units: list[Organisation], staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("The committee"))] if staff else []
        _choices(self, "unit", choices + [(str(u.pk), u.name) for u in units])


class AttendanceForm(forms.Form):
    who = forms.ChoiceField(label=gettext_lazy("Who came"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "who", [("", "—"), *choices])


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("committee", "Decision"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    need = forms.ChoiceField(label=gettext_lazy("About the need"), required=False)

    def __init__(self, *args: Any, needs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "need", [("", _("— no need —")), *needs])


# --- Helpers --------------------------------------------------------------------------------


def _units(committee: Organisation) -> list[Organisation]:
    return list(
        Organisation.objects.filter(committee=committee, kind=OrgKind.MEMBER_UNIT).order_by(
            "name", "pk"
        )
    )


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _by(request: HttpRequest) -> By:
    return By(person=person(request))


def _staff_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return access.access_meeting(person(request), meeting_id, write=True)


def _to_meeting(meeting: Meeting, anchor: str = "") -> HttpResponse:
    response = redirect("committees:meeting", meeting_id=meeting.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _local(moment: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt)


# --- The committee's meetings ---------------------------------------------------------------


def _row(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "when": meetings.when_text(meeting),
        "place": meetings.place_text(meeting),
        "url": reverse("committees:meeting", args=[meeting.pk]),
    }


@console_required
@require_GET
def meeting_list(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id)
    now = timezone.now()
    base = Meeting.objects.filter(committee=committee).select_related("node")
    upcoming = base.filter(state=MeetingState.SCHEDULED, ends_at__gte=now).order_by("starts_at")
    past = base.exclude(pk__in=upcoming.values("pk")).order_by("-starts_at", "-pk")[:PAST_SHOWN]
    series = MeetingSeries.objects.filter(committee=committee).select_related("node")
    return render(
        request,
        "committees/meetings/list.html",
        {
            "committee": committee,
            "nav": "meetings",
            "upcoming": [_row(m) for m in upcoming[:100]],
            "past": [_row(m) for m in past],
            "series": list(series.order_by("-active", "title")),
            "staff": access.is_committee_staff(user, committee),
        },
    )


@console_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    if request.method == "POST":
        committee = access.access_committee(user, committee_id, write=True)
        form = MeetingForm(request.POST, committee=committee)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = meetings.meeting_create(
                    committee=committee,
                    by=By(person=user),
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    node=data["node"],
                    place_detail=data["place_detail"],
                )
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(
                    request, _("The meeting is set; its agenda is drawn from the lists.")
                )
                return _to_meeting(meeting)
    else:
        committee = access.access_committee(user, committee_id)
        if not access.is_committee_staff(user, committee):
            raise PermissionDenied(_("Only the committee's own staff may change this."))
        start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
        start += dt.timedelta(days=7)
        form = MeetingForm(
            committee=committee,
            initial={
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2),
                "node": committee.node_id,
            },
        )
    return render(
        request,
        "committees/meetings/form.html",
        {"committee": committee, "nav": "meetings", "form": form, "series_form": False},
        status=400 if form.errors else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    if request.method == "POST":
        committee = access.access_committee(user, committee_id, write=True)
        form = SeriesForm(request.POST, committee=committee)
        if form.is_valid():
            try:
                meetings.series_create(committee=committee, by=By(person=user), **form.cleaned_data)
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(
                    request,
                    _("The schedule is set: each meeting is created %(n)s days ahead.")
                    % {"n": form.cleaned_data["lead_days"]},
                )
                return redirect("committees:meetings", committee_id=committee.pk)
    else:
        committee = access.access_committee(user, committee_id)
        if not access.is_committee_staff(user, committee):
            raise PermissionDenied(_("Only the committee's own staff may change this."))
        form = SeriesForm(committee=committee, initial={"node": committee.node_id})
    return render(
        request,
        "committees/meetings/form.html",
        {"committee": committee, "nav": "meetings", "form": form, "series_form": True},
        status=400 if form.errors else 200,
    )


@console_required
@require_POST
def series_active(request: HttpRequest, committee_id: int, series_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    series = get_object_or_404(MeetingSeries, pk=series_id, committee=committee)
    active = request.POST.get("active") == "1"
    try:
        meetings.series_set_active(series=series, by=By(person=user), active=active)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The schedule runs again.") if active else _("The schedule is stopped.")
        )
    return redirect("committees:meetings", committee_id=committee.pk)


# --- A meeting's page -----------------------------------------------------------------------


def _agenda_needs(meeting: Meeting) -> list[tuple[str, str]]:
    """The needs a decision may be about: those of the agenda, and those the committee
    consults on."""
    on_agenda = AgendaItem.objects.filter(meeting=meeting, kind=AgendaKind.NEED).values("need_id")
    rows = Need.objects.filter(
        Q(pk__in=on_agenda) | Q(consultation_id=meeting.committee_id, state__in=OPEN_STATES)
    ).values_list("pk", "number")
    return sorted((str(pk), number) for pk, number in rows)


def _attendance_choices(meeting: Meeting, units: list[Organisation]) -> list[tuple[str, str]]:
    """Each person who may be entered as present, with the unit they come for
    ("<unit id>-<person id>"; unit 0: the committee itself)."""
    came = set(Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    names = {u.pk: u.name for u in units}
    names[meeting.committee_id] = meeting.committee.name
    rows = (
        Membership.objects.filter(organisation_id__in=names)
        .exclude(person_id__in=came)
        .values_list("organisation_id", "person_id", "person__name")
        .order_by("organisation__name", "person__name")
    )
    choices = []
    for org_id, person_id, name in rows:
        key = 0 if org_id == meeting.committee_id else org_id
        choices.append((f"{key}-{person_id}", f"{names[org_id]} · {name}"))
    return choices


def _timeline(meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "at": _local(e.created_at),
            "label": meetings.EVENT_LABELS.get(e.action, e.action),
            "actor": e.actor.name if e.actor else _("the system"),
            "unit": e.unit.name if e.unit else "",
            "note": e.note,
        }
        for e in meeting.events.select_related("actor", "unit").order_by("seq")
    ]


def _page(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, **bound: Any
) -> HttpResponse:
    user = person(request)
    by = By(person=user)
    committee = meeting.committee
    staff = access.is_committee_staff(user, committee)
    mine = access.unit_ids(user, committee)
    allowed = set(meetings.allowed_actions(meeting, by))
    units = _units(committee)
    context: dict[str, Any] = {
        "committee": committee,
        "nav": "meetings",
        "meeting": meeting,
        "record": meeting_record.read(meeting, user),
        "staff": staff,
        "allowed": allowed,
        "labels": meetings.ACTION_LABELS,
        "timeline": _timeline(meeting) if staff else [],
        "checked_in": Attendance.objects.filter(meeting=meeting, person=user).exists(),
    }
    if Action.AGENDA in allowed and (staff or mine):
        context["agenda_form"] = bound.get("agenda_form") or AgendaForm(
            units=units if staff else [u for u in units if u.pk in mine], staff=staff
        )
    if not staff:
        return render(request, "committees/meetings/detail.html", context, status=status)
    if Action.CANCEL in allowed:
        context["cancel_form"] = bound.get("cancel_form") or CancelForm()
    if Action.ATTEND in allowed:
        context["attendance_form"] = bound.get("attendance_form") or AttendanceForm(
            choices=_attendance_choices(meeting, units)
        )
    if Action.MINUTES in allowed:
        context["minutes_form"] = bound.get("minutes_form") or MinutesForm(
            initial={"minutes": meeting.minutes}
        )
    if Action.DECIDE in allowed:
        need_id = _int(request.GET.get("need"))
        context["decision_form"] = bound.get("decision_form") or DecisionForm(
            needs=_agenda_needs(meeting), initial={"need": str(need_id or "")}
        )
        context["task_rows"] = bound.get("task_rows") or f.TaskRows(
            prefix="task", form_kwargs={"units": units}
        )
    return render(request, "committees/meetings/detail.html", context, status=status)


@console_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access.access_meeting(person(request), meeting_id)
    return _page(request, meeting)


DONE = {
    Action.HOLD: gettext_lazy("The meeting is held: write the minutes and the decisions."),
    Action.RECORD: gettext_lazy("The record is sealed."),
    Action.CANCEL: gettext_lazy("The meeting is cancelled."),
    Action.NOTIFY: gettext_lazy("The notice is sent."),
    Action.AGENDA: gettext_lazy("The agenda is brought up to date."),
}


@console_required
@require_POST
def meeting_act(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    """The buttons of the meeting's page: hold, seal the record, cancel, send the notice,
    bring the agenda up to date."""
    meeting = _staff_meeting(request, meeting_id)
    if action not in DONE:
        raise Http404(_("No such action."))
    by = _by(request)
    try:
        match Action(action):
            case Action.HOLD:
                meetings.meeting_hold(meeting=meeting, by=by)
            case Action.RECORD:
                meetings.meeting_record(meeting=meeting, by=by)
            case Action.NOTIFY:
                meetings.meeting_notify(
                    meeting=meeting, by=by, force=request.POST.get("force") == "1"
                )
            case Action.AGENDA:
                meetings.agenda_build(meeting, by=by)
            case Action.CANCEL:
                form = CancelForm(request.POST)
                if not form.is_valid():
                    return _page(request, meeting, status=400, cancel_form=form)
                try:
                    meetings.meeting_cancel(
                        meeting=meeting, by=by, reason=form.cleaned_data["reason"]
                    )
                except DomainError as error:
                    onto_form(form, error)
                    return _page(request, meeting, status=400, cancel_form=form)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(DONE[Action(action)]))
    return _to_meeting(meeting)


@console_required
@require_POST
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _staff_meeting(request, meeting_id)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            meetings.meeting_minutes(
                meeting=meeting, by=_by(request), minutes=form.cleaned_data["minutes"]
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("The minutes are saved."))
            return _to_meeting(meeting, "minutes")
    return _page(request, meeting, status=400, minutes_form=form)


@console_required
@require_POST
def meeting_agenda_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """An item raised by the committee's staff or a member unit's people (for their unit)."""
    user = person(request)
    meeting = access.access_meeting(user, meeting_id)
    committee = meeting.committee
    staff = access.is_committee_staff(user, committee)
    mine = access.unit_ids(user, committee)
    if not (staff or mine):
        raise PermissionDenied(_("Only the committee and its member units raise agenda items."))
    units = _units(committee)
    form = AgendaForm(
        request.POST, units=units if staff else [u for u in units if u.pk in mine], staff=staff
    )
    if form.is_valid():
        unit = next((u for u in units if str(u.pk) == form.cleaned_data["unit"]), None)
        try:
            meetings.agenda_add(
                meeting=meeting, by=By(person=user), text=form.cleaned_data["text"], unit=unit
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("The item is on the agenda."))
            return _to_meeting(meeting, "agenda")
    return _page(request, meeting, status=400, agenda_form=form)


@console_required
@require_POST
def meeting_attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _staff_meeting(request, meeting_id)
    units = _units(meeting.committee)
    form = AttendanceForm(request.POST, choices=_attendance_choices(meeting, units))
    if form.is_valid():
        unit_id, _sep, person_id = form.cleaned_data["who"].partition("-")
        unit = next((u for u in units if str(u.pk) == unit_id), None)
        attendee = get_object_or_404(Person, pk=_int(person_id) or 0)
        try:
            meetings.attendance_record(meeting=meeting, by=_by(request), person=attendee, unit=unit)
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(
                request, _("%(name)s is entered as present.") % {"name": attendee.name}
            )
            return _to_meeting(meeting, "attendance")
    return _page(request, meeting, status=400, attendance_form=form)


@console_required
@require_POST
def meeting_decide(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _staff_meeting(request, meeting_id)
    units = _units(meeting.committee)
    form = DecisionForm(request.POST, needs=_agenda_needs(meeting))
    rows = f.TaskRows(request.POST, prefix="task", form_kwargs={"units": units})
    if form.is_valid() and rows.is_valid():
        need_id = _int(form.cleaned_data["need"])
        need = Need.objects.filter(pk=need_id).first() if need_id else None
        try:
            decision = meetings.meeting_decide(
                meeting=meeting,
                by=_by(request),
                text=form.cleaned_data["text"],
                tasks=f.task_specs(rows, units),
                need=need,
            )
        except DomainError as error:
            f.decision_error_onto(form, rows, error)
        else:
            messages.success(
                request,
                _("Decided: %(n)s tasks given.") % {"n": decision.tasks.count()},
            )
            return _to_meeting(meeting, "decisions")
    return _page(request, meeting, status=400, decision_form=form, task_rows=rows)


# --- The record as a PDF --------------------------------------------------------------------


@console_required
@require_GET
def meeting_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = person(request)
    meeting = access.access_meeting(user, meeting_id)
    try:
        document = meeting_record.render(meeting, user)
    except pdf.PdfUnavailable as error:
        message = _(
            "PDF export is not available on this server: WeasyPrint or its system libraries "
            "(Pango, the Noto CJK fonts) are missing. The meeting's page works; print it from "
            "the browser, or ask the operator to run scripts/install-system.sh."
        )
        return render(
            request,
            "insights/bad_request.html",
            {"message": message, "detail": str(error), "title": _("PDF not available")},
            status=503,
        )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{meeting_record.filename(meeting)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Check-in by QR code --------------------------------------------------------------------


def _checkin_url(request: HttpRequest, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("committees:meeting_checkin", args=[meeting.pk, meeting.checkin_key])
    )


@console_required
@require_GET
def meeting_poster(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The printable check-in poster: it carries the key, so the committee's staff only."""
    meeting = _staff_meeting(request, meeting_id)
    url = _checkin_url(request, meeting)
    response = render(
        request,
        "committees/meetings/poster.html",
        {
            "meeting": meeting,
            "url": url,
            "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
            "when": meetings.when_text(meeting),
            "place": meetings.place_text(meeting),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _float(value: Any) -> float | None:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) < 1000 else None  # not NaN


@login_required
@require_http_methods(["GET", "POST"])
def meeting_checkin(request: HttpRequest, meeting_id: int, token: str) -> HttpResponse:
    """The page the poster's QR code opens: the meeting and a big button; the phone's location
    goes with it when the phone gives it (static/volunteers/checkin.js)."""
    meeting = Meeting.objects.select_related("committee", "node").filter(pk=meeting_id).first()
    if meeting is None or not meetings.key_matches(meeting, token):
        return render(
            request,
            "core/error.html",
            {
                "heading": _("This check-in code is not valid"),
                "message": _(
                    "Scan the poster at the meeting again, or ask the committee's staff to "
                    "enter you as present."
                ),
                "staff": True,
            },
            status=404,
        )
    user = person(request)
    error = ""
    done = None
    if request.method == "POST":
        lat, lon = _float(request.POST.get("lat")), _float(request.POST.get("lon"))
        if lat is None or lon is None:
            lat = lon = None
        try:
            done = meetings.meeting_check_in(
                meeting=meeting, person=user, key=token, lat=lat, lon=lon
            )
        except DomainError as failure:
            if failure.code != "already_checked_in":  # else the page says when they did
                error = failure.message
    mine = done or Attendance.objects.filter(meeting=meeting, person=user).first()
    return render(
        request,
        "committees/meetings/checkin.html",
        {
            "meeting": meeting,
            "when": meetings.when_text(meeting),
            "place": meetings.place_text(meeting),
            "done": done,
            "checked_in_at": _local(mine.at, "%H:%M") if mine else "",
            "unit": mine.unit.name if mine and mine.unit else "",
            "error": error,
        },
        status=400 if error else 200,
    )


console_urls: list[URLPattern] = [
    path("<int:committee_id>/meetings/", meeting_list, name="meetings"),
    path("<int:committee_id>/meetings/new/", meeting_new, name="meeting_new"),
    path("<int:committee_id>/meetings/schedules/new/", series_new, name="series_new"),
    path(
        "<int:committee_id>/meetings/schedules/<int:series_id>/active/",
        series_active,
        name="series_active",
    ),
    path("meetings/<int:meeting_id>/", meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/act/<str:action>/", meeting_act, name="meeting_act"),
    path("meetings/<int:meeting_id>/minutes/", meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:meeting_id>/agenda/", meeting_agenda_add, name="meeting_agenda_add"),
    path("meetings/<int:meeting_id>/attendance/", meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:meeting_id>/decide/", meeting_decide, name="meeting_decide"),
    path("meetings/<int:meeting_id>/record.pdf", meeting_pdf, name="meeting_pdf"),
    path("meetings/<int:meeting_id>/poster/", meeting_poster, name="meeting_poster"),
    path(
        "meetings/<int:meeting_id>/check-in/<str:token>/",
        meeting_checkin,
        name="meeting_checkin",
    ),
]
