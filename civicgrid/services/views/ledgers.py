"""The services' counts and ledger: a place's year by month (appointments by state and way,
rooms in hours) on a page, and the ledger as xlsx (per month, place and service or room) for
officials who keep it in Excel. No personal data in either."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicgrid.core import xlsx
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node
from civicgrid.network.scope import access_node, scope_paths, within_scope
from civicgrid.services import counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = "services/console/"


def _place_and_year(request: HttpRequest) -> tuple[Node, int]:
    user = person(request)
    node_id = request.GET.get("node", "")
    if node_id.isdigit():
        node = access_node(user, int(node_id))
    else:
        paths = scope_paths(user)
        roots = within_scope(Node.objects.all(), user)
        found = roots.filter(path__in=paths) if paths else roots.filter(parent__isnull=True)
        first = found.order_by("path").first()
        if first is None:
            raise Http404(_("No place in your area."))
        node = first
    year = request.GET.get("year", "")
    this_year = timezone.localdate().year
    chosen = int(year) if year.isdigit() and 2000 <= int(year) <= this_year + 1 else this_year
    return node, chosen


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


@console_required
@require_safe
def ledger(request: HttpRequest) -> HttpResponse:
    node, year = _place_and_year(request)
    months = counts.by_month(node, year)
    context = {
        "node": node,
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
        "months": months,
        "total": counts.combined([figures for _month, figures in months]),
        "children": node.children.order_by("code")[:200],
    }
    return render(request, T + "ledger.html", context)


APPOINTMENT_COLUMNS: list[tuple[str, Any]] = [
    ("month", lambda: _("Month")),
    ("service__node__name", lambda: _("Place")),
    ("service__name", lambda: _("Service")),
    ("mode", lambda: _("How")),
    ("booked", lambda: _("Booked")),
    ("done", lambda: _("Done")),
    ("no_shows", lambda: _("Did not come")),
    ("cancelled", lambda: _("Cancelled")),
    ("rated", lambda: _("Rated")),
    ("rating", lambda: _("Average rating")),
    ("paid", lambda: _("Paid (yuan)")),
]
ROOM_COLUMNS: list[tuple[str, Any]] = [
    ("month", lambda: _("Month")),
    ("place", lambda: _("Place")),
    ("room", lambda: _("Room")),
    ("bookings", lambda: _("Bookings")),
    ("hours", lambda: _("Hours in use")),
]


def workbook(node: Node, year: int) -> bytes:
    start, end = _year_bounds(year)
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
    for title, columns, rows in (
        (_("Appointments"), APPOINTMENT_COLUMNS, counts.appointment_rows(node, start, end)),
        (_("Rooms"), ROOM_COLUMNS, counts.room_rows(node, start, end)),
    ):
        sheet = book.add_worksheet(title[:31])
        xlsx.write_cell(sheet, 0, 0, f"{node.name} · {year} · {title}", bold)
        xlsx.write_row(sheet, 2, [label() for _key, label in columns], header)
        sheet.set_column(0, len(columns) - 1, 14)
        sheet.freeze_panes(3, 0)
        for number, row in enumerate(rows, start=3):
            xlsx.write_row(sheet, number, [row[key] for key, _label in columns])
    book.close()
    return out.getvalue()


@console_required
@require_safe
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    node, year = _place_and_year(request)
    response = HttpResponse(workbook(node, year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="services-{node.code}-{year}.xlsx"'
    return response


console_urls = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/services.xlsx", ledger_xlsx, name="ledger_xlsx"),
]
