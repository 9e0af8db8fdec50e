"""Staff see, on a need's console page, what the resident was told and whether it reached
them: a message that failed means calling the resident instead. Never the phone or the text."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.outreach import sending
from civicgrid.outreach.backends.base import PermanentFailure
from civicgrid.outreach.models import Kind, ResidentMessage

pytestmark = pytest.mark.django_db


def page(w, need) -> str:
    client = Client()
    client.force_login(w.dispatcher)
    response = client.get(f"/console/needs/{need.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_need_page_lists_the_messages_and_says_which_failed(w, fake):
    from civicgrid.needs.tests import factories as nf

    need = nf.raise_need(w)
    fake.reset(PermanentFailure("invalid number 13912345678", code="InvalidPhone"))
    sending.send(ResidentMessage.objects.get(need=need, kind=Kind.RECEIVED).pk)
    html = page(w, need)
    assert 'aria-labelledby="resident-messages-h"' in html
    assert "Need received" in html and "Failed" in html
    assert "call the resident" in html  # what staff do about it
    assert "13912345678" not in html and "InvalidPhone" in html  # the code, digits masked


def test_no_panel_for_a_need_nobody_is_told_about(w):
    from civicgrid.needs.models import Channel
    from civicgrid.needs.tests import factories as nf

    silent = nf.raise_need(w, channel=Channel.OPEN311, contact_phone="", contact_email="a@b.org")
    assert "resident-messages-h" not in page(w, silent)
