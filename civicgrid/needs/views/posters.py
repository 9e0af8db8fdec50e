"""QR codes and printable posters that open the intake pre-bound to a place or a person.

A poster is public: it names a place, or a person in a public role (representative,
provider), and carries a code that opens `/raise/` for it. It is bilingual as the region's
rules ask, whatever the page's language: traditional Mongolian on the left, set vertically,
and Chinese on the right, at the same size. The code holds the absolute URL of
the short `/q/...` link, so a poster keeps working if the intake pages move.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe

from civicgrid.core.i18n import MONGOLIAN
from civicgrid.needs.qr import qr_png, qr_svg
from civicgrid.needs.views.resident import QR_NODE_KINDS, QR_PERSON_ROLES, holder_binding
from civicgrid.network.console import console_required
from civicgrid.network.models import Node, Organisation, OrgKind, Role, RoleBinding, node_label
from civicgrid.network.scope import access_node, can_see, scope_paths, within_scope

POSTER_PERSON_ROLES = (Role.REPRESENTATIVE, Role.PROVIDER)
QR_MAX_AGE = 7 * 24 * 3600


def _node(code: str) -> Node:
    return get_object_or_404(
        Node.objects.select_related("parent"), code=code, kind__in=QR_NODE_KINDS
    )


def _holder(person_id: int, roles: tuple[str, ...]) -> RoleBinding:
    held = holder_binding(person_id, roles)
    if held is None:
        raise Http404("no such person")
    return held


def _qr(request: HttpRequest, link: str, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(link)
    if fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    else:
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    return response


def go_node(request: HttpRequest, code: str) -> HttpResponse:
    node = _node(code)
    return redirect(f"{reverse('resident:choose')}?{urlencode({'at': node.code})}")


def go_person(request: HttpRequest, person_id: int) -> HttpResponse:
    held = _holder(person_id, QR_PERSON_ROLES)
    return redirect(f"{reverse('resident:choose')}?{urlencode({'rep': held.person_id})}")


def qr_node(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    node = _node(code)
    return _qr(request, reverse("resident:go_node", args=[node.code]), fmt)


def qr_person(request: HttpRequest, person_id: int, fmt: str) -> HttpResponse:
    held = _holder(person_id, QR_PERSON_ROLES)
    return _qr(request, reverse("resident:go_person", args=[held.person_id]), fmt)


def _poster(request: HttpRequest, link: str, context: dict[str, object]) -> HttpResponse:
    url = request.build_absolute_uri(link)
    context |= {"url": url, "qr": mark_safe(qr_svg(url, scalable=True))}  # noqa: S308 (segno output)
    return render(request, "needs/posters/poster.html", context)


def poster_node(request: HttpRequest, code: str) -> HttpResponse:
    node = _node(code)
    parent = node.parent
    context: dict[str, object] = {
        "name_zh": node.name,
        "name_mn": node.name_mn,
        "service": node.service_name,
        "within_zh": parent.name if parent else "",
        "within_mn": node_label(parent, MONGOLIAN) if parent else "",
    }
    return _poster(request, reverse("resident:go_node", args=[node.code]), context)


def poster_person(request: HttpRequest, person_id: int) -> HttpResponse:
    held = _holder(person_id, POSTER_PERSON_ROLES)
    context: dict[str, object] = {
        "name_zh": held.person.name,
        "service": Role(held.role).label,
        "within_zh": held.node.name,
        "within_mn": node_label(held.node, MONGOLIAN),
        "person": True,
    }
    return _poster(request, reverse("resident:go_person", args=[held.person_id]), context)


# Providers and member units are organisations too (the workshop's partner shops, the police
# post): their code opens the intake at the organisation's place.
QR_ORG_KINDS = (OrgKind.PROVIDER, OrgKind.MEMBER_UNIT)


def _org(org_id: int) -> Organisation:
    return get_object_or_404(
        Organisation.objects.select_related("node"), pk=org_id, kind__in=QR_ORG_KINDS
    )


def _org_link(org: Organisation) -> str:
    if org.node.kind in QR_NODE_KINDS:
        return f"{reverse('resident:choose')}?{urlencode({'at': org.node.code})}"
    return reverse("resident:choose")


def go_org(request: HttpRequest, org_id: int) -> HttpResponse:
    return redirect(_org_link(_org(org_id)))


def qr_org(request: HttpRequest, org_id: int, fmt: str) -> HttpResponse:
    org = _org(org_id)
    return _qr(request, reverse("resident:go_org", args=[org.pk]), fmt)


def poster_org(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _org(org_id)
    context: dict[str, object] = {
        "name_zh": org.name,
        "service": org.get_kind_display(),
        "within_zh": org.node.name,
        "within_mn": node_label(org.node, MONGOLIAN),
        "person": True,
    }
    return _poster(request, reverse("resident:go_org", args=[org.pk]), context)


@console_required
def poster_index(request: HttpRequest) -> HttpResponse:
    """Staff: the posters to print for a place in their area, its children, and the
    representatives, providers and member units within it."""
    node_id = request.GET.get("node", "")
    node: Node | None
    if node_id.isdigit():
        node = access_node(request.user, int(node_id))
    else:
        paths = scope_paths(request.user) or []
        roots = within_scope(Node.objects.all(), request.user).filter(path__in=paths)
        node = roots.first() if paths else Node.objects.filter(parent__isnull=True).first()
    if node is None:
        raise Http404("no place in your area")
    children = node.children.filter(kind__in=QR_NODE_KINDS).order_by("code")[:300]
    people = (
        RoleBinding.objects.filter(node__path__startswith=node.path, role__in=POSTER_PERSON_ROLES)
        .select_related("person", "node")
        .order_by("role", "person__name")[:200]
    )
    orgs = Organisation.objects.filter(
        node__path__startswith=node.path, kind__in=QR_ORG_KINDS
    ).select_related("node")[:200]
    return render(
        request,
        "needs/console/posters.html",
        {
            "node": node,
            # The parent is a step back only where the user may open it (issue 14: a
            # community's staff were sent from their breadcrumb to a 404).
            "parent_open": node.parent is not None and can_see(request.user, node.parent),
            "node_has_poster": node.kind in QR_NODE_KINDS,
            "children": children,
            "people": people,
            "orgs": orgs,
        },
    )
