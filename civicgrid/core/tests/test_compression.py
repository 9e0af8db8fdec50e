"""Pages and static files go out compressed to a client that accepts it (issue 14: nothing
was compressed in the demo); what a resident's first page costs in bytes stays in budget."""

from __future__ import annotations

import gzip

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BUDGET = 150 * 1024  # a resident page with its CSS and scripts, compressed


def fetch(client: Client, url: str) -> tuple[int, int, str]:
    """(bytes on the wire, bytes once unpacked, encoding) for `url`."""
    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200, url
    body = response.getvalue()  # streamed (static files) or not
    encoding = response.get("Content-Encoding", "")
    plain = gzip.decompress(body) if encoding == "gzip" else body
    return len(body), len(plain), encoding


def test_a_residents_first_page_and_its_files_are_compressed_and_in_budget():
    client = Client()
    page = client.get("/").content.decode()
    import re

    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    assert assets
    total = 0
    for url in ["/", *assets]:
        wire, plain, encoding = fetch(client, url)
        assert encoding == "gzip", url
        assert wire < plain, url
        total += wire
    assert total < BUDGET, total


def test_nothing_is_compressed_for_a_client_that_does_not_ask():
    response = Client().get("/")
    assert "Content-Encoding" not in response
