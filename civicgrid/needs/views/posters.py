"""QR codes and printable posters that open the intake pre-bound to a place or a person.

A poster is public: it names a place, or a person in a public role (representative,
provider), and carries a code that opens `/raise/` for it. The code holds the absolute URL of
the short `/q/...` link, so a poster keeps working if the intake pages move.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe

from civicgrid.needs.qr import qr_png, qr_svg
from civicgrid.needs.views.resident import QR_NODE_KINDS, QR_PERSON_ROLES, holder_binding
from civicgrid.network.models import Node, Role, RoleBinding

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
        "name_en": node.name_en or node.name,
        "service": node.service_name,
        "within_zh": parent.name if parent else "",
        "within_en": (parent.name_en or parent.name) if parent else "",
    }
    return _poster(request, reverse("resident:go_node", args=[node.code]), context)


def poster_person(request: HttpRequest, person_id: int) -> HttpResponse:
    held = _holder(person_id, POSTER_PERSON_ROLES)
    context: dict[str, object] = {
        "name_zh": held.person.name,
        "name_en": held.person.name,
        "service": Role(held.role).label,
        "within_zh": held.node.name,
        "within_en": held.node.name_en or held.node.name,
        "person": True,
    }
    return _poster(request, reverse("resident:go_person", args=[held.person_id]), context)
