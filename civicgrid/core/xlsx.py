"""Every Excel workbook the project writes goes through here, so that text is written as text.

Spreadsheet (formula) injection: a description, a name or a note that starts like a formula
(`=HYPERLINK("http://…"&C2,"…")`, `+1`, `-1`, `@SUM(…)`) would run when the file is opened,
and could send the phone column of a personal-data export to another site. Both writers have
a default that turns such text into a formula: xlsxwriter's `write` (strings_to_formulas,
strings_to_urls) and openpyxl's `append` (a string starting with "=", or an error code such as
"#N/A"). Here every string becomes a string cell holding exactly the text given: nothing is
prefixed or stripped, so an export says what the resident typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

import openpyxl
import xlsxwriter
from openpyxl.cell import WriteOnlyCell

# xlsxwriter's conversions of strings, all off: `write` is never asked to guess.
TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def workbook(target: str | IO[bytes], **options: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook (options as xlsxwriter's, e.g. constant_memory, in_memory) that
    never turns a string into a formula, a link or a number."""
    return xlsxwriter.Workbook(target, {**options, **TEXT_AS_TEXT})


def write_cell(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """One typed cell of an xlsxwriter sheet; None and "" leave the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def write_row(sheet: Any, row: int, values: Iterable[Any], fmt: Any = None) -> None:
    for col, value in enumerate(values):
        write_cell(sheet, row, col, value, fmt)


def openpyxl_workbook() -> openpyxl.Workbook:
    """A write-only openpyxl workbook; append rows through `openpyxl_value`."""
    return openpyxl.Workbook(write_only=True)


def openpyxl_value(sheet: Any, value: Any) -> Any:
    """A value for an openpyxl write-only sheet's `append`: strings as string cells."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # after the value: assigning a value sets the type again
        return cell
    return value
