"""A resident's review (responses.py): answers checked against the questionnaire, the phone
proved by a texted code (required, right, once), one response per phone per department per
round (refused with a code; held by the database under concurrency), the phone kept only as a
keyed digest, and no answer outside the round's days or state."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from civicgrid.core import phonecode
from civicgrid.core.errors import Conflict, Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.core.models import PhoneCode
from civicgrid.reviews import responses, rounds
from civicgrid.reviews.models import Answer, Response, Round
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


def submit(rv: rf.Reviews, *, code: str | None = None, phone: str = rf.PHONE, **kwargs):
    return responses.response_submit(
        round=rv.round,
        department=kwargs.pop("department", rv.dept),
        phone=phone,
        code=rf.known_code(phone) if code is None else code,
        answers=kwargs.pop("answers", None) or rf.answers(rv, **kwargs),
    )


def test_a_review_keeps_its_answers_and_the_digest_of_the_phone_only():
    rv = rf.opened()
    made = submit(rv, score=5, choice="o2", comment="路灯修得快")
    assert made.phone_digest == phone_digest(rf.PHONE) and rf.PHONE not in made.phone_digest
    got = {
        a.question_id: (a.score, a.choice, a.comment) for a in Answer.objects.filter(response=made)
    }
    assert got == {
        rv.score.pk: (5, "", ""),
        rv.choice.pk: (None, "o2", ""),
        rv.comment.pk: (None, "", "路灯修得快"),
    }
    assert not Answer.objects.filter(response=made, comment_public=True).exists()


def test_one_review_per_phone_per_department():
    rv = rf.opened()
    submit(rv)
    with pytest.raises(Conflict) as refused:
        submit(rv, score=1)
    assert refused.value.code == "already_answered"
    assert Response.objects.filter(round=rv.round, department=rv.dept).count() == 1
    # Another department, another phone: each its own review.
    submit(rv, department=rv.other)
    submit(rv, phone="13800000001")
    assert Response.objects.filter(round=rv.round).count() == 3
    assert responses.answered(rv.round, rf.PHONE) == {rv.dept.pk, rv.other.pk}


def test_the_code_is_required_right_and_spent():
    rv = rf.opened()
    with pytest.raises(Invalid) as refused:
        submit(rv, code="")
    assert refused.value.code == "code_required" and "code" in refused.value.details["fields"]
    right = rf.known_code()
    with pytest.raises(Invalid) as refused:
        submit(rv, code=f"{(int(right) + 1) % 1_000_000:06d}")
    assert refused.value.code == "code_wrong"
    submit(rv, code=right)
    with pytest.raises(Invalid) as refused:
        submit(rv, department=rv.other, code=right)
    assert refused.value.code == "code_spent"
    assert Response.objects.filter(round=rv.round).count() == 1


def test_a_code_for_another_purpose_or_phone_does_not_serve():
    rv = rf.opened()
    code = rf.known_code("13800000002")
    with pytest.raises(Invalid) as refused:
        submit(rv, code=code)
    assert refused.value.code == "code_spent"
    PhoneCode.objects.all().update(purpose="find-needs")
    with pytest.raises(Invalid):
        submit(rv, phone="13800000002", code=code)
    assert not Response.objects.exists()


def test_bad_answers_name_their_questions_and_keep_the_code():
    rv = rf.opened()
    code = rf.known_code()
    bad = {rv.score.pk: "9", rv.choice.pk: "o7", rv.comment.pk: "x" * 600}
    with pytest.raises(Invalid) as refused:
        submit(rv, code=code, answers=bad)
    assert refused.value.code == "answers_invalid"
    assert set(refused.value.details["fields"]) == {
        f"q{rv.score.pk}",
        f"q{rv.choice.pk}",
        f"q{rv.comment.pk}",
    }
    with pytest.raises(Invalid) as refused:
        submit(rv, code=code, answers={rv.comment.pk: "只写意见"})
    assert set(refused.value.details["fields"]) == {f"q{rv.score.pk}", f"q{rv.choice.pk}"}
    # The code was not spent by the mistakes.
    assert phonecode.check(rf.PHONE, purpose=responses.PURPOSE, code=code) is phonecode.Checked.OK


def test_a_phone_number_must_be_a_mobile_number():
    rv = rf.opened()
    with pytest.raises(Invalid) as refused:
        submit(rv, phone="12345", code="123456")
    assert refused.value.code.startswith("phone_") and "phone" in refused.value.details["fields"]


def test_no_answer_to_a_draft_closed_or_finished_round():
    rv = rf.draft()
    with pytest.raises(Conflict) as refused:
        submit(rv)
    assert refused.value.code == "round_not_open"
    rounds.round_open(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    Round.objects.filter(pk=rv.round.pk).update(opens=timezone.localdate() + dt.timedelta(days=1))
    rv.round.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        submit(rv)
    assert refused.value.code == "not_yet"
    Round.objects.filter(pk=rv.round.pk).update(
        opens=timezone.localdate() - dt.timedelta(days=9),
        closes=timezone.localdate() - dt.timedelta(days=1),
    )
    rv.round.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        submit(rv)
    assert refused.value.code == "round_over"
    assert not Response.objects.exists()


def test_a_department_of_another_round_is_refused():
    rv = rf.opened()
    other = rf.draft(rv.w)
    with pytest.raises(Invalid) as refused:
        submit(rv, department=other.dept)
    assert refused.value.code == "no_department"


N = 4


def _race(target: Callable[[int], object], n: int = N) -> list[object]:
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as failure:
            results.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_one_phone_sending_at_once_gets_one_review(monkeypatch):
    # The subject is the one-per-phone rule: every sender holds a right code here.
    monkeypatch.setattr(responses.phonecode, "check", lambda *a, **k: phonecode.Checked.OK)
    rv = rf.opened()

    def send(i: int) -> object:
        return responses.response_submit(
            round=rv.round, department=rv.dept, phone=rf.PHONE, code="000000",
            answers=rf.answers(rv, score=1 + i),
        )  # fmt: skip

    results = _race(send)
    made = [r for r in results if isinstance(r, Response)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1, results
    assert len(refused) == N - 1 and {r.code for r in refused} == {"already_answered"}, results
    assert Response.objects.filter(round=rv.round, department=rv.dept).count() == 1
