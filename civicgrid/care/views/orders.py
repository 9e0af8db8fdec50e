"""Meal orders' pages.

Console (/console/care/): a point's orders of a day with the serve and cancel buttons (the
state machine's `allowed_actions` for the reader) and the totals by band; an order placed on
someone's behalf; a point's age bands with the form that changes them (a new band from a day).
The point's staff (a cook with no role in the network) open these pages too.

Public (/care/, no account): the order page the elderly person and their family hold a keyed
link to (large type, elder mode), and the page that finds those links again by a phone number
and a texted code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.care import access, access_orders, bands, orders
from civicgrid.care.models import (
    AgeBand,
    CaredPerson,
    Dish,
    MealOrder,
    MealPoint,
    Menu,
    OrderState,
    PlacedBy,
)
from civicgrid.care.orders import Action
from civicgrid.core import once, phonecode
from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.core.i18n import localised
from civicgrid.core.views import limited, too_many_requests
from civicgrid.needs.services import clean_phone
from civicgrid.network.console import person
from civicgrid.network.models import Membership, Person, mask_mobile, mask_name
from civicgrid.network.scope import is_staff_user

C = "care/console/"
R = "care/resident/"
ORDER_ONCE = "care-order"
FIND_PURPOSE = "care-order"
RECENT = 10


def console_or_point_staff(view: Callable[..., HttpResponseBase]) -> Any:
    """Logged in, and staff (a role or an organisation), or the staff of a meal point: a cook
    holds no role in the network but serves the point's orders."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user)
            or bool(access_orders.points_run(user))
            or Membership.objects.filter(person=user).exists()
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def band_label(name: str, name_mn: str = "") -> str:
    return localised(name, None, name_mn=name_mn)


# --- A day's orders ---------------------------------------------------------------------------


def _row(order: MealOrder, user: Any, now: dt.datetime) -> dict[str, Any]:
    actions = [
        a
        for a in orders.allowed_actions(user, order, now=now)
        if a in (Action.SERVE, Action.CANCEL)
    ]
    return {
        "id": order.pk,
        "name": order.person.name,
        "age": order.age,
        "band": order.band_name,
        "price": order.price,
        "free": order.free,
        "dish": order.special_dish,
        "delivery": order.home_delivery,
        "placed_by": order.get_placed_by_display(),
        "placer": order.placer_name,
        "phone": mask_mobile(order.placer_phone),
        "revealable": bool(order.placer_phone) and access_orders.may_reveal_placer(user, order),
        "note": order.note,
        "state": order.state,
        "state_name": order.get_state_display(),
        "actions": [(a.value, orders.ACTION_LABELS[a]) for a in actions],
    }


def _totals(rows: list[MealOrder]) -> list[dict[str, Any]]:
    """Live orders by band: how many, how much, how many delivered, how many served."""
    by_band: dict[str, dict[str, Any]] = {}
    for order in rows:
        if order.state == OrderState.CANCELLED:
            continue
        line = by_band.setdefault(
            order.band_name,
            {"band": order.band_name, "count": 0, "amount": Decimal(0), "delivery": 0, "served": 0},
        )
        line["count"] += 1
        line["amount"] += order.price
        line["delivery"] += int(order.home_delivery)
        line["served"] += int(order.state == OrderState.SERVED)
    return sorted(by_band.values(), key=lambda line: line["band"])


def _day_orders(user: Any, point: MealPoint, day: dt.date) -> list[MealOrder]:
    found = list(
        access_orders.visible_orders(user)
        .filter(point=point, day=day)
        .select_related("person", "person__node")
        .order_by("state", "person__name", "id")
    )
    for order in found:
        order.point = point  # the page's point, read once
    return found


@console_or_point_staff
@require_safe
def orders_day(request: HttpRequest, point_id: int) -> HttpResponse:
    user = person(request)
    point = access_orders.access_point(user, point_id)
    now = timezone.now()
    day = _day(request.GET.get("day"), timezone.localdate(now))
    found = _day_orders(user, point, day)
    totals = _totals(found)
    context = {
        "point": point,
        "day": day,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "rows": [_row(o, user, now) for o in found],
        "totals": totals,
        "live": sum(line["count"] for line in totals),
        "amount": sum((line["amount"] for line in totals), Decimal(0)),
        "cutoff": orders.cutoff_at(point, day),
        "open": orders.open_for(point, day, now),
        "may_order": access_orders.may_order_at(user, point),
        "may_bands": bands.may_change(user, point),
    }
    return render(request, C + "orders_day.html", context)


COMMANDS: dict[Action, Callable[[MealOrder, Person, str], MealOrder]] = {
    Action.SERVE: lambda o, by, reason: orders.order_serve(by=by, order=o),
    Action.CANCEL: lambda o, by, reason: orders.order_cancel(by=by, order=o, reason=reason),
}


@console_or_point_staff
@require_POST
def order_act(request: HttpRequest, order_id: int) -> HttpResponse:
    """Serve or cancel one order; under htmx the row comes back, else the day's page."""
    user = person(request)
    order = access_orders.access_order(user, order_id, write=True)
    back = reverse("care:orders_day", args=[order.point_id]) + f"?day={order.day.isoformat()}"
    error = ""
    try:
        command = COMMANDS[Action(request.POST.get("op", ""))]
    except (ValueError, KeyError):
        error = _("Choose one of the buttons.")
    else:
        try:
            order = command(order, user, request.POST.get("reason", "")[:300])
        except DomainError as failure:
            error = failure.message
    if getattr(request, "htmx", False):
        fresh = access_orders.access_order(user, order_id)
        context = {"r": _row(fresh, user, timezone.now()), "error": error}
        return render(request, C + "orders_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(back)


@console_or_point_staff
@require_POST
def order_phone(request: HttpRequest, order_id: int) -> HttpResponse:
    """The phone of whoever ordered, in full, on a button; each reveal logged."""
    user = person(request)
    order = access_orders.access_order(user, order_id)
    phone = access_orders.reveal_placer_phone(user, order)
    if getattr(request, "htmx", False):
        return HttpResponse(format_html('<a href="tel:{0}">{0}</a>', phone))
    messages.info(request, phone)
    return redirect(
        reverse("care:orders_day", args=[order.point_id]) + f"?day={order.day.isoformat()}"
    )


# --- An order on someone's behalf -------------------------------------------------------------


class StaffOrderForm(forms.Form):
    person = forms.TypedChoiceField(
        label=gettext_lazy("For"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choose the person.")},
    )
    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Write the day as 2026-12-02.")},
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=120)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


def _people_choices(user: Any, point: MealPoint) -> list[tuple[int, str]]:
    rows = (
        access_orders.orderable_people(user, point)
        .order_by("node__path", "name", "id")
        .values_list("pk", "name", "node__name")[:2000]
    )
    return [(pk, f"{name} · {place}") for pk, name, place in rows]


@console_or_point_staff
def order_add(request: HttpRequest, point_id: int) -> HttpResponse:
    user = person(request)
    # Before any form is read: a reader (a leader) may not order for anyone.
    point = access_orders.access_point(user, point_id, write=True)
    now = timezone.now()
    today = timezone.localdate(now)
    default_day = today if orders.open_for(point, today, now) else today + dt.timedelta(days=1)
    people = _people_choices(user, point)
    form = StaffOrderForm(
        request.POST or None,
        people=people,
        initial={"day": _day(request.GET.get("day"), default_day)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cared = (
                access_orders.orderable_people(user, point)
                .filter(pk=form.cleaned_data["person"])
                .first()
            )
            if cared is None:
                form.add_error("person", _("Choose the person."))
            else:
                try:
                    order = orders.order_place(
                        by=user,
                        person=cared,
                        point=point,
                        day=form.cleaned_data["day"],
                        placed_by=PlacedBy.STAFF,
                        note=form.cleaned_data["note"],
                    )
                except DomainError as failure:
                    onto_form(form, failure)
                    status = failure.status
                else:
                    messages.success(
                        request,
                        _("Ordered for %(name)s: %(band)s, %(price)s yuan.")
                        % {"name": cared.name, "band": order.band_name, "price": order.price},
                    )
                    url = reverse("care:orders_day", args=[point.pk])
                    return redirect(f"{url}?day={order.day.isoformat()}")
    context = {"point": point, "form": form, "has_people": bool(people)}
    return render(request, C + "orders_add.html", context, status=status)


# --- Age bands --------------------------------------------------------------------------------


class BandForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Band name"), max_length=40)
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=80, required=False)
    min_age = forms.IntegerField(label=gettext_lazy("From age"), min_value=0, max_value=130)
    limited_mobility_only = forms.BooleanField(
        label=gettext_lazy("Only with limited mobility"), required=False
    )
    price = forms.CharField(label=gettext_lazy("Price (yuan)"), max_length=10, initial="0")
    special_dish = forms.BooleanField(
        label=gettext_lazy("The special dish (爱心菜)"), required=False
    )
    free = forms.BooleanField(label=gettext_lazy("Eats free"), required=False)
    delivery = forms.BooleanField(label=gettext_lazy("Delivered home"), required=False)
    valid_from = forms.DateField(
        label=gettext_lazy("In force from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    replaces = forms.TypedChoiceField(
        label=gettext_lazy("Replaces"), coerce=int, required=False, empty_value=None
    )
    region_wide = forms.BooleanField(
        label=gettext_lazy("For the whole region (every point without bands of its own)"),
        required=False,
    )

    def __init__(self, *args: Any, replaceable: list[AgeBand], region: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].choices = [  # type: ignore[attr-defined]
            ("", _("Nothing: a new band")),
            *[(b.pk, _band_choice(b)) for b in replaceable],
        ]
        if not region:
            del self.fields["region_wide"]


def _band_choice(band: AgeBand) -> str:
    where = _("this point") if band.point_id else _("region")
    return f"{band.name} · {band.min_age}+ · {band.price} · {where}"


def _replaceable(point: MealPoint, today: dt.date, *, region: bool) -> list[AgeBand]:
    """Bands not ended yet that the reader may replace: the point's, and the region's for an
    administrator."""
    where = Q(point=point) | Q(point__isnull=True) if region else Q(point=point)
    return list(
        AgeBand.objects.filter(where)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=today))
        .order_by("point_id", "min_age", "valid_from", "id")
    )


@require_http_methods(["GET", "HEAD", "POST"])
@console_or_point_staff
def bands_page(request: HttpRequest, point_id: int) -> HttpResponse:
    user = person(request)
    point = access_orders.access_point(user, point_id)
    may_point = bands.may_change(user, point)
    may_region = bands.may_change_region(user)
    if request.method == "POST" and not (may_point or may_region):
        # Before the form is read: readers and the point's cook change no rule.
        raise PermissionDenied(_("Your role may read the age bands but not change them."))
    today = timezone.localdate()
    form = BandForm(
        request.POST or None,
        replaceable=_replaceable(point, today, region=may_region),
        region=may_region,
        initial={"valid_from": today + dt.timedelta(days=1)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            replaced = (
                AgeBand.objects.filter(pk=data["replaces"]).first() if data["replaces"] else None
            )
            try:
                bands.band_change(
                    by=user,
                    point=None if data.get("region_wide") else point,
                    name=data["name"],
                    name_mn=data["name_mn"],
                    min_age=data["min_age"],
                    price=data["price"],
                    special_dish=data["special_dish"],
                    free=data["free"],
                    delivery=data["delivery"],
                    limited_mobility_only=data["limited_mobility_only"],
                    valid_from=data["valid_from"],
                    replaces=replaced,
                    today=today,
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("Saved. Orders already placed keep their rule."))
                return redirect("care:bands", point_id=point.pk)
    in_force = bands.bands_in_force(point, today)
    history = list(
        AgeBand.objects.filter(point=point).order_by("-valid_from", "min_age", "id")[:50]
    )
    for band in [*in_force, *history]:
        # Shown as the last day in force (`valid_until` is the first day out of it).
        band.last_day = band.valid_until - dt.timedelta(days=1) if band.valid_until else None  # type: ignore[attr-defined]
    context = {
        "point": point,
        "today": today,
        "in_force": in_force,
        "own": bool(in_force) and in_force[0].point_id == point.pk,
        "history": history,
        "form": form,
        "may_change": may_point or may_region,
    }
    return render(request, C + "orders_bands.html", context, status=status)


# --- The resident's order page ----------------------------------------------------------------


class ResidentOrderForm(forms.Form):
    day = forms.ChoiceField(
        label=gettext_lazy("Which day"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the day.")},
    )
    placed_by = forms.ChoiceField(
        label=gettext_lazy("Who is ordering"),
        widget=forms.RadioSelect,
        choices=[
            (PlacedBy.SELF, gettext_lazy("I am, for myself")),
            (PlacedBy.FAMILY, gettext_lazy("Family, for them")),
        ],
        initial=PlacedBy.SELF,
    )
    placer_name = forms.CharField(
        label=gettext_lazy("Your name (family)"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("For a family order: the point calls you if anything changes."),
    )
    placer_phone = forms.CharField(
        label=gettext_lazy("Your mobile (family)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("A note for the kitchen (optional)"), required=False, max_length=120
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, days: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].choices = days  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("once", once.new_key())
            if days:
                self.initial.setdefault("day", days[0][0])


def _resident_person(person_id: int, key: str) -> CaredPerson:
    if not access.key_ok("order-link", person_id, key):
        raise Http404(_("No such page."))
    cared = CaredPerson.objects.current().select_related("node").filter(pk=person_id).first()
    if cared is None:
        raise Http404(_("No such page."))
    return cared


def order_url(person_id: int) -> str:
    return reverse("care_public:order", args=[person_id, access.person_key(person_id)])


def _menus(point: MealPoint, days: list[dt.date]) -> dict[dt.date, list[dict[str, Any]]]:
    """The published menus of the days: their dishes, the special one marked."""
    found: dict[dt.date, list[dict[str, Any]]] = {}
    menus = Menu.objects.filter(point=point, day__in=days, published_at__isnull=False)
    for dish in (
        Dish.objects.filter(menu__in=menus)
        .select_related("menu")
        .order_by("menu__day", "position", "id")
    ):
        found.setdefault(dish.menu.day, []).append(
            {"name": localised(dish.name, None, name_mn=dish.name_mn), "special": dish.special}
        )
    return found


def _day_info(
    cared: CaredPerson,
    point: MealPoint,
    day: dt.date,
    now: dt.datetime,
    live: dict[dt.date, MealOrder],
    menus: dict[dt.date, list[dict[str, Any]]],
) -> dict[str, Any]:
    band = bands.band_for(cared, point, day)
    return {
        "day": day,
        "band": band_label(band.name, band.name_mn) if band else "",
        "price": band.price if band else None,
        "free": bool(band and band.free),
        "dish": bool(band and band.special_dish),
        "delivery": bool(band and band.delivery),
        "open": orders.open_for(point, day, now),
        "cutoff": point.order_cutoff,
        "ordered": live.get(day),
        "menu": menus.get(day, []),
        "may_order": band is not None and orders.open_for(point, day, now) and day not in live,
    }


def _resident_context(
    cared: CaredPerson, point: MealPoint | None, points: list[MealPoint], now: dt.datetime
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    today = timezone.localdate(now)
    recent = list(
        MealOrder.objects.filter(person=cared)
        .select_related("point")
        .order_by("-day", "-id")[:RECENT]
    )
    rows = [
        {
            "order": o,
            "point": localised(o.point.name, o.point.name_en, name_mn=o.point.name_mn),
            "may_cancel": Action.CANCEL in orders.allowed_actions("resident", o, now=now),
        }
        for o in recent
    ]
    context: dict[str, Any] = {
        "masked": mask_name(localised(cared.name, None, name_mn=cared.name_mn)),
        "point": point,
        "points": points,
        "recent": rows,
    }
    if point is None:
        return context, []
    days = [today, today + dt.timedelta(days=1)]
    live = {
        o.day: o
        for o in MealOrder.objects.live().filter(person=cared, day__in=days).select_related("point")
    }
    menus = _menus(point, days)
    info = [_day_info(cared, point, d, now, live, menus) for d in days]
    labels = [_("Today"), _("Tomorrow")]
    choices = [
        (i["day"].isoformat(), f"{label} · {i['day'].strftime('%m-%d')}")
        for label, i in zip(labels, info, strict=True)
        if i["may_order"]
    ]
    context.update(
        today=info[0],
        days=info,
        point_name=localised(point.name, point.name_en, name_mn=point.name_mn),
    )
    return context, choices


def order_page(request: HttpRequest, person_id: int, key: str) -> HttpResponse:
    """The elderly person's order page (and their family's): no account, the keyed link."""
    cared = _resident_person(person_id, key)
    points = orders.points_for(cared)
    chosen = request.GET.get("point") or request.POST.get("point", "")
    point = next((p for p in points if str(p.pk) == chosen), points[0] if points else None)
    now = timezone.now()
    context, days = _resident_context(cared, point, points, now)
    op = request.POST.get("op", "") if request.method == "POST" else ""
    form = ResidentOrderForm(request.POST if op == "order" else None, days=days)
    status = 200
    if request.method == "POST":
        refused = limited(
            request, "care-order", settings.RESIDENT_RAISE_LIMIT, settings.RESIDENT_RAISE_WINDOW
        )
        if refused:
            return refused
        here = order_url(cared.pk) + (f"?point={point.pk}" if point else "")
        if op == "cancel":
            return _resident_cancel(request, cared, here)
        if op == "order" and point is not None:
            made = _resident_order(form, cared, point)
            if made is None:
                sep = "&" if "?" in here else "?"
                return redirect(f"{here}{sep}done=ordered")
            status = made
        else:
            status = 400
    context.update(
        form=form,
        may_order=bool(days),
        key=key,
        done=request.GET.get("done", ""),
    )
    response = render(request, R + "orders_page.html", context, status=status)
    # A person's own page (name, orders): never kept by the browser.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _resident_order(form: ResidentOrderForm, cared: CaredPerson, point: MealPoint) -> int | None:
    """Place the order of the form; None when placed (or placed before with the same key),
    else the status to answer with."""
    key = form.data.get("once", "")
    if once.well_formed(key) and once.result_of(ORDER_ONCE, key):
        return None
    if not form.is_valid():
        return 400
    data = form.cleaned_data
    try:
        with transaction.atomic():
            order = orders.order_place(
                by=orders.RESIDENT,
                person=cared,
                point=point,
                day=dt.date.fromisoformat(data["day"]),
                placed_by=data["placed_by"],
                placer_name=data["placer_name"],
                placer_phone=data["placer_phone"],
                note=data["note"],
            )
            if once.well_formed(key):
                once.claim(ORDER_ONCE, key, str(order.pk))
    except DomainError as failure:
        onto_form(form, failure)
        return failure.status
    except IntegrityError:
        if once.result_of(ORDER_ONCE, key) is None:
            raise
    return None


def _resident_cancel(request: HttpRequest, cared: CaredPerson, here: str) -> HttpResponse:
    order_id = request.POST.get("order", "")
    order = (
        MealOrder.objects.filter(pk=int(order_id), person=cared).first()
        if order_id.isdigit()
        else None
    )
    if order is None:
        raise Http404(_("No such order."))
    sep = "&" if "?" in here else "?"
    try:
        orders.order_cancel(
            by=orders.RESIDENT, order=order, reason=_("Cancelled on the order page")
        )
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect(here)
    return redirect(f"{here}{sep}done=cancelled")


# --- Finding the order links by phone ---------------------------------------------------------


class FindForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        help_text=gettext_lazy("Your own number, or the number the community has for your parent."),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        help_text=gettext_lazy("6 digits. It works once, for 10 minutes."),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )

    def clean_phone(self) -> str:
        try:
            return clean_phone(self.cleaned_data.get("phone", ""), required=True)
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from exc


def people_of_phone(phone: str) -> list[CaredPerson]:
    """The people on the register whose own or guardian's phone is `phone`."""
    return list(
        CaredPerson.objects.current()
        .filter(Q(phone=phone) | Q(guardian_phone=phone))
        .order_by("name", "id")[:20]
    )


def order_find(request: HttpRequest) -> HttpResponse:
    """Step 1 (a number) texts a code if the number is on the register: the page says the same
    either way. Step 2 (the number and the code) lists the people with their order links.
    Both steps are limited per address, and codes per number."""
    form = FindForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "step": "phone"}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        context.update(step="code", masked=mask_mobile(phone))
        if form.cleaned_data["code"]:
            refused = limited(
                request, "care-order-check", settings.RESIDENT_CODE_LIMIT,
                settings.RESIDENT_CODE_WINDOW,
            )  # fmt: skip
            if refused:
                return refused
            checked = phonecode.check(phone, purpose=FIND_PURPOSE, code=form.cleaned_data["code"])
            if checked is phonecode.Checked.OK:
                found = [
                    {
                        "name": mask_name(localised(p.name, None, name_mn=p.name_mn)),
                        "url": order_url(p.pk),
                    }
                    for p in people_of_phone(phone)
                ]
                context.update(step="found", found=found)
            elif checked is phonecode.Checked.WRONG:
                form.add_error(
                    "code", _("That code is not right. Check the text message and type it again.")
                )
            else:
                form.add_error(
                    "code",
                    _(
                        "This code can no longer be used: it expired, was used, or was typed "
                        "wrong too often. Ask for a new one."
                    ),
                )
        else:
            refused = limited(
                request, "care-order-send", settings.RESIDENT_CODE_LIMIT,
                settings.RESIDENT_CODE_WINDOW,
            )  # fmt: skip
            if refused:
                return refused
            text = _(
                "CivicGrid: your code is %(code)s. It opens the meal order pages of this "
                "number, once, within 10 minutes. Staff never ask you for it."
            )
            known = bool(people_of_phone(phone))
            wait = phonecode.send(phone, purpose=FIND_PURPOSE, text=text, deliver=known)
            if wait:
                return too_many_requests(request, wait)
    response = render(request, R + "orders_find.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


console_urls: list[URLPattern] = [
    path("meals/points/<int:point_id>/orders/", orders_day, name="orders_day"),
    path("meals/points/<int:point_id>/orders/add/", order_add, name="order_add"),
    path("meals/points/<int:point_id>/bands/", bands_page, name="bands"),
    path("meals/orders/<int:order_id>/act/", order_act, name="order_act"),
    path("meals/orders/<int:order_id>/phone/", order_phone, name="order_phone"),
]
public_urls: list[URLPattern] = [
    path("order/", order_find, name="order_find"),
    path("order/<int:person_id>/<str:key>/", order_page, name="order"),
]
