"""Cards: numbers, issuing, and the one module that moves a card (the transition table)."""

from __future__ import annotations

import pytest

from civicgrid.care import cards, events
from civicgrid.care.models import Card, CardKind, CardState, CareKind, Household
from civicgrid.care.tests import factories_cards as fc
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import mask_name

pytestmark = pytest.mark.django_db

S = CardState
A = cards.Action

# --- Numbers ----------------------------------------------------------------------------------


def test_a_number_is_ten_characters_of_crockford_base32_with_a_check_character() -> None:
    numbers = {cards.new_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 10
        assert set(number) <= set(cards.ALPHABET)
        assert cards.clean_number(number) == number


def test_a_number_is_read_as_people_write_it() -> None:
    number = "0" + "1" + "ABCDEFG"
    number += cards.check_character(number)
    written = f" o{'l'}abc-defg{number[-1].lower()} "
    assert cards.clean_number(written) == number
    assert cards.grouped(number) == f"{number[:5]}-{number[5:]}"


def test_every_single_mistyped_character_is_caught() -> None:
    number = cards.new_number()
    for position in range(10):
        for ch in cards.ALPHABET:
            if ch == number[position]:
                continue
            wrong = number[:position] + ch + number[position + 1 :]
            assert cards.clean_number(wrong) is None, wrong


def test_swapped_neighbours_are_caught_but_for_the_one_pair_luhn_misses() -> None:
    for _ in range(50):
        number = cards.new_number()
        for i in range(9):
            a, b = number[i], number[i + 1]
            if a == b or {a, b} == {"0", "Z"}:
                continue  # Luhn mod 32 cannot tell 0Z from Z0
            swapped = number[:i] + b + a + number[i + 2 :]
            assert cards.clean_number(swapped) is None, (number, swapped)


def test_names_are_masked_to_their_first_character() -> None:
    assert mask_name("张家") == "张*"
    assert mask_name("王秀英") == "王**"
    assert mask_name("") == ""


# --- Issue ------------------------------------------------------------------------------------


def test_issue_gives_a_card_its_own_series_and_an_issue_event() -> None:
    cw = fc.world()
    card = Card.objects.get(pk=cw.card.pk)
    assert card.state == S.ACTIVE
    assert card.series == card.pk
    assert card.issued_by == cw.staff
    (event,) = events.timeline(card)
    assert event.action == "issue"
    data = events.read(event)
    assert isinstance(data, cards.Issued)
    assert (data.kind, data.household, data.series) == (cw.kind.pk, cw.c.household.pk, card.pk)


def test_a_household_holds_one_live_card() -> None:
    cw = fc.world()
    with pytest.raises(Conflict) as e:
        cards.card_issue(by=cw.staff, household=cw.c.household, kind=cw.kind)
    assert e.value.code == "has_card"
    cards.card_withdraw(by=cw.staff, card=cw.card, reason="搬走了")
    again = cards.card_issue(by=cw.staff, household=cw.c.household, kind=cw.kind)
    assert again.series == again.pk != cw.card.series


def test_eligibility_is_the_kinds_care_kinds_among_the_households_members() -> None:
    cw = fc.world()
    hardship = fc.kind(cw.c.w.t["town1"], name="困难家庭卡", eligible_kinds=[CareKind.HARDSHIP])
    home = Household.objects.create(node=cw.c.w.t["gridA"], name="李家")
    with pytest.raises(Invalid) as e:
        cards.card_issue(by=cw.staff, household=home, kind=hardship)
    assert e.value.code == "not_eligible"
    from civicgrid.care.tests import factories as cf

    cf.person(cw.c.w.t["gridA"], "李大", 50, household=home, kinds=(CareKind.HARDSHIP,))
    assert cards.card_issue(by=cw.staff, household=home, kind=hardship).kind == hardship
    anyone = fc.kind(None, name="通用卡", eligible_kinds=[])
    other = Household.objects.create(node=cw.c.w.t["gridB"], name="赵家")
    assert cards.card_issue(by=cw.staff, household=other, kind=anyone).kind == anyone


def test_a_kind_is_issued_only_within_its_place_and_while_active() -> None:
    cw = fc.world()
    elsewhere = fc.kind(cw.c.w.t["town2"], name="二镇卡", eligible_kinds=[])
    home = Household.objects.create(node=cw.c.w.t["gridB"], name="赵家")
    with pytest.raises(Invalid) as e:
        cards.card_issue(by=cw.staff, household=home, kind=elsewhere)
    assert e.value.code == "kind_elsewhere"
    CardKind.objects.filter(pk=cw.kind.pk).update(active=False)
    cw.kind.refresh_from_db()
    with pytest.raises(Conflict) as e2:
        cards.card_issue(by=cw.staff, household=home, kind=cw.kind)
    assert e2.value.code == "kind_inactive"


def test_only_staff_who_serve_the_household_issue() -> None:
    cw = fc.world()
    home = Household.objects.create(node=cw.c.w.t["gridB"], name="赵家")
    fc.cf.person(cw.c.w.t["gridB"], "赵老", 80, household=home)
    for who in (cw.leader, cw.c.w.stranger, cw.clerk):
        with pytest.raises(NotAllowed) as e:
            cards.card_issue(by=who, household=home, kind=cw.kind)
        assert e.value.code == "outside_area"
    assert not Card.objects.filter(household=home).exists()


# --- The transition table ---------------------------------------------------------------------

STAFF, SYSTEM, LEADER, CLERK = "staff", "system", "leader", "clerk"

# Written out by hand: (action, state) → who may.
EXPECTED: dict[tuple[str, str], set[str]] = {
    (A.SUSPEND, S.ACTIVE): {STAFF},
    (A.SUSPEND, S.SUSPENDED): set(),
    (A.SUSPEND, S.REPLACED): set(),
    (A.SUSPEND, S.WITHDRAWN): set(),
    (A.RESUME, S.ACTIVE): set(),
    (A.RESUME, S.SUSPENDED): {STAFF},
    (A.RESUME, S.REPLACED): set(),
    (A.RESUME, S.WITHDRAWN): set(),
    (A.REISSUE, S.ACTIVE): {STAFF},
    (A.REISSUE, S.SUSPENDED): {STAFF},
    (A.REISSUE, S.REPLACED): set(),
    (A.REISSUE, S.WITHDRAWN): set(),
    (A.WITHDRAW, S.ACTIVE): {STAFF, SYSTEM},
    (A.WITHDRAW, S.SUSPENDED): {STAFF, SYSTEM},
    (A.WITHDRAW, S.REPLACED): set(),
    (A.WITHDRAW, S.WITHDRAWN): set(),
}

TARGETS = {
    A.SUSPEND: S.SUSPENDED,
    A.RESUME: S.ACTIVE,
    A.REISSUE: S.REPLACED,
    A.WITHDRAW: S.WITHDRAWN,
}


def test_the_table_is_the_one_written_out() -> None:
    for (action, state), who in EXPECTED.items():
        rule = cards.TRANSITIONS[cards.Action(action)]
        allowed = {a.value for a in rule.actors} if state in rule.sources else set()
        assert allowed == who, (action, state)
        assert rule.target == TARGETS[cards.Action(action)]
    assert len(EXPECTED) == len(cards.Action) * len(CardState)


@pytest.mark.parametrize("state", list(CardState))
def test_every_action_in_every_state_by_every_actor(state: str) -> None:
    cw = fc.world()
    actors = {STAFF: cw.staff, SYSTEM: cards.SYSTEM, LEADER: cw.leader, CLERK: cw.clerk}
    for action in cards.Action:
        for name, by in actors.items():
            Card.objects.filter(pk=cw.card.pk).update(state=state)  # set-up only
            before = events.timeline(cw.card).count()
            allowed = name in EXPECTED[(action, state)]
            assert cards.may(Card.objects.get(pk=cw.card.pk), by, action) == allowed
            try:
                result = cards.card_act(by=by, card=cw.card.pk, action=action, reason="测试")
            except (Conflict, NotAllowed) as refused:
                assert not allowed, (action, state, name, refused.code)
                may_act = name in {a.value for a in cards.TRANSITIONS[action].actors}
                assert refused.code == ("wrong_state" if may_act else "not_allowed")
                assert Card.objects.get(pk=cw.card.pk).state == state
                assert events.timeline(cw.card).count() == before
                continue
            assert allowed, (action, state, name)
            assert Card.objects.get(pk=cw.card.pk).state == TARGETS[action]
            last = events.timeline(cw.card).last()
            assert last is not None and last.action == action.value
            assert last.actor_kind == name
            if action == A.REISSUE:
                # Put the world back: one live card a household.
                Card.objects.filter(pk=result.pk).update(state=S.WITHDRAWN)


def test_moves_that_need_a_reason_refuse_without_one() -> None:
    cw = fc.world()
    for action in (A.SUSPEND, A.REISSUE, A.WITHDRAW):
        with pytest.raises(Invalid) as e:
            cards.card_act(by=cw.staff, card=cw.card, action=action, reason="  ")
        assert e.value.code == "reason_required"
    assert Card.objects.get(pk=cw.card.pk).state == S.ACTIVE


def test_suspend_and_resume_with_the_reason_on_the_timeline() -> None:
    cw = fc.world()
    cards.card_suspend(by=cw.staff, card=cw.card, reason="说卡丢了")
    moved = cards.card_resume(by=cw.staff, card=cw.card)
    assert moved.state == S.ACTIVE
    actions = [(e.action, e.note) for e in events.timeline(cw.card)]
    assert actions == [("issue", ""), ("suspend", "说卡丢了"), ("resume", "")]
    data = events.read(events.timeline(cw.card)[1])
    assert isinstance(data, cards.Moved)
    assert (data.from_state, data.to_state) == (S.ACTIVE, S.SUSPENDED)
    assert data.to_data()["from"] == S.ACTIVE


def test_reissue_replaces_the_card_with_a_new_number_in_the_same_series() -> None:
    cw = fc.world()
    cards.card_suspend(by=cw.staff, card=cw.card, reason="丢失")
    new = cards.card_reissue(by=cw.staff, card=cw.card, reason="丢失补办")
    old = Card.objects.get(pk=cw.card.pk)
    assert old.state == S.REPLACED
    assert new.state == S.ACTIVE
    assert new.number != old.number
    assert new.series == old.series == old.pk
    assert new.replaces == old
    assert (new.household, new.kind) == (old.household, old.kind)
    assert cards.current_of(old.series) == new
    last = events.timeline(old).last()
    assert last is not None
    reissued = events.read(last)
    assert isinstance(reissued, cards.Reissued) and reissued.new_card == new.pk
    issued = events.read(events.timeline(new).get())
    assert isinstance(issued, cards.Issued) and issued.replaces == old.pk
    with pytest.raises(Conflict) as e:
        cards.card_reissue(by=cw.staff, card=old, reason="再补")
    assert e.value.code == "wrong_state"
