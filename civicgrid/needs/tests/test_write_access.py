"""Every write asks needs/access.py whether this person may do this here: a read-only leader
and a resident's account write nothing (a comment, a photo, a need), from the console or
the REST API; staff raise needs with their token only inside their write scope, and only
they use the categories hidden from residents (petitions by proxy)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civicgrid.api.models import ApiToken
from civicgrid.api.services import token_hash
from civicgrid.core.errors import NotAllowed
from civicgrid.needs import access, services, workflow
from civicgrid.needs.models import Channel, Need, NeedEvent, NeedPhoto
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person, Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> nf.World:
    cache.clear()  # the API's rate-limit counters
    return nf.world()


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(out, format="JPEG")
    return SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")


def bearer(person: Person) -> Client:
    """A client with a personal token, made directly: whether a person may hold one is the
    token service's business; here the token exists, as an old one would."""
    plain = f"cg_{person.pk:08d}_{'s' * 32}"
    prefix = plain.split("_")[1]
    ApiToken.objects.create(person=person, name="t", prefix=prefix, token_hash=token_hash(plain))
    return Client(headers={"authorization": f"Bearer {plain}"})


def counts() -> tuple[int, int, int]:
    return Need.objects.count(), NeedEvent.objects.count(), NeedPhoto.objects.count()


def resident_account(w: nf.World) -> Person:
    return netf.person("居民账号", roles=[(Role.RESIDENT, w.t["gridA"])])


def test_a_leader_cannot_comment_from_the_console(w: nf.World):
    need = nf.raise_need(w)
    client = Client()
    client.force_login(w.leader)
    before = counts()
    response = client.post(f"/console/needs/{need.number}/comment/", {"text": "领导批示"})
    assert response.status_code == 403
    assert counts() == before
    page = client.get(f"/console/needs/{need.number}/").content.decode()
    assert 'name="text"' not in page  # no comment form is offered either


def test_a_leader_cannot_add_photos_through_the_api(w: nf.World):
    need = nf.raise_need(w)
    client = Client()
    client.force_login(w.leader)
    before = counts()
    response = client.post(
        f"/api/v1/needs/{need.number}/photos", {"text": "walk", "photos": [jpeg()]}
    )
    assert response.status_code == 403, response.content
    assert counts() == before
    tokened = bearer(w.leader).post(
        f"/api/v1/needs/{need.number}/photos", {"text": "walk", "photos": [jpeg()]}
    )
    assert tokened.status_code == 403
    assert counts() == before


def body(w: nf.World, code: str = "roads", grid: str = "gridA") -> dict[str, Any]:
    return {
        "category": code,
        "description": "代办",
        "node": w.t[grid].pk,
        "channel": "api",
        "contact_phone": "13912345678",
        "answers": {"passable": "no"},
    }


@pytest.mark.parametrize("code", ["roads", "petitions"])
def test_a_leader_with_a_token_creates_no_need(w: nf.World, code: str):
    client = bearer(w.leader)
    before = counts()
    for grid in ("gridA", "gridC"):
        response = client.post(
            "/api/v1/needs", body(w, code, grid), content_type="application/json"
        )
        assert response.status_code == 403, response.content
    assert counts() == before


@pytest.mark.parametrize("code", ["roads", "petitions"])
def test_a_resident_account_creates_no_need_with_its_session_or_a_token(w: nf.World, code: str):
    person = resident_account(w)
    session = Client()
    session.force_login(person)
    before = counts()
    for client in (session, bearer(person)):
        response = client.post("/api/v1/needs", body(w, code), content_type="application/json")
        assert response.status_code in (401, 403), response.content
    assert counts() == before


def test_staff_create_with_a_token_only_inside_their_write_scope(w: nf.World):
    client = bearer(w.dispatcher)  # community 1: grids A and B
    outside = client.post("/api/v1/needs", body(w, grid="gridC"), content_type="application/json")
    assert outside.status_code == 403, outside.content
    hidden_outside = client.post(
        "/api/v1/needs", body(w, "petitions", "gridC"), content_type="application/json"
    )
    assert hidden_outside.status_code == 403
    inside = client.post("/api/v1/needs", body(w), content_type="application/json")
    assert inside.status_code == 201, inside.content
    hidden = client.post("/api/v1/needs", body(w, "petitions"), content_type="application/json")
    assert hidden.status_code == 201, hidden.content
    assert Need.objects.filter(category__code="petitions", node=w.t["gridA"]).count() == 1


def test_anonymous_callers_never_use_a_hidden_category(w: nf.World):
    response = Client().post("/api/v1/needs", body(w, "petitions"), content_type="application/json")
    assert response.status_code == 400
    assert not Need.objects.filter(category__code="petitions").exists()


def test_the_services_refuse_whatever_surface_calls_them(w: nf.World):
    need = nf.raise_need(w)
    with pytest.raises(NotAllowed):
        services.need_comment(need=need, by=workflow.By(w.leader), text="x")
    for person in (w.leader, resident_account(w), w.stranger):
        with pytest.raises(NotAllowed):
            nf.raise_need(w, by=workflow.By(person), channel=Channel.API)
    services.need_comment(need=need, by=workflow.By(w.dispatcher), text="ok")
    services.need_comment(need=need, by=workflow.By(w.grid_worker), text="ok")


def test_the_access_module_answers_for_needs_and_places(w: nf.World):
    need = nf.raise_need(w)
    assert access.access_need(w.leader, need.number) == need
    assert not access.may_write(w.leader, need)
    assert not access.may_write(w.leader, w.t["gridA"])
    assert not access.may_write_somewhere(w.leader)
    assert access.may_write(w.dispatcher, need) and access.may_write_somewhere(w.dispatcher)
    assert not access.may_write(w.dispatcher, w.t["gridC"])
    # A member unit's people write on what is dispatched to their unit, nowhere else.
    assert access.may_write_somewhere(w.unit_member)
    assert not access.may_write(w.unit_member, need)
    workflow.transition(need, workflow.Action.DISPATCH, workflow.By(w.dispatcher), to=w.unit)
    need.refresh_from_db()
    assert access.may_write(w.unit_member, need)
