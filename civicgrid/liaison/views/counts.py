"""The counts page (per place and period) and the messages' xlsx ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicgrid.liaison import counts
from civicgrid.liaison.models import MessageKind
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node
from civicgrid.network.scope import access_node, scope_paths, within_scope


class BadParams(ValueError):
    pass


def _home(user: Any) -> Node:
    paths = scope_paths(user)
    nodes = within_scope(Node.objects.all(), user)
    found = nodes.filter(path__in=paths) if paths else nodes.filter(parent__isnull=True)
    first = found.order_by("path").first()
    if first is None:
        raise Http404
    return first


def _date(raw: str, default: dt.date) -> dt.date:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as error:
        raise BadParams(_("Write dates as YYYY-MM-DD.")) from error


def _params(request: HttpRequest) -> tuple[Node, dt.date, dt.date]:
    """?node= (a place in the reader's scope; by default their area), ?start= and ?end= (by
    default the last 365 days)."""
    user = person(request)
    raw = request.GET.get("node", "")
    if raw and not raw.isdigit():
        raise BadParams(_("The place must be a number."))
    node = access_node(user, int(raw)) if raw else _home(user)
    today = timezone.localdate()
    end = _date(request.GET.get("end", ""), today)
    start = _date(request.GET.get("start", ""), end - dt.timedelta(days=364))
    if start > end:
        raise BadParams(_("The first day must not be after the last."))
    return node, start, end


@console_required
@require_safe
def counts_page(request: HttpRequest) -> HttpResponse:
    try:
        node, start, end = _params(request)
    except BadParams as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    figures = counts.message_counts(node, start, end)
    kinds = [(label, figures["by_kind"].get(value, 0)) for value, label in MessageKind.choices]
    context = {
        "node": node,
        "start": start,
        "end": end,
        "f": figures,
        "kinds": kinds,
        "receptions": counts.reception_figures(node, start, end),
        "children": node.children.order_by("code")[:200],
    }
    return render(request, "liaison/console/counts.html", context)


@console_required
@require_safe
def ledger(request: HttpRequest) -> HttpResponse:
    try:
        node, start, end = _params(request)
    except BadParams as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        counts.ledger(node, start, end),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="messages-{node.code}-{start}-{end}.xlsx"'
    )
    return response
