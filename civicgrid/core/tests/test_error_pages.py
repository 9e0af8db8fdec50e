"""Every error page in the visitor's language, in the site's layout (phone viewport included),
with a way forward: look a need up, raise one, or (staff) back to the console (issue 14)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation

from civicgrid.core import views
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db

WAYS = ('href="/track/"', 'href="/"')


def client(language: str) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return c


@pytest.mark.parametrize(
    "language, words",
    [("zh-hans", "我们找不到这个页面"), ("en", "We could not find that page")],
)
def test_a_stale_link_gets_a_page_in_the_visitors_language(language, words):
    for url in ("/track/NOSUCH99/?k=stale", "/no/such/page/", "/console/needs/NOSUCH99/x/"):
        response = client(language).get(url)
        assert response.status_code == 404, url
        page = response.content.decode()
        assert words in page and 'name="viewport"' in page and 'class="r-header"' in page
        assert all(way in page for way in WAYS), url


def test_a_forbidden_page_says_why_and_offers_staff_the_console():
    leader = netf.person("旗领导")
    c = client("en")
    c.force_login(leader)
    request = RequestFactory().get("/console/needs/new/")
    request.user = leader
    response = views.forbidden(request, PermissionDenied("Your role may read but not change."))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your role may read but not change." in page and 'href="/console/"' in page


def test_a_server_error_is_plain_and_kind_in_the_visitors_language():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = views.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "我们这边出了问题" in page and all(way in page for way in WAYS)
