"""QR codes and printable posters for grids, units, stations, representatives and providers."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


def test_a_grids_qr_code_comes_as_svg_and_png_holding_its_short_link(client):
    w = nf.world()
    code = w.t["gridA"].code
    svg = client.get(reverse("resident:qr_node_svg", args=[code]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg") and b"</svg>" in svg.content
    assert "max-age" in svg["Cache-Control"] and "public" in svg["Cache-Control"]
    png = client.get(reverse("resident:qr_node_png", args=[code]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(png.content)) as img:
        img.verify()
        assert img.size[0] == img.size[1] and img.size[0] > 200


def test_the_qr_code_opens_the_intake_for_that_place(client):
    w = nf.world()
    code = w.t["big1"].code
    go = client.get(reverse("resident:go_node", args=[code]))
    assert go.status_code == 302 and go["Location"] == f"/raise/?at={code}"
    assert client.get(go["Location"]).status_code == 200


def test_a_representatives_qr_code_and_poster(client):
    w = nf.world()
    rep = netf.person("乌云代表", roles=[(Role.REPRESENTATIVE, w.t["big1"])])
    png = client.get(reverse("resident:qr_person_png", args=[rep.pk]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(reverse("resident:qr_person_svg", args=[rep.pk]))
    assert svg["Content-Type"] == "image/svg+xml"
    poster = client.get(reverse("resident:poster_person", args=[rep.pk])).content.decode()
    assert "乌云代表" in poster and "一大网格" in poster
    assert f"http://testserver/q/p/{rep.pk}/" in poster and "<svg" in poster


def test_a_grid_workers_code_works_but_only_public_roles_get_a_poster(client):
    w = nf.world()
    assert client.get(reverse("resident:qr_person_svg", args=[w.grid_worker.pk])).status_code == 200
    assert client.get(reverse("resident:poster_person", args=[w.grid_worker.pk])).status_code == 404
    assert client.get(reverse("resident:poster_person", args=[w.leader.pk])).status_code == 404
    assert client.get(reverse("resident:qr_person_png", args=[w.leader.pk])).status_code == 404
    provider = netf.person("修鞋师傅", roles=[(Role.PROVIDER, w.t["comm1"])])
    assert client.get(reverse("resident:poster_person", args=[provider.pk])).status_code == 200


@pytest.mark.parametrize("lang", ["zh-hans", "en", "mn-mong"])
def test_a_poster_speaks_mongolian_and_chinese_whatever_the_page_language(client, lang):
    w = nf.world()
    grid = w.t["gridA"]
    grid.name_mn = "ᠠ ᠲᠣᠣᠷ"
    grid.save()
    client.cookies["django_language"] = lang
    response = client.get(reverse("resident:poster_node", args=[grid.code]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "A网格" in text and "ᠠ ᠲᠣᠣᠷ" in text and "一大网格" in text
    mn = text.index('<section class="poster-half poster-mn" lang="mn-mong"')
    zh = text.index('<section class="poster-half poster-zh" lang="zh-hans">')
    assert mn < zh  # Mongolian first: on the left of the row
    for language, half in (("mn-mong", text[mn:zh]), ("zh-hans", text[zh:])):
        with translation.override(language):
            assert gettext("Scan to tell us what you need") in half
            assert gettext("Grid party organisation") in half
    assert f"http://testserver/q/n/{grid.code}/" in text and "<svg" in text
    assert "@page" not in text  # print rules live in the stylesheet, not inline


def test_a_place_without_a_mongolian_name_shows_its_chinese_name_in_the_mongolian_half(client):
    w = nf.world()
    text = client.get(reverse("resident:poster_node", args=[w.t["gridA"].code])).content.decode()
    mn = text.index('<section class="poster-half poster-mn" lang="mn-mong"')
    assert '<h1 id="poster-name-mn"><span lang="zh-hans">A网格</span></h1>' in text[mn:]


@pytest.mark.parametrize("kind", ["gridA", "unitA", "big1", "comm1", "town1"])
def test_every_level_from_town_to_unit_has_a_poster(client, kind):
    w = nf.world()
    assert client.get(reverse("resident:poster_node", args=[w.t[kind].code])).status_code == 200


def test_leagues_and_banners_have_no_poster(client):
    w = nf.world()
    assert client.get(reverse("resident:poster_node", args=[w.t["banner"].code])).status_code == 404
    assert client.get(reverse("resident:qr_node_svg", args=["NOPE"])).status_code == 404


def test_providers_and_member_units_as_organisations_have_posters_that_open_their_place(client):
    from civicgrid.network.models import Organisation, OrgKind

    w = nf.world()
    shop = Organisation.objects.create(name="一元理发", kind=OrgKind.PROVIDER, node=w.t["comm1"])
    page = client.get(f"/poster/o/{shop.pk}/")
    assert page.status_code == 200 and "一元理发" in page.content.decode()
    assert client.get(f"/qr/o/{shop.pk}.png").content.startswith(b"\x89PNG")
    go = client.get(f"/q/o/{shop.pk}/")
    assert go.status_code == 302 and go["Location"].endswith(f"?at={w.t['comm1'].code}")
    assert client.get(f"/poster/o/{w.committee.pk}/").status_code == 404  # not a provider


def test_staff_find_every_poster_of_their_area_and_nothing_outside_it(client):
    w = nf.world()
    client.force_login(w.dispatcher)
    page = client.get("/console/needs/posters/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-code="{w.t["comm1"].code}"' in text and f'data-code="{w.t["big1"].code}"' in text
    grid_page = client.get(f"/console/needs/posters/?node={w.t['big1'].pk}").content.decode()
    assert f'data-code="{w.t["gridA"].code}"' in grid_page
    assert client.get(f"/console/needs/posters/?node={w.t['comm2'].pk}").status_code == 404


def test_every_link_on_the_poster_index_opens(client):
    """The breadcrumb steps back only as far as the area goes (issue 14: a community's staff
    were linked to their town's index, a 404)."""
    import re

    w = nf.world()
    client.force_login(w.dispatcher)
    for path in ("/console/needs/posters/", f"/console/needs/posters/?node={w.t['big1'].pk}"):
        page = client.get(path).content.decode()
        links = set(re.findall(r'href="(\?node=\d+)"', page))
        assert links
        for link in links:
            assert client.get("/console/needs/posters/" + link).status_code == 200, link
    top = client.get("/console/needs/posters/").content.decode()
    assert f'href="?node={w.t["town1"].pk}"' not in top
    inner = client.get(f"/console/needs/posters/?node={w.t['big1'].pk}").content.decode()
    assert f'href="?node={w.t["comm1"].pk}"' in inner
