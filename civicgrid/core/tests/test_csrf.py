"""CSRF everywhere forms post.

- Every URL pattern refuses a POST without a CSRF token (403), unless its view is exempt and
  listed in CSRF_EXEMPT with the reason; so a new exempt view cannot slip in unnoticed.
- Every `<form method="post">` of the project's templates carries `{% csrf_token %}`.
- The API's session calls need the token (X-CSRFToken); calls with a personal token, which a
  browser never sends by itself, do not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from civicgrid.api.services import token_create
from civicgrid.core.tests.test_access import PATTERNS, Towns, make_towns, url_of

pytestmark = pytest.mark.django_db

# Exempt views and why a forged cross-site POST cannot act through them.
CSRF_EXEMPT_PREFIXES: dict[str, str] = {
    "api/v1/": "the API checks CSRF itself for session calls (tested below); tokens need none",
    settings.OPEN311_PREFIX: "Open311 POST is authenticated by the application's api_key",
}


@pytest.fixture
def towns() -> Towns:
    return make_towns()


def exempt(route: str) -> bool:
    return route.startswith(tuple(CSRF_EXEMPT_PREFIXES))


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "staff"])
def test_every_post_without_a_csrf_token_is_refused(towns: Towns, logged_in: bool):
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(towns.staff_b)
    refused = 0
    for p in PATTERNS:
        view_exempt = getattr(p.callback, "csrf_exempt", False)
        if exempt(p.route):
            continue
        assert not view_exempt, f"{p.key} is csrf_exempt: list why in CSRF_EXEMPT_PREFIXES"
        url = url_of(p, towns)
        response = client.post(url, {"description": "forged", "phone": "13911112222"})
        assert response.status_code == 403, f"POST {url} ({p.key}): {response.status_code}"
        refused += 1
    assert refused > 100


TEMPLATE_DIRS = sorted(Path(settings.BASE_DIR).glob("**/templates"))
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    forms = 0
    for folder in TEMPLATE_DIRS:
        for template in folder.glob("**/*.html"):
            text = template.read_text(encoding="utf-8")
            for attributes, body in FORM_RE.findall(text):
                if re.search(r"method\s*=\s*[\"']?post", attributes, re.IGNORECASE):
                    forms += 1
                    assert "{% csrf_token %}" in body, f"{template}: a post form without it"
    assert forms >= 15


def test_api_session_calls_need_the_csrf_token_and_token_calls_do_not(towns: Towns):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(towns.staff_b)
    url = "/api/v1/notifications/read-all"
    forged = browser.post(url, {}, content_type="application/json")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    # A raise through the session is refused too: a site cannot raise needs in staff's names.
    body = {"category": "roads", "description": "forged", "node": towns.nodes["gridB"].pk}
    raised = browser.post("/api/v1/needs", body, content_type="application/json")
    assert raised.status_code == 403 and raised.json()["error"]["code"] == "csrf_failed"

    browser.get("/console/")  # a page with a form sets the CSRF cookie
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value
    fine = browser.post(url, {}, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert fine.status_code == 200, fine.content

    token = token_create(person=towns.staff_b, name="script")[1]
    script = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    assert script.post(url, {}, content_type="application/json").status_code == 200


def test_a_refused_form_says_so_in_the_visitors_language_in_the_sites_layout():
    # Issue 14: every error page in the visitor's language with a way forward; a form sent
    # after its session's token changed (cookies cleared, a page left open) got Django's bare
    # English "CSRF verification failed".
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "zh-hans"})
    response = client.post("/track/phone/", {"phone": "13911112222"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "resident.css" in page and "CSRF verification failed" not in page
    assert "请刷新页面" in page and 'href="/"' in page
    english = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    assert "reload the page" in english.post("/track/phone/", {}).content.decode()
