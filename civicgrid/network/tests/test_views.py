"""The staff console: login, home, the tree, the grid map and its GeoJSON."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.network import selectors
from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding
from civicgrid.network.tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"


@pytest.fixture
def tree() -> dict[str, Node]:
    return factories.region()


def logged_in(client: Client, person: Person) -> Client:
    client.force_login(person)
    return client


def grid_names(client: Client, node: Node | None = None) -> set[str]:
    url = reverse("console:grids_geojson")
    if node is not None:
        url += f"?node={node.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    return {feature["properties"]["name"] for feature in response.json()["features"]}


# --- Login ----------------------------------------------------------------------------------


def test_login_with_mobile_number_and_password_opens_the_console(client, tree):
    person = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    response = client.post(
        reverse("console:login"), {"username": person.mobile, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200


def test_login_form_labels_the_username_as_mobile_number(client):
    response = client.get(reverse("console:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Mobile number" in response.content.decode()


@pytest.mark.parametrize("wrong", ["password", "mobile"])
def test_bad_login_says_the_same_thing_whichever_half_was_wrong(client, tree, wrong):
    person = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    data = {"username": person.mobile, "password": PASSWORD}
    data[wrong if wrong == "password" else "username"] = (
        "wrong-password" if wrong == "password" else "13700000000"
    )
    client.cookies["django_language"] = "en"
    response = client.post(reverse("console:login"), data)
    assert response.status_code == 200
    assert "Mobile number or password is incorrect." in response.content.decode()


def test_bad_login_message_is_translated_into_chinese(client, tree):
    person = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    response = client.post(
        reverse("console:login"), {"username": person.mobile, "password": "nope-nope"}
    )
    assert "手机号或密码不正确" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client, tree):
    person = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    logged_in(client, person)
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:login")
    assert client.get(reverse("console:home")).status_code == 302


CONSOLE_PAGES = [
    ("console:home", []),
    ("console:network", []),
    ("console:node", ["NODE"]),
    ("console:node_children", ["NODE"]),
    ("console:map", []),
    ("console:grids_geojson", []),
]


@pytest.mark.parametrize(("name", "args"), CONSOLE_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, tree, name, args):
    url = reverse(name, args=[tree["league"].pk if a == "NODE" else a for a in args])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login") + "?next=")


@pytest.mark.parametrize(("name", "args"), CONSOLE_PAGES)
def test_people_without_a_staff_role_get_a_friendly_403(client, tree, name, args):
    resident = factories.person(roles=[(Role.RESIDENT, tree["unitA"])])
    logged_in(client, resident)
    url = reverse(name, args=[tree["unitA"].pk if a == "NODE" else a for a in args])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "no staff role" in response.content.decode()


# --- Home -----------------------------------------------------------------------------------


def test_home_lists_each_role_with_its_node_kind_and_service_name(client, tree):
    person = factories.person(
        roles=[(Role.GRID_WORKER, tree["gridA"]), (Role.COMMUNITY_STAFF, tree["comm1"])]
    )
    client.cookies["django_language"] = "en"
    body = logged_in(client, person).get(reverse("console:home")).content.decode()
    assert "Grid worker" in body
    assert "Community staff" in body
    assert "A网格" in body and "一社区" in body
    assert "Small grid" in body and "Grid party organisation" in body
    assert "Party-mass service center" in body
    assert reverse("console:node", args=[tree["gridA"].pk]) in body


# --- Tree -----------------------------------------------------------------------------------


def test_tree_root_page_shows_the_outermost_nodes_of_the_scope(client, tree):
    person = factories.person(
        roles=[(Role.COMMUNITY_STAFF, tree["town1"]), (Role.GRID_WORKER, tree["gridA"])]
    )
    response = logged_in(client, person).get(reverse("console:network"))
    rows = response.context["rows"]
    assert [row.node for row in rows] == [tree["town1"]]
    assert rows[0].counts.grids == 2


def test_node_page_shows_breadcrumb_children_people_and_organisations(client, tree):
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    worker = factories.person(name="王网格员", roles=[(Role.GRID_WORKER, tree["big1"])])
    response = logged_in(client, leader).get(reverse("console:node", args=[tree["big1"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert [c.node for c in response.context["crumbs"]] == [
        tree["league"],
        tree["banner"],
        tree["town1"],
        tree["comm1"],
    ]
    assert "A网格" in body and "B网格" in body
    assert "王网格员" in body
    assert worker.masked_mobile in body
    assert worker.mobile not in body


def test_node_page_is_404_outside_the_scope(client, tree):
    person = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    logged_in(client, person)
    assert client.get(reverse("console:node", args=[tree["town2"].pk])).status_code == 404
    assert client.get(reverse("console:node", args=[tree["banner"].pk])).status_code == 404
    assert client.get(reverse("console:node_children", args=[tree["comm2"].pk])).status_code == 404
    assert client.get(reverse("console:node", args=[tree["comm1"].pk])).status_code == 200


def test_ancestors_above_the_scope_are_named_but_not_linked(client, tree):
    person = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    response = logged_in(client, person).get(reverse("console:node", args=[tree["unitA"].pk]))
    crumbs = {c.node.name: c.visible for c in response.context["crumbs"]}
    assert crumbs == {
        "兴安盟": False,
        "科右前旗": False,
        "一镇": False,
        "一社区": False,
        "一大网格": False,
        "A网格": True,
    }
    assert reverse("console:node", args=[tree["banner"].pk]) not in response.content.decode()


def test_children_counts_cover_each_whole_subtree(tree):
    factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    both = factories.person(
        roles=[(Role.GRID_WORKER, tree["gridB"]), (Role.COMMUNITY_STAFF, tree["comm1"])]
    )
    factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town2"])])
    RoleBinding.objects.create(person=both, role=Role.LEADER, node=tree["town1"])

    counts = {row.node.name: row.counts for row in selectors.children_of(tree["banner"])}
    # town1 itself holds `both` once, and the two grid workers below: 2 people, not 3.
    assert counts["一镇"] == selectors.SubtreeCounts(grids=2, people=2, children=1)
    assert counts["二镇"] == selectors.SubtreeCounts(grids=1, people=1, children=1)
    grid_counts = {row.node.name: row.counts for row in selectors.children_of(tree["big1"])}
    assert grid_counts["A网格"] == selectors.SubtreeCounts(grids=1, people=1, children=1)
    assert grid_counts["B网格"] == selectors.SubtreeCounts(grids=1, people=1, children=0)


def test_children_counts_take_the_same_queries_however_many_children(tree):
    big = tree["big2"]
    with CaptureQueriesContext(connection) as few:
        rows = selectors.children_of(big)
    assert len(rows) == 1

    for n in range(12):
        grid = factories.node(NodeKind.SMALL_GRID, big, polygon=factories.square(10 + n, 10))
        factories.node(NodeKind.UNIT, grid)
        factories.person(roles=[(Role.GRID_WORKER, grid)])
    with CaptureQueriesContext(connection) as many:
        rows = selectors.children_of(big)
    assert len(rows) == 13
    assert len(many) == len(few) == 3
    assert all(row.counts.people == 1 for row in rows if row.node.name != "C网格")


def test_node_page_query_count_does_not_grow_with_children(client, tree):
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    logged_in(client, leader)
    url = reverse("console:node", args=[tree["big2"].pk])
    client.get(url)  # warm the session and any per-process caches

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _n in range(8):
        grid = factories.node(NodeKind.SMALL_GRID, tree["big2"])
        factories.person(roles=[(Role.GRID_WORKER, grid)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_children_fragment_is_the_list_alone_for_htmx(client, tree):
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    response = logged_in(client, leader).get(
        reverse("console:node_children", args=[tree["big1"].pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "A网格" in body
    assert "<html" not in body
    assert reverse("console:node_children", args=[tree["gridA"].pk]) in body


# --- Map ------------------------------------------------------------------------------------


def test_map_page_points_its_script_at_the_geojson_of_the_chosen_node(client, tree):
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    logged_in(client, leader)
    body = client.get(reverse("console:map") + f"?node={tree['town1'].pk}").content.decode()
    assert f'data-grids-url="{reverse("console:grids_geojson")}?node={tree["town1"].pk}"' in body
    assert "<script>" not in body  # no inline script: a strict CSP must not break the page


def test_map_of_a_node_outside_the_scope_is_404(client, tree):
    person = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    logged_in(client, person)
    assert client.get(reverse("console:map") + f"?node={tree['town2'].pk}").status_code == 404
    assert client.get(reverse("console:map") + "?node=abc").status_code == 404
    url = reverse("console:grids_geojson") + f"?node={tree['town2'].pk}"
    assert client.get(url).status_code == 404


def test_grid_worker_of_grid_a_gets_only_grid_a(client, tree):
    worker = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    assert grid_names(logged_in(client, worker)) == {"A网格"}


def test_town_staff_get_their_towns_grids_only(client, tree):
    staff = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    assert grid_names(logged_in(client, staff)) == {"A网格", "B网格"}


def test_leader_sees_every_grid_below_and_can_narrow_to_a_node(client, tree):
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    logged_in(client, leader)
    assert grid_names(client) == {"A网格", "B网格", "C网格"}
    assert grid_names(client, tree["town2"]) == {"C网格"}


def test_grids_without_a_polygon_are_left_out(client, tree):
    factories.node(NodeKind.SMALL_GRID, tree["big1"], name="无边界网格")
    leader = factories.person(roles=[(Role.LEADER, tree["league"])])
    assert "无边界网格" not in grid_names(logged_in(client, leader))


def test_geojson_features_carry_id_name_code_parent_and_link(client, tree):
    worker = factories.person(roles=[(Role.GRID_WORKER, tree["gridA"])])
    data = logged_in(client, worker).get(reverse("console:grids_geojson")).json()
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    grid = tree["gridA"]
    assert feature["id"] == grid.pk
    assert feature["geometry"] == grid.polygon
    assert feature["properties"] == {
        "id": grid.pk,
        "name": "A网格",
        "code": grid.code,
        "parent": "一大网格",
        "url": reverse("console:node", args=[grid.pk]),
    }


# --- Language -------------------------------------------------------------------------------


def test_pages_are_chinese_by_default(client, tree):
    staff = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    body = logged_in(client, staff).get(reverse("console:home")).content.decode()
    assert "党群服务一张网" in body
    assert '<html lang="zh-hans" dir="ltr">' in body


def test_language_switch_renders_english(client, tree):
    staff = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    logged_in(client, staff)
    home = reverse("console:home")
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert response["Location"] == home
    body = client.get(home).content.decode()
    assert '<html lang="en" dir="ltr">' in body
    assert "CivicGrid" in body
    assert "My roles" in body
    assert "党群服务一张网" not in body


def test_language_switch_is_a_post_form_with_csrf(client, tree):
    staff = factories.person(roles=[(Role.COMMUNITY_STAFF, tree["town1"])])
    body = logged_in(client, staff).get(reverse("console:home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "简体中文" in body and "English" in body
