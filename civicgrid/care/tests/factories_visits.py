"""Builders for the register's and the visits' tests: valid identity-card numbers, sheets
written as offices write them (xlsx and csv, Chinese headers, a title row), visiting plans."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from civicgrid.care.models import CaredPerson, VisitPlan
from civicgrid.network.models import Person

HEADER = [
    "姓名",
    "出生日期",
    "性别",
    "所在网格",
    "住址",
    "联系电话",
    "行动能力",
    "独居",
    "关爱类别",
    "监护人",
    "关系",
    "监护人电话",
    "身份证号",
]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: dt.date, serial: int = 123, area: str = "152201") -> str:
    """A well-formed 18-character identity-card number (right check character)."""
    first = f"{area}{born:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True))
    return first + "10X98765432"[total % 11]


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], *, title: str | None = "一社区关爱对象花名册"
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def plan(
    person: CaredPerson,
    *,
    every: int = 7,
    next_due: dt.date,
    visitor: Person | None = None,
) -> VisitPlan:
    return VisitPlan.objects.create(
        person=person, every_days=every, next_due=next_due, visitor=visitor
    )
