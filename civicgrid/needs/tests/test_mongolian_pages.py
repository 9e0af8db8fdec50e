"""Every page a resident sees, in traditional Mongolian: chosen by Accept-Language or the
language switch, and with no word of Chinese, English or Cyrillic left in what the page says
in Mongolian (text, labels, hints, buttons, error messages). Parts marked with another `lang`
(the language switch's other languages, the Chinese half of a poster) are that language on
purpose; what people typed is data, and is typed in Mongolian here."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info

from civicgrid.core import views
from civicgrid.needs import services, workflow
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key

pytestmark = pytest.mark.django_db

MN = "mn-mong"
SAID_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
# Data that is not words: tracking numbers, links, masked phone numbers, digits.
NOT_WORDS = re.compile(r"https?://\S+|/\S*|\b[0-9A-Z]{4}-[0-9A-Z]{4}\b|\d[\d*]*")
FOREIGN = re.compile(r"[A-Za-z\u0400-\u04ff\u3400-\u9fff\uf900-\ufaff]")


class Said(HTMLParser):
    """Collects what a page says, with the language each piece is said in."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.pieces: list[tuple[str, str]] = []
        self.skip = 0

    def language(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        current = self.language() if lang is None else (lang or "?")
        for name in SAID_ATTRIBUTES:
            if found.get(name):
                self.pieces.append((current, str(found[name])))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.pieces.append((current, str(found["value"])))
        if tag in ("script", "style"):
            self.skip += 1
        if tag not in VOID:
            self.stack.append((tag, current))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.pieces.append((self.language(), data.strip()))


def foreign_words(html: str) -> list[str]:
    said = Said()
    said.feed(html)
    assert said.pieces and said.pieces[0][0] == MN, "the page is not in Mongolian"
    return [
        text for lang, text in said.pieces if lang == MN and FOREIGN.search(NOT_WORDS.sub("", text))
    ]


@pytest.fixture
def world():
    w = nf.world()
    names = {
        "town1": "ᠨᠢᠭᠡ ᠪᠠᠯᠭᠠᠰᠤ",
        "comm1": "ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
        "big1": "ᠨᠢᠭᠡ ᠲᠣᠮᠣ ᠲᠣᠣᠷ",
        "gridA": "ᠠ ᠲᠣᠣᠷ",
        "gridB": "ᠪᠡ ᠲᠣᠣᠷ",
        "unitA": "ᠠ ᠪᠦᠯᠦᠭ",
    }
    for number, (key, node) in enumerate(w.t.items(), start=1):
        node.name_mn = names.get(key, f"{number}\u202fᠳᠤᠭᠠᠷ ᠭᠠᠵᠠᠷ")
        node.save(update_fields=["name_mn"])
    return w


def mongolian_need(w):
    return nf.raise_need(w, description="ᠵᠠᠮ ᠡᠪᠳᠡᠷᠡᠪᠡ", contact_name="ᠪᠠᠭᠠᠲᠤᠷ")


def assert_all_mongolian(response) -> None:
    assert response.status_code in (200, 400, 403, 404, 409, 413, 429, 500), response.status_code
    left = foreign_words(response.content.decode())
    assert not left, "not in Mongolian:\n" + "\n".join(left)


@pytest.mark.parametrize(
    "accept", ["mn-Mong", "mn-Mong-CN", "mn-CN", "mn", "mn-Mong-CN,zh-CN;q=0.8"]
)
def test_accept_language_reaches_traditional_mongolian(client, accept):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert '<html lang="mn-mong"' in response.content.decode()


def test_the_language_is_named_in_its_own_script_and_offered_on_every_resident_page(client):
    assert get_language_info(MN)["name_local"] == "ᠮᠣᠩᠭᠣᠯ"
    text = client.get("/").content.decode()
    assert '<button type="submit" name="language" value="mn-mong" lang="mn-mong">ᠮᠣᠩᠭᠣᠯ' in text
    chosen = client.post(reverse("set_language"), {"language": MN, "next": "/"})
    assert chosen.status_code == 302
    assert client.get("/").content.decode().startswith('<!DOCTYPE html>\n<html lang="mn-mong"')


def test_home_choose_and_lookup_pages(world, mongolian):
    for url in ("/", reverse("resident:choose"), reverse("resident:track_lookup"),
                reverse("resident:find_by_phone")):  # fmt: skip
        assert_all_mongolian(mongolian.get(url))


def test_the_intake_form_its_questions_and_its_errors(world, mongolian):
    assert_all_mongolian(mongolian.get(reverse("resident:raise", args=["roads"])))
    at = reverse("resident:raise", args=["repairs"]) + f"?at={world.t['gridA'].code}"
    assert_all_mongolian(mongolian.get(at))
    # Sent empty: every message that says what to fix is Mongolian, Django's own included.
    refused = mongolian.post(reverse("resident:raise", args=["roads"]), {"contact_phone": "12"})
    assert refused.status_code == 200 and "r-error" in refused.content.decode()
    assert_all_mongolian(refused)


def test_the_receipt_and_the_tracking_page_through_the_life_of_a_need(world, mongolian):
    need = mongolian_need(world)
    key = tracking_key(need.number)
    receipt = reverse("resident:receipt", args=[need.number]) + f"?k={key}"
    assert_all_mongolian(mongolian.get(receipt))
    track = reverse("resident:track", args=[need.number]) + f"?k={key}"
    assert_all_mongolian(mongolian.get(track))
    dispatcher = workflow.By(world.dispatcher)
    services.need_act(need=need, action="dispatch", by=dispatcher, to=world.handler)
    services.need_act(need=need, action="take", by=workflow.By(world.handler))
    assert_all_mongolian(mongolian.get(track))
    services.need_act(need=need, action="resolve", by=workflow.By(world.handler), reason="ᠵᠠᠰᠠᠪᠠ")
    assert_all_mongolian(mongolian.get(track))  # the rating form
    assert_all_mongolian(mongolian.get(reverse("resident:track", args=[need.number])))


def test_the_tracking_page_while_a_joint_committee_consults(world, mongolian):
    need = mongolian_need(world)
    nf.follow_up()
    workflow.need_escalate(
        need=need, by=workflow.By(world.dispatcher), reason="ᠵᠥᠪᠯᠡᠯ", to=world.committee
    )
    track = reverse("resident:track", args=[need.number]) + f"?k={tracking_key(need.number)}"
    response = mongolian.get(track)
    assert "ᠬᠠᠮᠲᠤᠷᠠᠭᠰᠠᠨ ᠨᠠᠮ ᠤᠨ ᠬᠣᠷᠢᠶ᠎ᠠ ᠵᠥᠪᠯᠡᠯᠳᠦᠵᠦ ᠪᠠᠶᠢᠨ᠎ᠠ" in response.content.decode()
    assert_all_mongolian(response)


def test_posters_are_mongolian_on_the_left_and_chinese_at_the_same_size(world, client):
    for lang in ("zh-hans", MN, "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        text = client.get(reverse("resident:poster_node", args=[world.t["gridA"].code]))
        html = text.content.decode()
        mn = html.index('<section class="poster-half poster-mn" lang="mn-mong"')
        zh = html.index('<section class="poster-half poster-zh" lang="zh-hans"')
        assert mn < zh  # first in the row: on the left
        assert "ᠠ ᠲᠣᠣᠷ" in html and "A网格" in html
        assert "ᠨᠢᠭᠡ ᠲᠣᠮᠣ ᠲᠣᠣᠷ" in html and "一大网格" in html
    poster_mn = html[mn:zh]
    assert not [w for w in foreign_words('<html lang="mn-mong">' + poster_mn)]


def test_page_not_found(world, mongolian):
    response = mongolian.get("/track/NOPE/nothing/here/")
    assert response.status_code == 404
    assert_all_mongolian(response)


@pytest.mark.parametrize(
    "handler",
    [
        lambda r: views.bad_request(r, RequestDataTooBig()),
        lambda r: views.bad_request(r, None),
        lambda r: views.forbidden(r, PermissionDenied()),
        lambda r: views.server_error(r),
        lambda r: views.too_many_requests(r, 30),
        lambda r: views.too_many_requests(r, 600),
        lambda r: views.csrf_failure(r, "no token"),
    ],
    ids=["too-large", "malformed", "403", "500", "429-seconds", "429-minutes", "csrf"],
)
def test_error_pages(world, rf, handler):
    request = rf.get("/raise/roads/")
    with translation.override(MN):
        request.LANGUAGE_CODE = MN
        assert_all_mongolian(handler(request))


def test_the_public_figures_in_mongolian_with_their_sentence(world, client):
    mongolian_need(world)
    for response in (
        client.get("/public/?lang=mn-mong"),
        client.get("/public/", HTTP_ACCEPT_LANGUAGE="mn-Mong-CN"),
    ):
        assert response.status_code == 200 and response["Content-Language"] == MN
        assert_all_mongolian(response)
        assert "ᠨᠡᠶᠢᠲᠡ ᠳᠦᠨ᠄" in response.content.decode()  # the report sentence
    chinese = client.get("/public/?lang=zh-hans").content.decode()
    assert 'lang=mn-mong" lang="mn-mong" hreflang="mn-mong">ᠮᠣᠩᠭᠣᠯ</a>' in chinese
