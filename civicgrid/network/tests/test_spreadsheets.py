from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.utils import translation

from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding
from civicgrid.network.spreadsheets import (
    NODES,
    PEOPLE,
    SpreadsheetError,
    export_network,
    import_network,
    read_book,
    read_table,
)
from civicgrid.network.tests import factories as f

pytestmark = pytest.mark.django_db

NODE_HEADER = "code,name,name_en,kind,parent_code,lat,lon,polygon\n"
PEOPLE_HEADER = "name,mobile,role,node_code\n"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The assertions read the English source text, whatever translations exist.
    with translation.override("en"):
        yield


def write(tmp_path: Path, name: str, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def import_csv(tmp_path: Path, nodes: str | None = None, people: str | None = None, **kw: bool):
    return import_network(
        nodes=read_table(write(tmp_path, "nodes.csv", nodes), NODES) if nodes else None,
        people=read_table(write(tmp_path, "people.csv", people), PEOPLE) if people else None,
        **kw,
    )


def errors_of(tmp_path: Path, nodes: str | None = None, people: str | None = None) -> list[str]:
    with pytest.raises(SpreadsheetError) as caught:
        import_csv(tmp_path, nodes, people)
    return [str(error) for error in caught.value.errors]


def csv_quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def sheet_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def wipe() -> None:
    RoleBinding.objects.all().delete()
    Person.objects.all().delete()
    deepest = Node.objects.aggregate(d=Max("depth"))["d"] or 0
    for depth in range(deepest, -1, -1):  # children first: parent is PROTECT
        Node.objects.filter(depth=depth).delete()


def populated_region() -> dict[str, Node]:
    t = f.region()
    Node.objects.filter(pk=t["comm1"].pk).update(
        lat=46.0763, lon=100.02499999999999, name_en="First"
    )
    f.person("网格员甲", roles=[(Role.GRID_WORKER, t["gridA"]), (Role.PARTY_MEMBER, t["comm1"])])
    f.person("=SUM(A1)", roles=[(Role.RESIDENT, t["unitA"])])  # text, never a formula
    f.person("领导", roles=[(Role.LEADER, t["banner"])])
    return t


def assert_paths_are_right() -> None:
    nodes = {node.pk: node for node in Node.objects.all()}
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        assert node.path == f"{parent.path if parent else ''}{node.pk}/", node.code
        assert node.depth == (parent.depth + 1 if parent else 0), node.code


# --- round trips -------------------------------------------------------------------------


def test_a_workbook_exported_and_imported_into_an_empty_database_exports_the_same(tmp_path):
    populated_region()
    call_command("export_network", str(tmp_path / "first.xlsx"))
    first = sheet_rows(tmp_path / "first.xlsx")
    wipe()

    call_command("import_network", str(tmp_path / "first.xlsx"))
    call_command("export_network", str(tmp_path / "second.xlsx"))

    assert sheet_rows(tmp_path / "second.xlsx") == first
    assert first["nodes"][0] == (
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
    assert len(first["nodes"]) == 1 + 12
    assert len(first["people"]) == 1 + 4
    assert_paths_are_right()


def test_csv_files_exported_and_imported_into_an_empty_database_are_identical(tmp_path):
    populated_region()
    before = {"grids": Node.objects.grids().count(), "roles": RoleBinding.objects.count()}
    call_command("export_network", nodes=str(tmp_path / "n1.csv"), people=str(tmp_path / "p1.csv"))
    wipe()

    call_command("import_network", nodes=str(tmp_path / "n1.csv"), people=str(tmp_path / "p1.csv"))
    call_command("export_network", nodes=str(tmp_path / "n2.csv"), people=str(tmp_path / "p2.csv"))

    assert (tmp_path / "n2.csv").read_bytes() == (tmp_path / "n1.csv").read_bytes()
    assert (tmp_path / "p2.csv").read_bytes() == (tmp_path / "p1.csv").read_bytes()
    assert Node.objects.grids().count() == before["grids"]
    assert RoleBinding.objects.count() == before["roles"]
    grid_c = Node.objects.get(name="C网格")
    assert len(grid_c.polygon["coordinates"]) == 2  # the hole survived
    assert Node.objects.get(name="一社区").lat == 46.0763


def test_importing_an_export_into_the_same_database_changes_nothing(tmp_path):
    populated_region()
    call_command("export_network", str(tmp_path / "book.xlsx"))
    nodes, people = read_book(tmp_path / "book.xlsx")

    result = import_network(nodes=nodes, people=people)

    assert (result.nodes_created, result.nodes_updated, result.nodes_unchanged) == (0, 0, 12)
    assert (result.people_created, result.people_updated) == (0, 0)
    assert (result.roles_added, result.roles_kept) == (0, 4)


def test_a_formula_like_name_is_exported_as_text(tmp_path):
    populated_region()
    call_command("export_network", str(tmp_path / "book.xlsx"))
    names = [row[0] for row in sheet_rows(tmp_path / "book.xlsx")["people"]]
    assert "=SUM(A1)" in names


def test_exporting_a_subtree_writes_only_its_nodes_and_roles(tmp_path):
    t = populated_region()
    call_command(
        "export_network",
        node=t["town1"].code,
        nodes=str(tmp_path / "n.csv"),
        people=str(tmp_path / "p.csv"),
    )
    nodes = read_table(tmp_path / "n.csv", NODES).rows
    people = read_table(tmp_path / "p.csv", PEOPLE).rows
    assert [values["name"] for _row, values in nodes] == [
        "一镇",
        "一社区",
        "一大网格",
        "A网格",
        "A单元",
        "B网格",
    ]
    assert nodes[0][1]["parent_code"] == t["banner"].code  # re-importable where it came from
    assert {values["role"] for _row, values in people} == {
        "grid_worker",
        "party_member",
        "resident",
    }


# --- what offices write ------------------------------------------------------------------


def test_chinese_headers_kind_and_role_labels_are_accepted(tmp_path):
    result = import_csv(
        tmp_path,
        "编码,名称,英文名称,类型,上级编码,纬度,经度,边界,备注\n"
        "152200,兴安盟,Hinggan,盟市,,46.08,122.05,,an extra column is ignored\n"
        "152221,科右前旗,,旗县区,152200,,,,\n"
        "G1,一网格,,小网格,152221,,,,\n",
        "姓名,手机号,角色,节点编码\n张三,13812345678,网格员,G1\n张三,138 1234 5678,党员,152221\n",
    )
    assert (result.nodes_created, result.people_created, result.roles_added) == (3, 1, 2)
    grid = Node.objects.get(code="G1")
    assert grid.kind == NodeKind.SMALL_GRID
    assert grid.is_within(Node.objects.get(code="152200"))
    person = Person.objects.get(mobile="13812345678")
    assert not person.has_usable_password()
    assert set(person.roles.values_list("role", flat=True)) == {"grid_worker", "party_member"}


def test_english_codes_and_labels_in_any_case_are_accepted(tmp_path):
    import_csv(tmp_path, NODE_HEADER + "A,甲,,League,,,,\nB,乙,,SMALL_GRID,A,,,\n")
    assert Node.objects.get(code="A").kind == "league"
    assert Node.objects.get(code="B").kind == "small_grid"


def test_a_csv_with_a_bom_is_read_like_one_without(tmp_path):
    path = write(tmp_path, "nodes.csv", "编码,名称,类型\nA,甲,盟市\n", bom=True)
    table = read_table(path, NODES)
    assert table.rows == [(2, {"code": "A", "name": "甲", "kind": "盟市"})]
    import_network(nodes=table)
    assert Node.objects.get(code="A").name == "甲"


def test_a_gb18030_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "nodes.csv"
    path.write_bytes("编码,名称,类型\nA,甲,盟市\n".encode("gb18030"))
    assert read_table(path, NODES).rows[0][1]["name"] == "甲"


def test_numbers_typed_into_excel_cells_are_read_as_codes_and_mobiles(tmp_path):
    book = openpyxl.Workbook()
    nodes = book.active
    nodes.title = "nodes"
    nodes.append(["code", "name", "kind", "parent_code", "lat", "lon"])
    nodes.append([152200, "兴安盟", "盟市", None, 46.08, 122])
    people = book.create_sheet("人员")
    people.append(["姓名", "手机号", "角色", "节点编码"])
    people.append(["张三", 13812345678.0, "领导", 152200.0])
    book.save(tmp_path / "book.xlsx")

    call_command("import_network", str(tmp_path / "book.xlsx"))

    node = Node.objects.get(code="152200")
    assert (node.lat, node.lon) == (46.08, 122.0)
    assert Person.objects.get(mobile="13812345678").roles.get().node == node


def test_parents_may_come_after_their_children(tmp_path):
    import_csv(tmp_path, NODE_HEADER + "C,丙,,unit,B,,,\nB,乙,,small_grid,A,,,\nA,甲,,league,,,,\n")
    c = Node.objects.get(code="C")
    assert [n.code for n in Node.objects.filter(pk__in=c.ancestor_ids())] == ["A", "B", "C"]
    assert c.depth == 2
    assert_paths_are_right()


def test_an_existing_person_is_renamed_and_keeps_the_roles_not_in_the_file(tmp_path):
    t = f.region()
    p = f.person("旧名", roles=[(Role.VOLUNTEER, t["comm1"])])
    result = import_csv(
        tmp_path, people=PEOPLE_HEADER + f"新名,{p.mobile},grid_worker,{t['gridA'].code}\n"
    )
    assert (result.people_created, result.people_updated, result.roles_added) == (0, 1, 1)
    p.refresh_from_db()
    assert p.name == "新名"
    assert p.check_password("pass-12345")  # an import never touches a password
    assert set(p.roles.values_list("role", flat=True)) == {"volunteer", "grid_worker"}


def test_an_update_rewrites_fields_and_empty_cells_clear_them(tmp_path):
    t = f.region()
    grid = t["gridA"]
    before = grid.updated_at
    result = import_csv(
        tmp_path,
        NODE_HEADER + f"{grid.code},新A网格,Grid A,small_grid,{t['big1'].code},46.1,122.1,\n",
    )
    assert (result.nodes_created, result.nodes_updated) == (0, 1)
    grid.refresh_from_db()
    assert (grid.name, grid.name_en, grid.lat, grid.lon, grid.polygon) == (
        "新A网格",
        "Grid A",
        46.1,
        122.1,
        None,
    )
    assert grid.updated_at > before  # the grid index notices the change


# --- moves and cycles --------------------------------------------------------------------


def test_an_update_moves_a_subtree_and_subtree_queries_follow(tmp_path):
    t = f.region()
    comm1 = t["comm1"]
    result = import_csv(
        tmp_path, NODE_HEADER + f"{comm1.code},{comm1.name},,community,{t['town2'].code},,,\n"
    )
    assert result.nodes_updated == 1
    under_town2 = set(
        Node.objects.subtree(Node.objects.get(pk=t["town2"].pk)).values_list("name", flat=True)
    )
    assert {"一社区", "一大网格", "A网格", "B网格", "A单元", "二社区"} <= under_town2
    assert not Node.objects.descendants(Node.objects.get(pk=t["town1"].pk)).exists()
    assert_paths_are_right()


def test_a_node_and_its_child_may_swap_places(tmp_path):
    t = f.region()
    big1, grid_a = t["big1"], t["gridA"]
    import_csv(
        tmp_path,
        NODE_HEADER
        + f"{big1.code},{big1.name},,big_grid,{grid_a.code},,,\n"
        + f"{grid_a.code},{grid_a.name},,small_grid,{t['comm1'].code},,,\n",
    )
    assert Node.objects.get(pk=big1.pk).parent_id == grid_a.pk
    assert_paths_are_right()


def test_a_move_under_its_own_descendant_in_the_database_is_a_cycle(tmp_path):
    t = f.region()
    town1 = t["town1"]
    errors = errors_of(
        tmp_path, NODE_HEADER + f"{town1.code},{town1.name},,town,{t['gridA'].code},,,\n"
    )
    assert len(errors) == 1
    assert errors[0].startswith("nodes.csv row 2, parent_code: ")
    assert "would end up inside its own subtree" in errors[0]
    assert t["gridA"].code in errors[0]
    assert Node.objects.get(pk=town1.pk).parent_id == t["banner"].pk


def test_a_cycle_within_the_file_is_reported_once(tmp_path):
    errors = errors_of(
        tmp_path,
        NODE_HEADER + "A,甲,,league,,,,\nB,乙,,town,C,,,\nC,丙,,unit,B,,,\nD,丁,,unit,D,,,\n",
    )
    assert errors == [
        "nodes.csv row 3, parent_code: 'B' would end up inside its own subtree "
        "(B → C → B: each under the next)",
        "nodes.csv row 5, parent_code: 'D' would end up inside its own subtree "
        "(D → D: each under the next)",
    ]
    assert not Node.objects.exists()


# --- refusals ----------------------------------------------------------------------------

BAD_NODES = [
    ("A,,,league,,,,", "nodes.csv row 3, name: a value is required"),
    ("A,甲,,county,,,,", "nodes.csv row 3, kind: unknown kind 'county'"),
    ("ROOT,甲,,league,,,,", "nodes.csv row 3, code: duplicate code 'ROOT' (also on row 2)"),
    (
        "A,甲,,town,X123,,,",
        "nodes.csv row 3, parent_code: unknown parent 'X123' (not in this file or the database)",
    ),
    ("A,甲,,town,ROOT,91,120,", "nodes.csv row 3, lat: '91' is not a number of degrees between"),
    ("A,甲,,town,ROOT,45,东经120,", "nodes.csv row 3, lon: '东经120' is not a number of degrees"),
    ("A,甲,,town,ROOT,45,,", "nodes.csv row 3, lon: give both latitude and longitude, or neither"),
    ("A,甲,,town,ROOT,,,{not json", "nodes.csv row 3, polygon: not valid JSON"),
    (
        'A,甲,,town,ROOT,,,"{""type"": ""Point"", ""coordinates"": [1, 2]}"',
        "nodes.csv row 3, polygon: not a valid polygon: type must be Polygon or MultiPolygon",
    ),
    (
        "A,甲,,town,ROOT,,,"
        + csv_quoted(
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
            )
        ),
        "nodes.csv row 3, polygon: not a valid polygon: the polygon is invalid",
    ),
    ("A" * 41 + ",甲,,town,ROOT,,,", "nodes.csv row 3, code: at most 40 characters, not 41"),
]


@pytest.mark.parametrize(("line", "error"), BAD_NODES)
def test_a_bad_node_row_is_reported_with_its_row_and_nothing_is_written(tmp_path, line, error):
    errors = errors_of(tmp_path, NODE_HEADER + "ROOT,根,,league,,,,\n" + line + "\n")
    assert len(errors) == 1, errors
    assert errors[0].startswith(error)
    assert not Node.objects.exists()


BAD_PEOPLE = [
    (
        "张三,12345678901,resident,ROOT",
        "people.csv row 3, mobile: '12345678901': Enter an 11-digit",
    ),
    ("张三,1381234567,resident,ROOT", "people.csv row 3, mobile: '1381234567': Enter an 11-digit"),
    ("张三,13812345678,mayor,ROOT", "people.csv row 3, role: unknown role 'mayor'"),
    (
        "张三,13812345678,resident,NOPE",
        "people.csv row 3, node_code: unknown node 'NOPE' (not in the nodes table or the database)",
    ),
    (",13812345678,resident,ROOT", "people.csv row 3, name: a value is required"),
    (
        "李四,13800000001,resident,ROOT",
        "people.csv row 3, name: 13800000001 is '王五' on row 2: one mobile, one person",
    ),
]


@pytest.mark.parametrize(("line", "error"), BAD_PEOPLE)
def test_a_bad_person_row_is_reported_with_its_row_and_nothing_is_written(tmp_path, line, error):
    errors = errors_of(
        tmp_path,
        NODE_HEADER + "ROOT,根,,league,,,,\n",
        PEOPLE_HEADER + "王五,13800000001,admin,ROOT\n" + line + "\n",
    )
    assert len(errors) == 1, errors
    assert errors[0].startswith(error)
    assert not Node.objects.exists()
    assert not Person.objects.exists()


def test_a_missing_column_is_reported_on_the_header_row(tmp_path):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(write(tmp_path, "nodes.csv", "code,name\nA,甲\n"), NODES)
    assert [str(e) for e in caught.value.errors] == ["nodes.csv row 1, kind: the column is missing"]


def test_every_error_is_reported_at_once_and_an_existing_tree_is_left_alone(tmp_path):
    t = f.region()
    paths = dict(Node.objects.values_list("code", "path"))
    errors = errors_of(
        tmp_path,
        NODE_HEADER
        + f"{t['gridA'].code},改名,,small_grid,{t['big2'].code},,,\n"  # a valid move...
        + "NEW,新,,unit,X123,,,\n",  # ...refused with the bad row
        PEOPLE_HEADER + "张三,110,resident,NEW\n赵六,13912345678,boss,NOPE\n",
    )
    assert [e.split(":")[0] for e in errors] == [
        "nodes.csv row 3, parent_code",
        "people.csv row 2, mobile",
        "people.csv row 3, role",
        "people.csv row 3, node_code",
    ]
    assert dict(Node.objects.values_list("code", "path")) == paths
    assert Node.objects.get(pk=t["gridA"].pk).name == "A网格"


def test_a_dry_run_counts_everything_and_writes_nothing(tmp_path):
    result = import_csv(
        tmp_path,
        NODE_HEADER + "A,甲,,league,,,,\nB,乙,,town,A,,,\n",
        PEOPLE_HEADER + "张三,13812345678,resident,B\n",
        dry_run=True,
    )
    assert (result.nodes_created, result.people_created, result.roles_added) == (2, 1, 1)
    assert not Node.objects.exists()
    assert not Person.objects.exists()


# --- the commands ------------------------------------------------------------------------


def test_the_import_command_prints_the_counts(tmp_path, capsys):
    write(tmp_path, "nodes.csv", NODE_HEADER + "A,甲,,league,,,,\nB,乙,,town,A,,,\n")
    write(tmp_path, "people.csv", PEOPLE_HEADER + "张三,13812345678,网格员,B\n")
    call_command(
        "import_network", nodes=str(tmp_path / "nodes.csv"), people=str(tmp_path / "people.csv")
    )
    out = capsys.readouterr().out
    assert "Nodes: 2 created, 0 updated, 0 unchanged." in out
    assert "People: 1 created, 0 renamed." in out
    assert "Roles: 1 added, 0 already held." in out


def test_the_import_command_dry_run_says_so(tmp_path, capsys):
    write(tmp_path, "nodes.csv", NODE_HEADER + "A,甲,,league,,,,\n")
    call_command("import_network", "--dry-run", nodes=str(tmp_path / "nodes.csv"))
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert not Node.objects.exists()


def test_the_import_command_fails_listing_every_problem(tmp_path):
    write(tmp_path, "nodes.csv", NODE_HEADER + "A,甲,,league,,,,\nB,乙,,mayor,Z,,,\n")
    write(tmp_path, "people.csv", "name,role\n")
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_network", nodes=str(tmp_path / "nodes.csv"), people=str(tmp_path / "people.csv")
        )
    message = str(caught.value)
    # The people file's header is wrong, so its problems are all that can be said yet.
    assert "people.csv row 1, mobile: the column is missing" in message
    assert "people.csv row 1, node_code: the column is missing" in message
    assert "2 problem(s) found; nothing was imported." in message
    assert not Node.objects.exists()


def test_the_import_command_reports_row_errors_of_a_workbook_by_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "nodes"
    book.active.append(["code", "name", "kind", "parent_code"])
    book.active.append(["A", "甲", "league", "X"])
    book.save(tmp_path / "book.xlsx")
    with pytest.raises(CommandError, match="nodes row 2, parent_code: unknown parent 'X'"):
        call_command("import_network", str(tmp_path / "book.xlsx"))


def test_the_import_command_wants_a_workbook_or_files(tmp_path):
    with pytest.raises(CommandError, match="Give either a workbook or --nodes/--people files"):
        call_command("import_network")


def test_the_export_command_refuses_an_unknown_node(tmp_path):
    with pytest.raises(CommandError, match="No node has the code 'NOPE'"):
        call_command("export_network", str(tmp_path / "out.xlsx"), node="NOPE")


def test_the_export_command_reports_what_it_wrote(tmp_path, capsys):
    populated_region()
    Person.objects.create_user(mobile=None, name="无手机").roles.create(
        role=Role.RESIDENT, node=Node.objects.get(name="A单元")
    )
    call_command("export_network", str(tmp_path / "out.xlsx"))
    out = capsys.readouterr().out
    assert "Exported 12 nodes and 4 role bindings." in out
    assert "Left out 1 role bindings of people without a mobile number" in out
    assert export_network().people_without_mobile == 1


def test_the_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"nodes\.csv: cannot read the file"):
        call_command("import_network", nodes=str(tmp_path / "nodes.csv"))


def test_a_title_row_above_the_header_is_skipped_and_rows_keep_excel_numbers(tmp_path):
    path = write(tmp_path, "nodes.csv", "兴安盟网格信息表,,\n编码,名称,类型\nA,甲,盟市\nB,乙,县\n")
    table = read_table(path, NODES)
    assert [number for number, _values in table.rows] == [3, 4]
    with pytest.raises(SpreadsheetError) as caught:
        import_network(nodes=table)
    assert [str(e) for e in caught.value.errors] == ["nodes.csv row 4, kind: unknown kind '县'"]


def test_csv_export_keeps_formula_like_names_as_text_and_the_round_trip_exact(tmp_path):
    from civicgrid.network.models import Node, NodeKind
    from civicgrid.network.services import node_create
    from civicgrid.network.spreadsheets import (
        NODE_COLUMNS,
        export_network,
        import_network,
        read_table,
        write_csv,
    )

    root = node_create(
        code="R1", name='=HYPERLINK("http://x")', kind=NodeKind.LEAGUE, lat=-1.5, lon=-2.5
    )
    node_create(code="R2", name="@某社区", kind=NodeKind.TOWN, parent=root)
    export = export_network()
    path = tmp_path / "nodes.csv"
    write_csv(path, NODE_COLUMNS, export.nodes)
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@某社区" in text
    assert ",-1.5," in text  # numbers are not touched
    Node.objects.filter(code="R2").update(name="changed")
    import_network(nodes=read_table(path, "nodes"))
    assert Node.objects.get(code="R1").name == '=HYPERLINK("http://x")'
    assert Node.objects.get(code="R2").name == "@某社区"


def test_mongolian_names_come_in_under_a_chinese_header_and_go_out_again(tmp_path):
    header = "编码,名称,英文名称,蒙古文名称,类型,上级编码,纬度,经度,边界\n"
    rows = "A,锡林郭勒盟,,ᠰᠢᠯᠢ\u202fᠶᠢᠨ ᠭᠣᠣᠯ ᠠᠶᠢᠮᠠᠭ,league,,,,\nB,一网格,,,small_grid,A,,,\n"
    import_csv(tmp_path, header + rows)
    assert Node.objects.get(code="A").name_mn == "ᠰᠢᠯᠢ\u202fᠶᠢᠨ ᠭᠣᠣᠯ ᠠᠶᠢᠮᠠᠭ"
    assert Node.objects.get(code="B").name_mn == ""
    call_command("export_network", nodes=str(tmp_path / "n.csv"), people=str(tmp_path / "p.csv"))
    exported = (tmp_path / "n.csv").read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0] == "code,name,name_en,name_mn,kind,parent_code,lat,lon,polygon"
    assert "A,锡林郭勒盟,,ᠰᠢᠯᠢ\u202fᠶᠢᠨ ᠭᠣᠣᠯ ᠠᠶᠢᠮᠠᠭ,league,,,," in exported
