"""The care module counted: a place's year by month on a page (meals, deliveries, cards,
visits, the register, and the report sentences), and three ledgers (台账) as xlsx for the
officials who keep them in Excel: meals per point and day, card uses per shop and month,
visits per person.

Staff whose scope holds the place read them (`access_node`); a leader reads them too. The
figures and the meals and cards ledgers hold no personal data. The visits ledger names people:
in full only to community staff and admins over their places (`needs.reveal.phone_paths`,
each such download written to the reveal log), masked (王**) to everyone else.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicgrid.care import counts
from civicgrid.care.models import CareKind, Finding
from civicgrid.core import xlsx
from civicgrid.needs.reveal import phone_paths, reveal_log
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node
from civicgrid.network.scope import access_node, scope_paths, within_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = "care/console/"
FIRST_YEAR = 2000


class BadParams(ValueError):
    """A query parameter that does not parse; its message is shown to the user."""


def _bad(error: BadParams) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def _home(user: Any) -> Node:
    """The outermost place of the user's scope (the root for a superuser)."""
    paths = scope_paths(user)
    nodes = within_scope(Node.objects.all(), user)
    found = nodes.filter(path__in=paths) if paths else nodes.filter(parent__isnull=True)
    first = found.order_by("path").first()
    if first is None:
        raise Http404(_("No place in your area."))
    return first


def _place_and_year(request: HttpRequest) -> tuple[Node, int]:
    """?node= (a place in the reader's scope, else 404; by default their area) and ?year=
    (by default this one)."""
    user = person(request)
    raw_node = request.GET.get("node", "")
    if raw_node and not raw_node.isdigit():
        raise BadParams(_("The place must be a number."))
    node = access_node(user, int(raw_node)) if raw_node else _home(user)
    this_year = timezone.localdate().year
    raw_year = request.GET.get("year", "")
    if not raw_year:
        return node, this_year
    if not raw_year.isdigit() or not FIRST_YEAR <= int(raw_year) <= this_year + 1:
        raise BadParams(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": this_year + 1}
        )
    return node, int(raw_year)


def _month(request: HttpRequest) -> int | None:
    raw = request.GET.get("month", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 12:
        raise BadParams(_("The month must be a number from 1 to 12."))
    return int(raw)


# --- The page ---------------------------------------------------------------------------------


@console_required
@require_safe
def counts_page(request: HttpRequest) -> HttpResponse:
    try:
        node, year = _place_and_year(request)
        month = _month(request)
    except BadParams as error:
        return _bad(error)
    months, total = counts.care_months(paths=[node.path], year=year)
    chosen = months[month - 1][1] if month else total
    this_year = timezone.localdate().year
    context = {
        "node": node,
        "year": year,
        "month": month,
        "years": list(range(this_year, this_year - 4, -1)),
        "months": months,
        "total": total,
        "sentences": counts.care_parts(chosen, get_language() or "zh-hans"),
        "children": node.children.order_by("code")[:200],
        "bands": total.meals_by_band,
        "findings": _labelled(Finding.choices, total.visits_by_finding),
        "kinds": _labelled(CareKind.choices, total.by_kind),
    }
    return render(request, T + "counts_page.html", context)


def _labelled(choices: Any, pairs: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    labels = {value: str(label) for value, label in choices}
    return [(labels.get(value, value), count) for value, count in pairs]


# --- The ledgers --------------------------------------------------------------------------------

Column = tuple[str, float, str]  # header, width, style ("", "date", "month", "money")


def workbook(
    title: str, heading: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> bytes:
    """One sheet: a heading line, a header row, the rows; text always written as text
    (`core/xlsx.py`)."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "text_wrap": True})
    styles = {
        "": None,
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "month": book.add_format({"num_format": "yyyy-mm"}),
        "money": book.add_format({"num_format": "0.00"}),
    }
    sheet = book.add_worksheet(title[:31])
    formats = [styles[style] for _header, _width, style in columns]
    for index, (_header, width, _style) in enumerate(columns):
        sheet.set_column(index, index, width, formats[index])
    xlsx.write_cell(sheet, 0, 0, heading, bold)
    xlsx.write_row(sheet, 2, [h for h, _width, _style in columns], header)
    sheet.freeze_panes(3, 0)
    for number, row in enumerate(rows, start=3):
        for index, value in enumerate(row):
            xlsx.write_cell(sheet, number, index, _cell(value), formats[index])
    book.close()
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _download(content: bytes, name: str, node: Node, year: int) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="care-{name}-{node.code}-{year}.xlsx"'
    return response


def _ledger(
    build: Callable[[HttpRequest, Node, int], HttpResponse],
) -> Callable[..., HttpResponseBase]:
    """A ledger's download: ?node=&year= parsed (400 with a message when they do not)."""

    @console_required
    @require_safe
    def view(request: HttpRequest) -> HttpResponse:
        try:
            node, year = _place_and_year(request)
        except BadParams as error:
            return _bad(error)
        return build(request, node, year)

    view.__name__ = build.__name__
    view.__doc__ = build.__doc__
    return view


def _heading(node: Node, year: int, title: str) -> str:
    return f"{node.name} · {year} · {title}"


def meals_ledger(request: HttpRequest, node: Node, year: int) -> HttpResponse:
    """Per meal point and day: orders, meals served by band, free, delivered, not home, paid."""
    bands, rows = counts.meal_rows(
        paths=[node.path], start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    columns: list[Column] = [
        (_("Meal point"), 18, ""),
        (_("Day"), 11, "date"),
        (_("Orders"), 8, ""),
        (_("Meals served"), 8, ""),
        *[(band, 10, "") for band in bands],
        (_("Free"), 8, ""),
        (_("Delivered"), 8, ""),
        (_("Not home"), 8, ""),
        (_("Paid (yuan)"), 10, "money"),
    ]
    table = (
        [
            r.point,
            r.day,
            r.orders,
            r.meals,
            *[r.bands.get(band, 0) for band in bands],
            r.free,
            r.delivered,
            r.not_home,
            r.paid,
        ]
        for r in rows
    )
    title = _("Meals")
    return _download(
        workbook(title, _heading(node, year, title), columns, table), "meals", node, year
    )


def cards_ledger(request: HttpRequest, node: Node, year: int) -> HttpResponse:
    """Per partner shop and month: uses, cards used, list amount, discount, paid."""
    rows = counts.card_rows(paths=[node.path], start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    columns: list[Column] = [
        (_("Month"), 9, "month"),
        (_("Partner shop"), 18, ""),
        (_("Place"), 14, ""),
        (_("Uses"), 8, ""),
        (_("Cards used"), 8, ""),
        (_("List amount (yuan)"), 12, "money"),
        (_("Discount (yuan)"), 12, "money"),
        (_("Paid (yuan)"), 12, "money"),
    ]
    table = (
        [r.month, r.shop, r.place, r.uses, r.cards, r.amount, r.discount, r.paid] for r in rows
    )
    title = _("Assistance cards")
    return _download(
        workbook(title, _heading(node, year, title), columns, table), "cards", node, year
    )


def visits_ledger(request: HttpRequest, node: Node, year: int) -> HttpResponse:
    """Per person visited in the year or holding a visiting plan: visits, the last one and
    what it found, needs raised, the plan. Names in full only to community staff and admins
    of the person's place, each such download logged."""
    user = person(request)
    rows, revealed = counts.visit_rows(
        paths=[node.path],
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
        full_paths=phone_paths(user),
    )
    if revealed:
        reveal_log(actor=user, subject=f"ledger:care-visits:{node.code}", field="name")
    columns: list[Column] = [
        (_("Person"), 10, ""),
        (_("Place"), 14, ""),
        (_("Care kinds"), 16, ""),
        (_("Visits"), 8, ""),
        (_("Last visit"), 11, "date"),
        (_("What was found"), 14, ""),
        (_("Needs raised"), 8, ""),
        (_("Visit every (days)"), 10, ""),
    ]
    table = (
        [r.name, r.place, r.kinds, r.visits, r.last_visit, r.last_finding, r.needs, r.every_days]
        for r in rows
    )
    title = _("Care visits")
    return _download(
        workbook(title, _heading(node, year, title), columns, table), "visits", node, year
    )


console_urls: list[URLPattern] = [
    path("counts/", counts_page, name="counts"),
    path("counts/meals.xlsx", _ledger(meals_ledger), name="ledger_meals"),
    path("counts/cards.xlsx", _ledger(cards_ledger), name="ledger_cards"),
    path("counts/visits.xlsx", _ledger(visits_ledger), name="ledger_visits"),
]
public_urls: list[URLPattern] = []
