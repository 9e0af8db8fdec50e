"""Console and public pages of the care module: meal points and their daily menus.

Console (/console/care/, namespace "care"): the points in the reader's scope, a point with its
staff, extra services and the week's menus, the form that adds or changes a point, and the
menu of a day (a row per dish, one more row by htmx, publish). A point's cook, who holds no
role in the network, comes in to keep the menus.

Public (/care/, namespace "care_public", no account): a point's page with today's published
menu and prices per age band, and the day's menu to share in a WeChat group (text to copy, a
picture to save). A menu not yet published does not exist for the public.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicgrid.care import access_meals, menus, points, share
from civicgrid.care.bands import bands_in_force
from civicgrid.care.models import MealPoint, Menu
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.i18n import MONGOLIAN, mongolian
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Membership, Node, NodeKind, Person, node_label
from civicgrid.network.scope import is_staff_user, within_scope

T = "care/console/"
R = "care/resident/"
PLACE_KINDS = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)
ROW_KEY = re.compile(r"^dish-([0-9a-z]{1,12})-name$")
BLANK_ROWS = 3
MAX_ROWS = menus.MAX_DISHES + 10


def console_or_point_staff(view: Callable[..., HttpResponseBase]) -> Any:
    """Staff, a unit's people, and a point's own staff (the cook holds no role)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user)
            or Membership.objects.filter(person=user).exists()
            or access_meals.runs_a_point(user)
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404(_("No such day.")) from None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# --- The points --------------------------------------------------------------------------------


@console_or_point_staff
@require_safe
def point_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = list(
        access_meals.visible_points(user)
        .select_related("node")
        .only(
            "id",
            "name",
            "active",
            "capacity",
            "serves_from",
            "serves_until",
            "order_cutoff",
            "node__name",
            "node__name_en",
            "node__name_mn",
        )
        .order_by("node__path", "name", "id")[:500]
    )
    today = timezone.localdate()
    published = dict(
        Menu.objects.filter(point_id__in=[p.pk for p in found], day=today).values_list(
            "point_id", "published_at"
        )
    )
    rows = [
        {
            "id": p.pk,
            "name": p.name,
            "active": p.active,
            "place": node_label(p.node),
            "hours": points.hours_words(p),
            "cutoff": f"{p.order_cutoff:%H:%M}",
            "capacity": p.capacity,
            "menu": (
                _("Published")
                if published.get(p.pk)
                else (_("Draft") if p.pk in published else _("Not written"))
            ),
        }
        for p in found
    ]
    context = {"rows": rows, "may_add": access_meals.may_add_points(user), "today": today}
    return render(request, T + "meals_points.html", context)


class PointForm(forms.ModelForm):
    class Meta:
        model = MealPoint
        fields = list(points.FIELDS)
        widgets = {
            "serves_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "serves_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "order_cutoff": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = within_scope(Node.objects.filter(kind__in=PLACE_KINDS), user, write=True)
        self.fields["node"].queryset = places.order_by("path")  # type: ignore[attr-defined]
        self.fields["area"].queryset = places.order_by("path")  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service checks the point (points.point_save)."""

    def _post_clean(self) -> None:
        # The model's own checks run in the service, where the domain errors have codes.
        pass


@console_required
def point_edit(request: HttpRequest, point_id: int | None = None) -> HttpResponse:
    """Add a point, or change one: staff who serve its place (403 to a reader before any
    form is read)."""
    user = person(request)
    if point_id is None:
        if not access_meals.may_add_points(user):
            raise PermissionDenied(_("Your role may not add meal points."))
        point = None
    else:
        point = access_meals.access_point(user, point_id, write=True)
    form = PointForm(request.POST or None, instance=point, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = points.point_save(by=user, point=point, **form.cleaned_data)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("Saved."))
                return redirect("care:point", point_id=saved.pk)
    return render(
        request, T + "meals_point_edit.html", {"form": form, "point": point}, status=status
    )


class StaffForm(forms.Form):
    keep = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Staff"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mobile = forms.CharField(
        label=gettext_lazy("Add by mobile number"),
        required=False,
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, point: MealPoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = point.staff.order_by("name", "id")
        self.fields["keep"].queryset = current  # type: ignore[attr-defined]
        self.fields["keep"].label_from_instance = lambda p: p.name  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["keep"] = list(current)


class ServicesForm(forms.Form):
    services = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Extra services given at the point"),
        queryset=MealPoint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, point: MealPoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        field.queryset = points.services_at(point)  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: s.name  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["services"] = list(point.extra_services.all())


def _point_context(
    request: HttpRequest,
    point: MealPoint,
    *,
    staff_form: StaffForm | None = None,
    services_form: ServicesForm | None = None,
) -> dict[str, Any]:
    user = person(request)
    today = timezone.localdate()
    try:
        shown = (
            dt.date.fromisoformat(request.GET.get("week", "")) if request.GET.get("week") else today
        )
    except ValueError:
        shown = today
    monday = _monday(shown)
    may_change = access_meals.may_change_point(user, point)
    days = [
        {
            "day": day,
            "param": day.isoformat(),
            "today": day == today,
            "state": ("none" if menu is None else ("published" if menu.published_at else "draft")),
            "dishes": menus.join_names([d.name for d in menu.dishes.all()]) if menu else "",
        }
        for day, menu in menus.week(point, monday)
    ]
    return {
        "point": point,
        "place": node_label(point.node),
        "area": node_label(point.area) if point.area else "",
        "hours": points.hours_words(point),
        "cutoff": f"{point.order_cutoff:%H:%M}",
        "staff": [p.name for p in point.staff.order_by("name", "id")],
        "services": list(point.extra_services.order_by("name", "id")),
        "days": days,
        "prev": (monday - dt.timedelta(days=7)).isoformat(),
        "next": (monday + dt.timedelta(days=7)).isoformat(),
        "today": today.isoformat(),
        "may_change": may_change,
        "may_menus": access_meals.may_keep_menus(user, point),
        "staff_form": (staff_form or StaffForm(point=point)) if may_change else None,
        "services_form": (services_form or ServicesForm(point=point)) if may_change else None,
    }


@console_or_point_staff
@require_safe
def point_detail(request: HttpRequest, point_id: int) -> HttpResponse:
    point = access_meals.access_point(person(request), point_id)
    return render(request, T + "meals_point.html", _point_context(request, point))


@console_required
@require_POST
def point_staff(request: HttpRequest, point_id: int) -> HttpResponse:
    """The point's staff: those kept, and one more by mobile number."""
    user = person(request)
    point = access_meals.access_point(user, point_id, write=True)
    form = StaffForm(request.POST, point=point)
    status = 400
    if form.is_valid():
        try:
            people = list(form.cleaned_data["keep"])
            if form.cleaned_data["mobile"]:
                people.append(points.person_by_mobile(form.cleaned_data["mobile"]))
            points.point_staff_set(by=user, point=point, people=people)
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
        else:
            messages.success(request, _("The point's staff are saved."))
            return redirect("care:point", point_id=point.pk)
    context = _point_context(request, point, staff_form=form)
    return render(request, T + "meals_point.html", context, status=status)


@console_required
@require_POST
def point_services(request: HttpRequest, point_id: int) -> HttpResponse:
    """The extra services given at the point (laundry, bathing, haircut…)."""
    user = person(request)
    point = access_meals.access_point(user, point_id, write=True)
    form = ServicesForm(request.POST, point=point)
    status = 400
    if form.is_valid():
        try:
            points.point_services_set(by=user, point=point, services=form.cleaned_data["services"])
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
        else:
            messages.success(request, _("The extra services are saved."))
            return redirect("care:point", point_id=point.pk)
    context = _point_context(request, point, services_form=form)
    return render(request, T + "meals_point.html", context, status=status)


# --- A day's menu ------------------------------------------------------------------------------


def _blank_row() -> dict[str, Any]:
    return {"key": secrets.token_hex(3), "name": "", "name_mn": "", "special": False}


def _posted_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The dish rows as sent, in the page's order (a row's fields are named by its key)."""
    rows = []
    for name in request.POST:
        found = ROW_KEY.match(name)
        if not found:
            continue
        key = found.group(1)
        rows.append(
            {
                "key": key,
                "name": request.POST.get(f"dish-{key}-name", "")[:200],
                "name_mn": request.POST.get(f"dish-{key}-name_mn", "")[:300],
                "special": bool(request.POST.get(f"dish-{key}-special")),
            }
        )
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _menu_context(
    request: HttpRequest,
    point: MealPoint,
    day: dt.date,
    menu: Menu | None,
    *,
    rows: list[dict[str, Any]] | None = None,
    note: str | None = None,
    note_mn: str | None = None,
    error: str = "",
) -> dict[str, Any]:
    user = person(request)
    if rows is None:
        rows = [
            {"key": f"d{n}", "name": d.name, "name_mn": d.name_mn, "special": d.special}
            for n, d in enumerate(menu.dishes.all() if menu else [])
        ]
        try:
            wanted = int(request.GET.get("rows", "0"))
        except ValueError:
            wanted = 0
        blanks = max(BLANK_ROWS if not rows else 1, min(wanted, MAX_ROWS) - len(rows))
        rows += [_blank_row() for _n in range(blanks)]
    may_edit = access_meals.may_keep_menus(user, point)
    return {
        "point": point,
        "day": day,
        "param": day.isoformat(),
        "prev": (day - dt.timedelta(days=1)).isoformat(),
        "next": (day + dt.timedelta(days=1)).isoformat(),
        "menu": menu,
        "rows": rows,
        "more_rows": len(rows) + 1,
        "note": menu.note if note is None and menu else (note or ""),
        "note_mn": menu.note_mn if note_mn is None and menu else (note_mn or ""),
        "may_edit": may_edit,
        "published": bool(menu and menu.published_at),
        "error": error,
        "share_text": share.menu_text(menu, get_language() or "zh-hans")
        if menu and menu.published_at
        else "",
    }


@console_or_point_staff
def menu_edit(request: HttpRequest, point_id: int, day: str) -> HttpResponse:
    """The menu of a day: read it, write it (the point's staff or staff who serve the place;
    a reader is refused before the form is read), correct it once published."""
    user = person(request)
    when = _day(day)
    writing = request.method == "POST"
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    point = access_meals.access_point(user, point_id, menus=writing)
    menu = menus.menu_of(point, when)
    if not writing:
        return render(request, T + "meals_menu.html", _menu_context(request, point, when, menu))
    rows = _posted_rows(request)
    note = request.POST.get("note", "")
    note_mn = request.POST.get("note_mn", "")
    try:
        menus.menu_save(by=user, point=point, day=when, dishes=rows, note=note, note_mn=note_mn)
    except DomainError as failure:
        context = _menu_context(
            request, point, when, menu, rows=rows, note=note, note_mn=note_mn, error=failure.message
        )
        return render(request, T + "meals_menu.html", context, status=failure.status)
    messages.success(request, _("The menu is saved."))
    return redirect("care:menu", point_id=point.pk, day=when.isoformat())


@console_or_point_staff
@require_POST
def menu_publish(request: HttpRequest, point_id: int, day: str) -> HttpResponse:
    user = person(request)
    when = _day(day)
    point = access_meals.access_point(user, point_id, menus=True)
    menu = menus.menu_of(point, when)
    if menu is None:
        raise Http404(_("No menu is written for this day."))
    try:
        menus.menu_publish(by=user, menu=menu)
    except DomainError as failure:
        context = _menu_context(request, point, when, menu, error=failure.message)
        return render(request, T + "meals_menu.html", context, status=failure.status)
    messages.success(request, _("The menu is published: residents see it now."))
    return redirect("care:menu", point_id=point.pk, day=when.isoformat())


@console_or_point_staff
@require_safe
def menu_row(request: HttpRequest, point_id: int, day: str) -> HttpResponse:
    """One more empty dish row (htmx)."""
    _day(day)
    point = access_meals.access_point(person(request), point_id)
    if not access_meals.may_keep_menus(person(request), point):
        raise PermissionDenied
    return render(request, T + "meals_dish_row.html", {"row": _blank_row()})


# --- Public pages ------------------------------------------------------------------------------


def _public_point(point_id: int) -> MealPoint:
    return get_object_or_404(MealPoint.objects.select_related("node"), pk=point_id, active=True)


def public_point(request: HttpRequest, point_id: int) -> HttpResponse:
    """A meal point for residents: where, when, the phone, today's menu with prices per
    band, the extra services to book, and how to order."""
    point = _public_point(point_id)
    today = timezone.localdate()
    language = get_language() or "zh-hans"
    menu = menus.published_menu(point, today)
    bands = bands_in_force(point, today)
    mn = mongolian(language)
    context = {
        "point": point,
        "name": points.label(point, language),
        "address": point.address_mn if mn and point.address_mn else point.address,
        "hours": points.hours_words(point),
        "cutoff": f"{point.order_cutoff:%H:%M}",
        "today": today,
        "menu": menu,
        "dishes": [(menus.dish_label(d, language), d.special) for d in menu.dishes.all()]
        if menu
        else [],
        "note": (menu.note_mn if mn and menu.note_mn else menu.note) if menu else "",
        "prices": share.prices(bands, language),
        "special_age": share.special_age(bands),
        "services": [
            {"id": s.pk, "name": s.label} for s in point.extra_services.filter(active=True)
        ],
        "mark": share.SPECIAL_MARK,
    }
    return render(request, R + "meals_point.html", context)


def _public_menu(point_id: int, day: str) -> Menu:
    point = _public_point(point_id)
    menu = menus.published_menu(point, _day(day))
    if menu is None:
        raise Http404(_("No menu is published for this day."))
    menu.point = point
    return menu


def public_menu_share(request: HttpRequest, point_id: int, day: str) -> HttpResponse:
    """The day's menu to share: text to copy (Chinese and Mongolian), a picture to save."""
    menu = _public_menu(point_id, day)
    language = get_language() or "zh-hans"
    texts = [
        {"language": "zh-hans", "lang": "zh-Hans", "text": share.menu_text(menu, "zh-hans")},
        {"language": MONGOLIAN, "lang": "mn-Mong", "text": share.menu_text(menu, MONGOLIAN)},
    ]
    if mongolian(language):
        texts.reverse()
    context = {
        "menu": menu,
        "name": points.label(menu.point, language),
        "param": menu.day.isoformat(),
        "texts": texts,
        "image_name": f"menu-{menu.point_id}-{menu.day.isoformat()}.png",
        "mongolian_in_picture": share.renders_mongolian(),
    }
    return render(request, R + "meals_share.html", context)


def public_menu_image(request: HttpRequest, point_id: int, day: str) -> HttpResponse:
    menu = _public_menu(point_id, day)
    response = HttpResponse(share.menu_png(menu), content_type="image/png")
    # Shared in groups and opened many times; a correction shows within minutes.
    patch_cache_control(response, public=True, max_age=300)
    return response


console_urls: list[URLPattern] = [
    path("meals/points/", point_list, name="points"),
    path("meals/points/new/", point_edit, name="point_add"),
    path("meals/points/<int:point_id>/", point_detail, name="point"),
    path("meals/points/<int:point_id>/edit/", point_edit, name="point_edit"),
    path("meals/points/<int:point_id>/staff/", point_staff, name="point_staff"),
    path("meals/points/<int:point_id>/services/", point_services, name="point_services"),
    path("meals/points/<int:point_id>/menu/<str:day>/", menu_edit, name="menu"),
    path("meals/points/<int:point_id>/menu/<str:day>/publish/", menu_publish, name="menu_publish"),
    path("meals/points/<int:point_id>/menu/<str:day>/row/", menu_row, name="menu_row"),
]
public_urls: list[URLPattern] = [
    path("points/<int:point_id>/", public_point, name="point"),
    path("points/<int:point_id>/menu/<str:day>/", public_menu_share, name="menu_share"),
    path("points/<int:point_id>/menu/<str:day>.png", public_menu_image, name="menu_image"),
]
