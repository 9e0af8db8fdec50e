"""What the messages count per place and period (the "20余场次…150人次…近60件" of the
newspaper): messages received by kind, answered, answered on time, overdue, referred to
needs, suggestions handled (answered or referred), the median time to an answer; beside the
receptions' figures from `representatives.counts.reception_counts`."""

from __future__ import annotations

import datetime as dt
import io
import statistics
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.core import xlsx
from civicgrid.liaison.models import Message, MessageKind, MessageState
from civicgrid.network.models import Node, mask_mobile, mask_name
from civicgrid.network.scope import paths_q


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time(0), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz),
    )


def messages_in(node: Node, start: dt.date, end: dt.date) -> QuerySet[Message]:
    first, after = _bounds(start, end)
    return Message.objects.filter(paths_q([node.path], node_field="node")).filter(
        created_at__gte=first, created_at__lt=after
    )


def message_counts(
    node: Node, start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or timezone.now()
    rows = list(
        messages_in(node, start, end).values(
            "kind", "state", "created_at", "answered_at", "answer_due", "overdue_at", "need_id"
        )
    )
    by_kind = {k: 0 for k in MessageKind.values}
    answered = on_time = overdue = referred = suggestions_handled = 0
    hours: list[float] = []
    for r in rows:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
        if r["answered_at"] is not None:
            answered += 1
            hours.append((r["answered_at"] - r["created_at"]).total_seconds() / 3600)
            if r["answered_at"] <= r["answer_due"]:
                on_time += 1
        if r["overdue_at"] is not None or (
            r["state"] == MessageState.RECEIVED and r["answer_due"] <= now
        ):
            overdue += 1
        if r["need_id"] is not None:
            referred += 1
        if r["kind"] == MessageKind.SUGGESTION and (
            r["answered_at"] is not None or r["need_id"] is not None
        ):
            suggestions_handled += 1
    return {
        "received": len(rows),
        "by_kind": by_kind,
        "answered": answered,
        "on_time": on_time,
        "overdue": overdue,
        "referred": referred,
        "suggestions_handled": suggestions_handled,
        "median_hours": round(statistics.median(hours), 1) if hours else None,
    }


def reception_figures(node: Node, start: dt.date, end: dt.date) -> dict[str, int] | None:
    """The receptions' figures (`representatives.counts`), or None where that module has none."""
    try:
        from civicgrid.representatives.counts import reception_counts
    except ImportError:  # pragma: no cover - the representatives module always has it
        return None
    return reception_counts(node, start, end)


LEDGER_COLUMNS = [
    "number",
    "received",
    "kind",
    "to",
    "place",
    "name",
    "phone",
    "state",
    "due",
    "answered",
    "on_time",
    "need",
]


def ledger(node: Node, start: dt.date, end: dt.date) -> bytes:
    """The messages of the place and period as an xlsx ledger; names and phones masked."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    sheet = book.add_worksheet("messages")
    xlsx.write_row(sheet, 0, LEDGER_COLUMNS)
    found = (
        messages_in(node, start, end)
        .select_related("representative__person", "station", "node", "need")
        .order_by("created_at", "id")
    )
    for i, m in enumerate(found, start=1):
        local = timezone.localtime
        xlsx.write_row(
            sheet,
            i,
            [
                m.number,
                local(m.created_at).strftime("%Y-%m-%d %H:%M"),
                m.kind,
                m.representative.person.name
                if m.representative
                else (m.station.name if m.station else ""),
                m.node.name,
                mask_name(m.name) if m.name else "",
                mask_mobile(m.phone),
                m.state,
                local(m.answer_due).strftime("%Y-%m-%d %H:%M"),
                local(m.answered_at).strftime("%Y-%m-%d %H:%M") if m.answered_at else "",
                "yes" if m.answered_at and m.answered_at <= m.answer_due else "",
                m.need.number if m.need else "",
            ],
        )
    book.close()
    return out.getvalue()
