"""The set-up admin keeps the materialised path right and logs people in by mobile number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding
from civicgrid.network.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    superuser = Person.objects.create_superuser(mobile="13800000001", name="管理员", password="x")
    client.force_login(superuser)
    return client


def node_form(node: Node | None = None, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": node.code if node else "",
        "name": node.name if node else "",
        "name_en": "",
        "kind": node.kind if node else "",
        "parent": node.parent_id or "" if node else "",
        "lat": "",
        "lon": "",
        "polygon": "null",
    }
    data.update(changes)
    return data


def test_a_node_created_in_the_admin_gets_its_path_and_depth(admin_client):
    tree = factories.region()
    response = admin_client.post(
        reverse("admin:network_node_add"),
        node_form(code="N-NEW", name="新网格", kind=NodeKind.SMALL_GRID, parent=tree["big1"].pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    node = Node.objects.get(code="N-NEW")
    assert node.path == f"{tree['big1'].path}{node.pk}/"
    assert node.depth == tree["big1"].depth + 1


def test_changing_the_parent_in_the_admin_moves_the_whole_subtree(admin_client):
    tree = factories.region()
    grid = tree["gridA"]
    response = admin_client.post(
        reverse("admin:network_node_change", args=[grid.pk]),
        node_form(
            grid,
            parent=tree["big2"].pk,
            polygon='{"type": "Polygon", "coordinates": '
            "[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grid.refresh_from_db()
    unit = Node.objects.get(pk=tree["unitA"].pk)
    assert grid.parent_id == tree["big2"].pk
    assert grid.path == f"{tree['big2'].path}{grid.pk}/"
    assert unit.path == f"{grid.path}{unit.pk}/"
    assert unit.depth == grid.depth + 1


def test_the_admin_refuses_to_move_a_node_under_its_own_subtree(admin_client):
    tree = factories.region()
    town = tree["town1"]
    response = admin_client.post(
        reverse("admin:network_node_change", args=[town.pk]),
        node_form(town, parent=tree["gridA"].pk),
    )
    assert response.status_code == 200
    town.refresh_from_db()
    assert town.parent_id == tree["banner"].pk


def test_the_admin_refuses_a_broken_polygon(admin_client):
    tree = factories.region()
    response = admin_client.post(
        reverse("admin:network_node_add"),
        node_form(
            code="N-BAD",
            name="坏网格",
            kind=NodeKind.SMALL_GRID,
            parent=tree["big1"].pk,
            polygon='{"type": "Point", "coordinates": [1, 2]}',
        ),
    )
    assert response.status_code == 200
    assert not Node.objects.filter(code="N-BAD").exists()


def test_a_person_is_added_with_mobile_name_and_password_and_a_role(admin_client):
    tree = factories.region()
    response = admin_client.post(
        reverse("admin:network_person_add"),
        {
            "mobile": "13912340000",
            "name": "新网格员",
            "usable_password": "true",
            "password1": "Grid-worker-2024",
            "password2": "Grid-worker-2024",
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-0-role": Role.GRID_WORKER,
            "roles-0-node": tree["gridA"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(mobile="13912340000")
    assert person.name == "新网格员"
    assert person.check_password("Grid-worker-2024")
    assert RoleBinding.objects.filter(person=person, role=Role.GRID_WORKER).exists()


@pytest.mark.parametrize(
    "url_name", ["network_node", "network_person", "network_rolebinding", "network_organisation"]
)
def test_admin_lists_search_by_chinese_name(admin_client, url_name):
    factories.region()
    response = admin_client.get(reverse(f"admin:{url_name}_changelist"), {"q": "网格"})
    assert response.status_code == 200
