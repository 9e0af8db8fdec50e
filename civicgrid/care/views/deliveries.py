"""Console pages of the care module: deliveries (送餐上门).

- a meal point's runs (`care:runs`), with the button that builds a day's run (`care:run_build`);
- a run (`care:run`): its routes by grid, each route's stops with addresses masked, the
  deliverer of each route chosen from the people who serve (`care:route_assign`), the button
  that builds it again;
- the deliverer's phone list (`care:my_deliveries`): today's routes of the signed-in person,
  each stop with its address masked and a button that shows it (`care:delivery_address`, each
  reveal logged), then "Delivered" / "Not home" (`care:delivery_mark`), large buttons, by htmx.

A deliverer is a party member or volunteer who may hold no staff role: the phone list and the
stops' endpoints let them in (`deliverer_or_console`); the run pages are for staff.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.care import access, access_deliveries, deliveries
from civicgrid.care.models import (
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    MealPoint,
    OrderState,
)
from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Person
from civicgrid.network.scope import is_staff_user
from civicgrid.volunteers import points as member_points

T = "care/console/"
RUNS_SHOWN = 60
S = DeliveryState


def deliverer_or_console(view: Any) -> Any:
    """Signed in, and staff, one of the people who serve, or someone carrying a route."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user)
            or access_deliveries.delivers_anything(user)
            or member_points.is_member(user.pk)
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


# --- Forms (they only parse) ------------------------------------------------------------------


class BuildForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AssignForm(forms.Form):
    deliverer = forms.TypedChoiceField(label=gettext_lazy("Deliverer"), coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["deliverer"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *choices]


class MarkForm(forms.Form):
    state = forms.ChoiceField(choices=[(S.DELIVERED, S.DELIVERED), (S.NOT_HOME, S.NOT_HOME)])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


# --- Rows -------------------------------------------------------------------------------------

MARK_BUTTONS = {
    deliveries.Action.DELIVER: (S.DELIVERED, gettext_lazy("Delivered")),
    deliveries.Action.NOT_HOME: (S.NOT_HOME, gettext_lazy("Not home")),
}


def stop_row(
    user: Any, delivery: Delivery, route: DeliveryRoute, *, address: str = ""
) -> dict[str, Any]:
    """What a stop's line prints: strings, and the marks the reader may make."""
    cared = delivery.order.person
    delivery.route = route
    full = deliveries.address_of(cared)
    return {
        "id": delivery.pk,
        "position": delivery.position,
        "name": cared.name,
        "address": address or access.mask_address(full),
        "revealed": bool(address),
        "may_reveal": bool(full)
        and not address
        and access_deliveries.may_read_addresses(user, route),
        "special_dish": delivery.order.special_dish,
        "state": delivery.state,
        "state_name": delivery.get_state_display(),
        "order_cancelled": delivery.order.state == OrderState.CANCELLED,
        "note": delivery.note,
        "welfare_number": delivery.welfare_need.number if delivery.welfare_need else "",
        "marks": [MARK_BUTTONS[action] for action in deliveries.allowed_actions(delivery, user)],
    }


def _stops(route: DeliveryRoute) -> list[Delivery]:
    return list(
        route.deliveries.select_related("order__person__household", "welfare_need").order_by(
            "position", "id"
        )
    )


# --- A point's runs ---------------------------------------------------------------------------


def _runs_context(user: Person, point: MealPoint, form: BuildForm | None = None) -> dict[str, Any]:
    runs = (
        access_deliveries.visible_runs(user)
        .filter(point=point)
        .order_by("-day")
        .values_list("pk", "day", "built_at")[:RUNS_SHOWN]
    )
    return {
        "point": point,
        "runs": list(runs),
        "may_build": access.serves(user, point.node),
        "form": form or BuildForm(initial={"day": timezone.localdate()}),
    }


@console_required
@require_safe
def run_list(request: HttpRequest, point_id: int) -> HttpResponse:
    user = person(request)
    point = access_deliveries.access_point(user, point_id)
    return render(request, T + "deliveries_runs.html", _runs_context(user, point))


@console_required
@require_POST
def run_build(request: HttpRequest, point_id: int) -> HttpResponse:
    user = person(request)
    point = access_deliveries.access_point(user, point_id, write=True)  # 403 before the form
    form = BuildForm(request.POST)
    if form.is_valid():
        try:
            run = deliveries.run_build(by=user, point=point, day=form.cleaned_data["day"])
        except DomainError as failure:
            onto_form(form, failure)
        else:
            messages.success(request, _("The run is built."))
            return redirect("care:run", run_id=run.pk)
    context = _runs_context(user, point, form)
    return render(request, T + "deliveries_runs.html", context, status=400)


# --- A run ------------------------------------------------------------------------------------


def _run_context(
    request: HttpRequest, run: DeliveryRun, *, failed: tuple[int, AssignForm] | None = None
) -> dict[str, Any]:
    user = person(request)
    may_assign = access.serves(user, run.point.node)
    choices = deliveries.deliverer_choices(run) if may_assign else []
    routes = []
    for route in run.routes.select_related("grid", "deliverer").order_by("grid__name", "pk"):
        rows = [stop_row(user, d, route) for d in _stops(route)]
        counts = {state: sum(1 for row in rows if row["state"] == state) for state in S.values}
        form = failed[1] if failed and failed[0] == route.pk else None
        if form is None and may_assign:
            form = AssignForm(
                choices=choices,
                initial={"deliverer": route.deliverer_id},
                auto_id=f"id_route{route.pk}_%s",
            )
        routes.append(
            {
                "route": route,
                "rows": rows,
                "counts": [(S(state).label, n) for state, n in counts.items() if n],
                "form": form,
            }
        )
    return {
        "run": run,
        "point": run.point,
        "routes": routes,
        "may_assign": may_assign,
        "build_form": BuildForm(initial={"day": run.day}),
    }


@console_required
@require_safe
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_deliveries.access_run(person(request), run_id)
    return render(request, T + "deliveries_run.html", _run_context(request, run))


@console_required
@require_POST
def route_assign(request: HttpRequest, route_id: int) -> HttpResponse:
    user = person(request)
    route = access_deliveries.access_route(user, route_id)
    if not access.serves(user, route.run.point.node):
        raise PermissionDenied  # before the form is read
    run = route.run
    form = AssignForm(
        request.POST, choices=deliveries.deliverer_choices(run), auto_id=f"id_route{route.pk}_%s"
    )
    if form.is_valid():
        deliverer = Person.objects.filter(pk=form.cleaned_data["deliverer"]).first()
        try:
            if deliverer is None:
                raise Invalid(_("Choose one of the people who serve."), code="not_a_deliverer")
            deliveries.route_assign(by=user, route=route, deliverer=deliverer)
        except DomainError as failure:
            onto_form(form, failure)
        else:
            messages.success(request, _("The route's deliverer is saved."))
            return redirect("care:run", run_id=run.pk)
    context = _run_context(request, run, failed=(route.pk, form))
    return render(request, T + "deliveries_run.html", context, status=400)


# --- The deliverer's phone list -----------------------------------------------------------------


@deliverer_or_console
@require_safe
def my_deliveries(request: HttpRequest) -> HttpResponse:
    """Today's routes of the signed-in deliverer, stop by stop."""
    user = person(request)
    today = timezone.localdate()
    routes = []
    for route in (
        access_deliveries.deliverer_routes(user, today)
        .select_related("run__point__node", "grid")
        .order_by("run__point__name", "grid__name", "pk")
    ):
        routes.append({"route": route, "rows": [stop_row(user, d, route) for d in _stops(route)]})
    return render(request, T + "deliveries_mine.html", {"routes": routes, "today": today})


def _stop_response(
    request: HttpRequest,
    delivery: Delivery,
    *,
    address: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = person(request)
    fresh = (
        Delivery.objects.select_related("order__person__household", "welfare_need")
        .filter(pk=delivery.pk)
        .get()
    )
    row = stop_row(user, fresh, delivery.route, address=address)
    return render(
        request,
        T + "deliveries_stop.html",
        {"row": row, "error": error, "back": _back(request)},
        status=status,
    )


def _back(request: HttpRequest) -> str:
    return "run" if request.POST.get("next") == "run" else "mine"


def _redirect_back(request: HttpRequest, delivery: Delivery) -> HttpResponse:
    if _back(request) == "run":
        return redirect("care:run", run_id=delivery.route.run_id)
    return redirect("care:my_deliveries")


@deliverer_or_console
@require_POST
def delivery_address(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """A stop's address in full, on a button: the route's deliverer and staff of its grid, each
    reveal logged."""
    user = person(request)
    delivery = access_deliveries.access_delivery(user, delivery_id)
    if not access_deliveries.may_read_addresses(user, delivery.route):
        raise PermissionDenied
    cared = delivery.order.person
    access.reveal(user, subject=f"care-person:{cared.pk}", field="address")
    address = deliveries.address_of(cared)
    if getattr(request, "htmx", False):
        return _stop_response(request, delivery, address=address)
    return render(
        request,
        T + "deliveries_address.html",
        {"name": cared.name, "address": address, "back": _back(request), "delivery": delivery},
    )


@deliverer_or_console
@require_POST
def delivery_mark(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = person(request)
    delivery = access_deliveries.access_delivery(user, delivery_id, write=True)  # 403 first
    form = MarkForm(request.POST)
    htmx = getattr(request, "htmx", False)
    error = ""
    status = 200
    if not form.is_valid():
        error, status = _("Choose Delivered or Not home."), 400
    else:
        try:
            deliveries.delivery_mark(
                by=user,
                delivery=delivery,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
            )
        except DomainError as failure:
            error, status = failure.message, failure.status
    if htmx:
        return _stop_response(request, delivery, error=error, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return _redirect_back(request, delivery)


console_urls: list[URLPattern] = [
    path("deliveries/points/<int:point_id>/", run_list, name="runs"),
    path("deliveries/points/<int:point_id>/build/", run_build, name="run_build"),
    path("deliveries/runs/<int:run_id>/", run_detail, name="run"),
    path("deliveries/routes/<int:route_id>/assign/", route_assign, name="route_assign"),
    path("deliveries/mine/", my_deliveries, name="my_deliveries"),
    path("deliveries/<int:delivery_id>/address/", delivery_address, name="delivery_address"),
    path("deliveries/<int:delivery_id>/mark/", delivery_mark, name="delivery_mark"),
]
public_urls: list[URLPattern] = []
