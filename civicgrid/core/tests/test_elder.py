"""Elder mode: a switch on every resident page, remembered in a cookie, that draws the page
larger; its `next` never leads off the site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.core.elder import COOKIE
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key

pytestmark = pytest.mark.django_db


def resident_pages(w) -> list[str]:
    need = nf.raise_need(w)
    key = tracking_key(need.number)
    return [
        "/",
        reverse("resident:choose"),
        reverse("resident:raise", args=["roads"]),
        reverse("resident:receipt", args=[need.number]) + f"?k={key}",
        reverse("resident:track", args=[need.number]) + f"?k={key}",
        reverse("resident:track_lookup"),
        reverse("resident:find_by_phone"),
        reverse("resident:poster_node", args=[w.t["gridA"].code]),
        "/no/such/page/",
    ]


def test_every_resident_page_has_the_switch_and_draws_itself_in_elder_mode_once_chosen(client):
    w = nf.world()
    pages = resident_pages(w)
    for url in pages:
        text = client.get(url).content.decode()
        assert 'action="/elder/"' in text and 'name="elder" value="1"' in text, url
        assert 'class="elder"' not in text, url
    turned = client.post(reverse("elder"), {"elder": "1", "next": "/raise/"})
    assert turned.status_code == 302 and turned["Location"] == "/raise/"
    cookie = turned.cookies[COOKIE]
    assert cookie.value == "1" and cookie["max-age"] == 365 * 24 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    for url in pages:
        text = client.get(url).content.decode()
        assert '<html lang="zh-hans" dir="ltr" class="elder">' in text, url
        assert 'name="elder" value="0"' in text, url  # the way back, on the same spot


def test_the_switch_turns_elder_mode_off_again(client):
    client.cookies[COOKIE] = "1"
    response = client.post(reverse("elder"), {"elder": "0", "next": "/track/"})
    assert response["Location"] == "/track/"
    assert response.cookies[COOKIE].value == "" and response.cookies[COOKIE]["max-age"] == 0


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "\\\\evil"]
)
def test_the_switch_never_sends_anyone_off_the_site(client, target):
    response = client.post(reverse("elder"), {"elder": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switch_is_a_form_post_only(client):
    assert client.get(reverse("elder")).status_code == 405
