"""Personal API tokens: made in the console, shown once, stored hashed, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from civicgrid.api.models import ApiToken
from civicgrid.api.services import token_create, token_revoke
from civicgrid.api.tests.conftest import Api, assert_error
from civicgrid.core.errors import NotAllowed, NotFound
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

ROAD = {
    "category": "roads",
    "description": "路面塌了一个坑",
    "contact_phone": "13912345678",
    "answers": {"passable": "no"},
}

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"cg_[A-Za-z0-9]{8}_[A-Za-z0-9_\-]{32,}")


def login(person) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(person)
    return client


def test_a_token_is_made_in_the_console_shown_once_and_stored_hashed(w):
    client = login(w.dispatcher)
    page = client.post(reverse("tokens:list"), {"name": "hotline system"})
    assert page.status_code == 200
    html = page.content.decode()
    token = TOKEN.search(html).group(0)
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]

    row = ApiToken.objects.get(person=w.dispatcher)
    assert row.name == "hotline system"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.prefix, row.token_hash, row.name}
    assert token.split("_")[1] == row.prefix

    # Listed afterwards by name and prefix only: never again in full.
    listing = client.get(reverse("tokens:list")).content.decode()
    assert "hotline system" in listing
    assert f"cg_{row.prefix}_" in listing
    assert token not in listing
    assert Api(token).get("/needs").status_code == 200


def test_a_revoked_token_is_refused(w):
    client = login(w.dispatcher)
    row, token = token_create(person=w.dispatcher, name="old")
    assert Api(token).get("/needs").status_code == 200
    response = client.post(reverse("tokens:revoke", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert_error(Api(token).get("/needs"), 401, "unauthenticated")
    assert "Revoked" in client.get(reverse("tokens:list")).content.decode()


def test_nobody_revokes_someone_elses_token(w):
    row, _token = token_create(person=w.dispatcher, name="mine")
    response = login(w.stranger).post(reverse("tokens:revoke", args=[row.pk]))
    assert response.status_code == 404
    with pytest.raises(NotFound):
        token_revoke(person=w.stranger, token_id=row.pk)
    row.refresh_from_db()
    assert row.revoked_at is None


def test_the_token_page_needs_a_login_and_a_name(w):
    assert Client().get(reverse("tokens:list")).status_code == 302
    page = login(w.dispatcher).post(reverse("tokens:list"), {"name": ""})
    assert page.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cg_AAAAAAAA_nope",
        "Bearer nonsense",
        "Bearer ",
        "Bearer cg_short_x",
    ],
)
def test_a_wrong_token_is_refused_not_taken_as_anonymous(w, header):
    client = Client(headers={"authorization": header})
    response = client.get("/api/v1/categories")
    assert_error(response, 401, "unauthenticated")


def test_a_token_with_a_changed_secret_is_refused(w):
    _row, token = token_create(person=w.dispatcher, name="t")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_error(Api(forged).get("/needs"), 401, "unauthenticated")


def test_a_deactivated_persons_token_is_refused(w):
    _row, token = token_create(person=w.dispatcher, name="t")
    w.dispatcher.is_active = False
    w.dispatcher.save()
    assert_error(Api(token).get("/needs"), 401, "unauthenticated")


def test_last_used_is_written_at_most_once_a_minute(w, django_assert_num_queries):
    row, token = token_create(person=w.dispatcher, name="t")
    api = Api(token)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("/nodes")
        row.refresh_from_db()
        first = row.last_used_at
        assert first == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        api.get("/nodes")
        row.refresh_from_db()
        assert row.last_used_at == first
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        api.get("/nodes")
        row.refresh_from_db()
        assert row.last_used_at == start + dt.timedelta(seconds=61)


def test_a_token_acts_with_its_persons_scope(w):
    mine = nf.raise_need(w)
    nf.raise_need(w, node=w.t["gridC"])
    _row, token = token_create(person=w.grid_worker, name="t")
    numbers = [n["number"] for n in Api(token).get("/needs").json()["items"]]
    assert numbers == [mine.number]


def test_session_calls_need_the_csrf_token_for_writes(w):
    need = nf.raise_need(w)
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(w.dispatcher)
    assert client.get("/api/v1/needs").status_code == 200
    refused = client.post(f"/api/v1/needs/{need.number}/actions/accept", {},
                          content_type="application/json")  # fmt: skip
    assert_error(refused, 403, "csrf_failed")
    client.get(reverse("tokens:list"))  # sets the CSRF cookie, as any console page does
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        f"/api/v1/needs/{need.number}/actions/accept",
        {},
        content_type="application/json",
        headers={"x-csrftoken": csrf},
    )
    assert accepted.status_code == 200, accepted.content


def test_the_demo_token_works_in_demo_mode_only(client, settings):
    from civicgrid.api.services import DEMO_TOKEN, ensure_demo_token
    from civicgrid.needs.tests import factories as nf

    w = nf.world()
    settings.DEMO_MODE = True
    assert ensure_demo_token(person=w.dispatcher) == DEMO_TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_TOKEN}"}
    assert client.get("/api/v1/needs", **auth).status_code == 200
    settings.DEMO_MODE = False
    response = client.get("/api/v1/needs", **auth)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


# --- Only staff roles hold tokens (issue 11, point 8) ------------------------------------------


def test_a_resident_account_cannot_make_a_token_in_the_console_or_the_service(w):
    resident = w.unit_member  # an account with no staff role
    page = login(resident).post(reverse("tokens:list"), {"name": "my script"})
    assert page.status_code == 403
    assert "only for staff roles" in page.content.decode()
    with pytest.raises(NotAllowed):
        token_create(person=resident, name="my script")
    assert not ApiToken.objects.filter(person=resident).exists()


def test_a_token_whose_holder_lost_their_staff_role_is_refused(w):
    _row, token = token_create(person=w.grid_worker, name="field app")
    assert Api(token).get("/needs").status_code == 200
    w.grid_worker.roles.all().delete()
    error = assert_error(Api(token).get("/needs"), 401, "unauthenticated")
    assert "staff" in error["message"]
    assert_error(
        Api(token).post("/needs", {**ROAD, "node": w.t["gridA"].pk}), 401, "unauthenticated"
    )
    assert Need.objects.count() == 0


@override_settings(API_TOKEN_CREATES_PER_MINUTE=2)
def test_creates_with_a_token_are_rate_limited_per_token(w):
    body = {**ROAD, "node": w.t["gridA"].pk}
    first = Api(token_create(person=w.dispatcher, name="a")[1])
    second = Api(token_create(person=w.dispatcher, name="b")[1])
    with time_machine.travel(1_800_000_000, tick=False):
        assert first.post("/needs", body).status_code == 201
        assert first.post("/needs", body).status_code == 201
        third = first.post("/needs", body)
        error = assert_error(third, 429, "rate_limited")
        assert int(third["Retry-After"]) >= 1
        assert error["details"]["retry_after"] == int(third["Retry-After"])
        # Another token counts on its own; reads are not counted.
        assert second.post("/needs", body).status_code == 201
        assert first.get("/needs").status_code == 200
    assert Need.objects.count() == 3
