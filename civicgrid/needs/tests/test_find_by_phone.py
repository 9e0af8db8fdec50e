"""A lost receipt (issue 14, point 11): a resident finds their needs again with the mobile
number they left and a code texted to it. The page says the same whether or not the number
left needs; each step is limited per address and codes per number."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from civicgrid.core import phonecode
from civicgrid.needs.models import format_number
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_url

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
URL = "/track/phone/"


@pytest.fixture
def w() -> nf.World:
    cache.clear()
    return nf.world()


@pytest.fixture
def texts(caplog, django_capture_on_commit_callbacks):
    """`with texts() as codes:` posts inside; `codes` holds the codes texted at the commit."""
    import contextlib

    caplog.set_level(logging.INFO, logger="civicgrid.notifications")

    @contextlib.contextmanager
    def run():
        codes: list[str] = []
        caplog.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield codes
        lines = [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]
        codes += [m.group(1) for line in lines if (m := re.search(r": .*?(\d{6})", line))]

    return run


def page(response) -> str:
    return response.content.decode()


def test_a_resident_finds_their_needs_with_a_code(client: Client, w, texts):
    mine = [nf.raise_need(w, contact_phone=PHONE) for _ in range(2)]
    other = nf.raise_need(w, contact_phone="13800000000")
    assert reverse("resident:find_by_phone") == URL
    assert URL in page(client.get(reverse("resident:track_lookup")))
    assert URL in page(client.get("/"))

    with texts() as codes:
        asked = client.post(URL, {"phone": "139 1234 5678"})
    assert asked.status_code == 200 and "139****5678" in page(asked)
    assert f'<input type="hidden" name="phone" value="{PHONE}">' in page(asked)  # for step 2
    [code] = codes

    found = client.post(URL, {"phone": PHONE, "code": code})
    text = page(found)
    assert found.status_code == 200 and "no-store" in found["Cache-Control"]
    for need in mine:
        assert format_number(need.number) in text
        assert tracking_url(need.number).replace("&", "&amp;") in text
    assert format_number(other.number) not in text
    # The code worked once.
    again = client.post(URL, {"phone": PHONE, "code": code})
    assert format_number(mine[0].number) not in page(again)
    assert "can no longer be used" in page(again) or "不能再用" in page(again)


def test_a_number_without_needs_gets_the_same_answer_and_no_text(client: Client, w, texts):
    nf.raise_need(w, contact_phone=PHONE)
    with texts() as codes:
        known = page(client.post(URL, {"phone": PHONE}))
    with texts() as none:
        unknown = page(client.post(URL, {"phone": "13700001111"}))
    assert len(codes) == 1 and not none

    def strip(text: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return re.sub(r"1[37][0-9*]{9}", "PHONE", text)

    assert strip(known) == strip(unknown)


def test_a_wrong_code_says_so_and_shows_nothing(client: Client, w, texts):
    need = nf.raise_need(w, contact_phone=PHONE)
    with texts() as codes:
        client.post(URL, {"phone": PHONE})
    wrong = f"{(int(codes[0]) + 1) % 1_000_000:06d}"
    response = client.post(URL, {"phone": PHONE, "code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "not right" in page(response) and format_number(need.number) not in page(response)


def test_a_malformed_number_says_what_to_fix(client: Client, w):
    response = client.post(URL, {"phone": "12345"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in page(response) or "r-error" in page(response)
    response = client.post(URL, {"phone": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "r-error" in page(response)


def test_asking_and_guessing_are_limited_per_address(client: Client, w, settings, texts):
    settings.RESIDENT_CODE_LIMIT = 3
    nf.raise_need(w, contact_phone=PHONE)
    for n in range(3):
        assert client.post(URL, {"phone": f"1370000000{n}"}).status_code == 200
    refused = client.post(URL, {"phone": "13700000009"})
    assert refused.status_code == 429 and refused["Retry-After"]
    # Guessing codes counts on its own.
    for _ in range(3):
        client.post(URL, {"phone": PHONE, "code": "000000"})
    assert client.post(URL, {"phone": PHONE, "code": "000001"}).status_code == 429


def test_a_number_is_texted_a_few_codes_an_hour(client: Client, w, texts):
    nf.raise_need(w, contact_phone=PHONE)
    with texts() as codes:
        for _ in range(phonecode.PER_PHONE):
            assert client.post(URL, {"phone": PHONE}).status_code == 200
        refused = client.post(URL, {"phone": PHONE})
    assert len(codes) == phonecode.PER_PHONE and refused.status_code == 429
