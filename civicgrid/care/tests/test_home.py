"""The care front page: what waits in the reader's area, and nothing of another's."""

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.care.tests import factories as cf

pytestmark = pytest.mark.django_db


def test_the_front_page_counts_the_readers_register_only(client: Client) -> None:
    c = cf.care()
    client.force_login(c.w.dispatcher)
    page = client.get(reverse("care:home"))
    assert page.status_code == 200
    assert page.context["registered"] == 5
    client.force_login(c.w.stranger)
    assert client.get(reverse("care:home")).context["registered"] == 0
    client.force_login(c.w.leader)
    assert client.get(reverse("care:home")).context["registered"] == 5
