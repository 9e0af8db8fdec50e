"""The service workers: the resident pages' one served from the root, the console's from the
need pages' folder; never cached stale, storing their shell (with the files' current hashed
names), the resident one never a personal page. The home-screen manifest of the console."""

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
    version = re.search(r'const VERSION = "(civicgrid-resident-\w+)";', body)
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
    assert any(re.fullmatch(r"/static/js/offline\.[0-9a-f]{12}\.js", u) for u in shell)
    assert 'const STATIC = "/static/";' in body


def test_the_console_worker_looks_after_the_need_pages_only(client):
    response = client.get("/console/needs/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'const SCOPE = "/console/needs/";' in body
    assert 'const LOGIN = "/console/login/";' in body
    assert re.search(r'const VERSION = "civicgrid-console-\w+";', body)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert static("js/console-offline.js") in shell and static("css/civicgrid.css") in shell
    # Both workers clear only their own caches: they share the site's storage.
    resident = client.get("/sw.js").content.decode()
    assert 'const OWN = (k) => !k.startsWith("civicgrid-console-");' in resident
    assert 'const OWN = (k) => k.startsWith("civicgrid-console-");' in body
    assert "OWN(k) && k !== VERSION" in body and "OWN(k) && k !== VERSION" in resident


def test_the_console_worker_names_the_collected_files(tmp_path, settings, client):
    from civicgrid.core.tests.staticfiles import collect
    from civicgrid.needs.views.offline import CONSOLE_FILES

    collect(tmp_path, settings, {path: f"/* {path} */\n" for path in CONSOLE_FILES})
    body = client.get("/console/needs/sw.js").content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert any(re.fullmatch(r"/static/js/console-offline\.[0-9a-f]{12}\.js", u) for u in shell)


def test_the_manifest_opens_a_grid_workers_list_and_its_icons_exist(client):
    from django.contrib.staticfiles import finders

    response = client.get(
        "/console/needs/manifest.webmanifest", headers={"accept-language": "zh-hans"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/console/needs/?tab=mine"
    assert manifest["scope"] == "/console/needs/" and manifest["display"] == "standalone"
    assert manifest["lang"] == "zh-hans"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


@pytest.mark.parametrize("url", ["/sw.js", "/console/needs/sw.js"])
def test_each_worker_is_plain_javascript_with_no_template_left_in_it(client, url):
    """What a template leaves behind (a multi-line {# comment #}, a tag) is a syntax error
    that stops the worker from installing, silently."""
    body = client.get(url).content.decode()
    for leftover in ("{#", "#}", "{%", "%}", "{{", "}}"):
        assert leftover not in body, leftover
    assert body.count('self.addEventListener("install"') == 1
