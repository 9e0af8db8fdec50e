"""The review pages. Public (/reviews/, no account): a town's mailbox lists its open rounds,
a round its departments; the questionnaire texts a code and takes one review per phone per
department with a one-time key, limited per address and per phone; results only once
published, comments only when marked. Console (/console/reviews/): the town's staff make,
edit, fill and move rounds and read results and the xlsx; a leader reads and is refused every
write (403) before any form is read; staff of another area find nothing (404)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from civicgrid.core import once
from civicgrid.reviews import rounds, services
from civicgrid.reviews.models import Answer, Department, Question, Response, Round, RoundState
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db
PHONE = rf.PHONE
MN = "mn-mong"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


@pytest.fixture
def texts(caplog, django_capture_on_commit_callbacks):
    """`with texts() as codes:` posts inside; `codes` holds the codes texted at the commit
    (the log backend prints them, as core/tests/test_phonecode.py reads them)."""
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


def review_url(rv: rf.Reviews, dept: Department | None = None) -> str:
    return reverse("reviews_public:review", args=[rv.round.pk, (dept or rv.dept).pk])


def form_data(rv: rf.Reviews, **extra: str) -> dict[str, str]:
    return {
        f"q{rv.score.pk}": "4",
        f"q{rv.choice.pk}": "o1",
        f"q{rv.comment.pk}": "办事快",
        "phone": PHONE,
        "once": once.new_key(),
        "op": "submit",
        **extra,
    }


# --- Public -----------------------------------------------------------------------------------


def test_a_resident_reviews_a_department_with_a_texted_code(client: Client, texts):
    rv = rf.opened()
    town = rv.round.node_id
    mailbox = page(client.get(reverse("reviews_public:mailbox", args=[town])))
    assert reverse("reviews_public:round", args=[rv.round.pk]) in mailbox
    listing = page(client.get(reverse("reviews_public:round", args=[rv.round.pk])))
    assert review_url(rv) in listing and review_url(rv, rv.other) in listing
    shown = client.get(review_url(rv))
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert "总体满意度" in page(shown) and 'name="once"' in page(shown)

    with texts() as codes:
        sent = client.post(review_url(rv), {**form_data(rv), "op": "send"})
    assert sent.status_code == 200 and len(codes) == 1
    assert "139****5678" in page(sent)
    # The answers typed stay on the page while the code is on its way.
    assert 'value="办事快"' in page(sent) or "办事快</textarea>" in page(sent)

    done = client.post(review_url(rv), form_data(rv, code=codes[0]))
    assert done.status_code == 302 and "thanks=1" in done["Location"]
    made = Response.objects.get(round=rv.round, department=rv.dept)
    assert Answer.objects.get(response=made, question=rv.score).score == 4
    assert PHONE not in str(Response.objects.values_list("phone_digest", flat=True))


def test_a_second_review_of_the_same_department_is_refused(client: Client, texts):
    rv = rf.opened()
    client.post(review_url(rv), form_data(rv, code=rf.known_code()))
    again = client.post(review_url(rv), form_data(rv, code=rf.known_code()))
    assert again.status_code == 409 and "r-error" in page(again)
    # What was typed is shown as typed; the spent code is not offered again.
    assert f'value="{PHONE}"' in page(again) and "办事快</textarea>" in page(again)
    assert 'name="code" value=' not in page(again)
    assert Response.objects.filter(department=rv.dept).count() == 1


def test_the_code_is_required_and_mistakes_are_shown_on_the_page(client: Client):
    rv = rf.opened()
    missing = client.post(review_url(rv), form_data(rv))
    assert missing.status_code == 400 and "r-error" in page(missing)
    blank = client.post(
        review_url(rv), form_data(rv, code=rf.known_code(), **{f"q{rv.score.pk}": ""})
    )
    assert blank.status_code == 400 and 'value="办事快"' not in page(blank)
    assert not Response.objects.exists()
    bad_phone = client.post(review_url(rv), {**form_data(rv), "op": "send", "phone": "123"})
    assert bad_phone.status_code == 400 and "r-error" in page(bad_phone)


def test_a_double_send_with_one_key_makes_one_review(client: Client):
    rv = rf.opened()
    data = form_data(rv, code=rf.known_code())
    first = client.post(review_url(rv), data)
    second = client.post(review_url(rv), data)
    assert first.status_code == second.status_code == 302
    assert Response.objects.count() == 1


@override_settings(RESIDENT_RAISE_LIMIT=2, RESIDENT_CODE_LIMIT=2)
def test_sending_is_limited_per_address_and_codes_per_phone(client: Client, texts):
    rv = rf.opened()
    for _ in range(2):
        client.post(review_url(rv), form_data(rv))
    refused = client.post(review_url(rv), form_data(rv))
    assert refused.status_code == 429 and refused["Retry-After"]
    with texts():
        for n in range(2):
            client.post(review_url(rv), {**form_data(rv), "op": "send", "phone": f"1380000000{n}"})
    assert client.post(review_url(rv), {**form_data(rv), "op": "send"}).status_code == 429


def test_drafts_are_not_public_and_results_only_once_published(client: Client):
    rv = rf.draft()
    for name in ("round", "results"):
        assert client.get(reverse(f"reviews_public:{name}", args=[rv.round.pk])).status_code == 404
    assert client.get(review_url(rv)).status_code == 404
    rounds.round_open(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    rf.respond(rv, comment="秘密意见")
    rf.respond(rv, phone="13800000009", comment="公开意见")
    results_url = reverse("reviews_public:results", args=[rv.round.pk])
    assert client.get(results_url).status_code == 404
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    assert client.get(results_url).status_code == 404
    rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    shown = page(client.get(results_url))
    assert "城管局" in shown and "秘密意见" not in shown and "公开意见" not in shown
    services.comment_mark(
        by=rv.w.town_staff, answer=Answer.objects.get(comment="公开意见"), public=True
    )
    shown = page(client.get(results_url))
    assert "公开意见" in shown and "秘密意见" not in shown
    assert results_url in page(
        client.get(reverse("reviews_public:mailbox", args=[rv.round.node_id]))
    )


def test_questions_come_in_the_pages_language(client: Client):
    rv = rf.opened()
    Question.objects.filter(pk=rv.score.pk).update(text_mn="ᠶᠡᠷᠦᠩᠬᠡᠢ ᠰᠡᠳᠬᠢᠯ")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = MN
    shown = page(client.get(review_url(rv)))
    assert "ᠶᠡᠷᠦᠩᠬᠡᠢ ᠰᠡᠳᠬᠢᠯ" in shown and "总体满意度" not in shown
    assert rf.OPTIONS[0]["label_mn"] in shown


def test_a_closed_round_takes_no_review(client: Client):
    rv = rf.opened()
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    assert client.get(review_url(rv)).status_code == 404
    Round.objects.filter(pk=rv.round.pk).update(
        state=RoundState.OPEN, closes=timezone.localdate() - dt.timedelta(days=1),
        opens=timezone.localdate() - dt.timedelta(days=5),
    )  # fmt: skip
    shown = client.post(review_url(rv), form_data(rv, code=rf.known_code()))
    assert shown.status_code == 200 and not Response.objects.exists()


# --- Console ----------------------------------------------------------------------------------


def logged(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_town_staff_make_fill_and_move_a_round():
    w = rf.nf.world()
    staff = logged(w.town_staff)
    assert staff.get(reverse("reviews:round_add")).status_code == 200
    made = staff.post(
        reverse("reviews:round_add"),
        {
            "node": w.t["town1"].pk,
            "title": "部门评议",
            "opens": "2026-01-01",
            "closes": "2026-12-31",
        },
    )
    r = Round.objects.get()
    assert made.status_code == 302 and r.state == RoundState.DRAFT
    bad = staff.post(
        reverse("reviews:round_edit", args=[r.pk]),
        {"title": "部门评议", "opens": "2026-05-01", "closes": "2026-01-01"},
    )
    assert bad.status_code == 400 and Round.objects.get().closes.isoformat() == "2026-12-31"
    staff.post(
        reverse("reviews:question_add", args=[r.pk]),
        {"text": "满意吗", "kind": "score", "required": "on"},
    )
    staff.post(
        reverse("reviews:question_add", args=[r.pk]),
        {
            "text": "及时吗",
            "kind": "choice",
            "options": "及时 | On time | ᠴᠠᠭ\n较慢",
            "required": "on",
        },
    )
    choice = Question.objects.get(kind="choice")
    assert choice.options[0]["label_en"] == "On time" and choice.options[1]["label"] == "较慢"
    picker = staff.get(reverse("reviews:departments", args=[r.pk]), {"q": "城管"})
    org = rf.organisation(w, "城管局")
    picker = staff.get(reverse("reviews:departments", args=[r.pk]), {"q": "城管"})
    assert "城管局" in page(picker)
    staff.post(reverse("reviews:departments", args=[r.pk]), {"organisation": org.pk})
    assert Department.objects.filter(round=r, organisation=org).exists()
    staff.post(reverse("reviews:round_act", args=[r.pk]), {"action": "open"})
    assert Round.objects.get().state == RoundState.OPEN
    detail = page(staff.get(reverse("reviews:round", args=[r.pk])))
    assert "满意吗" in detail and "城管局" in detail


def test_results_page_and_xlsx_for_staff_and_readers():
    rv = rf.opened()
    rf.respond(rv, comment="意见一")
    for who in (rv.w.town_staff, rv.w.leader):
        c = logged(who)
        shown = c.get(reverse("reviews:results", args=[rv.round.pk]))
        assert shown.status_code == 200 and "意见一" in page(shown)
        book = c.get(reverse("reviews:results_xlsx", args=[rv.round.pk]))
        assert book.status_code == 200 and book["Content-Type"].startswith(
            "application/vnd.openxml"
        )
    staff = logged(rv.w.town_staff)
    answer = Answer.objects.get(comment="意见一")
    staff.post(reverse("reviews:comment_mark", args=[answer.pk]), {"public": "1"})
    assert Answer.objects.get(pk=answer.pk).comment_public


def test_a_leader_reads_and_is_refused_every_write_before_the_form():
    rv = rf.opened()
    rf.respond(rv, comment="意见")
    leader = logged(rv.w.leader)
    assert leader.get(reverse("reviews:rounds")).status_code == 200
    assert leader.get(reverse("reviews:round", args=[rv.round.pk])).status_code == 200
    answer = Answer.objects.get(comment="意见")
    pk = rv.round.pk
    writes = [
        ("get", reverse("reviews:round_add")),
        ("post", reverse("reviews:round_add")),
        ("get", reverse("reviews:round_edit", args=[pk])),
        ("post", reverse("reviews:round_edit", args=[pk])),
        ("post", reverse("reviews:round_act", args=[pk])),
        ("get", reverse("reviews:question_add", args=[pk])),
        ("post", reverse("reviews:question_edit", args=[pk, rv.score.pk])),
        ("post", reverse("reviews:question_delete", args=[pk, rv.score.pk])),
        ("get", reverse("reviews:departments", args=[pk])),
        ("post", reverse("reviews:departments", args=[pk])),
        ("post", reverse("reviews:department_remove", args=[pk, rv.other.pk])),
        ("post", reverse("reviews:comment_mark", args=[answer.pk])),
    ]
    for method, url in writes:
        assert getattr(leader, method)(url, {"action": "close"}).status_code == 403, url
    assert Round.objects.get(pk=pk).state == RoundState.OPEN


def test_staff_of_another_area_find_nothing():
    rv = rf.opened()
    for who in (rv.w.stranger, rv.w.dispatcher):
        c = logged(who)
        assert "2026年部门评议" not in page(c.get(reverse("reviews:rounds")))
        for name in ("round", "results", "results_xlsx", "round_edit", "departments"):
            assert c.get(reverse(f"reviews:{name}", args=[rv.round.pk])).status_code == 404, name
        assert (
            c.post(
                reverse("reviews:round_act", args=[rv.round.pk]), {"action": "close"}
            ).status_code
            == 404
        )
    resident = Client()
    assert resident.get(reverse("reviews:rounds")).status_code == 302


def test_staff_who_serve_elsewhere_and_read_the_town_are_refused_its_writes():
    rv = rf.opened()
    from civicgrid.network.models import Role, RoleBinding

    RoleBinding.objects.create(person=rv.w.stranger, role=Role.LEADER, node=rv.w.t["banner"])
    c = logged(rv.w.stranger)
    pk = rv.round.pk
    assert c.get(reverse("reviews:round", args=[pk])).status_code == 200
    for url in (
        reverse("reviews:round_edit", args=[pk]),
        reverse("reviews:departments", args=[pk]),
        reverse("reviews:question_add", args=[pk]),
    ):
        assert c.get(url).status_code == 403, url
    assert c.post(reverse("reviews:round_act", args=[pk]), {"action": "close"}).status_code == 403
    assert Round.objects.get(pk=pk).state == RoundState.OPEN


def test_the_rounds_list_counts_responses_and_departments(django_assert_max_num_queries):
    rv = rf.opened()
    rf.respond(rv)
    rf.respond(rv, phone="13800000009", department=rv.other)
    c = logged(rv.w.town_staff)
    shown = c.get(reverse("reviews:rounds"))
    [row] = shown.context["rows"]
    assert row["answers"] == 2 and row["departments"] == 2
    # The results page reads a few grouped queries, however many reviews.
    url = reverse("reviews:results", args=[rv.round.pk])
    c.get(url)
    with django_assert_max_num_queries(14):
        c.get(url)
    for n in range(5):
        rf.respond(rv, phone=f"1370000000{n}")
    with django_assert_max_num_queries(14):
        assert c.get(url).status_code == 200
