"""Searching needs by phone digits is a reveal. A masked phone (139****5678) was rebuilt by
searching `?q=` with one more digit each time: no part of a number matches a phone any more,
for anyone; a whole number matches only for the roles that read phones in full (community
staff and admins, within their nodes: needs/reveal.py), and each such search is logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.api.models import ApiToken
from civicgrid.api.services import token_hash
from civicgrid.core.models import RevealLog
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


@pytest.fixture
def w() -> nf.World:
    cache.clear()
    return nf.world()


def console_numbers(client: Client, q: str) -> str:
    response: Any = client.get("/console/needs/", {"tab": "all", "q": q})
    assert response.status_code == 200
    return response.content.decode()


def api_client(person: Person) -> Client:
    plain = f"cg_s{person.pk:07d}_{'x' * 32}"
    ApiToken.objects.create(
        person=person, name="t", prefix=plain.split("_")[1], token_hash=token_hash(plain)
    )
    return Client(headers={"authorization": f"Bearer {plain}"})


def api_numbers(client: Client, q: str) -> str:
    response: Any = client.get("/api/v1/needs", {"q": q})
    assert response.status_code == 200, response.content
    return " ".join(item["number"] for item in response.json()["items"])


def rebuild(found: Any, number: str, masked: str) -> tuple[str | None, int]:
    """The attack: the mask shows 139****5678; try each digit before the known tail, keep
    the one that still finds the need. Returns the phone if rebuilt, and the queries made."""
    tail, queries = masked[-4:], 0
    for _position in range(7):
        for digit in "0123456789":
            queries += 1
            if number in found(digit + tail):
                tail = digit + tail
                break
        else:
            return None, queries
    return tail, queries


@pytest.mark.parametrize("who", ["dispatcher", "grid_worker", "leader"])
def test_a_masked_phone_cannot_be_rebuilt_digit_by_digit(w: nf.World, who: str):
    need = nf.raise_need(w, contact_phone=PHONE, description="路灯不亮")
    person = getattr(w, who)
    client = Client()
    client.force_login(person)
    token = api_client(person)
    for found in (lambda q: console_numbers(client, q), lambda q: api_numbers(token, q)):
        assert rebuild(found, need.number, "139****5678")[0] is None
        assert need.number not in found("5678")  # even the digits the mask shows
    assert not RevealLog.objects.exists()


def test_a_whole_number_finds_the_need_for_community_staff_and_is_logged(w: nf.World):
    need = nf.raise_need(w, contact_phone=PHONE, description="路灯不亮")
    other = nf.raise_need(w, contact_phone="13800000000", description="路灯不亮")
    client = Client()
    client.force_login(w.dispatcher)
    for q in (PHONE, "139 1234 5678", "+86 139-1234-5678"):
        page = console_numbers(client, q)
        assert need.number in page and other.number not in page
    assert need.number in api_numbers(api_client(w.dispatcher), PHONE)
    log = list(RevealLog.objects.filter(actor=w.dispatcher))
    assert len(log) == 4
    assert all(PHONE not in r.subject and "5678" in r.subject for r in log)
    assert {r.field for r in log} == {"contact_phone_search"}


@pytest.mark.parametrize("who", ["grid_worker", "leader"])
def test_roles_that_may_not_reveal_find_nothing_by_a_whole_number(w: nf.World, who: str):
    need = nf.raise_need(w, contact_phone=PHONE, description="路灯不亮")
    person = getattr(w, who)
    client = Client()
    client.force_login(person)
    assert need.number in console_numbers(client, "")  # they do see the need
    assert need.number not in console_numbers(client, PHONE)
    assert need.number not in api_numbers(api_client(person), PHONE)
    assert not RevealLog.objects.exists()


def test_community_staff_find_by_phone_only_under_their_own_nodes(w: nf.World):
    need = nf.raise_need(w, contact_phone=PHONE, description="路灯不亮")
    client = Client()
    client.force_login(w.stranger)  # community 2
    assert need.number not in console_numbers(client, PHONE)
