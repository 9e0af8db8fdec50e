"""One helper writes every workbook (core/xlsx.py), and it writes text as text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl

from civicgrid.core import xlsx

ROOT = Path(xlsx.__file__).resolve().parent.parent
TEXTS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "#N/A", "http://x/", "007"]


def test_no_module_but_the_helper_writes_a_workbook():
    writers = re.compile(
        r"\bimport xlsxwriter\b|openpyxl\.Workbook\(|\bWriteOnlyCell\b|\bWorkbook\("
    )
    found = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "xlsx.py"
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"write workbooks through civicgrid.core.xlsx: {found}"


def test_both_writers_keep_formula_like_text_as_string_cells(tmp_path: Path):
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    sheet = book.add_worksheet("a")
    xlsx.write_row(sheet, 0, TEXTS)
    book.close()
    other = openpyxl.Workbook(write_only=True)
    page = other.create_sheet("b")
    page.append([xlsx.openpyxl_value(page, text) for text in TEXTS])
    other.save(tmp_path / "b.xlsx")
    for raw in (out.getvalue(), (tmp_path / "b.xlsx").read_bytes()):
        row = next(openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0].iter_rows())
        assert [(c.value, c.data_type) for c in row] == [(t, "s") for t in TEXTS]
