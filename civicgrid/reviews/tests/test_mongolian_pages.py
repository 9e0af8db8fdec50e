"""The department reviews' resident pages in traditional Mongolian, with no word of Chinese,
English or Cyrillic left (as `needs/tests/test_mongolian_pages.py` holds the needs' pages): a
town's review mailbox, a round's departments, the questionnaire through a refusal, a texted
code and a sent review, and a published round's results with a public comment. Data a
resident reads is given in Mongolian (`*_mn`: the round, its questions and options, the
departments; what a resident typed)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from civicgrid.core import once
from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian
from civicgrid.representatives.tests.test_mongolian_pages import name_places_in_mongolian
from civicgrid.reviews import rounds, services
from civicgrid.reviews.models import Answer, Department, Question, Round
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

COMMENT = "ᠠᠵᠢᠯ ᠢ ᠲᠦᠷᠭᠡᠨ ᠬᠢᠳᠡᠭ"


@pytest.fixture
def rv() -> rf.Reviews:
    cache.clear()
    made = rf.opened()
    name_places_in_mongolian(made.w)
    Round.objects.filter(pk=made.round.pk).update(
        intro="请为部门打分", intro_mn="ᠬᠡᠯᠲᠡᠰ ᠢ ᠦᠨᠡᠯᠡᠭᠡᠷᠡᠢ"
    )
    Department.objects.filter(pk=made.dept.pk).update(name_mn="ᠬᠣᠲᠠ ᠶᠢᠨ ᠬᠠᠷᠢᠭᠤᠯᠬᠤ ᠲᠣᠪᠴᠢᠶ᠎ᠠ")
    Department.objects.filter(pk=made.other.pk).update(name_mn="ᠪᠠᠶᠢᠰᠢᠩ ᠪᠠᠷᠢᠯᠭ᠎ᠠ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ")
    for question, text_mn in (
        (made.score, "ᠶᠡᠷᠦᠩᠬᠡᠢ ᠰᠡᠳᠬᠢᠯ ᠬᠠᠩᠭᠠᠯᠲᠠ"),
        (made.choice, "ᠴᠠᠭ ᠲᠤ ᠨᠢ ᠪᠡᠶᠡᠯᠡᠭᠦᠯᠦᠭᠰᠡᠨ ᠦᠦ"),
        (made.comment, "ᠰᠠᠨᠠᠯ"),
    ):
        Question.objects.filter(pk=question.pk).update(text_mn=text_mn)
    made.round.refresh_from_db()
    return made


def form_data(rv: rf.Reviews, **extra: str) -> dict[str, str]:
    return {
        f"q{rv.score.pk}": "4",
        f"q{rv.choice.pk}": "o1",
        f"q{rv.comment.pk}": COMMENT,
        "phone": rf.PHONE,
        "once": once.new_key(),
        "op": "submit",
        **extra,
    }


def test_the_mailbox_and_a_rounds_departments(rv, mongolian):
    assert_all_mongolian(
        mongolian.get(reverse("reviews_public:mailbox", args=[rv.w.t["town1"].pk]))
    )
    assert_all_mongolian(mongolian.get(reverse("reviews_public:round", args=[rv.round.pk])))


def test_the_questionnaire_through_a_refusal_a_code_and_a_sent_review(rv, mongolian):
    url = reverse("reviews_public:review", args=[rv.round.pk, rv.dept.pk])
    page = mongolian.get(url)
    assert "ᠴᠠᠭ ᠲᠤ ᠨᠢ ᠪᠡᠶᠡᠯᠡᠭᠦᠯᠦᠭᠰᠡᠨ ᠦᠦ" in page.content.decode()
    assert "ᠤᠳᠠᠭᠠᠨ" in page.content.decode()  # an option's label_mn
    assert_all_mongolian(page)
    refused = mongolian.post(url, form_data(rv, **{f"q{rv.score.pk}": ""}))
    assert refused.status_code == 400
    assert_all_mongolian(refused)
    bad_phone = mongolian.post(url, form_data(rv, op="send", phone="123"))
    assert_all_mongolian(bad_phone)
    sent = mongolian.post(url, form_data(rv, op="send"))
    assert sent.status_code == 200
    assert_all_mongolian(sent)
    wrong = mongolian.post(url, form_data(rv, code="000000"))
    assert wrong.status_code in (400, 409)
    assert_all_mongolian(wrong)
    done = mongolian.post(url, form_data(rv, code=rf.known_code()), follow=True)
    assert done.status_code == 200
    assert_all_mongolian(done)
    again = mongolian.post(url, form_data(rv, code=rf.known_code()), follow=True)
    assert again.status_code in (200, 409)
    assert_all_mongolian(again)  # one review per phone per department


def test_a_published_rounds_results(rv, mongolian):
    rf.respond(rv, comment=COMMENT)
    rf.respond(rv, phone="13712345678", score=2, choice="o2")
    answer = Answer.objects.exclude(comment="").get()
    services.comment_mark(by=rv.w.town_staff, answer=answer, public=True)
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    page = mongolian.get(reverse("reviews_public:results", args=[rv.round.pk]))
    assert COMMENT in page.content.decode()
    assert "ᠬᠣᠲᠠ ᠶᠢᠨ ᠬᠠᠷᠢᠭᠤᠯᠬᠤ ᠲᠣᠪᠴᠢᠶ᠎ᠠ" in page.content.decode()
    assert_all_mongolian(page)
    assert_all_mongolian(
        mongolian.get(reverse("reviews_public:mailbox", args=[rv.w.t["town1"].pk]))
    )
    assert_all_mongolian(mongolian.get(reverse("reviews_public:round", args=[rv.round.pk])))
