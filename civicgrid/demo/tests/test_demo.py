"""The demo region, the benchmark city and the two commands that build them."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
import shapely
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.serving import gunicorn_argv
from civicgrid.demo.names import LOGIN_RANGE, REGION_RANGE, SCALE_RANGE
from civicgrid.demo.places import MANDUBAOLIGE_CODE, SHANBA_CODE
from civicgrid.demo.region import (
    COMMITTEE_NAME,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    ROOT_CODE,
    build_demo_region,
    demo_exists,
    login_table,
)
from civicgrid.demo.scale import SCALE_CODE
from civicgrid.needs.models import OPEN_STATES, Category, Need
from civicgrid.network.geo import grid_containing, parse_polygon
from civicgrid.network.models import (
    STAFF_ROLES,
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    UnitKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    build_demo_region()


def shanba_grids() -> list[Node]:
    shanba = Node.objects.get(code=SHANBA_CODE)
    return list(Node.objects.subtree(shanba).grids().order_by("code"))


def snapshot() -> dict[str, object]:
    """What must not change between builds: everything but database ids and timestamps."""
    nodes = sorted(
        Node.objects.values_list(
            "code", "name", "name_en", "kind", "parent__code", "depth", "lat", "lon", "polygon"
        )
    )
    people = sorted(Person.objects.values_list("name", "mobile"))
    roles = sorted(RoleBinding.objects.values_list("person__mobile", "role", "node__code"))
    members = sorted(
        Membership.objects.values_list("organisation__name", "person__mobile", "title")
    )
    return {"nodes": nodes, "people": people, "roles": roles, "members": members}


def test_shanba_has_13_big_grids_and_246_small_grids(demo: None) -> None:
    shanba = Node.objects.get(code=SHANBA_CODE)
    kinds = Counter(Node.objects.subtree(shanba).values_list("kind", flat=True))
    assert kinds[NodeKind.BIG_GRID] == 13
    assert kinds[NodeKind.SMALL_GRID] == 246
    assert shanba.name == "陕坝镇" and shanba.name_en == "Shanba town"
    assert set(Node.objects.filter(parent=shanba).values_list("name", flat=True)) >= {
        "团结社区",
        "花园社区",
    }


def test_every_shanba_grid_has_a_valid_polygon_and_none_overlap(demo: None) -> None:
    geometries = [parse_polygon(grid.polygon) for grid in shanba_grids()]
    assert all(g.geom_type == "Polygon" for g in geometries)
    # Sum of areas equals the area of the union only if no two grids overlap.
    union = shapely.unary_union(geometries)
    assert sum(g.area for g in geometries) == pytest.approx(union.area, rel=1e-9)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i != j:
            assert geometries[i].intersection(geometries[j]).area < 1e-12


def test_grids_are_a_few_hundred_metres_around_shanba(demo: None) -> None:
    for grid in shanba_grids():
        minx, miny, maxx, maxy = parse_polygon(grid.polygon).bounds
        assert 40.8 < miny < maxy < 40.96 and 107.05 < minx < maxx < 107.25
        assert 0.002 < maxy - miny < 0.004  # about 220 to 450 m north to south


def test_a_big_grids_small_grids_are_adjacent(demo: None) -> None:
    for big in Node.objects.filter(code__startswith=SHANBA_CODE, kind=NodeKind.BIG_GRID):
        cells = [parse_polygon(g.polygon) for g in Node.objects.filter(parent=big)]
        # Touching rectangles union into one piece: no small grid stands apart.
        assert shapely.unary_union(cells).geom_type == "Polygon"


def test_a_point_at_a_grid_centre_routes_to_that_grid(demo: None) -> None:
    grids = shanba_grids()
    for grid in grids[::25]:
        centre = parse_polygon(grid.polygon).centroid
        assert grid_containing(centre.x, centre.y) == grid
        assert grid.lon == pytest.approx(centre.x) and grid.lat == pytest.approx(centre.y)


def test_paths_and_depths_follow_the_parents(demo: None) -> None:
    by_id = {node.pk: node for node in Node.objects.all()}
    for node in by_id.values():
        parent = by_id.get(node.parent_id) if node.parent_id else None
        assert node.path == f"{parent.path if parent else ''}{node.pk}/"
        assert node.depth == (parent.depth + 1 if parent else 0)
    roots = {n.code for n in by_id.values() if n.parent_id is None}
    assert ROOT_CODE in roots
    assert all(n.kind == NodeKind.LEAGUE for n in by_id.values() if n.parent_id is None)


def test_places_from_the_seed_are_there(demo: None) -> None:
    names = set(Node.objects.values_list("name", flat=True))
    assert {
        "锡林郭勒盟",
        "东乌珠穆沁旗",
        "满都宝力格镇",
        "满都宝力格嘎查",
        "嘎查布其镇",
        "尚都嘎查",
        "先锋道街道",
        "青园社区",
        "富民社区",
        "兴安北京社区",
        "突泉县",
        "乌兰哈达嘎查",
        "城川镇",
        "大沟湾新村",
        "顺元社区",
        "杭锦后旗",
    } <= names
    mandubaolige = Node.objects.get(code=MANDUBAOLIGE_CODE)
    assert (mandubaolige.lat, mandubaolige.lon) == (46.1, 117.9)


def test_the_joint_committee_has_its_member_units(demo: None) -> None:
    committee = Organisation.objects.get(name=COMMITTEE_NAME, kind=OrgKind.JOINT_COMMITTEE)
    assert committee.node.code == MANDUBAOLIGE_CODE
    units = committee.member_units.all()
    assert {u.kind for u in units} == {OrgKind.MEMBER_UNIT}
    kinds = Counter(u.unit_kind for u in units)
    assert kinds[UnitKind.POLICE] == 1 and kinds[UnitKind.ARMY] == 1
    assert kinds[UnitKind.GACHA] >= 1 and kinds[UnitKind.ENTERPRISE] == 2
    for unit in units:
        assert unit.members.exists()
        contacts = RoleBinding.objects.filter(
            role=Role.MEMBER_UNIT_CONTACT, person__in=unit.members.all()
        )
        assert contacts.exists(), unit.name
    assert committee.members.filter(roles__role=Role.COMMITTEE_MEMBER).count() >= 5


def test_the_convenience_workshop_has_its_providers(demo: None) -> None:
    workshop = Organisation.objects.filter(
        kind=OrgKind.PROVIDER, node__name="青园社区", name__contains="便民工坊"
    )
    names = " ".join(workshop.values_list("name", flat=True))
    for service in ("一元理发", "家电维修", "配钥匙", "裁缝", "自行车维修", "疏通下水管道"):
        assert service in names


def test_every_small_grid_has_a_grid_worker_and_every_unit_a_leader(demo: None) -> None:
    for kind, role in ((NodeKind.SMALL_GRID, Role.GRID_WORKER), (NodeKind.UNIT, Role.UNIT_LEADER)):
        without = Node.objects.filter(kind=kind).exclude(role_bindings__role=role)
        assert not without.exists()


def test_one_login_per_role_and_each_can_log_in(demo: None) -> None:
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    assert len(DEMO_LOGINS) == len(Role.values)
    for login in DEMO_LOGINS:
        person = authenticate(mobile=login.mobile, password=DEMO_PASSWORD)
        assert person is not None, login.role
        binding = person.roles.get()
        assert (binding.role, binding.node.code) == (login.role, login.node_code)
    table = login_table()
    assert all(login.mobile in table for login in DEMO_LOGINS) and DEMO_PASSWORD in table


def test_staff_logins_see_their_subtree_only(demo: None) -> None:
    from civicgrid.network.scope import within_scope

    worker = Person.objects.get(mobile="19900000004")
    visible = within_scope(Node.objects.all(), worker)
    assert visible.filter(kind=NodeKind.SMALL_GRID).count() == 1
    assert Role.GRID_WORKER in STAFF_ROLES


def test_generated_staff_can_log_in_and_residents_cannot(demo: None) -> None:
    worker = RoleBinding.objects.filter(role=Role.GRID_WORKER).order_by("-id")[0].person
    assert authenticate(mobile=worker.mobile, password=DEMO_PASSWORD) == worker
    assert Person.objects.get(mobile="19900000001").is_staff
    resident = (
        RoleBinding.objects.filter(role=Role.RESIDENT)
        .exclude(person__mobile__startswith="1990000")[0]
        .person
    )
    assert not resident.has_usable_password()
    assert authenticate(mobile=resident.mobile, password=DEMO_PASSWORD) is None


def test_every_phone_is_in_the_fake_range(demo: None) -> None:
    low, high = LOGIN_RANGE[0], REGION_RANGE[1]
    mobiles = [m or "" for m in Person.objects.values_list("mobile", flat=True)]
    assert len(mobiles) == len(set(mobiles)) > 3000
    assert all(low <= int(m) <= high and len(m) == 11 for m in mobiles)


def test_names_are_chinese_with_mongolian_names_in_pastoral_gachas(demo: None) -> None:
    gacha = Node.objects.get(name="满都宝力格嘎查")
    people = Person.objects.filter(roles__node__path__startswith=gacha.path)
    names = set(people.values_list("name", flat=True))
    assert names & {"巴特尔", "其其格", "乌日娜", "苏和", "斯琴高娃", "额尔敦", "朝鲁", "图雅"}
    assert all(2 <= len(n) <= 6 and all("\u4e00" <= c <= "\u9fff" for c in n) for n in names)


# Flushing (what --reset does) empties tables with TRUNCATE, which PostgreSQL refuses inside
# the transaction an ordinary test runs in: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_building_twice_gives_the_same_region() -> None:
    build_demo_region()
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    assert not Node.objects.exists() and not Person.objects.exists()
    build_demo_region()
    assert snapshot() == first


@pytest.mark.django_db(transaction=True)
def test_seed_demo_refuses_to_build_twice_without_reset() -> None:
    build_demo_region()
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--reset", stdout=out)
    assert "19900000004" in out.getvalue()
    assert Category.objects.filter(code="roads").exists()  # seed data is back after the flush
    assert Node.objects.filter(code=ROOT_CODE).count() == 1


def test_demo_command_builds_once_and_prints_the_logins_and_keys(settings: Any) -> None:
    settings.DEMO_MODE = True  # what `civicgrid demo` sets
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert demo_exists()
    assert "19900000001" in out.getvalue()
    # The report sentence of each region over the history it lived (issue 14: printed).
    assert "巴彦淖尔市：累计收集民情民意" in out.getvalue()
    assert "demo-open311-key" in out.getvalue() and "cg_demo0001_" in out.getvalue()
    # Every open need the history brought to a committee has its consultation.
    from civicgrid.committees.models import Consultation

    held = Need.objects.filter(consultation__isnull=False, state__in=OPEN_STATES)
    assert held.exists()
    assert set(held.values_list("pk", flat=True)) <= set(
        Consultation.objects.filter(state__in=["open", "decided"]).values_list("need_id", flat=True)
    )
    people = Person.objects.count()
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert Person.objects.count() == people
    assert "19900000001" in out.getvalue()


def test_demo_serves_on_localhost_with_gunicorn() -> None:
    argv = gunicorn_argv("/venv/bin/gunicorn", bind="127.0.0.1:8123", workers=2)
    assert argv[1] == "civicgrid.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "2"


def test_scale_builds_a_consistent_city() -> None:
    out = StringIO()
    call_command(
        "seed_demo", "--scale", "--scale-grids", "205", "--scale-people", "2000", stdout=out
    )
    assert "205" in out.getvalue()
    root = Node.objects.get(code=SCALE_CODE)
    city = Node.objects.subtree(root)
    assert city.grids().count() == 205
    assert not city.grids().filter(polygon__isnull=True).exists()
    mobiles = [m or "" for m in Person.objects.values_list("mobile", flat=True)]
    assert len(mobiles) == 2000
    assert all(SCALE_RANGE[0] <= int(m) <= SCALE_RANGE[1] for m in mobiles)
    assert RoleBinding.objects.filter(role=Role.GRID_WORKER).count() == 205

    # Subtree counts by path prefix agree with counts by walking parent links.
    nodes = list(city)
    children: dict[int | None, list[int]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.pk)

    def size(pk: int) -> int:
        return 1 + sum(size(child) for child in children.get(pk, []))

    for node in nodes:
        if node.kind != NodeKind.SMALL_GRID:
            assert Node.objects.subtree(node).count() == size(node.pk), node.code

    # The polygons tessellate: no overlaps, and a centre finds its own grid.
    grids = list(city.grids())
    geometries = [parse_polygon(g.polygon) for g in grids]
    union = shapely.unary_union(geometries)
    assert sum(g.area for g in geometries) == pytest.approx(union.area, rel=1e-9)
    for grid in grids[::40]:
        centre = parse_polygon(grid.polygon).centroid
        assert grid_containing(centre.x, centre.y) == grid


def test_scale_sits_beside_the_demo_region(demo: None) -> None:
    call_command(
        "seed_demo", "--scale", "--scale-grids", "30", "--scale-people", "100", stdout=StringIO()
    )
    assert demo_exists()
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "--scale-grids", "30", stdout=StringIO())


def test_the_demo_lives_a_year_through_the_workflow(demo: None) -> None:
    import datetime as dt

    from django.utils import timezone

    from civicgrid.demo.needs import build_demo_needs
    from civicgrid.needs import selectors
    from civicgrid.needs.models import Need, NeedEvent

    lived = build_demo_needs(scale=0.25)  # a quarter of the volume, every story
    assert lived.needs > 100 and lived.proactive > 30 and lived.sweeps >= 365
    states = set(Need.objects.values_list("state", flat=True))
    assert {"submitted", "closed", "rejected", "withdrawn"} <= states
    actions = set(NeedEvent.objects.values_list("action", flat=True))
    assert {"accept", "dispatch", "take", "resolve", "confirm", "remind", "overdue"} <= actions
    assert {"escalate", "return", "reopen", "close_unrated", "record", "start"} <= actions
    # Events carry their real times: spread over the year, at the hours people work.
    now = timezone.now()
    raised = list(NeedEvent.objects.filter(action="raise").values_list("created_at", flat=True))
    months = {(t.year, t.month) for t in raised}
    assert len(months) >= 12 and min(raised) < now - dt.timedelta(days=300)
    hours = [timezone.localtime(t).hour for t in raised]
    assert sum(7 <= h < 21 for h in hours) == len(hours)
    # Every need's timeline starts with its raising and ends in its current state, in order.
    for need in Need.objects.all():
        events = list(NeedEvent.objects.filter(need=need).order_by("seq"))
        assert events[0].action in ("raise", "record")
        assert [e for e in events if e.to_state][-1].to_state == need.state
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # The demo logins find work waiting now.
    worker = Person.objects.get(mobile="19900000004")
    assert selectors.inbox(worker, "mine").exists()
    dispatcher = Person.objects.get(mobile="19900000003")
    assert selectors.inbox(dispatcher, "to_accept").exists()
    # The seed's stories, with their people and places.
    road = Need.objects.get(description__contains="牧道被雨水冲断")
    assert road.state == "closed" and road.rating == "satisfied"
    assert road.assignee_org is not None and road.assignee_org.unit_kind == "army"
    pension = Need.objects.get(
        description__contains="养老金资格认证不会在手机上做", contact_name="王秀兰"
    )
    assert pension.resolved_at is not None
    assert pension.resolved_at - pension.created_at <= dt.timedelta(minutes=15)
    zhang = Need.objects.filter(contact_name="张大娘", state="closed")
    assert zhang.count() == 3 and {n.assignee_org.name for n in zhang if n.assignee_org} >= {
        "青享+便民工坊·修鞋换拉锁"
    }
    assert Need.objects.filter(kind="inspection", description__contains="危旧房屋").count() >= 3


def test_the_rollups_check_finds_a_figure_the_events_do_not_give(demo: None) -> None:
    from django.db.models import F

    from civicgrid.demo.needs import RollupsDiffer, build_demo_needs, check_rollups
    from civicgrid.insights.models import DailyStat, MonthlyStat, MonthlyTotal

    build_demo_needs(scale=0.05, days=40)  # checked inside: no error
    for model in (DailyStat, MonthlyStat, MonthlyTotal):
        model.objects.update(received=F("received") + 1)
    with pytest.raises(RollupsDiffer):
        check_rollups()


def test_a_need_raised_after_the_last_morning_sweep_is_followed_up_by_the_end(
    demo: None,
) -> None:
    """The history ends as production stands, where the worker follows a need up within
    seconds: none waits, and the rollups count it. `make demo` run late in the morning failed
    its own check when a need came between the 08:30 sweep and the end."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.demo.history import History
    from civicgrid.demo.needs import check_rollups
    from civicgrid.insights.rebuild import rebuild
    from civicgrid.needs.models import Need

    end = timezone.make_aware(dt.datetime(2026, 12, 3, 11, 50))
    history = History(seed=1, start=end - dt.timedelta(days=2), end=end, scale=0.0)

    def late_need(h: History) -> None:
        h.clock.at(end - dt.timedelta(hours=1), lambda: h.raise_need(h.places[0]))

    history.live(late_need)
    assert Need.objects.filter(created_at__gt=end - dt.timedelta(hours=2)).exists()
    assert not Need.objects.filter(awaiting_follow_up=True).exists()
    rebuild()
    check_rollups()


def test_the_demo_command_refuses_to_run_outside_demo_mode() -> None:
    with pytest.raises(CommandError):
        call_command("demo", "--no-serve", stdout=StringIO())


def test_the_demo_collects_static_files_only_when_their_sources_changed(
    tmp_path, settings, monkeypatch
):
    import sys

    from civicgrid.demo.management.commands import demo as command

    # Not the real collection (core/tests/test_compression.py collects): a stand-in.
    monkeypatch.setattr(command, "COLLECT", [sys.executable, "-c", "pass"])

    source = tmp_path / "source"
    source.mkdir()
    (source / "app.js").write_text("let a = 1;\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    first = command.static_fingerprint()
    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / command.SOURCES_STAMP).write_text(first)
    assert command.start_collecting() is None  # collected from these very sources
    (source / "app.js").write_text("let a = 2;\n")
    assert command.static_fingerprint() != first
    (source / "more.css").write_text("p {}\n")
    collecting = command.start_collecting()
    assert collecting is not None
    command.finish_collecting(collecting)
    assert (settings.STATIC_ROOT / command.SOURCES_STAMP).read_text() == collecting[1]
    assert command.start_collecting() is None


def test_the_demo_stops_when_collecting_fails(tmp_path, settings, monkeypatch):
    import sys

    from civicgrid.demo.management.commands import demo as command

    settings.STATIC_ROOT = tmp_path
    failing = "import sys; sys.stderr.write('no space left'); sys.exit(1)"
    monkeypatch.setattr(command, "COLLECT", [sys.executable, "-c", failing])
    collecting = command.start_collecting()
    with pytest.raises(CommandError, match="no space left"):
        command.finish_collecting(collecting)
    assert not (tmp_path / command.SOURCES_STAMP).exists()


@pytest.mark.parametrize("hour", [0, 1, 2, 3, 9, 12, 15, 18, 20, 21, 23])
def test_the_needs_waiting_now_are_raised_in_working_hours_whenever_the_demo_is_built(hour):
    import datetime as dt

    from django.utils import timezone

    from civicgrid.demo.needs import _working_morning

    end = timezone.make_aware(dt.datetime(2026, 12, 2, hour, 40))
    start = timezone.localtime(_working_morning(end))
    assert start <= end - dt.timedelta(hours=2)  # all four raised and two moved before `end`
    assert start.hour >= 8
    assert start + dt.timedelta(minutes=90) <= start.replace(hour=20, minute=0)  # same day
