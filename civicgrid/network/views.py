"""The staff console: home, the network tree, the grid map. Views parse, check, read, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicgrid.network import selectors
from civicgrid.network.forms import MobileLoginForm
from civicgrid.network.models import STAFF_ROLES, Node, Role
from civicgrid.network.scope import access_node, holds_any_role, is_staff_user

View = Callable[..., HttpResponse]


class LoginView(auth_views.LoginView):
    form_class = MobileLoginForm
    template_name = "network/login.html"
    redirect_authenticated_user = True


def staff_required(view: View) -> View:
    """Logged in and holding at least one staff role; otherwise a friendly 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            return render(
                request, "network/no_role.html", {"serves": _serves(request.user)}, status=403
            )
        return view(request, *args, **kwargs)

    return wrapper


def _serves(user: Any) -> bool:
    """A party member or volunteer: their own pages are the member's phone home (/serve/me/)."""
    return holds_any_role(user, (Role.PARTY_MEMBER, Role.VOLUNTEER))


def _node_param(request: HttpRequest) -> Node | None:
    """The node named by ?node=<id>, checked against the user's scope (404 outside)."""
    raw = request.GET.get("node", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("No such node in your area."))
    return access_node(request.user, int(raw))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Where a login lands (LOGIN_REDIRECT_URL): a party member or volunteer with no staff role
    # goes on to their own phone page, not to a "no staff role" refusal.
    if not is_staff_user(request.user) and _serves(request.user):
        return redirect("serve:me")
    return _staff_home(request)


@staff_required
def _staff_home(request: HttpRequest) -> HttpResponse:
    bindings = selectors.role_bindings_of(request.user)
    return render(
        request,
        "network/home.html",
        {"bindings": bindings, "staff_roles": STAFF_ROLES},
    )


@staff_required
def network_roots(request: HttpRequest) -> HttpResponse:
    return render(request, "network/roots.html", {"rows": selectors.scope_roots(request.user)})


@staff_required
def node_detail(request: HttpRequest, node_id: int) -> HttpResponse:
    node = access_node(request.user, node_id)
    context = {
        "node": node,
        "crumbs": selectors.breadcrumb(request.user, node),
        "rows": selectors.children_of(node),
        "people": selectors.people_at(node),
        "organisations": selectors.organisations_at(node),
    }
    return render(request, "network/node.html", context)


@staff_required
def node_children(request: HttpRequest, node_id: int) -> HttpResponse:
    """The children list alone, for expanding a branch in place (htmx)."""
    node = access_node(request.user, node_id)
    return render(
        request, "network/_children.html", {"node": node, "rows": selectors.children_of(node)}
    )


@staff_required
def grid_map(request: HttpRequest) -> HttpResponse:
    node = _node_param(request)
    context = {
        "node": node,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "network/map.html", context)


@staff_required
def grids_geojson(request: HttpRequest) -> JsonResponse:
    node = _node_param(request)
    collection = selectors.grid_feature_collection(request.user, node)
    return JsonResponse(
        collection, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )
