"""Pages and static files go out compressed to a client that accepts it (issue 14: nothing
was compressed in the demo); what a resident's first page costs in bytes stays in budget."""

from __future__ import annotations

import gzip

import pytest
from django.test import Client

from civicgrid.core.tests.staticfiles import collect

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


@pytest.fixture
def collected(tmp_path, settings):
    """A tiny static tree collected the production (and demo) way: core/staticstorage.py."""
    script = "function greet(name) { return 'hello ' + name; }\n" * 200
    return collect(
        tmp_path,
        settings,
        {
            "js/app.js": script,
            "js/app.js.map": '{"version": 3, "mappings": ""}' * 100,
            "site.css": "body { margin: 0; }\n" * 200,
        },
    )


def test_collected_files_are_hashed_and_precompressed_with_gzip_and_brotli(collected):
    from django.contrib.staticfiles.storage import staticfiles_storage

    name = staticfiles_storage.stored_name("js/app.js")
    assert name != "js/app.js" and name.startswith("js/app.")
    files = {p.relative_to(collected).as_posix() for p in collected.rglob("*") if p.is_file()}
    assert {name, f"{name}.gz", f"{name}.br"} <= files
    assert "js/app.js" not in files  # only the hashed name is kept
    maps = [f for f in files if ".map" in f]
    assert maps and not [f for f in maps if f.endswith((".gz", ".br"))]  # for developers only


def test_collected_files_go_out_in_brotli_and_are_kept_for_a_year(collected):
    import brotli
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = staticfiles_storage.url("js/app.js")
    client = Client()  # a new client: whitenoise reads the collected files when it starts
    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    body = response.getvalue()
    assert brotli.decompress(body).startswith(b"function greet")
    assert len(body) < (collected / staticfiles_storage.stored_name("js/app.js")).stat().st_size
    gzipped = client.get(url, headers={"accept-encoding": "gzip"})
    assert gzipped["Content-Encoding"] == "gzip"
