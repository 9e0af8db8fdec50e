"""The resident pages' service worker: served from the root, never cached stale, storing the
shell (with the files' current hashed names) and never a personal page."""

from __future__ import annotations

import json
import re

import pytest
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_the_worker_is_served_from_the_root_as_javascript_and_checked_each_time(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/sw.js").status_code == 405


def test_it_stores_the_shell_under_the_files_current_names(client):
    body = client.get("/sw.js").content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert shell[:3] == ["/", "/raise/", "/track/"]
    for path in ("css/resident.css", "js/offline.js", "js/intake.js"):
        assert static(path) in shell
    assert any(url.endswith(".woff2") for url in shell)
    version = re.search(r'const VERSION = "(civicgrid-\w+)";', body)
    assert version


def test_it_keeps_the_shell_pages_and_never_a_tracking_page_or_a_receipt(client):
    body = client.get("/sw.js").content.decode()
    pattern = re.search(r"const SHELL_PAGE = /(.*)/;", body).group(1).replace("\\/", "/")
    keeps = re.compile(pattern)
    for path in ("/", "/raise/", "/raise/roads/", "/track/", "/track/phone/"):
        assert keeps.match(path), path
    for path in ("/track/K7M4QXP2/", "/raise/done/K7M4QXP2/", "/console/needs/", "/admin/"):
        assert not keeps.match(path), path


def test_it_names_the_collected_files_as_production_serves_them(tmp_path, settings, client):
    """With static files collected the production (and demo) way, hashed: the worker lists the
    hashed names, and asks for nothing the manifest does not know."""
    from civicgrid.core.tests.staticfiles import collect
    from civicgrid.needs.views.offline import SHELL_FILES

    collect(tmp_path, settings, {path: f"/* {path} */\n" for path in SHELL_FILES})
    response = client.get("/sw.js")
    assert response.status_code == 200
    body = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert re.fullmatch(r"/static/js/offline\.[0-9a-f]{12}\.js", shell[5])
    assert 'const STATIC = "/static/";' in body
