"""A resident's data export (privacy/services.personal_data_export) as a file: JSON, or an
Excel workbook with one sheet per kind of record."""

from __future__ import annotations

import io
import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from civicgrid.care import personal as care_personal
from civicgrid.core import xlsx


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _sheet(book: Any, name: str, headers: list[str], rows: list[list[Any]]) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    xlsx.write_row(sheet, 0, headers, bold)
    for i, row in enumerate(rows, start=1):
        xlsx.write_row(sheet, i, row)
    sheet.set_column(0, len(headers) - 1, 18)


def _cell(value: Any) -> Any:
    """A value of a row as a cell: lists and mappings (a review's answers) as JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def as_xlsx(data: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    needs = data["needs"]
    _sheet(
        book,
        _("Needs"),
        [
            _("Number"),
            _("Category"),
            _("State"),
            _("Place"),
            _("Address"),
            _("Description"),
            _("Contact name"),
            _("Contact phone"),
            _("Raised at"),
            _("Closed at"),
            _("Rating"),
            _("Rating comment"),
            _("Anonymised at"),
        ],
        [
            [
                n["number"],
                n["category"],
                n["state_label"],
                n["place"],
                n["address"],
                n["description"],
                n["contact_name"],
                n["contact_phone"],
                n["raised_at"],
                n["closed_at"],
                n["rating"],
                n["rating_comment"],
                n["anonymised_at"],
            ]
            for n in needs
        ],
    )
    _sheet(
        book,
        _("Timeline"),
        [_("Number"), _("Step"), _("What"), _("By"), _("Note"), _("At")],
        [
            [n["number"], e["seq"], e["action_label"], e["by"], e["note"], e["at"]]
            for n in needs
            for e in n["timeline"]
        ],
    )
    _sheet(
        book,
        _("Photos"),
        [_("Number"), _("File"), _("At")],
        [[n["number"], p["file"], p["at"]] for n in needs for p in n["photos"]],
    )
    _sheet(
        book,
        _("Messages"),
        [_("Number"), _("Kind"), _("State"), _("Channel"), _("Queued at"), _("Sent at")],
        [
            [n["number"], m["kind"], m["state"], m["channel"], m["queued_at"], m["sent_at"]]
            for n in needs
            for m in n.get("messages", [])
        ],
    )
    _sheet(
        book,
        _("WeChat"),
        [_("Number"), _("WeChat openid"), _("Template"), _("Messages left")],
        [
            [n["number"], s["openid"], s["template"], s["messages_left"]]
            for n in needs
            for s in n.get("wechat", [])
        ],
    )
    _sheet(
        book,
        _("Phone revealed"),
        [_("Number"), _("At")],
        [[r["need"], r["at"]] for r in data["phone_revealed_to_staff"]],
    )
    _sheet(
        book,
        _("Micro-wishes"),
        [_("Title"), _("Community"), _("State"), _("Posted at"), _("Name"), _("Phone")],
        [
            [w["title"], w["community"], w["state"], w["posted_at"], w["person_name"], w["phone"]]
            for w in data.get("wishes", [])
        ],
    )
    _sheet(
        book,
        _("Appointments"),
        [
            _("Service"),
            _("Place"),
            _("Starts at"),
            _("How"),
            _("State"),
            _("Name"),
            _("Phone"),
            _("Address"),
            _("What is needed"),
            _("What was done"),
            _("Paid (yuan)"),
            _("Rating"),
            _("Rating comment"),
            _("Booked at"),
        ],
        [
            [
                a["service"],
                a["place"],
                a["starts_at"],
                a["mode_label"],
                a["state_label"],
                a["resident_name"],
                a["phone"],
                a["address"],
                a["note"],
                a["done_note"],
                a["price_paid"],
                a["rating"],
                a["rating_comment"],
                a["booked_at"],
            ]
            for a in data.get("appointments", [])
        ],
    )
    _sheet(
        book,
        pgettext("export sheet", "Room bookings"),
        [
            _("Room"),
            _("Place"),
            _("Starts at"),
            _("Ends at"),
            _("State"),
            _("What for"),
            _("Name"),
            _("Phone"),
            _("Booked at"),
        ],
        [
            [
                r["room"],
                r["place"],
                r["starts_at"],
                r["ends_at"],
                r["state_label"],
                r["title"],
                r["contact_name"],
                r["phone"],
                r["booked_at"],
            ]
            for r in data.get("room_bookings", [])
        ],
    )
    account = data.get("account")
    if account:
        _sheet(
            book,
            _("Notifications"),
            [_("Text"), _("At"), _("Read at")],
            [[m["text"], m["at"], m["read_at"]] for m in account["notifications"]],
        )
    for title, headers, rows in care_personal.export_sheets(data.get("care", {})):
        _sheet(book, title, headers, rows)
    # The smaller modules' rows: a sheet per list, its columns the rows' own keys.
    for module, found in data.get("modules", {}).items():
        for name, rows in found.items():
            if not rows:
                continue
            headers = list(rows[0])
            _sheet(
                book,
                f"{module}-{name}"[:31],
                headers,
                [[_cell(row.get(h)) for h in headers] for row in rows],
            )
    book.close()
    return out.getvalue()
