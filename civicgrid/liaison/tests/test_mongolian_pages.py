"""Writing to a representative or a station, and tracking the message, in traditional
Mongolian, with no word of Chinese, English or Cyrillic left (as
`needs/tests/test_mongolian_pages.py` holds the needs' pages): the write page to a
representative and to a station, a refused send, the page after sending, and the tracking page
through an answer and a confirmation. Data a resident reads is given in Mongolian (`*_mn`, what
the resident and the representative typed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.liaison import publication, workflow
from civicgrid.liaison.models import Message, MessageKind
from civicgrid.liaison.tests import factories as lf
from civicgrid.needs.tests.test_mongolian_pages import MN, assert_all_mongolian
from civicgrid.representatives.models import LiaisonStation, Representative
from civicgrid.representatives.tests.test_mongolian_pages import name_places_in_mongolian

pytestmark = pytest.mark.django_db


def numbers_aside(response, *numbers: str):
    """A message's number is data, not a word (as the needs' `XXXX-XXXX` numbers are)."""
    for number in numbers:
        response.content = response.content.replace(number.encode(), b"0")
    return response


@pytest.fixture
def liaison() -> lf.Liaison:
    lw = lf.liaison_world()
    name_places_in_mongolian(lw.w)
    LiaisonStation.objects.filter(pk=lw.station.pk).update(
        name_mn="ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ ᠤᠨ ᠲᠥᠯᠦᠭᠡᠴᠢ ᠶᠢᠨ ᠴᠡᠭ"
    )
    Representative.objects.filter(pk=lw.rep.pk).update(name_mn="ᠸᠠᠩ ᠲᠥᠯᠦᠭᠡᠴᠢ")
    lw.station.refresh_from_db()
    lw.rep.refresh_from_db()
    return lw


def test_writing_to_a_representative_and_to_a_station(liaison, mongolian):
    for url in (
        reverse("liaison_public:write_to_representative", args=[liaison.rep.pk]),
        reverse("liaison_public:write_to_station", args=[liaison.station.pk]),
    ):
        assert_all_mongolian(mongolian.get(url))


def test_a_refused_send_and_the_page_after_sending(liaison, mongolian):
    url = reverse("liaison_public:write_to_representative", args=[liaison.rep.pk])
    refused = mongolian.post(url, {"kind": "", "text": "", "phone": "12"})
    assert refused.status_code == 400
    assert_all_mongolian(refused)
    sent = mongolian.post(
        url,
        {
            "kind": MessageKind.PROBLEM,
            "text": "ᠭᠡᠷᠡᠯ ᠤᠨ ᠰᠢᠯᠭᠠ ᠡᠪᠳᠡᠷᠡᠪᠡ",
            "name": "ᠪᠠᠭᠠᠲᠤᠷ",
            "phone": "13912345678",
            "consent": "on",
        },
        follow=True,
    )
    assert sent.redirect_chain and sent.status_code == 200
    number = Message.objects.get().number
    assert_all_mongolian(numbers_aside(sent, number))


def test_the_tracking_page_through_an_answer_and_a_confirmation(liaison, mongolian):
    message = lf.message(
        liaison,
        text="ᠭᠡᠷᠡᠯ ᠤᠨ ᠰᠢᠯᠭᠠ ᠡᠪᠳᠡᠷᠡᠪᠡ",
        name="ᠪᠠᠭᠠᠲᠤᠷ",
        language=MN,
        now=None,
    )
    track = reverse(
        "liaison_public:track", args=[message.number, publication.message_key(message.number)]
    )
    assert_all_mongolian(numbers_aside(mongolian.get(track), message.number))
    assert "ᠭᠡᠷᠡᠯ ᠤᠨ ᠰᠢᠯᠭᠠ ᠡᠪᠳᠡᠷᠡᠪᠡ" in mongolian.get(track).content.decode()
    workflow.message_answer(by=liaison.rep_person, message=message, answer="ᠮᠠᠭᠠᠰᠢ ᠵᠠᠰᠠᠨ᠎ᠠ")
    assert_all_mongolian(
        numbers_aside(mongolian.get(track), message.number)
    )  # the answer, with confirm and withdraw
    closed = mongolian.post(track, {"action": "close"}, follow=True)
    assert closed.redirect_chain
    assert_all_mongolian(numbers_aside(closed, message.number))


def test_the_tracking_page_of_a_message_to_a_station(liaison, mongolian):
    message = lf.message(
        liaison, to_station=True, text="ᠵᠠᠮ ᠡᠪᠳᠡᠷᠡᠪᠡ", name="", language=MN, now=None
    )
    track = reverse(
        "liaison_public:track", args=[message.number, publication.message_key(message.number)]
    )
    assert_all_mongolian(numbers_aside(mongolian.get(track), message.number))


def test_a_refused_step_on_the_tracking_page_and_a_message_become_a_need(liaison, mongolian):
    from civicgrid.representatives.tests import factories as rf

    message = lf.message(liaison, text="ᠵᠠᠮ ᠡᠪᠳᠡᠷᠡᠪᠡ", name="", language=MN, now=None)
    track = reverse(
        "liaison_public:track", args=[message.number, publication.message_key(message.number)]
    )
    workflow.message_refer(by=liaison.rep_person, message=message, category=rf.category())
    assert_all_mongolian(numbers_aside(mongolian.get(track), message.number))
    # A page left open: "withdraw" sent after the message became a need.
    refused = mongolian.post(track, {"action": "withdraw"})
    assert refused.status_code >= 400
    assert_all_mongolian(numbers_aside(refused, message.number))
