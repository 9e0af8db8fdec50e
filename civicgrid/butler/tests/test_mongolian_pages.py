"""The project butler's QR page in traditional Mongolian, with no word of Chinese, English or
Cyrillic left (as `needs/tests/test_mongolian_pages.py` holds the needs' pages): the form an
enterprise's contact opens, what a refusal says, and the need's tracking page the matter
becomes. Data a resident reads is given in Mongolian (`name_mn`, what the contact typed).

An enterprise (`network.Organisation`) has no Mongolian name: the pages checking their own
words name it in Mongolian, and one test holds that its registered Chinese name is not what a
Mongolian page shows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from civicgrid.butler.models import MatterKind, Project
from civicgrid.butler.tests import factories as bf
from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian
from civicgrid.network.models import Organisation
from civicgrid.representatives.tests.test_mongolian_pages import name_places_in_mongolian

pytestmark = pytest.mark.django_db

BODY = {"kind": MatterKind.APPROVAL, "description": "ᠪᠣᠯᠵᠣᠭᠠᠲᠤ ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠯ ᠬᠦᠯᠢᠶᠡᠭᠳᠡᠵᠦ ᠪᠠᠶᠢᠨ᠎ᠠ"}


@pytest.fixture
def butler() -> bf.ButlerWorld:
    cache.clear()
    b = bf.butler_world()
    name_places_in_mongolian(b.w)
    Project.objects.filter(pk=b.project.pk).update(name_mn="ᠬᠦᠨᠳᠦ ᠮᠠᠰᠢᠨ ᠦ ᠦᠢᠯᠡᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠬᠦᠷᠢᠶ᠎ᠡ")
    return b


def raise_url(b: bf.ButlerWorld) -> str:
    return reverse("butler_public:raise", args=[b.project.pk, bf.qr_key(b)])


def in_mongolian(b: bf.ButlerWorld) -> None:
    Organisation.objects.filter(pk=b.enterprise.pk).update(name="ᠯᠦᠩ ᠮᠠ ᠬᠦᠨᠳᠦ ᠮᠠᠰᠢᠨ")


def test_the_qr_form(butler, mongolian):
    in_mongolian(butler)
    assert_all_mongolian(mongolian.get(raise_url(butler)))


def test_the_enterprise_has_its_mongolian_name_on_the_qr_form(butler, mongolian):
    """龙马重工 is what `publication.public_project` shows, in every language."""
    assert_all_mongolian(mongolian.get(raise_url(butler)))


def test_an_empty_form_says_what_to_fix(butler, mongolian):
    in_mongolian(butler)
    empty = mongolian.post(raise_url(butler), {"phone": "", "description": "", "once": "z" * 32})
    assert empty.status_code == 400
    assert_all_mongolian(empty)


def test_a_number_not_on_the_contact_list_is_refused(butler, mongolian):
    in_mongolian(butler)
    body = {**BODY, "phone": "13900000000", "once": "y" * 32}
    refused = mongolian.post(raise_url(butler), body)
    assert refused.status_code == 400
    assert_all_mongolian(refused)


def test_the_matters_tracking_page(butler, mongolian):
    in_mongolian(butler)
    body = {**BODY, "phone": bf.CONTACT_PHONE, "once": "x" * 32}
    sent = mongolian.post(raise_url(butler), body, follow=True)
    assert sent.redirect_chain and sent.status_code == 200
    assert_all_mongolian(sent)
