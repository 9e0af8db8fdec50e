"""Spreadsheet (formula) injection in the personal-data export: text a resident typed that
starts like a formula is written as a string cell, exactly as typed, never as a formula; from
the console page and from `civicgrid privacy_export`."""

from __future__ import annotations

import io
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db
PHONE = "13912345678"

TEXTS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "=1+1", "http://x.example/"]


def raise_formulas(w: nf.World) -> None:
    for text in TEXTS:
        nf.raise_need(w, description=text, contact_name=text[:64], address=text)


def assert_text_cells(raw: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(raw))  # formulas stay formulas when read
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    typed: dict[str, set[str]] = {}
    for cell in cells:
        if isinstance(cell.value, str):
            typed.setdefault(cell.value, set()).add(cell.data_type)
    for text in TEXTS:
        assert typed.get(text) == {"s"}, (text, typed.get(text))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
                assert b"<hyperlink" not in xml, name


def test_the_console_export_writes_formula_like_text_as_text(client: Client):
    w = nf.world()
    raise_formulas(w)
    client.force_login(w.dispatcher)
    response: Any = client.post("/console/privacy/export/", {"phone": PHONE, "format": "xlsx"})
    assert response.status_code == 200
    assert_text_cells(response.content)


def test_the_export_command_writes_formula_like_text_as_text(tmp_path: Path):
    w = nf.world()
    raise_formulas(w)
    out = tmp_path / "data.xlsx"
    call_command("privacy_export", "--phone", PHONE, "--output", str(out), stdout=StringIO())
    assert_text_cells(out.read_bytes())
