"""QR posters for a representative and a station: a printable bilingual page and the code as
PNG or SVG (segno, `needs/qr.py`). Staff print them (a representative their own); the code
opens the public message page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from civicgrid.core.i18n import MONGOLIAN
from civicgrid.liaison import access
from civicgrid.liaison.views.console import _me, answerer_or_console
from civicgrid.needs.qr import qr_png, qr_svg
from civicgrid.network.models import Person, node_label
from civicgrid.representatives.models import LiaisonStation, Representative


def _may_print(
    user: Person,
    node_ids: list[int],
    *,
    rep: Representative | None = None,
    station: LiaisonStation | None = None,
) -> None:
    if rep is not None and rep.person_id == user.pk:
        return
    if station is not None and station.staff.filter(pk=user.pk).exists():
        return
    from civicgrid.network.models import Node

    for node in Node.objects.filter(pk__in=node_ids):
        if access.reads_place(user, node):
            return
    raise PermissionDenied


def _rep(request: HttpRequest, rep_id: int) -> Representative:
    rep = get_object_or_404(
        Representative.objects.select_related("person", "node", "station"), pk=rep_id
    )
    nodes = [rep.node_id, *rep.constituency.values_list("pk", flat=True)]
    _may_print(_me(request), nodes, rep=rep)
    return rep


def _station(request: HttpRequest, station_id: int) -> LiaisonStation:
    station = get_object_or_404(LiaisonStation.objects.select_related("node"), pk=station_id)
    _may_print(_me(request), [station.node_id], station=station)
    return station


def _code(request: HttpRequest, link: str, fmt: str) -> HttpResponse:
    if fmt not in ("png", "svg"):
        raise Http404
    url = request.build_absolute_uri(link)
    if fmt == "png":
        return HttpResponse(qr_png(url), content_type="image/png")
    return HttpResponse(qr_svg(url), content_type="image/svg+xml")


@answerer_or_console
@require_safe
def poster_representative(request: HttpRequest, rep_id: int) -> HttpResponse:
    rep = _rep(request, rep_id)
    url = request.build_absolute_uri(
        reverse("liaison_public:write_to_representative", args=[rep.pk])
    )
    place = rep.constituency.order_by("path").first() or rep.node
    context = {
        "name_zh": rep.person.name,
        "name_mn": rep.name_mn,
        "role": rep.get_body_display(),
        "within_zh": place.name,
        "within_mn": node_label(place, MONGOLIAN),
        "url": url,
        "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
        "png": reverse("liaison:qr_representative", args=[rep.pk, "png"]),
        "svg": reverse("liaison:qr_representative", args=[rep.pk, "svg"]),
    }
    return render(request, "liaison/console/poster.html", context)


@answerer_or_console
@require_safe
def poster_station(request: HttpRequest, station_id: int) -> HttpResponse:
    station = _station(request, station_id)
    url = request.build_absolute_uri(reverse("liaison_public:write_to_station", args=[station.pk]))
    context = {
        "name_zh": station.name,
        "name_mn": station.name_mn,
        "role": station.get_kind_display(),
        "within_zh": station.node.name,
        "within_mn": node_label(station.node, MONGOLIAN),
        "url": url,
        "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
        "png": reverse("liaison:qr_station", args=[station.pk, "png"]),
        "svg": reverse("liaison:qr_station", args=[station.pk, "svg"]),
    }
    return render(request, "liaison/console/poster.html", context)


@answerer_or_console
@require_safe
def qr_representative(request: HttpRequest, rep_id: int, fmt: str) -> HttpResponse:
    rep = _rep(request, rep_id)
    return _code(request, reverse("liaison_public:write_to_representative", args=[rep.pk]), fmt)


@answerer_or_console
@require_safe
def qr_station(request: HttpRequest, station_id: int, fmt: str) -> HttpResponse:
    station = _station(request, station_id)
    return _code(request, reverse("liaison_public:write_to_station", args=[station.pk]), fmt)
