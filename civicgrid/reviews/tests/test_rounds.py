"""A review round's life (rounds.py): the transition table by hand, who may move a round,
what opening needs, the timeline, the system's close, and the questionnaire locked once
residents have answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.timelines import APPEND_ONLY  # noqa: F401 (documents the rule tested)
from civicgrid.reviews import events, rounds, services
from civicgrid.reviews.models import Question, QuestionKind, ReviewEvent, Round, RoundState
from civicgrid.reviews.rounds import Action, Actor
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


D, Op, C, P = RoundState.DRAFT, RoundState.OPEN, RoundState.CLOSED, RoundState.PUBLISHED
St, Sy = Actor.STAFF, Actor.SYSTEM

# Written out by hand: (action, state) → the actor kinds that may take it.
EXPECTED: dict[tuple[Action, str], set[Actor]] = {
    (Action.OPEN, D): {St},
    (Action.OPEN, Op): set(),
    (Action.OPEN, C): set(),
    (Action.OPEN, P): set(),
    (Action.CLOSE, D): set(),
    (Action.CLOSE, Op): {St, Sy},
    (Action.CLOSE, C): set(),
    (Action.CLOSE, P): set(),
    (Action.PUBLISH, D): set(),
    (Action.PUBLISH, Op): set(),
    (Action.PUBLISH, C): {St},
    (Action.PUBLISH, P): set(),
    (Action.WITHDRAW, D): set(),
    (Action.WITHDRAW, Op): set(),
    (Action.WITHDRAW, C): set(),
    (Action.WITHDRAW, P): {St},
}


def test_the_transition_table_is_the_one_written_by_hand():
    for (action, state), kinds in EXPECTED.items():
        for kind in Actor:
            r = Round(state=state)
            assert (action in rounds.allowed_actions(kind, r)) == (kind in kinds), (
                action,
                state,
                kind,
            )
    assert {(a, s) for a in Action for s in RoundState} == set(EXPECTED)


def test_a_round_goes_draft_open_closed_published_with_its_timeline():
    rv = rf.draft()
    staff = rv.w.town_staff
    assert rv.round.state == D
    rounds.round_open(by=staff, round=rv.round)
    rounds.round_close(by=staff, round=rv.round)
    rounds.round_publish(by=staff, round=rv.round)
    rounds.round_withdraw(by=staff, round=rv.round, reason="a mistake")
    r = Round.objects.get(pk=rv.round.pk)
    assert r.state == C and r.opened_at and r.closed_at and r.published_at
    actions = list(events.timeline(r).values_list("action", "seq"))
    assert [a for a, _s in actions][-4:] == ["open", "close", "publish", "withdraw"]
    assert [s for _a, s in actions] == list(range(1, len(actions) + 1))
    assert actions[0][0] == "create"
    last = events.timeline(r).last()
    assert last is not None and last.note == "a mistake"
    data = events.read(last)
    assert isinstance(data, rounds.Moved) and data.from_state == P and data.to_state == C


def test_the_timeline_is_append_only():
    rv = rf.draft()
    with pytest.raises(TypeError):
        ReviewEvent.objects.filter(round=rv.round).update(note="x")
    with pytest.raises(TypeError):
        ReviewEvent.objects.filter(round=rv.round).delete()


def test_only_staff_who_serve_the_town_move_a_round():
    rv = rf.draft()
    for who in (rv.w.leader, rv.w.stranger, rv.w.dispatcher, None):
        with pytest.raises(NotAllowed) as refused:
            rounds.round_open(by=who, round=rv.round)
        assert refused.value.code == "not_allowed"
    assert Round.objects.get(pk=rv.round.pk).state == D


def test_a_wrong_move_is_refused_and_changes_nothing():
    rv = rf.opened()
    before = ReviewEvent.objects.filter(round=rv.round).count()
    with pytest.raises(Conflict) as refused:
        rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    assert refused.value.code == "wrong_state"
    assert Round.objects.get(pk=rv.round.pk).state == Op
    assert ReviewEvent.objects.filter(round=rv.round).count() == before


def test_opening_needs_a_department_and_a_question():
    w = rf.nf.world()
    today = timezone.localdate()
    r = services.round_create(
        by=w.town_staff, node=w.t["town1"], title="空的", opens=today, closes=today
    )
    with pytest.raises(Invalid) as refused:
        rounds.round_open(by=w.town_staff, round=r)
    assert refused.value.code == "no_departments"
    services.department_add(by=w.town_staff, round=r, organisation=rf.organisation(w, "城管局"))
    with pytest.raises(Invalid) as refused:
        rounds.round_open(by=w.town_staff, round=r)
    assert refused.value.code == "no_questions"


def test_rounds_are_made_in_a_town_by_its_staff_with_sane_days():
    w = rf.nf.world()
    today = timezone.localdate()
    with pytest.raises(Invalid) as refused:
        services.round_create(
            by=w.town_staff, node=w.t["comm1"], title="x", opens=today, closes=today
        )
    assert refused.value.code == "not_a_town"
    with pytest.raises(NotAllowed):
        services.round_create(by=w.leader, node=w.t["town1"], title="x", opens=today, closes=today)
    with pytest.raises(Invalid) as refused:
        services.round_create(
            by=w.town_staff,
            node=w.t["town1"],
            title="x",
            opens=today,
            closes=today - dt.timedelta(days=1),
        )
    assert refused.value.code == "dates" and "closes" in refused.value.details["fields"]
    with pytest.raises(Invalid) as refused:
        services.round_create(
            by=w.town_staff, node=w.t["town1"], title=" ", opens=today, closes=today
        )
    assert refused.value.code == "title_required"


def test_the_system_closes_rounds_past_their_last_day():
    rv = rf.opened()
    later = timezone.now() + dt.timedelta(days=30)
    assert rounds.close_due(now=timezone.now()) == 0
    assert rounds.close_due(now=later) == 1
    r = Round.objects.get(pk=rv.round.pk)
    assert r.state == C
    last = events.timeline(r).last()
    assert last is not None and last.actor_kind == "system"


def test_questions_are_locked_once_answered():
    rv = rf.opened()
    # Open and unanswered: a typo may still be fixed.
    services.question_save(
        by=rv.w.town_staff, round=rv.round, question=rv.score, text="总体满意", kind="score"
    )
    rf.respond(rv)
    for change in (
        lambda: services.question_save(
            by=rv.w.town_staff, round=rv.round, question=rv.score, text="改", kind="score"
        ),
        lambda: services.question_save(
            by=rv.w.town_staff, round=rv.round, text="新问题", kind="score"
        ),
        lambda: services.question_delete(by=rv.w.town_staff, round=rv.round, question=rv.comment),
    ):
        with pytest.raises(Conflict) as refused:
            change()
        assert refused.value.code == "answered"
    assert Question.objects.get(pk=rv.score.pk).text == "总体满意"
    assert Question.objects.filter(round=rv.round).count() == 3
    # A reviewed department stays; one nobody reviewed may go.
    with pytest.raises(Conflict) as refused:
        services.department_remove(by=rv.w.town_staff, round=rv.round, department=rv.dept)
    assert refused.value.code == "answered"
    services.department_remove(by=rv.w.town_staff, round=rv.round, department=rv.other)


def test_a_closed_round_is_no_longer_edited():
    rv = rf.opened()
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    with pytest.raises(Conflict) as refused:
        services.round_update(
            by=rv.w.town_staff,
            round=rv.round,
            title="x",
            opens=rv.round.opens,
            closes=rv.round.closes,
        )
    assert refused.value.code == "wrong_state"


def test_a_choice_needs_two_options_and_they_keep_their_mongolian_labels():
    rv = rf.draft()
    with pytest.raises(Invalid) as refused:
        services.question_save(
            by=rv.w.town_staff,
            round=rv.round,
            text="选一个",
            kind=QuestionKind.CHOICE,
            options=[{"label": "一"}],
        )
    assert refused.value.code == "options_required"
    q = Question.objects.get(pk=rv.choice.pk)
    assert [o["value"] for o in q.options] == ["o1", "o2"]
    assert q.options[0]["label_mn"] == rf.OPTIONS[0]["label_mn"]
    with pytest.raises(Invalid) as refused:
        services.question_save(by=rv.w.town_staff, round=rv.round, text="x", kind="stars")
    assert refused.value.code == "kind_invalid"
