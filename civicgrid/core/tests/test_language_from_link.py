"""A link that names its language (`?lang=`) opens the page in it and remembers the choice;
anything else leaves the language as the browser and the switch chose it."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def lang_of(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_link_in_mongolian_opens_in_mongolian_and_is_remembered(client):
    response = client.get("/?lang=mn-Mong", headers={"accept-language": "zh-CN"})
    assert lang_of(response) == "mn-mong"
    assert response.cookies[COOKIE].value == "mn-mong"
    assert lang_of(client.get("/", headers={"accept-language": "zh-CN"})) == "mn-mong"


@pytest.mark.parametrize("asked", ["xx", "mn", "zh-hans<script>", ""])
def test_a_language_the_site_does_not_offer_changes_nothing(client, asked):
    response = client.get(f"/?lang={asked}", headers={"accept-language": "en"})
    assert lang_of(response) == "en"
    assert COOKIE not in response.cookies


def test_only_a_get_chooses(client):
    response = client.post("/track/?lang=mn-mong", headers={"accept-language": "en"})
    assert COOKIE not in response.cookies


def test_a_query_too_long_to_parse_is_left_to_the_page(client):
    """Django refuses a query of more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS; Open311 answers
    that with its own 400, which this middleware must not pre-empt."""
    many = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"/open311/v2/requests.json?{many}&lang=en")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
