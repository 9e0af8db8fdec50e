"""The register imported from an office's sheet (xlsx or csv, Chinese headers, a title row
above them): all or nothing, every problem listed with its row and column, the
identity-card number kept only as its digest; the template reads back."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from civicgrid.care import register_import
from civicgrid.care.models import CaredPerson, CareMark
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_visits as vf
from civicgrid.core.errors import NotAllowed
from civicgrid.core.hashing import identity_digest
from civicgrid.network.spreadsheets import SpreadsheetError

pytestmark = pytest.mark.django_db


def _rows(c: cf.Care) -> list[list[object]]:
    grid_a = c.w.t["gridA"]
    return [
        [
            "周奶奶",
            "1940-05-06",
            "女",
            grid_a.code,
            "一组20号",
            "13800001001",
            "半失能",
            "是",
            "老年人、残疾人",
            "周红",
            "女儿",
            "13900001001",
            vf.id_number(cf.born(86), 1),
        ],
        [
            "小刚",
            "2015/3/1",
            "男",
            "B网格",
            "",
            "",
            "自理",
            "否",
            "事实孤儿",
            "王大",
            "祖父",
            "",
            "",
        ],
        ["吴大爷", "1950年1月2日", "", grid_a.code, "", "", "", "", "困难家庭", "", "", "", ""],
    ]


def _import(c: cf.Care, path: Path, by: object = None, **kwargs: object) -> int:
    sheet = register_import.read_register(path)
    result = register_import.import_register(
        by=by or c.w.dispatcher,
        sheet=sheet,
        today=cf.DAY,
        **kwargs,  # type: ignore[arg-type]
    )
    return result.added


@pytest.mark.parametrize("kind", ["xlsx", "csv", "csv-gb18030"])
def test_a_clean_sheet_is_imported(tmp_path: Path, kind: str) -> None:
    c = cf.care()
    rows = _rows(c)
    if kind == "xlsx":
        path = vf.write_xlsx(tmp_path / "花名册.xlsx", rows)
    else:
        encoding = "gb18030" if kind == "csv-gb18030" else "utf-8-sig"
        path = vf.write_csv(tmp_path / "花名册.csv", rows, encoding=encoding)
    before = CaredPerson.objects.count()
    assert _import(c, path) == 3
    assert CaredPerson.objects.count() == before + 3
    zhou = CaredPerson.objects.get(name="周奶奶")
    assert (zhou.node, zhou.mobility, zhou.lives_alone, zhou.sex) == (
        c.w.t["gridA"],
        "limited",
        True,
        "f",
    )
    assert zhou.identity_digest == identity_digest(str(rows[0][12]))
    assert sorted(CareMark.objects.filter(person=zhou).values_list("kind", flat=True)) == [
        "disabled",
        "elderly",
    ]
    gang = CaredPerson.objects.get(name="小刚")
    assert gang.node == c.w.t["gridB"] and gang.identity_digest == ""
    assert str(gang.birth_date) == "2015-03-01" and gang.guardian_relation == "祖父"
    wu = CaredPerson.objects.get(name="吴大爷")
    assert (wu.mobility, wu.lives_alone, str(wu.birth_date)) == ("independent", False, "1950-01-02")


def test_a_workbook_date_cell_is_read(tmp_path: Path) -> None:
    import datetime as dt

    c = cf.care()
    row = _rows(c)[2]
    row[1] = dt.datetime(1950, 1, 2)
    _import(c, vf.write_xlsx(tmp_path / "s.xlsx", [row]))
    assert str(CaredPerson.objects.get(name="吴大爷").birth_date) == "1950-01-02"


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_any_error_imports_nothing_and_names_each_row(tmp_path: Path, kind: str) -> None:
    c = cf.care()
    rows = _rows(c)
    rows[1][1] = "2015-13-45"  # row 4 with the title: no such date
    rows[2][8] = "老年人、孤寡"  # row 5: an unknown kind
    rows[2][5] = "1380000"  # and a short mobile
    title = kind == "xlsx"
    if title:
        path = vf.write_xlsx(tmp_path / "s.xlsx", rows)
    else:
        path = vf.write_csv(tmp_path / "s.csv", rows)
    before = CaredPerson.objects.count()
    with pytest.raises(SpreadsheetError) as refused:
        _import(c, path)
    first = 3 if title else 2
    found = {(e.row, e.column) for e in refused.value.errors}
    assert found == {(first + 1, "出生日期"), (first + 2, "关爱类别"), (first + 2, "联系电话")}
    assert all(e.sheet == path.name for e in refused.value.errors)
    assert str(refused.value.errors[0]).startswith(f"{path.name} ")
    assert CaredPerson.objects.count() == before


def test_a_missing_column_is_reported_on_the_header(tmp_path: Path) -> None:
    c = cf.care()
    path = tmp_path / "s.csv"
    path.write_text("姓名,出生日期\n张三,1950-01-01\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError) as refused:
        _import(c, path)
    assert {(e.row, e.column) for e in refused.value.errors} == {(1, "所在网格"), (1, "关爱类别")}


def test_a_sheet_with_no_one_below_the_header_is_refused(tmp_path: Path) -> None:
    c = cf.care()
    with pytest.raises(SpreadsheetError) as refused:
        _import(c, vf.write_xlsx(tmp_path / "s.xlsx", []))
    assert [e.row for e in refused.value.errors] == [2]


def test_places_outside_the_importers_area_are_refused(tmp_path: Path) -> None:
    c = cf.care()
    rows = _rows(c)
    rows[0][3] = c.w.t["gridC"].code  # comm2's grid
    path = vf.write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(SpreadsheetError) as refused:
        _import(c, path)
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "所在网格")]
    with pytest.raises(SpreadsheetError) as worker:
        _import(c, vf.write_csv(tmp_path / "t.csv", _rows(c)), by=c.w.grid_worker)
    assert [(e.row, e.column) for e in worker.value.errors] == [(3, "所在网格")]  # grid B


def test_readers_may_not_import(tmp_path: Path) -> None:
    c = cf.care()
    with pytest.raises(NotAllowed):
        _import(c, vf.write_csv(tmp_path / "s.csv", _rows(c)), by=c.w.leader)
    assert not CaredPerson.objects.filter(name="周奶奶").exists()


def test_the_same_person_twice_is_an_error_on_their_row(tmp_path: Path) -> None:
    c = cf.care()
    rows = _rows(c)
    rows.append(list(rows[0]))  # the same number again: row 5
    rows[-1][0] = "周奶奶二"
    rows.append(list(rows[2]))  # the same name, date of birth and place: row 6
    existing = cf.person(c.w.t["gridA"], "老郑", 77, identity_digest="")
    zheng: list[object] = ["老郑", existing.birth_date.isoformat(), "", c.w.t["gridA"].code]
    rows.append([*zheng, "", "", "", "", "老年人", "", "", "", ""])  # row 7: on the register
    path = vf.write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(SpreadsheetError) as refused:
        _import(c, path)
    assert [(e.row, e.column) for e in refused.value.errors] == [
        (5, "身份证号"),
        (6, "姓名"),
        (7, "姓名"),
    ]
    # Imported once, the same sheet again is refused row by row.
    assert _import(c, vf.write_csv(tmp_path / "t.csv", _rows(c))) == 3
    with pytest.raises(SpreadsheetError) as again:
        _import(c, vf.write_csv(tmp_path / "u.csv", _rows(c)))
    assert [(e.row, e.column) for e in again.value.errors] == [
        (2, "身份证号"),
        (3, "姓名"),
        (4, "姓名"),
    ]


def test_a_dry_run_counts_and_writes_nothing(tmp_path: Path) -> None:
    c = cf.care()
    before = CaredPerson.objects.count()
    assert _import(c, vf.write_csv(tmp_path / "s.csv", _rows(c)), dry_run=True) == 3
    assert CaredPerson.objects.count() == before


def test_the_template_has_the_headers_and_reads_back(tmp_path: Path) -> None:
    c = cf.care()
    data = register_import.template_xlsx()
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[register_import.SHEET_NAME]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == list(register_import.HEADERS.values())
    for row in _rows(c):
        sheet.append([str(v) for v in row])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    assert _import(c, path) == 3
