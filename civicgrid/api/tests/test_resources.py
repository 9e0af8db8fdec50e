"""The other resources: nodes, photos, notifications, people; and the OpenAPI document."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.core.models import Notification
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def jpeg(name: str = "pothole.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 90, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_openapi_document_builds(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "CivicGrid API"
    assert doc["info"]["version"] == "1"
    assert "/api/v1/needs" in doc["paths"]
    assert "/api/v1/needs/{number}/actions/{action}" in doc["paths"]
    # Every operation declares the error shape for its failures.
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status in ("400", "401", "403", "404", "429"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, method)


def test_the_docs_page_is_served_from_our_own_static_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_scope_roots_children_and_subtree(w, as_person):
    api = as_person(w.dispatcher)
    roots = api.get("/nodes").json()
    assert [n["id"] for n in roots] == [w.t["comm1"].pk]
    kids = api.get(f"/nodes/{w.t['big1'].pk}/children").json()
    assert {n["id"] for n in kids} == {w.t["gridA"].pk, w.t["gridB"].pk}
    detail = api.get(f"/nodes/{w.t['gridA'].pk}").json()
    assert detail["polygon"]["type"] == "Polygon"
    assert_error(api.get(f"/nodes/{w.t['comm2'].pk}"), 404, "not_found")

    seen, cursor = [], None
    while True:
        page = api.get(f"/nodes/{w.t['comm1'].pk}/subtree",
                       {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()  # fmt: skip
        seen += [n["id"] for n in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    expected = [w.t[k].pk for k in ("comm1", "big1", "gridA", "gridB", "unitA")]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))
    assert seen[0] == w.t["comm1"].pk


def test_the_need_list_costs_a_fixed_number_of_queries(w, as_person, django_assert_max_num_queries):
    for _ in range(3):
        nf.raise_need(w)
    api = as_person(w.dispatcher)
    with django_assert_max_num_queries(6) as few:
        api.get("/needs")
    for _ in range(10):
        nf.raise_need(w)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/needs").json()["items"]) == 13


def test_photos_are_added_with_a_comment_and_served_to_those_who_may_see(w, as_person):
    need = nf.raise_need(w)
    token = token_of(w.dispatcher)
    response = Api(token).client.post(
        f"/api/v1/needs/{need.number}/photos",
        {"text": "现场照片", "photos": [jpeg(), jpeg("b.jpg")]},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.content
    comment = response.json()["timeline"][-1]
    assert comment["action"] == "comment"
    assert comment["note"] == "现场照片"
    assert len(comment["photos"]) == 2
    photo = Api(token).client.get(
        comment["photos"][0], headers={"authorization": f"Bearer {token}"}
    )
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    outsider = as_person(w.stranger).get(comment["photos"][0].removeprefix("/api/v1"))
    assert_error(outsider, 404, "not_found")
    not_a_photo = Api(token).client.post(
        f"/api/v1/needs/{need.number}/photos",
        {"text": "x", "photos": [SimpleUploadedFile("a.jpg", b"%PDF-1.4", "image/jpeg")]},
        headers={"authorization": f"Bearer {token}"},
    )
    assert_error(not_a_photo, 400, "photo_not_image")


def test_my_notifications(w, as_person):
    nf.raise_need(w)
    nf.follow_up()  # tells the community's dispatcher
    api = as_person(w.dispatcher)
    page = api.get("/notifications", {"unread": True}).json()
    assert len(page["items"]) == 1
    item = page["items"][0]
    assert item["kind"] == "need_new"
    assert item["text"].startswith("New need")
    assert item["read"] is False
    assert api.post(f"/notifications/{item['id']}/read").json()["read"] is True
    assert api.get("/notifications", {"unread": True}).json()["items"] == []
    # Someone else's notification does not exist for me.
    assert_error(as_person(w.stranger).post(f"/notifications/{item['id']}/read"), 404,
                 "not_found")  # fmt: skip
    nf.raise_need(w)
    nf.follow_up()
    assert api.post("/notifications/read-all").json() == {"updated": 1}
    assert not Notification.objects.filter(recipient=w.dispatcher, read_at__isnull=True).exists()


def test_people_within_my_scope(w, as_person):
    people = as_person(w.dispatcher).get("/people").json()
    names = {p["name"] for p in people}
    assert {w.dispatcher.name, w.grid_worker.name, w.handler.name} <= names
    assert w.stranger.name not in names  # another community
    assert w.leader.name not in names  # bound above the caller's scope
    worker = next(p for p in people if p["id"] == w.grid_worker.pk)
    assert worker["mobile"].count("*") == 4
    assert worker["roles"][0]["role"] == "grid_worker"
    found = as_person(w.dispatcher).get("/people", {"q": w.grid_worker.mobile}).json()
    assert [p["id"] for p in found] == [w.grid_worker.pk]
    # Part of a number matches nobody: its digits would rebuild the mask one at a time.
    for part in (w.grid_worker.mobile[-4:], w.grid_worker.mobile[-8:]):
        assert as_person(w.dispatcher).get("/people", {"q": part}).json() == []
    # Someone with no staff role holds no token; through a session they see nobody.
    session = Client()
    session.force_login(w.unit_member)
    assert session.get("/api/v1/people").json() == []
