"""The monthly report: its contents as HTML, the PDF (a real PDF whose first page renders
with Chinese glyphs), the 503 when WeasyPrint cannot run, and no resident named anywhere."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from civicgrid.core import pdf
from civicgrid.insights.kpis import Period, Scope, kpis
from civicgrid.insights.report import bars_svg, monthly_report, nice_ceiling, scrub
from civicgrid.insights.sentences import sentence
from civicgrid.insights.tests.history import NAME, PHONE, SH, build_history
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SH)
OUTPUT_DIR = Path(__file__).resolve().parents[3] / "test-output" / "report"


@pytest.fixture
def w() -> nf.World:
    with time_machine.travel(NOW, tick=False):
        world = nf.world()
    build_history(world, needs=40)
    return world


def report_url(node, **extra) -> str:
    query = urlencode({"node": node.pk, "month": "2026-11", **extra})
    return f"{reverse('dashboard:report')}?{query}"


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def staff(w: nf.World) -> Client:
    client = Client()
    client.force_login(w.town_staff)
    return client


def test_the_html_report_has_the_figures_charts_examples_and_sentence(w):
    client = staff(w)
    with time_machine.travel(NOW, tick=False):
        response = client.get(report_url(w.t["town1"]))
    assert response.status_code == 200
    html = response.content.decode()
    figures = kpis(Scope(node=w.t["town1"], period=Period.month(2026, 11)))
    for rate in (figures.response_rate, figures.resolution_rate, figures.on_time_rate):
        assert f"{rate.numerator} / {rate.denominator}" in html
        assert rate.percent in html
    assert html.count("<svg") == 3  # trend, categories, areas below
    assert "<script" not in html
    assert sentence(Scope(node=w.t["town1"], period=Period.month(2026, 11)), "zh-hans") in html
    assert "道路损坏" in html  # a top category
    assert "2026年11月" in html
    assert 'class="report-example-head"' in html  # examples
    # Examples show a scrubbed description: no phone, no name.
    assert PHONE not in html and NAME not in html
    assert "138****5678" in html


def test_the_report_reads_in_english(w):
    client = staff(w)
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        html = client.get(report_url(w.t["town1"])).content.decode()
    assert "November 2026" in html
    assert "Road damaged" in html
    assert sentence(Scope(node=w.t["town1"], period=Period.month(2026, 11)), "en") in html


def test_the_report_checks_its_parameters(w):
    client = staff(w)
    assert client.get(report_url(w.t["town1"], month="2026-13")).status_code == 400
    assert client.get(report_url(w.t["town1"], format="docx")).status_code == 400
    assert client.get(report_url(w.t["town2"])).status_code == 404  # outside the area
    assert Client().get(report_url(w.t["town1"])).status_code == 302


def test_the_pdf_is_a_real_pdf_whose_first_page_renders(w):
    client = staff(w)
    with time_machine.travel(NOW, tick=False):
        response = client.get(report_url(w.t["town1"], format="pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    code = w.t["town1"].code
    assert f'filename="report-{code}-2026-11.pdf"' in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    body = response.content
    assert body.startswith(b"%PDF")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    target = OUTPUT_DIR / "report.pdf"
    target.write_bytes(body)
    # poppler-utils comes with `make test` (scripts/install-system.sh): a real check, not a skip.
    assert shutil.which("pdftoppm"), "install poppler-utils (scripts/install-system.sh)"
    info = run("pdfinfo", str(target))
    pages = next(line for line in info.splitlines() if line.startswith("Pages:"))
    assert int(pages.split()[1]) >= 1
    # The Chinese font is embedded: without it every Chinese character would be a box.
    assert "Noto-Sans-CJK-SC" in run("pdffonts", str(target))
    run(
        "pdftoppm",
        "-f",
        "1",
        "-l",
        "1",
        "-r",
        "90",
        "-png",
        "-singlefile",
        str(target),
        str(OUTPUT_DIR / "report-p1"),
    )
    assert (OUTPUT_DIR / "report-p1.png").stat().st_size > 10_000


def test_without_weasyprint_the_pdf_answers_503_not_500(w, monkeypatch):
    def missing(html: str) -> bytes:
        raise pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "render_pdf", missing)
    response = staff(w).get(report_url(w.t["town1"], format="pdf"))
    assert response.status_code == 503
    assert "WeasyPrint" in response.content.decode()


def test_the_examples_never_name_the_resident(w):
    with time_machine.travel(NOW, tick=False):
        data = monthly_report(w.t["town1"], Period.month(2026, 11))
    assert 1 <= len(data.examples) <= 5
    assert len({e.category for e in data.examples}) == len(data.examples)  # one per category
    for example in data.examples:
        assert PHONE not in example.summary and NAME not in example.summary
        assert len(example.summary) <= 60


def test_scrub_masks_numbers_and_names_and_shortens():
    assert scrub("张三说 13812345678 路坏了", "张三") == "**说 138****5678 路坏了"
    assert len(scrub("长" * 200)) == 60


def test_svg_labels_are_escaped_and_axes_end_on_round_numbers():
    svg = bars_svg([("<b>&", 3, 1)])
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert [nice_ceiling(v) for v in (0, 3, 9, 11, 41, 450)] == [2, 4, 10, 20, 60, 600]
