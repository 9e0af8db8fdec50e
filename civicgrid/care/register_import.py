"""The care register imported from the spreadsheets offices keep (.xlsx or .csv).

Built on the network import's machinery (`network/spreadsheets.py`: reading CSV in UTF-8 or
GB18030 and workbooks, cells as text, row-numbered errors) and on the register's own checks
(`register.clean_details`, the same as the form's). An import is all or nothing: every row is
checked first, each problem listed as "<file> row 7, 出生日期: …" (the row a person sees in
Excel, the header being the row above the first data row), and only a clean sheet is written,
in one transaction. The identity-card number is turned into its keyed digest and never kept.

An import adds people; it does not update them: someone already on the register (the same
identity-card number, or the same name, date of birth and place) is an error on their row.

The columns, headed in Chinese as offices head them (English field names work too):
姓名, 出生日期, 性别, 所在网格 (a place's code or name), 住址, 联系电话, 行动能力 (自理 / 半失能 /
失能), 独居 (是 / 否), 关爱类别 (老年人、事实孤儿、困难家庭、残疾人: several separated by 、),
监护人, 关系, 监护人电话, 身份证号, 备注. `template_xlsx()` writes an empty sheet with them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access, register
from civicgrid.care.models import CaredPerson, CareKind, Mobility
from civicgrid.core import xlsx
from civicgrid.core.errors import DomainError, Invalid
from civicgrid.network.models import Node
from civicgrid.network.scope import within_scope

# The reading and error helpers of the network import (the one import machinery).
from civicgrid.network.spreadsheets import (
    HEADER_SEARCH_ROWS,
    RowError,
    SpreadsheetError,
    Table,
    _cell_text,
    _Collector,
    _csv_rows,
    _open_book,
    _sheet_rows,
)

KIND = "care_register"
SHEET_NAME = "关爱对象"
MAX_UPLOAD = 5 * 1024 * 1024

# Each field's header in the template, as offices write it. The Chinese is spelled out here,
# not read from the translation catalogue: a sheet must not change meaning with a rewording.
HEADERS: dict[str, str] = {
    "name": "姓名",
    "birth_date": "出生日期",
    "sex": "性别",
    "node": "所在网格",
    "address": "住址",
    "phone": "联系电话",
    "mobility": "行动能力",
    "lives_alone": "独居",
    "kinds": "关爱类别",
    "guardian_name": "监护人",
    "guardian_relation": "关系",
    "guardian_phone": "监护人电话",
    "id_number": "身份证号",
    "note": "备注",
}
ALIASES: dict[str, str] = {
    **{header: name for name, header in HEADERS.items()},
    **{name: name for name in HEADERS},
    "name_mn": "name_mn",
    "蒙古文姓名": "name_mn",
    "所在网格/节点": "node",
    "所在节点": "node",
    "节点": "node",
    "节点编码": "node",
    "网格": "node",
    "出生年月日": "birth_date",
    "手机号": "phone",
    "手机号码": "phone",
    "电话": "phone",
    "是否独居": "lives_alone",
    "监护人姓名": "guardian_name",
    "与监护人关系": "guardian_relation",
    "监护人关系": "guardian_relation",
    "身份证号码": "id_number",
}
REQUIRED = ("name", "birth_date", "node", "kinds")

MOBILITY = {
    "自理": Mobility.INDEPENDENT,
    "半失能": Mobility.LIMITED,
    "失能": Mobility.BEDRIDDEN,
    **{m.value: m for m in Mobility},
}
KINDS = {
    "老年人": CareKind.ELDERLY,
    "老人": CareKind.ELDERLY,
    "事实孤儿": CareKind.FACT_ORPHAN,
    "困难家庭": CareKind.HARDSHIP,
    "困难户": CareKind.HARDSHIP,
    "残疾人": CareKind.DISABLED,
    "残疾": CareKind.DISABLED,
    **{k.value: k for k in CareKind},
}
SEX = {"男": "m", "女": "f", "m": "m", "f": "f", "M": "m", "F": "f", "": ""}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}
KIND_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The rows read (field → text) and each field's header as the file writes it."""

    table: Table
    headers: dict[str, str]

    def column(self, name: str) -> str:
        return self.headers.get(name) or HEADERS.get(name, name)


def _canonical(text: str) -> str:
    text = text.strip().lstrip("\ufeff")
    return ALIASES.get(text) or ALIASES.get(text.casefold().replace(" ", "_"), "")


def _positions(row: Sequence[object]) -> tuple[dict[str, int], dict[str, str]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, cell in enumerate(row):
        text = _cell_text(cell)
        name = _canonical(text)
        if name and name not in positions:  # offices add their own columns: not ours
            positions[name], headers[name] = index, text.strip()
    return positions, headers


def _sheet(label: str, raw_rows: Sequence[Sequence[object]]) -> Sheet:
    """Find the header (office sheets often open with a title row), map it to fields and read
    the rows below it; a header without a required column is every missing column's error."""
    filled = [i for i, raw in enumerate(raw_rows[:HEADER_SEARCH_ROWS]) if any(map(_cell_text, raw))]
    if not filled:
        raise SpreadsheetError([RowError(label, 0, "", _("the table is empty"))])
    found: tuple[int, dict[str, int], dict[str, str]] | None = None
    for index in filled:
        positions, headers = _positions(raw_rows[index])
        if all(name in positions for name in REQUIRED):
            found = (index, positions, headers)
            break
    if found is None:
        positions, _headers = _positions(raw_rows[filled[0]])
        raise SpreadsheetError(
            [
                RowError(label, filled[0] + 1, HEADERS[name], _("the column is missing"))
                for name in REQUIRED
                if name not in positions
            ]
        )
    header_index, positions, headers = found
    rows: list[tuple[int, dict[str, str]]] = []
    for number in range(header_index + 2, len(raw_rows) + 1):  # Excel numbers rows from 1
        raw = raw_rows[number - 1]
        values = {
            name: _cell_text(raw[index]) if index < len(raw) else ""
            for name, index in positions.items()
        }
        if any(values.values()):  # blank rows between blocks are common
            rows.append((number, values))
    if not rows:
        message = _("no one is listed below the header")
        raise SpreadsheetError([RowError(label, header_index + 1, "", message)])
    return Sheet(Table(KIND, label, rows), headers)


def read_register(path: Path | str, *, label: str = "") -> Sheet:
    """Read the register's sheet from a .csv or an .xlsx file (the sheet 关爱对象, else the
    first). Errors name the file as `label` (the uploaded file's name) or the path's name."""
    path = Path(path)
    label = label or path.name
    suffix = Path(label).suffix.lower() or path.suffix.lower()
    if suffix == ".csv":
        return _sheet(label, _csv_rows(path))
    if suffix in (".xlsx", ".xlsm"):
        book = _open_book(path)
        try:
            name = SHEET_NAME if SHEET_NAME in book.sheetnames else book.sheetnames[0]
            return _sheet(label, _sheet_rows(book[name]))
        finally:
            book.close()
    raise SpreadsheetError([RowError(label, 0, "", _("only .csv and .xlsx files can be imported"))])


# --- Checking ---------------------------------------------------------------------------------


@dataclass
class Row:
    row: int
    node_id: int
    details: register.Details


def parse_date(text: str) -> dt.date | None:
    """1950-03-01, 1950/3/1, 1950.3.1, 1950年3月1日, 19500301, or a workbook's date cell."""
    text = re.sub(r"[T ]00:00(:00)?$", "", text.strip())  # a date cell: 1950-03-01T00:00:00
    match = _DATE.match(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


class _Places:
    """The places the importer serves, by code and by name (read once)."""

    def __init__(self, by: Any) -> None:
        places = within_scope(
            Node.objects.filter(kind__in=register.PLACE_KINDS), by, write=True
        ).values_list("pk", "code", "name")
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for pk, code, name in places:
            self.by_code[code] = pk
            self.by_name.setdefault(name, []).append(pk)

    def find(self, text: str) -> tuple[int | None, str]:
        if text in self.by_code:
            return self.by_code[text], ""
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], ""
        if named:
            return None, _("several places are called %(name)r: write its code") % {"name": text}
        return None, _("unknown place %(name)r (not a community or grid you serve)") % {
            "name": text
        }


def _parse(sheet: Sheet, by: Any, today: dt.date, errors: _Collector) -> list[Row]:
    table = sheet.table
    places = _Places(by)
    parsed: list[Row] = []
    for number, values in table.rows:

        def error(name: str, message: str, number: int = number) -> None:
            errors.add(table, number, sheet.column(name), message)

        for name in REQUIRED:
            if not values.get(name):
                error(name, _("a value is required"))
        node_id, problem = places.find(values["node"]) if values.get("node") else (None, "")
        if problem:
            error("node", problem)
        birth_text = values.get("birth_date", "")
        birth_date = parse_date(birth_text) if birth_text else None
        if birth_text and birth_date is None:
            error(
                "birth_date",
                _("%(value)r is not a date (write 1950-03-01)") % {"value": birth_text},
            )
        mobility_text = values.get("mobility", "")
        mobility = MOBILITY.get(mobility_text, "") if mobility_text else Mobility.INDEPENDENT
        if not mobility:
            error("mobility", _("%(value)r: write 自理, 半失能 or 失能") % {"value": mobility_text})
        alone_text = values.get("lives_alone", "").casefold()
        if alone_text not in YES | NO:
            error("lives_alone", _("%(value)r: write 是 or 否") % {"value": alone_text})
        kinds = []
        for word in KIND_SEPARATORS.split(values.get("kinds", "")):
            if not word:
                continue
            if word in KINDS:
                kinds.append(str(KINDS[word]))
            else:
                error("kinds", _("unknown care kind %(value)r") % {"value": word})
        sex = SEX.get(values.get("sex", ""))
        if sex is None:
            error("sex", _("%(value)r: write 男 or 女") % {"value": values.get("sex", "")})
        try:
            details = register.clean_details(
                name=values.get("name", ""),
                birth_date=birth_date,
                mobility=mobility or Mobility.INDEPENDENT,
                lives_alone=alone_text in YES,
                kinds=kinds,
                address=values.get("address", ""),
                phone=values.get("phone", ""),
                guardian_name=values.get("guardian_name", ""),
                guardian_relation=values.get("guardian_relation", ""),
                guardian_phone=values.get("guardian_phone", ""),
                id_number=values.get("id_number", ""),
                sex=sex or "",
                name_mn=values.get("name_mn", ""),
                note=values.get("note", ""),
                today=today,
            )
        except Invalid as invalid:
            for name, code, message in invalid.details.get("problems", []):
                # A blank required cell, an unknown kind or an unreadable date is reported.
                if (code == "required" and name in REQUIRED) or code == "kinds_required":
                    continue
                if name == "birth_date" and birth_date is None:
                    continue
                error(name, message)
            continue
        if node_id is not None:
            parsed.append(Row(number, node_id, details))
    return parsed


def _check_duplicates(sheet: Sheet, rows: list[Row], errors: _Collector) -> None:
    """The same person twice in the file, or already on the register: by the identity-card
    digest, or by name, date of birth and place. Two queries for the whole sheet."""
    table = sheet.table
    digests = [r.details.identity_digest for r in rows if r.details.identity_digest]
    registered = set(
        CaredPerson.objects.current()
        .filter(identity_digest__in=digests)
        .values_list("identity_digest", flat=True)
    )
    people = set(
        CaredPerson.objects.current()
        .filter(
            node_id__in={r.node_id for r in rows},
            birth_date__in={r.details.birth_date for r in rows},
        )
        .values_list("node_id", "name", "birth_date")
    )
    seen_digest: dict[str, int] = {}
    seen_person: dict[tuple[int, str, dt.date], int] = {}
    for r in rows:
        digest = r.details.identity_digest
        key = (r.node_id, r.details.name, r.details.birth_date)
        if digest and digest in registered:
            errors.add(table, r.row, sheet.column("id_number"), _("already on the register"))
        elif digest and digest in seen_digest:
            errors.add(
                table,
                r.row,
                sheet.column("id_number"),
                _("the same number as row %(row)d") % {"row": seen_digest[digest]},
            )
        elif key in people:
            errors.add(
                table,
                r.row,
                sheet.column("name"),
                _("already on the register (the same name, date of birth and place)"),
            )
        elif key in seen_person:
            errors.add(
                table,
                r.row,
                sheet.column("name"),
                _("the same person as row %(row)d") % {"row": seen_person[key]},
            )
        if digest:
            seen_digest.setdefault(digest, r.row)
        seen_person.setdefault(key, r.row)


# --- Importing --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    dry_run: bool = False


def import_register(
    *, by: Any, sheet: Sheet, dry_run: bool = False, today: dt.date | None = None
) -> ImportResult:
    """Check every row, then add every person in one transaction. Raises SpreadsheetError
    with every problem found, having written nothing; NotAllowed to a reader. With dry_run the
    import runs and is rolled back, so the count is real."""
    access.check_serves_anywhere(by)
    today = today or timezone.localdate()
    errors = _Collector()
    rows = _parse(sheet, by, today, errors)
    _check_duplicates(sheet, rows, errors)
    if errors.errors:
        raise SpreadsheetError(sorted(errors.errors, key=lambda e: e.row))
    nodes = Node.objects.in_bulk([r.node_id for r in rows])
    result = ImportResult(dry_run=dry_run)
    with transaction.atomic():
        for r in rows:
            try:
                register.add_cleaned(
                    by=by, node=nodes[r.node_id], details=r.details, source="import"
                )
            except DomainError as failure:  # registered by someone else meanwhile
                raise SpreadsheetError(
                    [RowError(sheet.table.label, r.row, sheet.column("id_number"), failure.message)]
                ) from None
            result.added += 1
        if dry_run:
            transaction.set_rollback(True)
    return result


def import_upload(
    *, by: Any, upload: Any, dry_run: bool = False, today: dt.date | None = None
) -> ImportResult:
    """`import_register` for a file sent through a form (Django's UploadedFile)."""
    access.check_serves_anywhere(by)
    name = Path(getattr(upload, "name", "") or "upload").name
    if (getattr(upload, "size", 0) or 0) > MAX_UPLOAD:
        message = _("the file is larger than %(mb)d MB") % {"mb": MAX_UPLOAD // (1024 * 1024)}
        raise SpreadsheetError([RowError(name, 0, "", message)])
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix.lower()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        sheet = read_register(handle.name, label=name)
    return import_register(by=by, sheet=sheet, dry_run=dry_run, today=today)


# --- The template -----------------------------------------------------------------------------

NOTES: list[tuple[str, str]] = [
    ("姓名", "必填"),
    ("出生日期", "必填，如 1950-03-01"),
    ("性别", "男 / 女"),
    ("所在网格", "必填，网格或社区的编码或名称"),
    ("住址", ""),
    ("联系电话", "11位手机号"),
    ("行动能力", "自理 / 半失能 / 失能，空白为自理"),
    ("独居", "是 / 否，空白为否"),
    ("关爱类别", "必填：老年人、事实孤儿、困难家庭、残疾人，多个用、分隔"),
    ("监护人", ""),
    ("关系", "如 女儿"),
    ("监护人电话", "11位手机号"),
    ("身份证号", "可不填；只保存加密摘要，不保存号码；请设为文本格式"),
    ("备注", ""),
]


def template_xlsx() -> bytes:
    """An empty register sheet with its headers, and a second sheet saying what each takes."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(SHEET_NAME)
    xlsx.write_row(sheet, 0, list(HEADERS.values()), bold)
    sheet.set_column(0, len(HEADERS) - 1, 14, text)  # text cells: phones and numbers as typed
    sheet.set_column(len(HEADERS) - 2, len(HEADERS) - 2, 22, text)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("填写说明")
    xlsx.write_row(notes, 0, ["列", "说明"], bold)
    for index, (column, note) in enumerate(NOTES, start=1):
        xlsx.write_row(notes, index, [column, note])
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 60)
    book.close()
    return out.getvalue()
