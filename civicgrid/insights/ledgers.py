"""Ledgers (台账) as Excel workbooks: needs, proactive work, the KPI table by child node, the
activities of people who serve.

Memory stays flat however long the ledger: xlsxwriter runs in constant-memory mode (each row
is flushed to disk once written, so rows must come in order and are never revisited) into a
temporary file that the view then streams, and rows come from the database as plain tuples
in chunks (`.values_list().iterator()`), never as a list of model objects.

Personal data: the resident's phone and name are masked (138****1234, 巴**) unless the reader
may see them, which for a ledger means holding the community staff or administrator role over
the need's place (or being a superuser). Other staff see the mask, as in the console lists.
Exports are not logged (unlike a phone reveal in the console, which is one number): see
docs/insights.md.

Headers are written in English source text and translated with the ledger's own context
("ledger"), so the workbook comes out in the language active when it is built.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from civicgrid.core import xlsx
from civicgrid.core.i18n import localised
from civicgrid.insights import kpis
from civicgrid.needs.models import (
    PROACTIVE_KINDS,
    Channel,
    Kind,
    Need,
    Rating,
    State,
    format_number,
)
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import mask_mobile, mask_name, node_label
from civicgrid.network.scope import within_paths
from civicgrid.volunteers.counts import activities_in
from civicgrid.volunteers.models import ActivityState, Theme

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    header: Promise | str
    width: float
    style: str = ""  # "", "datetime", "date", "percent", "decimal", "wrap"


Row = Sequence[Any]


# --- Writing a workbook -------------------------------------------------------------------


def write_workbook(
    sheet_name: str,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    progress: Callable[[int], None] | None = None,
) -> IO[bytes]:
    """Write one sheet with a frozen header row, widths, formats and an autofilter into a
    temporary file, and return it open at the start (closing it deletes it).

    `progress`, if given, is called after every CHUNK rows (the memory benchmark samples RSS).
    """
    # Closed (and so deleted) by the FileResponse that streams it, or by the caller.
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115
    book = xlsx.workbook(out.name, constant_memory=True)
    header = book.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "valign": "vcenter", "text_wrap": True}
    )
    styles = {
        "": None,
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "decimal": book.add_format({"num_format": "0.0"}),
        "wrap": None,  # wrapping every description would make rows tall: width only
    }
    sheet = book.add_worksheet(sheet_name[:31])
    formats = [styles[c.style] for c in columns]
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width, formats[index])
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 30)
    for index, column in enumerate(columns):
        xlsx.write_cell(sheet, 0, index, str(column.header), header)
    last = 0
    for last, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            _write(sheet, last, index, value, formats[index])
        if progress is not None and last % CHUNK == 0:
            progress(last)
    sheet.autofilter(0, 0, max(last, 1), len(columns) - 1)
    book.close()
    out.seek(0)
    return out


def _write(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    # Typed writes through core.xlsx: text stays text (spreadsheet injection).
    if isinstance(value, bool):
        value = pgettext("ledger", "Yes") if value else pgettext("ledger", "No")
    xlsx.write_cell(sheet, row, col, value, fmt)


def local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local wall-clock time, naive."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None)


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


# --- Who reads personal data in full is needs/reveal.py's rule ----------------------------


# --- The needs ledger ---------------------------------------------------------------------

NEED_COLUMNS = (
    Column(pgettext_lazy("ledger", "Number"), 12),
    Column(pgettext_lazy("ledger", "Kind"), 10),
    Column(pgettext_lazy("ledger", "Category"), 14),
    Column(pgettext_lazy("ledger", "Place"), 16),
    Column(pgettext_lazy("ledger", "Handled at"), 16),
    Column(pgettext_lazy("ledger", "Channel"), 10),
    Column(pgettext_lazy("ledger", "State"), 9),
    Column(pgettext_lazy("ledger", "Handler"), 10),
    Column(pgettext_lazy("ledger", "Raised at"), 17, "datetime"),
    Column(pgettext_lazy("ledger", "Response due"), 17, "datetime"),
    Column(pgettext_lazy("ledger", "First response"), 17, "datetime"),
    Column(pgettext_lazy("ledger", "Responded on time"), 9),
    Column(pgettext_lazy("ledger", "Resolved at"), 17, "datetime"),
    Column(pgettext_lazy("ledger", "Resolved on time"), 9),
    Column(pgettext_lazy("ledger", "Rating"), 9),
    Column(pgettext_lazy("ledger", "Resident"), 10),
    Column(pgettext_lazy("ledger", "Contact phone"), 14),
    Column(pgettext_lazy("ledger", "Description"), 60, "wrap"),
)

NEED_FIELDS = (
    "number",
    "kind",
    "category__name",
    "category__name_en",
    "node__name",
    "node__name_en",
    "node__path",
    "owner_node__name",
    "owner_node__name_en",
    "channel",
    "state",
    "assignee__name",
    "created_at",
    "response_due",
    "responded_at",
    "responded_on_time",
    "resolved_at",
    "resolved_on_time",
    "rating",
    "contact_name",
    "anonymous",
    "contact_phone",
    "description",
)


def need_rows(qs: QuerySet[Need], user: Any) -> Iterator[Row]:
    """The ledger's rows for the needs of `qs` (already scoped and filtered), oldest first."""
    # A resident's need is a "need" here, not the event of raising it.
    kinds = {**_labels(Kind.choices), Kind.REQUEST: str(pgettext_lazy("ledger", "Need"))}
    channels = _labels(Channel.choices)
    states, ratings = _labels(State.choices), _labels(Rating.choices)
    anonymous = _("Anonymous")
    paths = phone_paths(user)
    rows = qs.order_by("created_at", "id").values_list(*NEED_FIELDS)
    for (
        number, kind, category, category_en, place, place_en, path, owner, owner_en, channel,
        state, handler, created_at, response_due, responded_at, responded_on_time, resolved_at,
        resolved_on_time, rating, name, is_anonymous, phone, description,
    ) in rows.iterator(chunk_size=CHUNK):  # fmt: skip
        full = within_paths(paths, path)
        if is_anonymous:
            name = anonymous
        elif not full:
            name = mask_name(name)
        yield (
            format_number(number),  # as people read it out and type it in the search box
            kinds.get(kind, kind),
            localised(category, category_en),
            localised(place, place_en),
            localised(owner, owner_en),
            channels.get(channel, channel),
            states.get(state, state),
            handler,
            local(created_at),
            local(response_due),
            local(responded_at),
            responded_on_time,
            local(resolved_at),
            resolved_on_time,
            ratings.get(rating, rating),
            name,
            phone if full else mask_mobile(phone),
            description,
        )


def needs_ledger(qs: QuerySet[Need], user: Any, **kwargs: Any) -> IO[bytes]:
    return write_workbook(
        str(pgettext_lazy("ledger", "Needs")), NEED_COLUMNS, need_rows(qs, user), **kwargs
    )


# --- The proactive-work ledger ------------------------------------------------------------

PROACTIVE_COLUMNS = (
    Column(pgettext_lazy("ledger", "Date"), 11, "date"),
    Column(pgettext_lazy("ledger", "Kind"), 12),
    Column(pgettext_lazy("ledger", "Place"), 16),
    Column(pgettext_lazy("ledger", "Recorded by"), 10),
    Column(pgettext_lazy("ledger", "Subject"), 10),
    Column(pgettext_lazy("ledger", "Record"), 70, "wrap"),
)


def proactive_rows(qs: QuerySet[Need], user: Any) -> Iterator[Row]:
    """Visits, inspections, mediations and information collected, oldest first."""
    kinds = _labels(Kind.choices)
    paths = phone_paths(user)
    rows = (
        qs.filter(kind__in=PROACTIVE_KINDS)
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "kind",
            "node__name",
            "node__name_en",
            "node__path",
            "entered_by__name",
            "assignee__name",
            "contact_name",
            "description",
        )
    )
    for created_at, kind, place, place_en, path, entered_by, assignee, name, note in rows.iterator(
        chunk_size=CHUNK
    ):
        at = local(created_at)
        yield (
            at.date() if at else None,
            kinds.get(kind, kind),
            localised(place, place_en),
            entered_by or assignee or "",
            name if within_paths(paths, path) else mask_name(name),
            note,
        )


def proactive_ledger(qs: QuerySet[Need], user: Any) -> IO[bytes]:
    return write_workbook(
        str(pgettext_lazy("ledger", "Proactive work")), PROACTIVE_COLUMNS, proactive_rows(qs, user)
    )


# --- The KPI table by child node ----------------------------------------------------------

KPI_COLUMNS = (
    Column(pgettext_lazy("ledger", "Node"), 18),
    Column(pgettext_lazy("ledger", "Received"), 9),
    Column(pgettext_lazy("ledger", "Resolved"), 9),
    Column(pgettext_lazy("ledger", "Excluded"), 9),
    Column(pgettext_lazy("ledger", "Response rate"), 9, "percent"),
    Column(pgettext_lazy("ledger", "Responded on time"), 10),
    Column(pgettext_lazy("ledger", "Response rate base"), 10),
    Column(pgettext_lazy("ledger", "Resolution rate"), 9, "percent"),
    Column(pgettext_lazy("ledger", "Resolved (rate)"), 10),
    Column(pgettext_lazy("ledger", "Resolution rate base"), 10),
    Column(pgettext_lazy("ledger", "On-time rate"), 9, "percent"),
    Column(pgettext_lazy("ledger", "Resolved on time"), 10),
    Column(pgettext_lazy("ledger", "On-time rate base"), 10),
    Column(pgettext_lazy("ledger", "Satisfaction rate"), 9, "percent"),
    Column(pgettext_lazy("ledger", "Satisfied"), 10),
    Column(pgettext_lazy("ledger", "Rated"), 10),
    Column(pgettext_lazy("ledger", "Median response (minutes)"), 12, "decimal"),
    Column(pgettext_lazy("ledger", "Median resolve (hours)"), 12, "decimal"),
)


def kpi_row(label: str, k: kpis.Kpis) -> Row:
    rates = (k.response_rate, k.resolution_rate, k.on_time_rate, k.satisfaction_rate)
    cells: list[Any] = [label, k.received, k.resolved, k.excluded]
    for rate in rates:
        cells += [rate.value, rate.numerator, rate.denominator]
    response, resolve = k.median_response_minutes, k.median_resolve_minutes
    cells += [response, None if resolve is None else resolve / 60]
    return cells


def kpi_rows(scope: kpis.Scope) -> list[Row]:
    """One row per child (rollups of the children, one query) and the node's total, read from
    the node's own rollups: needs placed at the node itself count in the total only."""
    rows = [kpi_row(node_label(child), k) for child, k in kpis.by_child(scope, medians=True)]
    rows.append(kpi_row(str(pgettext_lazy("ledger", "Total")), kpis.kpis(scope)))
    return rows


def kpi_ledger(scope: kpis.Scope) -> IO[bytes]:
    return write_workbook(str(pgettext_lazy("ledger", "KPIs")), KPI_COLUMNS, kpi_rows(scope))


# --- The activities of people who serve ---------------------------------------------------

ACTIVITY_COLUMNS = (
    Column(pgettext_lazy("ledger", "Date"), 11, "date"),
    Column(pgettext_lazy("ledger", "Activity"), 28, "wrap"),
    Column(pgettext_lazy("ledger", "Theme"), 12),
    Column(pgettext_lazy("ledger", "Organiser"), 18),
    Column(pgettext_lazy("ledger", "Place"), 24),
    Column(pgettext_lazy("ledger", "State"), 9),
    Column(pgettext_lazy("ledger", "Attendances"), 10),
    Column(pgettext_lazy("ledger", "Hours"), 9),
    Column(pgettext_lazy("ledger", "Problems solved"), 10),
)


def activity_rows(*, paths: list[str], period: kpis.Period) -> Iterator[Row]:
    """Every activity of the area starting in the period, any state, oldest first: one query,
    names of places, teams and units only (nothing about a person)."""
    themes, states = _labels(Theme.choices), _labels(ActivityState.choices)
    # Annotated (participants, hours_total): typed as Any for the stubs, which know fields only.
    activities: Any = activities_in(paths=paths, start=period.start, end=period.end)
    rows = activities.values_list(
        "starts_at",
        "title",
        "title_en",
        "title_mn",
        "theme",
        "team__organisation__name",
        "team__name_en",
        "team__name_mn",
        "organiser_org__name",
        "node__name",
        "node__name_en",
        "node__name_mn",
        "place_detail",
        "state",
        "participants",
        "hours_total",
        "solved_count",
    )
    for (
        starts_at, title, title_en, title_mn, theme, team, team_en, team_mn, unit, place,
        place_en, place_mn, detail, state, participants, hours, solved,
    ) in rows.iterator(chunk_size=CHUNK):  # fmt: skip
        at = local(starts_at)
        where = localised(place, place_en, name_mn=place_mn)
        yield (
            at.date() if at else None,
            localised(title, title_en, name_mn=title_mn),
            themes.get(theme, theme),
            localised(team, team_en, name_mn=team_mn) if team else unit or "",
            f"{where} · {detail}" if detail else where,
            states.get(state, state),
            participants or 0,
            float(hours or 0),  # a number, not Decimal's text
            solved,
        )


def activities_ledger(*, paths: list[str], period: kpis.Period) -> IO[bytes]:
    return write_workbook(
        str(pgettext_lazy("ledger", "Activities")),
        ACTIVITY_COLUMNS,
        activity_rows(paths=paths, period=period),
    )
