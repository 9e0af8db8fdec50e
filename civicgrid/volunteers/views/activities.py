"""Activity pages.

Console (/console/serve/activities/…): the organiser's month per place, planning and editing,
an activity's page with its sign-ups, waiting list, check-ins and actions, and its check-in
poster. Public (/serve/activities/…): the list of open activities, an activity's page with
sign-up and leave, and check-in by the poster's QR code (signed in).

Views parse, check access (`volunteers/access.py`), call one command (`activities.py`) or
selector (`selectors_activities.py`) and render. Forms post and redirect (PRG); a refused
command is shown as a message on the page it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.needs.qr import qr_png, qr_svg
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, Person
from civicgrid.volunteers import access, activities
from civicgrid.volunteers import selectors_activities as sel
from civicgrid.volunteers.activities import Action
from civicgrid.volunteers.models import Activity, ActivityState, Audience, SignUpState, Team, Theme

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


# --- Forms ----------------------------------------------------------------------------------


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


class PlaceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'· ' * max(obj.depth - 2, 0)}{obj.name}"  # indented by level


class TeamChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ActivityForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    theme = forms.ChoiceField(label=gettext_lazy("Theme"), choices=Theme.choices)
    node = PlaceChoice(label=gettext_lazy("Place"), queryset=Node.objects.none())
    place_detail = forms.CharField(
        label=gettext_lazy("Where exactly"), max_length=120, required=False
    )
    team = TeamChoice(
        label=gettext_lazy("Organising team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none (the community organises it) —"),
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts"), widget=DateTimeLocal(), input_formats=[DATETIME_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"), widget=DateTimeLocal(), input_formats=[DATETIME_FORMAT]
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=gettext_lazy("Empty: no limit."),
    )
    audience = forms.ChoiceField(label=gettext_lazy("Who may sign up"), choices=Audience.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    title_en = forms.CharField(label=gettext_lazy("English title"), max_length=160, required=False)
    title_mn = forms.CharField(
        label=gettext_lazy("Mongolian title"), max_length=200, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        node_field = self.fields["node"]
        team_field = self.fields["team"]
        assert isinstance(node_field, PlaceChoice)
        assert isinstance(team_field, TeamChoice)
        node_field.queryset = sel.organiser_places(user).order_by("path")
        team_field.queryset = sel.organiser_teams(user)


class CreateForm(ActivityForm):
    open_now = forms.BooleanField(
        label=gettext_lazy("Open for sign-up at once"), required=False, initial=True
    )


# --- Console --------------------------------------------------------------------------------


@console_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The month of the first place the user organises or sees, or a choice of places."""
    user = person(request)
    places = sel.month_places(user)
    if len(places) == 1:
        return redirect("volunteers:activity_month", node_id=places[0].pk)
    return render(
        request,
        "volunteers/activities/console/index.html",
        {"places": places, "may_create": access.may_organise_activities(user)},
    )


@console_required
@require_GET
def month(request: HttpRequest, node_id: int) -> HttpResponse:
    user = person(request)
    node = Node.objects.filter(pk=node_id).first()
    if node is None or not sel.may_open_month(user, node):
        raise Http404(_("No such place in your area."))
    first = sel.month_start(request.GET.get("month"), timezone.localdate())
    team_id = _int(request.GET.get("team"))
    grid = sel.month(user, node, first, team_id=team_id)
    return render(
        request,
        "volunteers/activities/console/month.html",
        {
            "node": node,
            "grid": grid,
            "teams": sel.month_teams(user, node),
            "team_id": team_id,
            "places": sel.month_places(user),
            "may_create": access.may_organise_activities(user),
            "weekdays": [
                _("Mon"),
                _("Tue"),
                _("Wed"),
                _("Thu"),
                _("Fri"),
                _("Sat"),
                _("Sun"),
            ],
        },
    )


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@console_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = person(request)
    if not access.may_organise_activities(user):
        raise PermissionDenied(_("Your role may not plan activities."))
    if request.method == "POST":
        form = CreateForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = activities.activity_create(
                    by=user,
                    node=data["node"],
                    team=data["team"],
                    title=data["title"],
                    title_en=data["title_en"],
                    title_mn=data["title_mn"],
                    theme=data["theme"],
                    description=data["description"],
                    place_detail=data["place_detail"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    capacity=data["capacity"],
                    audience=data["audience"],
                    open_now=data["open_now"],
                )
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(request, _("The activity is planned."))
                return redirect("volunteers:activity_detail", id=activity.pk)
    else:
        initial: dict[str, Any] = {"audience": Audience.MEMBERS, "open_now": True}
        node_id = _int(request.GET.get("node"))
        if node_id:
            initial["node"] = node_id
        day = request.GET.get("day", "")
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9, 0))
        except ValueError:
            start = None
        if start is not None:
            initial.update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
        form = CreateForm(user=user, initial=initial)
    return render(
        request, "volunteers/activities/console/form.html", {"form": form, "activity": None}
    )


@console_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, id: int) -> HttpResponse:
    user = person(request)
    activity = access.access_activity(user, id, write=True)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=user)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.fields}
            try:
                activities.activity_edit(activity=activity, by=user, **changes)
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:activity_detail", id=activity.pk)
    else:
        initial = {name: getattr(activity, name) for name in ActivityForm.base_fields}
        initial["starts_at"] = timezone.localtime(activity.starts_at)
        initial["ends_at"] = timezone.localtime(activity.ends_at)
        form = ActivityForm(user=user, initial=initial)
    return render(
        request, "volunteers/activities/console/form.html", {"form": form, "activity": activity}
    )


@console_required
@require_GET
def detail(request: HttpRequest, id: int) -> HttpResponse:
    user = person(request)
    activity = access.access_activity(user, id)
    allowed = activities.allowed_actions(activity, user)
    groups = sel.signup_rows(activity)
    duration = activity.duration_minutes or int(
        (activity.ends_at - activity.starts_at).total_seconds() // 60
    )
    return render(
        request,
        "volunteers/activities/console/detail.html",
        {
            "activity": activity,
            "allowed": [a for a in activities.ORGANISER_ACTIONS if a in allowed],
            "may_edit": Action.EDIT in allowed,
            "labels": activities.ACTION_LABELS,
            "confirmed": groups[SignUpState.CONFIRMED],
            "waiting": groups[SignUpState.WAITING],
            "left": groups[SignUpState.CANCELLED],
            "checked_in": sum(1 for r in groups[SignUpState.CONFIRMED] if r["checked_in"]),
            "duration": min(duration, activities.MAX_DURATION_MINUTES),
            "timeline": sel.timeline(activity),
            "organises": access.organises_activity(user, activity),
            "point": activities.place_point(activity),
            "photos": _photos(activity),
        },
    )


DONE = {
    Action.OPEN: gettext_lazy("Open for sign-up."),
    Action.HOLD: gettext_lazy("Marked as held."),
    Action.RECORD: gettext_lazy("Recorded; hours credited."),
    Action.CANCEL: gettext_lazy("Cancelled."),
    Action.CORRECT: gettext_lazy("Hours corrected."),
}


@console_required
@require_POST
def act(request: HttpRequest, id: int, action: str) -> HttpResponse:
    user = person(request)
    activity = access.access_activity(user, id, write=True)
    if action not in activities.ORGANISER_ACTIONS:
        raise Http404(_("No such action."))
    post = request.POST
    reason = post.get("reason", "")
    try:
        match Action(action):
            case Action.OPEN:
                activities.activity_open(activity=activity, by=user)
            case Action.HOLD:
                activities.activity_hold(activity=activity, by=user)
            case Action.CANCEL:
                activities.activity_cancel(activity=activity, by=user, reason=reason)
            case Action.RECORD:
                attended = [pk for pk in map(_int, post.getlist("attended")) if pk]
                activities.activity_record(
                    activity=activity,
                    by=user,
                    duration_minutes=_int(post.get("duration_minutes")) or 0,
                    summary=post.get("summary", "")[:5000],
                    solved=post.get("solved", "")[:5000],
                    solved_count=_count(post.get("solved_count")),
                    attended=attended,
                    photos=request.FILES.getlist("photos"),
                )
            case Action.CORRECT:
                member = Person.objects.filter(pk=_int(post.get("person")) or 0).first()
                if member is None:
                    raise Invalid(_("Choose whose hours to correct."))
                activities.activity_correct_hours(
                    activity=activity,
                    by=user,
                    person=member,
                    hours=post.get("hours", ""),
                    reason=reason,
                )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE[Action(action)])
    return redirect("volunteers:activity_detail", id=activity.pk)


def _count(value: Any) -> int:
    try:
        number = int(str(value or "0").strip())
    except ValueError:
        return -1
    return number if number < 2**31 else -1


def _checkin_url(request: HttpRequest, activity: Activity) -> str:
    return request.build_absolute_uri(
        reverse("serve:activity_checkin", args=[activity.pk, activity.checkin_key])
    )


def _organiser_activity(request: HttpRequest, id: int) -> Activity:
    """The poster carries the check-in key: its organisers only."""
    return access.access_activity(person(request), id, write=True)


@console_required
@require_GET
def poster(request: HttpRequest, id: int) -> HttpResponse:
    activity = _organiser_activity(request, id)
    url = _checkin_url(request, activity)
    start = timezone.localtime(activity.starts_at)
    end = timezone.localtime(activity.ends_at)
    return render(
        request,
        "volunteers/activities/console/poster.html",
        {
            "activity": activity,
            "url": url,
            "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
            "when": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
        },
    )


@console_required
@require_GET
def qr(request: HttpRequest, id: int, fmt: str) -> HttpResponse:
    activity = _organiser_activity(request, id)
    url = _checkin_url(request, activity)
    if fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    elif fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        raise Http404("svg or png")
    response["Cache-Control"] = "private, no-store"
    return response


console_urls: list[URLPattern] = [
    path("activities/", index, name="activities"),
    path("activities/month/<int:node_id>/", month, name="activity_month"),
    path("activities/new/", new, name="activity_new"),
    path("activities/<int:id>/", detail, name="activity_detail"),
    path("activities/<int:id>/edit/", edit, name="activity_edit"),
    path("activities/<int:id>/act/<str:action>/", act, name="activity_act"),
    path("activities/<int:id>/poster/", poster, name="activity_poster"),
    path("activities/<int:id>/qr.<str:fmt>", qr, name="activity_qr"),
]


# --- Public ---------------------------------------------------------------------------------


def _public_activity(request: HttpRequest, id: int) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("node", "team", "team__organisation"), pk=id
    )
    if not access.may_see_activity(request.user, activity):
        raise Http404(_("No such activity."))
    return activity


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    near = None
    code = request.GET.get("at", "")
    if code:
        near = Node.objects.filter(code=code[:40]).first()
    rows = sel.public_activities(request.user, near=near)
    return render(
        request,
        "volunteers/activities/public/list.html",
        {"rows": [_card(a) for a in rows], "near": near},
    )


def _photos(activity: Activity) -> list[dict[str, Any]]:
    """The record's photos, shown where the activity may be read, scaled to a phone."""
    return [
        {
            "url": reverse("serve:activity_photo", args=[activity.pk, photo.pk]),
            "width": min(photo.width, 320) or 320,
            "height": round(photo.height * min(photo.width, 320) / photo.width)
            if photo.width
            else 240,
        }
        for photo in activity.photos.all()
    ]


@require_GET
def activity_photo(request: HttpRequest, id: int, photo_id: int) -> FileResponse:
    """A photo of the activity's record, for whoever may read the activity."""
    activity = _public_activity(request, id)
    photo = activity.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404(_("No such photo."))
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    public = activity.audience == Audience.PUBLIC
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=600"
    return response


def _card(activity: Activity) -> dict[str, Any]:
    start = timezone.localtime(activity.starts_at)
    end = timezone.localtime(activity.ends_at)
    left = (
        None if activity.capacity is None else max(activity.capacity - activity.confirmed_count, 0)
    )
    return {
        "activity": activity,
        "day": f"{start:%m-%d}",
        "time": f"{start:%H:%M}–{end:%H:%M}",
        "left": left,
        "team": activity.team.label if activity.team else "",
    }


@require_GET
def public_detail(request: HttpRequest, id: int) -> HttpResponse:
    activity = _public_activity(request, id)
    user = request.user
    mine = sel.my_signup(user, activity)
    now = timezone.now()
    signed_in = user.is_authenticated
    return render(
        request,
        "volunteers/activities/public/detail.html",
        {
            **_card(activity),
            "mine": mine,
            "position": activities.waiting_position(mine) if mine else None,
            "signed_in": signed_in,
            "may_join": signed_in and access.may_join(user, activity),
            "sign_up_open": activity.state == ActivityState.OPEN and now < activity.starts_at,
            "photos": _photos(activity) if activity.state == ActivityState.RECORDED else [],
            "login_url": f"{reverse('console:login')}?next={request.path}",
        },
    )


@login_required
@require_POST
def sign_up(request: HttpRequest, id: int) -> HttpResponse:
    activity = _public_activity(request, id)
    try:
        signup = activities.activity_sign_up(activity=activity, person=person(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if signup.state == SignUpState.WAITING:
            messages.info(
                request,
                _("The places are taken: you are on the waiting list (number %(n)s).")
                % {"n": activities.waiting_position(signup)},
            )
        else:
            messages.success(request, _("You are signed up. See you there!"))
    return redirect("serve:activity", id=activity.pk)


@login_required
@require_POST
def leave(request: HttpRequest, id: int) -> HttpResponse:
    activity = _public_activity(request, id)
    try:
        activities.activity_leave(activity=activity, person=person(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the activity."))
    return redirect("serve:activity", id=activity.pk)


def _float(value: Any) -> float | None:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) < 1000 else None  # not NaN


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, id: int, token: str) -> HttpResponse:
    """The page the poster's QR code opens: the activity and a big button; the phone's location
    is sent with it when the phone gives it (static/volunteers/checkin.js)."""
    activity = get_object_or_404(Activity.objects.select_related("node", "team"), pk=id)
    if not activities.key_matches(activity, token):
        raise Http404(_("This check-in code is not valid."))
    user = person(request)
    result = None
    error = ""
    if request.method == "POST":
        lat, lon = _float(request.POST.get("lat")), _float(request.POST.get("lon"))
        if lat is None or lon is None:
            lat = lon = None
        try:
            result = activities.activity_check_in(
                activity=activity, person=user, key=token, lat=lat, lon=lon
            )
        except DomainError as failure:
            error = failure.message
    mine = result.signup if result else sel.my_signup(user, activity)
    at = ""
    if mine is not None and mine.checked_in_at is not None:
        at = timezone.localtime(mine.checked_in_at).strftime("%H:%M")
    return render(
        request,
        "volunteers/activities/public/checkin.html",
        {
            **_card(activity),
            "result": result,
            "error": error,
            "checked_in_at": at,
        },
        status=400 if error else 200,
    )


public_urls: list[URLPattern] = [
    path("activities/", public_list, name="activities"),
    path("activities/<int:id>/", public_detail, name="activity"),
    path("activities/<int:id>/sign-up/", sign_up, name="activity_sign_up"),
    path("activities/<int:id>/leave/", leave, name="activity_leave"),
    path("activities/<int:id>/checkin/<str:token>/", checkin, name="activity_checkin"),
    path("activities/<int:id>/photos/<int:photo_id>/", activity_photo, name="activity_photo"),
]
