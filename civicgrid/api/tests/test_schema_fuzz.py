"""Schemathesis over /api/v1/openapi.json, in-process (WSGI): for every operation, examples
that fit the schema and examples that do not, sent with a dispatcher's token. No answer may be
a server error, and every answer (errors included) must match what the document declares:
its status, its content type, its body.

Bounded and reproducible: a few examples per operation, derandomised (a fixed seed), no
example database. Operations on one need also run with a real tracking number so that the
workflow's actions reach the workflow instead of stopping at 404. `make fuzz` runs the same
test with CIVICGRID_FUZZ_EXAMPLES examples per operation and mode (300 there) instead of 15.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civicgrid.api.tests.conftest import token_of
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
OPERATIONS = [
    (method.upper(), path)
    for path, methods in SCHEMA.raw_schema["paths"].items()
    for method in methods
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation and generation mode: 15 in the suite, more with `make fuzz`.
EXAMPLES = int(os.environ.get("CIVICGRID_FUZZ_EXAMPLES", "15"))


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Requests run in the test's own transaction, as Django's test client runs them: the
    signals that would close the connection at each request's start and end stay quiet."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def setting(same_connection: None) -> dict[str, Any]:
    cache.clear()
    w = nf.world()
    need = nf.raise_need(w)
    nf.raise_need(w, node=w.t["gridB"])
    return {"token": token_of(w.dispatcher), "number": need.number}


# Schemathesis calls the WSGI app in process, whose test transport does not undo gzip as an
# HTTP client does: the answers are checked uncompressed (core/tests/test_compression.py
# checks the compression).
PLAIN = {"Accept-Encoding": "identity"}


def fuzz(operation: Any, headers: dict[str, str], **fixed: Any) -> None:
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, **fixed))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # Nothing to get wrong: an operation with no parameters and no body.
            assert mode == GenerationMode.NEGATIVE


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_answer_matches_the_schema_and_none_is_a_server_error(setting, method, path):
    operation = SCHEMA[path][method]
    headers = {"Authorization": f"Bearer {setting['token']}", "Accept-Language": "en", **PLAIN}
    fuzz(operation, headers)
    if "{number}" in path:
        fuzz(operation, headers, path_parameters={"number": setting["number"]})


def test_anonymous_creates_match_the_schema(setting):
    fuzz(SCHEMA["/api/v1/needs"]["POST"], {"Accept-Language": "zh-hans", **PLAIN})
