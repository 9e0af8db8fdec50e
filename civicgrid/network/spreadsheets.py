"""Import and export of the network from the spreadsheets offices keep (docs/import.md).

Two tables. "nodes": code, name, name_en, name_mn, kind, parent_code, lat, lon, polygon (GeoJSON in
lon/lat order). "people": name, mobile, role, node_code, one row per role binding, a person
being identified by their mobile number. Either table may come as CSV (UTF-8, with or without
the BOM Excel writes) or as an XLSX sheet.

An import is all or nothing: every row is checked first and every error is reported with the
row number a person sees in Excel (the header is row 1) and the column; only a clean file is
written, in one transaction. Validation reads the database in a handful of bulk queries, never
once per row, so that a city's sheet (10,000 nodes, 100,000 people) imports in seconds.
"""

from __future__ import annotations

import csv
import json
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from civicgrid.core import xlsx
from civicgrid.network.geo import BadPolygon, parse_polygon
from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding, validate_mobile
from civicgrid.network.services import (
    IN_CHUNK,
    node_bulk_create,
    node_bulk_update,
    node_move,
    person_bulk_create,
    person_bulk_rename,
    role_bulk_bind,
)

NODES = "nodes"
PEOPLE = "people"

NODE_COLUMNS = (
    "code",
    "name",
    "name_en",
    "name_mn",
    "kind",
    "parent_code",
    "lat",
    "lon",
    "polygon",
)
PEOPLE_COLUMNS = ("name", "mobile", "role", "node_code")
COLUMNS = {NODES: NODE_COLUMNS, PEOPLE: PEOPLE_COLUMNS}
REQUIRED = {NODES: ("code", "name", "kind"), PEOPLE: PEOPLE_COLUMNS}

# Offices head their sheets in Chinese. Both tables share one dict: 名称 and 姓名 both mean name.
HEADER_ALIASES = {
    "编码": "code",
    "名称": "name",
    "英文名称": "name_en",
    "蒙古文名称": "name_mn",
    "类型": "kind",
    "上级编码": "parent_code",
    "纬度": "lat",
    "经度": "lon",
    "边界": "polygon",
    "姓名": "name",
    "手机号": "mobile",
    "手机号码": "mobile",
    "角色": "role",
    "节点编码": "node_code",
}

SHEET_ALIASES = {"nodes": NODES, "节点": NODES, "people": PEOPLE, "人员": PEOPLE}

# The Chinese labels offices write, spelled out here rather than read from the translation
# catalogue: an import must not change meaning when someone rewords a translation.
KIND_ALIASES = {
    "盟市": NodeKind.LEAGUE,
    "旗县区": NodeKind.BANNER,
    "苏木乡镇街道": NodeKind.TOWN,
    "嘎查村社区": NodeKind.COMMUNITY,
    "大网格": NodeKind.BIG_GRID,
    "小网格": NodeKind.SMALL_GRID,
    "单元": NodeKind.UNIT,
}
ROLE_ALIASES = {
    "居民": Role.RESIDENT,
    "单元长": Role.UNIT_LEADER,
    "网格员": Role.GRID_WORKER,
    "社区工作人员": Role.COMMUNITY_STAFF,
    "联合党委委员": Role.COMMITTEE_MEMBER,
    "成员单位联系人": Role.MEMBER_UNIT_CONTACT,
    "党员": Role.PARTY_MEMBER,
    "志愿者": Role.VOLUNTEER,
    "服务商": Role.PROVIDER,
    "人大代表": Role.REPRESENTATIVE,
    "项目管家": Role.PROJECT_BUTLER,
    "领导": Role.LEADER,
    "管理员": Role.ADMIN,
}

# Model field limits, checked per row because bulk creation skips full_clean.
MAX_LENGTH = {"code": 40, "name": 100, "name_en": 150, "name_mn": 150, "person_name": 64}
# Seven decimals of a degree is about a centimetre. Coordinates are rounded to it on import and
# export because openpyxl writes 16 significant digits, not the 17 a float may need: without
# rounding, 100.02499999999999 would come back from a workbook as 100.025, a false change.
COORDINATE_DECIMALS = 7
# Excel keeps at most this many characters in a cell; longer text is cut without a word.
XLSX_CELL_LIMIT = 32767


def _choice_lookup(choices: Any, aliases: Mapping[str, str]) -> dict[str, str]:
    """Code, English label (any case) and Chinese alias, each mapped to the code."""
    lookup: dict[str, str] = {}
    with translation.override("en"):
        for value, label in choices:
            lookup[value] = value
            lookup[str(label).casefold()] = value
    lookup.update({alias: str(value) for alias, value in aliases.items()})
    return lookup


# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem, located as a person finds it in Excel: sheet, row (header = 1), column."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return _("%(sheet)s: %(message)s") % {"sheet": self.sheet, "message": self.message}
        return _("%(sheet)s row %(row)d, %(column)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class SpreadsheetError(Exception):
    """The spreadsheet cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


# --- reading -----------------------------------------------------------------------------


@dataclass
class Table:
    """A table read from a file: `label` names it in errors (sheet or file name)."""

    kind: str  # NODES or PEOPLE
    label: str
    rows: list[tuple[int, dict[str, str]]]  # (Excel row number, column -> text)


def _cell_text(value: object) -> str:
    """A cell as text. Excel turns mobiles and division codes typed as numbers into floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]  # our CSV export's guard against formulas; see _csv_value
    return text


def _canonical_header(text: str) -> str:
    text = text.strip().lstrip("\ufeff")
    if text in HEADER_ALIASES:
        return HEADER_ALIASES[text]
    return text.casefold().replace(" ", "_").replace("-", "_")


def _header_positions(
    kind: str, label: str, number: int, header: Sequence[object]
) -> dict[str, int]:
    """Column -> index for one candidate header row; raise if a required column is missing."""
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _canonical_header(_cell_text(cell))
        if column not in COLUMNS[kind]:
            continue  # offices add their own columns (备注...); they are not ours to read
        if column in positions:
            errors.append(RowError(label, number, column, _("the column appears twice")))
        positions[column] = index
    for column in REQUIRED[kind]:
        if column not in positions:
            errors.append(RowError(label, number, column, _("the column is missing")))
    if errors:
        raise SpreadsheetError(errors)
    return positions


# Office sheets often open with a title row or two ("某某社区网格信息表") above the header.
HEADER_SEARCH_ROWS = 5


def _table(kind: str, label: str, raw_rows: Sequence[Sequence[object]]) -> Table:
    """Find the header, map it to canonical columns and read the data rows below it."""
    filled = [i for i, raw in enumerate(raw_rows[:HEADER_SEARCH_ROWS]) if any(map(_cell_text, raw))]
    if not filled:
        raise SpreadsheetError([RowError(label, 0, "", _("the table is empty"))])
    positions: dict[str, int] | None = None
    for header_index in filled:
        try:
            positions = _header_positions(kind, label, header_index + 1, raw_rows[header_index])
            break
        except SpreadsheetError:
            continue
    if positions is None:
        # No row looks like a header: report what the first non-empty row lacks.
        header_index = filled[0]
        positions = _header_positions(kind, label, header_index + 1, raw_rows[header_index])
    rows: list[tuple[int, dict[str, str]]] = []
    for number in range(header_index + 2, len(raw_rows) + 1):  # Excel numbers rows from 1
        raw = raw_rows[number - 1]
        values = {
            column: _cell_text(raw[index]) if index < len(raw) else ""
            for column, index in positions.items()
        }
        if any(values.values()):  # blank rows between blocks are common; skip them
            rows.append((number, values))
    return Table(kind, label, rows)


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = _("cannot read the file (%(error)s)") % {"error": exc.strerror or exc}
        raise SpreadsheetError([RowError(path.name, 0, "", message)]) from exc
    try:
        # utf-8-sig drops the BOM that Excel's "CSV UTF-8" puts first.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on a Chinese Windows writes GB18030; not UTF-8 means it is that.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                [RowError(path.name, 0, "", _("the file is neither UTF-8 nor GB18030 text"))]
            ) from exc
    return list(csv.reader(text.splitlines(keepends=True)))


def _open_book(path: Path) -> Any:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetError(
            [RowError(path.name, 0, "", _("cannot read the workbook (%(error)s)") % {"error": exc})]
        ) from exc


def _sheet_rows(sheet: Any) -> list[tuple[object, ...]]:
    # Files from other tools often carry a wrong dimension, which read-only mode trusts.
    sheet.reset_dimensions()
    return list(sheet.iter_rows(values_only=True))


def read_table(path: Path | str, kind: str) -> Table:
    """Read one table from a .csv file or from an .xlsx file (the sheet named after the
    table, else the first sheet). Errors name the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _table(kind, path.name, _csv_rows(path))
    if suffix in (".xlsx", ".xlsm"):
        book = _open_book(path)
        try:
            sheets = {SHEET_ALIASES.get(name.strip().casefold()): name for name in book.sheetnames}
            name = sheets.get(kind, book.sheetnames[0])
            return _table(kind, path.name, _sheet_rows(book[name]))
        finally:
            book.close()
    raise SpreadsheetError(
        [RowError(path.name, 0, "", _("only .csv and .xlsx files can be imported"))]
    )


def read_book(path: Path | str) -> tuple[Table | None, Table | None]:
    """Read the "nodes" and "people" sheets of one workbook; errors name the sheet."""
    path = Path(path)
    book = _open_book(path)
    tables: dict[str, Table] = {}
    errors: list[RowError] = []
    try:
        for name in book.sheetnames:
            kind = SHEET_ALIASES.get(name.strip().casefold())
            if kind is None:
                continue
            try:
                tables[kind] = _table(kind, name, _sheet_rows(book[name]))
            except SpreadsheetError as exc:
                errors.extend(exc.errors)
    finally:
        book.close()
    if errors:
        raise SpreadsheetError(errors)
    if not tables:
        message = _('the workbook has no sheet named "nodes" or "people"')
        raise SpreadsheetError([RowError(path.name, 0, "", message)])
    return tables.get(NODES), tables.get(PEOPLE)


# --- validating --------------------------------------------------------------------------


@dataclass
class NodeRow:
    row: int
    code: str
    name: str
    name_en: str
    name_mn: str
    kind: str
    parent_code: str
    lat: float | None
    lon: float | None
    polygon: dict[str, Any] | None


@dataclass
class PersonRow:
    row: int
    name: str
    mobile: str
    role: str
    node_code: str


@dataclass
class _Existing:
    """What the database holds for one node, loaded in bulk."""

    pk: int
    parent_id: int | None
    depth: int


class _Collector:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, table: Table, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(table.label, row, column, message))


def _required(
    errors: _Collector, table: Table, row: int, values: dict[str, str], column: str
) -> str:
    value = values.get(column, "")
    if not value:
        errors.add(table, row, column, _("a value is required"))
    return value


def _length(
    errors: _Collector, table: Table, row: int, column: str, value: str, limit: int
) -> None:
    if len(value) > limit:
        errors.add(
            table,
            row,
            column,
            _("at most %(limit)d characters, not %(n)d")
            % {
                "limit": limit,
                "n": len(value),
            },
        )


def _coordinate(
    errors: _Collector, table: Table, row: int, column: str, text: str, limit: float
) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        errors.add(
            table,
            row,
            column,
            _("%(value)r is not a number of degrees between -%(limit)d and %(limit)d")
            % {"value": text, "limit": limit},
        )
        return None
    return round(value, COORDINATE_DECIMALS)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def _parse_nodes(table: Table, errors: _Collector) -> dict[str, NodeRow]:
    kinds = _choice_lookup(NodeKind.choices, KIND_ALIASES)
    parsed: dict[str, NodeRow] = {}
    for row, values in table.rows:
        code = _required(errors, table, row, values, "code")
        name = _required(errors, table, row, values, "name")
        name_en = values.get("name_en", "")
        name_mn = values.get("name_mn", "")
        _length(errors, table, row, "code", code, MAX_LENGTH["code"])
        _length(errors, table, row, "name", name, MAX_LENGTH["name"])
        _length(errors, table, row, "name_en", name_en, MAX_LENGTH["name_en"])
        _length(errors, table, row, "name_mn", name_mn, MAX_LENGTH["name_mn"])
        kind_text = _required(errors, table, row, values, "kind")
        kind = kinds.get(kind_text) or kinds.get(kind_text.casefold(), "")
        if kind_text and not kind:
            errors.add(table, row, "kind", _("unknown kind %(kind)r") % {"kind": kind_text})
        lat_text, lon_text = values.get("lat", ""), values.get("lon", "")
        lat = _coordinate(errors, table, row, "lat", lat_text, 90)
        lon = _coordinate(errors, table, row, "lon", lon_text, 180)
        if bool(lat_text) != bool(lon_text):
            column = "lon" if lat_text else "lat"
            errors.add(table, row, column, _("give both latitude and longitude, or neither"))
        polygon = _polygon(errors, table, row, values.get("polygon", ""))
        if code in parsed:
            errors.add(
                table,
                row,
                "code",
                _("duplicate code %(code)r (also on row %(other)d)")
                % {"code": code, "other": parsed[code].row},
            )
            continue
        if code:
            parsed[code] = NodeRow(
                row,
                code,
                name,
                name_en,
                name_mn,
                kind,
                values.get("parent_code", ""),
                lat,
                lon,
                polygon,
            )
    return parsed


def _polygon(errors: _Collector, table: Table, row: int, text: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        geojson = json.loads(text)
    except ValueError as exc:
        errors.add(table, row, "polygon", _("not valid JSON (%(error)s)") % {"error": exc})
        return None
    try:
        parse_polygon(geojson)
    except BadPolygon as exc:
        errors.add(table, row, "polygon", _("not a valid polygon: %(reason)s") % {"reason": exc})
        return None
    # Keep the geometry of a Feature: routing only reads the geometry.
    if geojson.get("type") == "Feature":
        geojson = geojson["geometry"]
    return dict(geojson)


def _load_existing_nodes() -> tuple[dict[str, _Existing], dict[int, str]]:
    """Every node's code, id, parent and depth: a few MB even for a whole region."""
    by_code: dict[str, _Existing] = {}
    code_of: dict[int, str] = {}
    rows = Node.objects.values_list("pk", "code", "parent_id", "depth")
    for pk, code, parent_id, depth in rows.iterator(chunk_size=5000):
        by_code[code] = _Existing(pk, parent_id, depth)
        code_of[pk] = code
    return by_code, code_of


def _final_depths(
    table: Table,
    parsed: dict[str, NodeRow],
    existing: dict[str, _Existing],
    code_of: dict[int, str],
    errors: _Collector,
) -> dict[str, int]:
    """The depth every file node will have, reporting unknown parents and cycles.

    The tree after the import joins the file's parents with the database's parents of the
    nodes the file leaves alone, so a cycle may run through database nodes: moving a node
    under its own descendant.
    """
    for node in parsed.values():
        if node.parent_code and node.parent_code not in parsed and node.parent_code not in existing:
            errors.add(
                table,
                node.row,
                "parent_code",
                _("unknown parent %(code)r (not in this file or the database)")
                % {"code": node.parent_code},
            )

    def parent_of(code: str) -> str | None:
        if code in parsed:
            parent = parsed[code].parent_code
            return parent if parent in parsed or parent in existing else None
        parent_id = existing[code].parent_id
        return code_of[parent_id] if parent_id is not None else None

    depth: dict[str, int] = {}
    broken: set[str] = set()  # in or under a cycle: they have no depth
    for start in parsed:
        chain: list[str] = []
        on_chain: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in depth and code not in broken:
            if code in on_chain:
                cycle = chain[on_chain[code] :]
                _report_cycle(table, parsed, cycle, errors)
                broken.update(chain)
                break
            on_chain[code] = len(chain)
            chain.append(code)
            code = parent_of(code)
        else:
            if code is not None and code in broken:
                broken.update(chain)
                continue
            level = -1 if code is None else depth[code]
            for code_down in reversed(chain):
                level += 1
                depth[code_down] = level
    return {code: level for code, level in depth.items() if code in parsed}


def _report_cycle(
    table: Table, parsed: dict[str, NodeRow], cycle: list[str], errors: _Collector
) -> None:
    # Report once, on the first row of the file that takes part in the cycle.
    in_file = [code for code in cycle if code in parsed]
    first = min(in_file, key=lambda code: parsed[code].row)
    start = cycle.index(first)
    ordered = cycle[start:] + cycle[:start] + [first]
    errors.add(
        table,
        parsed[first].row,
        "parent_code",
        _("%(code)r would end up inside its own subtree (%(chain)s: each under the next)")
        % {"code": first, "chain": " → ".join(ordered)},
    )


def _parse_people(
    table: Table, errors: _Collector, node_codes: set[str] | dict[str, Any]
) -> list[PersonRow]:
    roles = _choice_lookup(Role.choices, ROLE_ALIASES)
    parsed: list[PersonRow] = []
    name_of: dict[str, tuple[str, int]] = {}
    for row, values in table.rows:
        name = _required(errors, table, row, values, "name")
        _length(errors, table, row, "name", name, MAX_LENGTH["person_name"])
        # Spaces and dashes are how people group digits (138 1234 5678); they mean nothing.
        mobile = _required(errors, table, row, values, "mobile").replace(" ", "").replace("-", "")
        if mobile:
            try:
                validate_mobile(mobile)
            except ValidationError as exc:
                errors.add(table, row, "mobile", f"{values['mobile']!r}: {exc.messages[0]}")
                mobile = ""
        role_text = _required(errors, table, row, values, "role")
        role = roles.get(role_text) or roles.get(role_text.casefold(), "")
        if role_text and not role:
            errors.add(table, row, "role", _("unknown role %(role)r") % {"role": role_text})
        node_code = _required(errors, table, row, values, "node_code")
        if node_code and node_code not in node_codes:
            errors.add(
                table,
                row,
                "node_code",
                _("unknown node %(code)r (not in the nodes table or the database)")
                % {"code": node_code},
            )
        if mobile and name:
            seen = name_of.setdefault(mobile, (name, row))
            if seen[0] != name:
                errors.add(
                    table,
                    row,
                    "name",
                    _("%(mobile)s is %(other)r on row %(other_row)d: one mobile, one person")
                    % {"mobile": mobile, "other": seen[0], "other_row": seen[1]},
                )
        parsed.append(PersonRow(row, name, mobile, role, node_code))
    return parsed


# --- applying ----------------------------------------------------------------------------


@dataclass
class ImportResult:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    roles_added: int = 0
    roles_kept: int = 0
    dry_run: bool = False


NODE_FIELDS = ("name", "name_en", "name_mn", "kind", "lat", "lon", "polygon")


def import_network(
    *, nodes: Table | None = None, people: Table | None = None, dry_run: bool = False
) -> ImportResult:
    """Check both tables completely, then build or update the network in one transaction.

    Raises SpreadsheetError with every problem found, having written nothing. With
    dry_run=True the whole import runs and is rolled back, so the counts are real.
    """
    with transaction.atomic():
        result = _import(nodes, people)
        result.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return result


def _import(nodes_table: Table | None, people_table: Table | None) -> ImportResult:
    errors = _Collector()
    existing, code_of = _load_existing_nodes()
    parsed: dict[str, NodeRow] = {}
    depths: dict[str, int] = {}
    if nodes_table is not None:
        parsed = _parse_nodes(nodes_table, errors)
        depths = _final_depths(nodes_table, parsed, existing, code_of, errors)
    people: list[PersonRow] = []
    if people_table is not None:
        people = _parse_people(people_table, errors, parsed.keys() | existing.keys())
    if errors.errors:
        raise SpreadsheetError(errors.errors)

    result = ImportResult()
    ids = {code: item.pk for code, item in existing.items()}
    if parsed:
        _apply_nodes(parsed, depths, existing, code_of, ids, result)
    if people:
        _apply_people(people, ids, result)
    return result


def _apply_nodes(
    parsed: dict[str, NodeRow],
    depths: dict[str, int],
    existing: dict[str, _Existing],
    code_of: dict[int, str],
    ids: dict[str, int],
    result: ImportResult,
) -> None:
    # Level by level, top down. Before a node at depth d moves or is created, every node the
    # file places above it already sits where the file wants it, so node_move never sees a
    # temporary cycle and a new node's parent already has its final path.
    levels: dict[int, list[NodeRow]] = defaultdict(list)
    for code, level in depths.items():
        levels[level].append(parsed[code])
    moved: set[str] = set()
    for level in sorted(levels):
        new_nodes: list[Node] = []
        for row in sorted(levels[level], key=lambda r: r.row):
            parent_id = ids[row.parent_code] if row.parent_code else None
            old = existing.get(row.code)
            if old is None:
                new_nodes.append(
                    Node(
                        code=row.code,
                        parent_id=parent_id,
                        **{name: getattr(row, name) for name in NODE_FIELDS},
                    )
                )
            elif old.parent_id != parent_id:
                node_move(
                    node=Node(pk=old.pk),
                    new_parent=Node(pk=parent_id) if parent_id is not None else None,
                )
                moved.add(row.code)
        for node in node_bulk_create(nodes=new_nodes):
            ids[node.code] = node.pk
        result.nodes_created += len(new_nodes)

    changed: list[Node] = []
    current = _load_fields([code for code in parsed if code in existing])
    for code, row in parsed.items():
        if code not in existing:
            continue
        values = {name: getattr(row, name) for name in NODE_FIELDS}
        if current[code] != values:
            changed.append(Node(pk=existing[code].pk, **values))
        if current[code] != values or code in moved:
            result.nodes_updated += 1
        else:
            result.nodes_unchanged += 1
    if changed:
        node_bulk_update(nodes=changed, fields=NODE_FIELDS)


def _load_fields(codes: list[str]) -> dict[str, dict[str, Any]]:
    current: dict[str, dict[str, Any]] = {}
    for start in range(0, len(codes), IN_CHUNK):
        chunk = codes[start : start + IN_CHUNK]
        for values in Node.objects.filter(code__in=chunk).values("code", *NODE_FIELDS):
            values["lat"], values["lon"] = _round(values["lat"]), _round(values["lon"])
            current[values.pop("code")] = values
    return current


def _apply_people(people: list[PersonRow], node_ids: dict[str, int], result: ImportResult) -> None:
    names: dict[str, str] = {}
    for row in people:
        names.setdefault(row.mobile, row.name)
    mobiles = list(names)
    known: dict[str, tuple[int, str]] = {}
    for start in range(0, len(mobiles), IN_CHUNK):
        chunk = mobiles[start : start + IN_CHUNK]
        for pk, mobile, name in Person.objects.filter(mobile__in=chunk).values_list(
            "pk", "mobile", "name"
        ):
            known[str(mobile)] = (pk, name)

    person_ids = {mobile: pk for mobile, (pk, _name) in known.items()}
    new = [(names[mobile], mobile) for mobile in mobiles if mobile not in known]
    for person in person_bulk_create(people=new):
        assert person.mobile is not None
        person_ids[person.mobile] = person.pk
    result.people_created = len(new)
    renamed = [
        Person(pk=pk, name=names[mobile])
        for mobile, (pk, name) in known.items()
        if name != names[mobile]
    ]
    person_bulk_rename(people=renamed)
    result.people_updated = len(renamed)

    # Only people who existed before can already hold a binding.
    old_ids = [pk for pk, _name in known.values()]
    bound: set[tuple[int, str, int]] = set()
    for start in range(0, len(old_ids), IN_CHUNK):
        id_chunk = old_ids[start : start + IN_CHUNK]
        bound.update(
            RoleBinding.objects.filter(person_id__in=id_chunk).values_list(
                "person_id", "role", "node_id"
            )
        )
    wanted = {(person_ids[row.mobile], row.role, node_ids[row.node_code]) for row in people}
    new_bindings = sorted(wanted - bound)
    role_bulk_bind(bindings=new_bindings)
    result.roles_added = len(new_bindings)
    result.roles_kept = len(wanted) - len(new_bindings)


# --- exporting ---------------------------------------------------------------------------


@dataclass
class Export:
    nodes: list[list[Any]]  # rows under NODE_COLUMNS
    people: list[list[Any]]  # rows under PEOPLE_COLUMNS
    people_without_mobile: int = 0  # role bindings left out: without a mobile, no identity


def export_network(*, root: Node | None = None) -> Export:
    """The network, or the subtree under `root`, as the rows of the two tables.

    Nodes come parents first, siblings by code, and people grouped by node: an order that
    depends on codes only, never on ids, so two databases holding the same network export
    the same files.
    """
    nodes = Node.objects.subtree(root) if root is not None else Node.objects.all()
    rows = list(
        nodes.values_list(
            "pk", "parent_id", "code", "name", "name_en", "name_mn", "kind", "lat", "lon", "polygon"
        )
    )
    code_of = {row[0]: row[2] for row in rows}
    if root is not None and root.parent_id is not None:
        code_of[root.parent_id] = Node.objects.values_list("code", flat=True).get(pk=root.parent_id)
    children: dict[int | None, list[tuple[Any, ...]]] = defaultdict(list)
    in_export = {row[0] for row in rows}
    for row in rows:
        children[row[1] if row[1] in in_export else None].append(row)

    order: dict[int, int] = {}
    node_rows: list[list[Any]] = []
    stack = sorted(children[None], key=lambda r: r[2], reverse=True)
    while stack:  # depth-first, without recursion: a tree may be deep
        pk, parent_id, code, name, name_en, name_mn, kind, lat, lon, polygon = stack.pop()
        order[pk] = len(order)
        node_rows.append(
            [
                code,
                name,
                name_en,
                name_mn,
                kind,
                code_of.get(parent_id, "") if parent_id is not None else "",
                _round(lat),
                _round(lon),
                json.dumps(polygon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                if polygon is not None
                else "",
            ]
        )
        stack.extend(sorted(children[pk], key=lambda r: r[2], reverse=True))

    role_order = {value: index for index, value in enumerate(Role.values)}
    bindings = RoleBinding.objects.filter(node_id__in=nodes.values("pk")).values_list(
        "person__name", "person__mobile", "role", "node_id"
    )
    people: list[tuple[Any, ...]] = []
    without_mobile = 0
    for name, mobile, role, node_id in bindings.iterator(chunk_size=5000):
        if not mobile:
            without_mobile += 1
            continue
        people.append(
            (order[node_id], role_order.get(role, 99), mobile, name, role, code_of[node_id])
        )
    people.sort()
    people_rows = [[name, mobile, role, code] for *_key, mobile, name, role, code in people]
    return Export(node_rows, people_rows, without_mobile)


def write_csv(path: Path | str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    # With a BOM, Excel opens the file as UTF-8 instead of garbling the Chinese.
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if value is None else _csv_value(value) for value in row])


# A text cell starting with one of these is run as a formula when a CSV is opened in a
# spreadsheet (CSV injection): a name like "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> str:
    # repr gives the shortest text that reads back as the same float: exact round trips.
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    # A leading apostrophe makes spreadsheets show the text as typed; import strips it again.
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def write_xlsx(path: Path | str, export: Export) -> None:
    """Both tables as sheets "nodes" and "people" of one workbook."""
    polygon = NODE_COLUMNS.index("polygon")
    too_long = [row[0] for row in export.nodes if len(row[polygon]) > XLSX_CELL_LIMIT]
    if too_long:
        message = _(
            "the polygons of %(codes)s are longer than an Excel cell holds; export to CSV instead"
        ) % {"codes": ", ".join(too_long[:10])}
        raise SpreadsheetError([RowError(Path(path).name, 0, "", message)])
    book = xlsx.openpyxl_workbook()
    for title, columns, rows in (
        (NODES, NODE_COLUMNS, export.nodes),
        (PEOPLE, PEOPLE_COLUMNS, export.people),
    ):
        sheet = book.create_sheet(title)
        sheet.append([xlsx.openpyxl_value(sheet, column) for column in columns])
        for row in rows:
            # Text as text (core.xlsx): a name like "=HYPERLINK(...)" must not become a formula.
            sheet.append([xlsx.openpyxl_value(sheet, value) for value in row])
    book.save(path)


def format_result(result: ImportResult) -> str:
    """The counts an import reports, one line each."""
    lines = [
        _("Nodes: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "created": result.nodes_created,
            "updated": result.nodes_updated,
            "unchanged": result.nodes_unchanged,
        },
        _("People: %(created)d created, %(updated)d renamed.")
        % {"created": result.people_created, "updated": result.people_updated},
        _("Roles: %(added)d added, %(kept)d already held.")
        % {"added": result.roles_added, "kept": result.roles_kept},
    ]
    if result.dry_run:
        lines.append(_("Dry run: nothing was written."))
    return "\n".join(lines)
