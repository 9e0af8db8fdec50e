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


# --- The admin is for superusers; changes to access are logged (issue 11, point 1) ------------


def league_admin(tree: dict[str, Node]) -> Person:
    """A league's administrator as the demo has one: a staff flag and the admin role."""
    return factories.person("盟管理员", roles=[(Role.ADMIN, tree["league"])], is_staff=True)


def person_form(person: Person, **changes: object) -> dict[str, object]:
    bindings = list(person.roles.order_by("pk"))
    data: dict[str, object] = {
        "mobile": person.mobile,
        "name": person.name,
        "is_active": "on" if person.is_active else "",
        "is_staff": "on" if person.is_staff else "",
        "is_superuser": "on" if person.is_superuser else "",
        "roles-TOTAL_FORMS": str(len(bindings)),
        "roles-INITIAL_FORMS": str(len(bindings)),
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }
    for i, binding in enumerate(bindings):
        data.update(
            {
                f"roles-{i}-id": binding.pk,
                f"roles-{i}-person": person.pk,
                f"roles-{i}-role": binding.role,
                f"roles-{i}-node": binding.node_id,
            }
        )
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_staff_person_with_a_role_cannot_use_the_admin_nor_make_themselves_superuser(client):
    tree = factories.region()
    me = league_admin(tree)
    client.force_login(me)
    for url in ("/admin/", reverse("admin:network_person_change", args=[me.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    response = client.post(
        reverse("admin:network_person_change", args=[me.pk]), person_form(me, is_superuser="on")
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    me.refresh_from_db()
    assert not me.is_superuser


def test_the_admin_login_refuses_staff_who_are_not_superusers(client):
    me = league_admin(factories.region())
    response = client.post(
        "/admin/login/",
        {"username": me.mobile, "password": "pass-12345"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_superuser_making_someone_superuser_writes_an_access_log_row(admin_client):
    from civicgrid.network.models import AccessChange

    tree = factories.region()
    other = league_admin(tree)
    response = admin_client.post(
        reverse("admin:network_person_change", args=[other.pk]),
        person_form(other, is_superuser="on", is_staff=""),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    other.refresh_from_db()
    assert other.is_superuser
    rows = list(AccessChange.objects.filter(person=other).order_by("pk"))
    whats = {row.what for row in rows}
    assert "is_superuser: False → True" in whats
    assert "is_staff: True → False" in whats
    assert all(row.actor.mobile == "13800000001" and row.source == "admin" for row in rows)
    assert all(row.at is not None for row in rows)


def test_roles_bound_and_unbound_in_the_admin_or_a_service_are_logged(admin_client):
    from civicgrid.network import services
    from civicgrid.network.models import AccessChange

    tree = factories.region()
    person = factories.person()
    services.role_bind(person=person, role=Role.GRID_WORKER, node=tree["gridA"], by=None)
    data = person_form(
        person,
        **{
            "roles-TOTAL_FORMS": "2",
            "roles-1-role": Role.COMMUNITY_STAFF,
            "roles-1-node": tree["comm1"].pk,
            "roles-0-DELETE": "on",
        },
    )
    response = admin_client.post(reverse("admin:network_person_change", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(person.roles.values_list("role", flat=True)) == [Role.COMMUNITY_STAFF]
    log = list(AccessChange.objects.filter(person=person).order_by("pk"))
    assert [(row.source, row.what) for row in log] == [
        ("service", f"role bound: grid_worker at {tree['gridA'].name}"),
        ("admin", f"role bound: community_staff at {tree['comm1'].name}"),
        ("admin", f"role unbound: grid_worker at {tree['gridA'].name}"),
    ]


def test_the_access_log_is_read_only_in_the_admin(admin_client):
    from civicgrid.network.models import AccessChange

    person = factories.person()
    AccessChange.objects.create(person=person, actor=None, what="is_staff: False → True")
    assert admin_client.get(reverse("admin:network_accesschange_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:network_accesschange_add")).status_code == 403
    row = AccessChange.objects.get()
    response = admin_client.post(
        reverse("admin:network_accesschange_change", args=[row.pk]), {"what": "nothing"}
    )
    assert response.status_code in (302, 403)
    row.refresh_from_db()
    assert row.what == "is_staff: False → True"
