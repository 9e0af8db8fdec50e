"""Categories and the network's nodes. Categories and locating a point are open to anonymous
callers (the resident page offers both without an account), rate-limited per address."""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from civicgrid.api import selectors
from civicgrid.api.auth import OPEN, STAFF, caller
from civicgrid.api.errors import limit_anonymous, responses
from civicgrid.api.schemas import CategoryOut, Cursor, Id, NodeDetailOut, NodeOut, NodePage
from civicgrid.network.geo import grid_containing
from civicgrid.network.scope import access_node

router = Router(tags=["network"])
# Documents that these take no credentials as well as either kind.
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}


@router.get(
    "/categories",
    response=responses({200: list[CategoryOut]}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
    tags=["categories"],
)
def list_categories(request: HttpRequest) -> Any:
    """Active categories in tree order, with their intake questions and deadlines. Anonymous
    callers get what the resident page offers; staff get every active category."""
    limit_anonymous(request, "read", settings.API_ANON_READS_PER_MINUTE)
    return selectors.categories(residents_only=caller(request) is None)


class Point(Schema):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


@router.get(
    "/nodes/locate",
    response=responses({200: NodeOut}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def locate_point(request: HttpRequest, point: Query[Point]) -> Any:
    """The small grid that contains the point (WGS84), or 404 when no grid does."""
    limit_anonymous(request, "read", settings.API_ANON_READS_PER_MINUTE)
    grid = grid_containing(point.lon, point.lat)
    if grid is None:
        raise Http404(_("That location is outside every grid we serve."))
    return selectors.node_detail(grid)


@router.get("/nodes", response=responses({200: list[NodeOut]}), auth=STAFF)
def list_scope_roots(request: HttpRequest) -> Any:
    """The outermost nodes of your scope: where your roles are bound."""
    return selectors.scope_roots(request.user)


@router.get("/nodes/{node_id}", response=responses({200: NodeDetailOut}), auth=STAFF)
def get_node(request: HttpRequest, node_id: Id) -> Any:
    return selectors.node_detail(access_node(request.user, node_id))


@router.get("/nodes/{node_id}/children", response=responses({200: list[NodeOut]}), auth=STAFF)
def list_children(request: HttpRequest, node_id: Id) -> Any:
    node = access_node(request.user, node_id)
    return selectors.children(request.user, node)


@router.get("/nodes/{node_id}/subtree", response=responses({200: NodePage}), auth=STAFF)
def list_subtree(
    request: HttpRequest,
    node_id: Id,
    cursor: Cursor | None = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
) -> Any:
    """The node and everything below it in tree order, a page at a time."""
    node = access_node(request.user, node_id)
    items, after = selectors.subtree(request.user, node, cursor=cursor, limit=limit)
    return {"items": items, "next": after}
