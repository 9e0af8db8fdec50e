"""REST: projects and matters for the team and staff; a matter created by the enterprise's
contact with the QR key and no token; idempotent creates; a leader refused."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from civicgrid.api.tests.conftest import Api, token_of
from civicgrid.butler.models import Matter
from civicgrid.butler.tests import factories as bf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicgrid.butler.tests.api_urls")]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_projects_and_matters_for_the_team_and_staff() -> None:
    b = bf.butler_world()
    bf.raise_by_qr(b)
    cadre = Api(token_of(b.cadre))
    listed = cadre.get("/butler/projects")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [b.project.pk]
    detail = cadre.get(f"/butler/projects/{b.project.pk}").json()
    assert detail["contacts"][0]["phone"] != bf.CONTACT_PHONE  # masked
    assert {s["role"] for s in detail["team"]} == {"leader", "department", "cadre"}
    assert detail["figures"]["raised"] == 1
    matters = cadre.get(f"/butler/projects/{b.project.pk}/matters").json()
    assert [m["state"] for m in matters["items"]] == ["submitted"]
    stranger = Api(token_of(b.w.stranger))
    assert stranger.get("/butler/projects").json()["items"] == []
    assert stranger.get(f"/butler/projects/{b.project.pk}").status_code == 404
    assert stranger.get(f"/butler/projects/{b.project.pk}/matters").status_code == 404


def test_staff_create_is_idempotent_and_a_leader_is_refused() -> None:
    b = bf.butler_world()
    staff = Api(token_of(b.w.dispatcher))
    body = {"kind": "problem", "description": "用水指标", "contact_id": b.contact.pk}
    first = staff.post(
        f"/butler/projects/{b.project.pk}/matters", body, **{"Idempotency-Key": "a1"}
    )
    again = staff.post(
        f"/butler/projects/{b.project.pk}/matters", body, **{"Idempotency-Key": "a1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Matter.objects.count() == 1
    leader = Api(token_of(b.w.leader))
    refused = leader.post(f"/butler/projects/{b.project.pk}/matters", body)
    assert refused.status_code == 403
    bad = staff.post(f"/butler/projects/{b.project.pk}/matters", {"kind": "wish"})
    assert bad.status_code in (400, 422)


def test_the_contact_creates_with_the_key_and_no_token() -> None:
    b = bf.butler_world()
    anon = Api()
    path = f"/butler/public/projects/{b.project.pk}/matters"
    body = {
        "key": bf.qr_key(b),
        "phone": bf.CONTACT_PHONE,
        "kind": "approval",
        "description": "施工许可",
    }
    made = anon.post(path, body)
    assert made.status_code == 201
    assert made.json()["tracking_url"].startswith("/")
    assert anon.post(path, {**body, "key": "wrong"}).status_code == 404
    stranger_phone = anon.post(path, {**body, "phone": "13900000000"})
    assert stranger_phone.status_code == 400
    assert stranger_phone.json()["error"]["code"] == "not_a_contact"
