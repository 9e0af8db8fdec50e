"""Fixtures for the API tests: the needs tests' small world, tokens, a JSON client."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.api.services import token_create
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person


class Api:
    """A test client speaking JSON to /api/v1/, as one caller (a token or nobody)."""

    def __init__(self, token: str = "", language: str = "en") -> None:
        headers = {"accept-language": language}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=headers
        )


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate-limit counters live in the shared cache (a table that tests do not roll back).
    cache.clear()


@pytest.fixture
def w() -> nf.World:
    return nf.world()


def token_of(person: Person, name: str = "test") -> str:
    return token_create(person=person, name=name)[1]


@pytest.fixture
def as_person():
    """`as_person(w.dispatcher)`: an Api client acting with a fresh token of that person."""

    def make(person: Person) -> Api:
        return Api(token_of(person))

    return make


@pytest.fixture
def anonymous() -> Api:
    return Api()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape, with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]
