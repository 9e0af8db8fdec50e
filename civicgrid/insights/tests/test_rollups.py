"""The rollups kept by the workflow equal a rebuild from the event log and a recount of raw
needs, after a random mix of workflow actions by random actors over several days."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import pytest
import time_machine

from civicgrid.insights import kpis, rebuild
from civicgrid.insights.kpis import Period, Scope
from civicgrid.insights.models import (
    ALL_COUNTERS,
    COUNTERS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
    ReportLine,
)
from civicgrid.insights.sentences import sentence
from civicgrid.needs import services, workflow
from civicgrid.needs.models import Channel, Priority, Rating
from civicgrid.needs.tasks import sweep
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Node

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=SH)


def stored_daily() -> dict:
    rows = DailyStat.objects.values(
        "node_id", "day", "category_id", "channel", "kind", *ALL_COUNTERS
    )
    out = {}
    for r in rows:
        counters = {k: r[k] for k in ALL_COUNTERS if r[k]}
        if counters:
            out[(r["node_id"], r["day"], r["category_id"], r["channel"], r["kind"])] = counters
    return out


def stored_handler() -> dict:
    out = {}
    for r in HandlerStat.objects.values():
        counters = {k: r[k] for k in ("resolved", "resolved_on_time", "rated", "satisfied") if r[k]}
        if counters:
            out[(r["node_id"], r["day"], r["handler_id"])] = counters
    return out


def non_zero(rows: dict) -> dict:
    return {key: {k: v for k, v in c.items() if v} for key, c in rows.items() if any(c.values())}


RARE = {Action.WITHDRAW, Action.MERGE, Action.REJECT, Action.ESCALATE, Action.RETURN}


def random_history(w: nf.World, seed: int, needs: int = 40) -> None:
    rng = random.Random(seed)
    people = [
        w.dispatcher,
        w.town_staff,
        w.handler,
        w.unit_member,
        w.grid_worker,
        w.other_grid_worker,
        w.committee_member,
    ]
    places = [w.t["gridA"], w.t["gridB"], w.t["gridC"]]
    categories = ["roads", "pension", "disputes", "policy", "hazards"]
    answers = {"roads": {"passable": "partly"}}
    raised = []
    for i in range(needs):
        at = START + dt.timedelta(hours=rng.randrange(0, 24 * 6), minutes=rng.randrange(60))
        with time_machine.travel(at, tick=False):
            code = rng.choice(categories)
            raised.append(
                (
                    at,
                    nf.raise_need(
                        w,
                        category=nf.category(code),
                        answers=answers.get(code, {}),
                        node=rng.choice(places),
                        channel=rng.choice([Channel.WEB, Channel.QR]),
                        priority=rng.choice([Priority.URGENT, Priority.NORMAL]),
                        description=f"第{i}件",
                    ),
                )
            )
            nf.follow_up()  # what the worker does a second later
        if i % 7 == 0:
            with time_machine.travel(at, tick=False):
                services.proactive_record(
                    by=By(w.grid_worker),
                    kind="mediation",
                    category=nf.category("mediations"),
                    node=w.t["gridA"],
                    note="调解邻里纠纷",
                )
    for at, need in raised:
        moment = at
        for _step in range(rng.randrange(1, 8)):
            moment += dt.timedelta(minutes=rng.choice([3, 10, 20, 90, 400]))
            with time_machine.travel(moment, tick=False):
                if rng.random() < 0.05:
                    sweep()  # reminders, overdue marks, automatic escalations, closing unrated
                need.refresh_from_db()
                # Someone who may act does something: mostly forward, sometimes sideways.
                choices = [
                    (by, action)
                    for by in [*(By(p) for p in people), workflow.RESIDENT]
                    for action in workflow.allowed_actions(need, by)
                ]
                if not choices:
                    continue
                weights = [0.15 if action in RARE else 1.0 for _by, action in choices]
                by, action = rng.choices(choices, weights=weights)[0]
                params: dict = {"reason": "理由"}
                if action == Action.DISPATCH and rng.random() < 0.5:
                    params["to"] = w.unit
                if action == Action.ESCALATE and rng.random() < 0.3:
                    params["to"] = w.committee
                if action == Action.MERGE:
                    target = next((n for _a, n in raised if n.pk != need.pk and n.is_open), None)
                    if target is None:
                        continue
                    target.refresh_from_db()
                    if not target.is_open or target.merged_into_id:
                        continue
                    params["into"] = target
                if action == Action.CONFIRM:
                    params["rating"] = rng.choice([Rating.SATISFIED, Rating.FAIR, ""])
                try:
                    workflow.transition(need, action, by, **params)
                except Exception as exc:  # a merge target closed meanwhile, say: skip it
                    assert exc.__class__.__name__ in ("Conflict", "Invalid"), exc


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_rebuild_from_the_event_log_and_a_recount_of_raw_needs(seed):
    w = nf.world()
    random_history(w, seed)
    daily, handler = rebuild.computed()
    assert stored_daily() == non_zero(daily)
    assert stored_handler() == non_zero(handler)

    # Whole months come from the monthly rows, the ragged ends from the daily ones: a
    # period of days only, a whole month, and a month with days on either side.
    periods = [
        Period(START.date(), START.date() + dt.timedelta(days=30)),
        Period.month(2026, 11),
        Period(dt.date(2026, 10, 20), dt.date(2026, 12, 3)),
    ]
    extras = [{}, {"category": nf.category("roads").pk}, {"channel": "qr"}, {"group": "conflicts"}]
    nodes = (w.t["league"], w.t["town1"], w.t["gridA"], w.t["comm2"])
    for period in periods:
        for node in nodes:
            for extra in extras:
                scope = Scope(node=node, period=period, **extra)
                from_rollups, raw = kpis.kpis(scope), kpis.recount(scope)
                for name in COUNTERS:
                    assert getattr(from_rollups, name) == getattr(raw, name), (scope, name)
    assert MonthlyStat.objects.exists()
    # Unfiltered breakdowns by node read the monthly totals: the same figures.
    for period in periods:
        scope = Scope(node=w.t["town1"], period=period)
        for child, figures in kpis.by_child(scope):
            raw = kpis.recount(Scope(node=child, period=period))
            assert [getattr(figures, n) for n in COUNTERS] == [getattr(raw, n) for n in COUNTERS]
        grids = kpis.grid_figures(Scope(node=w.t["league"], period=period)) or {}
        for grid_id, figures in grids.items():
            raw = kpis.recount(Scope(node=Node.objects.get(pk=grid_id), period=period))
            assert figures.received == raw.received and figures.resolved == raw.resolved
    assert MonthlyTotal.objects.exists()

    # The rebuild command replaces the rollups with the same rows.
    rebuild.rebuild()
    assert stored_daily() == non_zero(daily)


def test_rates_have_their_numerators_and_denominators_as_defined():
    w = nf.world()
    with time_machine.travel(START, tick=False):
        a = nf.raise_need(w, category=nf.category("pension"), priority=Priority.URGENT, answers={})
        b = nf.raise_need(w, category=nf.category("pension"), priority=Priority.URGENT, answers={})
        c = nf.raise_need(w, category=nf.category("pension"), priority=Priority.URGENT, answers={})
        nf.follow_up()
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        workflow.transition(a, Action.TAKE, By(w.grid_worker))  # on time (15 minutes)
        workflow.transition(c, Action.REJECT, By(w.dispatcher), reason="重复")
    with time_machine.travel(START + dt.timedelta(minutes=40), tick=False):
        workflow.transition(b, Action.TAKE, By(w.grid_worker))  # late
        workflow.transition(a, Action.RESOLVE, By(w.grid_worker))
        workflow.transition(a, Action.CONFIRM, workflow.RESIDENT, rating=Rating.SATISFIED)
    figures = kpis.kpis(Scope(node=w.t["town1"], period=Period.month(2026, 11)))
    assert (figures.received, figures.excluded) == (3, 1)
    assert figures.response_rate == kpis.Rate(2, 3)  # a in time, c rejected in time, b late
    assert figures.resolution_rate == kpis.Rate(1, 2)  # c is left out
    assert figures.on_time_rate == kpis.Rate(1, 1)
    assert figures.satisfaction_rate == kpis.Rate(1, 1)
    assert figures.median_response_minutes is not None
    assert 5 <= figures.median_response_minutes <= 60
    board = kpis.leaderboard(Scope(node=w.t["town1"], period=Period.month(2026, 11)))
    assert board[0][0] == w.grid_worker and board[0][1]["resolved"] == 1


def test_the_report_sentence_counts_category_groups_in_both_languages():
    w = nf.world()
    with time_machine.travel(START, tick=False):
        nf.raise_need(w, category=nf.category("suggestions"), answers={})
        nf.raise_need(w, category=nf.category("policy"), answers={})
        d = nf.raise_need(w, category=nf.category("disputes"), answers={})
        nf.follow_up()
        workflow.transition(d, Action.TAKE, By(w.grid_worker))
        workflow.transition(d, Action.RESOLVE, By(w.grid_worker))
        services.proactive_record(
            by=By(w.grid_worker),
            kind="mediation",
            category=nf.category("mediations"),
            node=w.t["gridA"],
            note="调解",
        )
    scope = Scope(node=w.t["league"], period=Period.month(2026, 11))
    assert (
        sentence(scope, "zh-hans")
        == "累计收集民情民意2条、化解矛盾风险2件、信访代办0件、解决实际困难0个。"
    )
    assert sentence(scope, "en") == (
        "Collected 2 opinions, resolved 2 conflicts and risks, handled 0 petitions by proxy "
        "and solved 0 practical difficulties."
    )


def test_english_report_words_take_the_singular_for_one():
    """Issue 14: "solved 1 practical difficulties" on the public page."""
    from civicgrid.insights.selectors import compose
    from civicgrid.insights.sentences import english_words

    nf.ensure_seed()
    lines = list(ReportLine.objects.all())
    assert compose(list(zip(lines, [1, 1, 1, 1], strict=True)), "en") == (
        "Collected 1 opinion, resolved 1 conflict or risk, handled 1 petition by proxy "
        "and solved 1 practical difficulty."
    )
    assert english_words("solved %(n)s {difficulty|difficulties}", 1200) == (
        "solved 1,200 difficulties"
    )
    assert english_words("no forms: %(n)s", 1) == "no forms: 1"


@pytest.mark.parametrize("value", ["web'); DROP TABLE x; --", "Web", "", True, 1.5, None])
def test_a_rollup_key_value_that_is_not_an_id_date_or_code_is_refused(value):
    from civicgrid.insights.rollups import _literal

    with pytest.raises(ValueError, match="not a rollup key value"):
        _literal(value)


def test_rollup_key_values_are_written_as_plain_literals():
    import datetime as dt

    from civicgrid.insights.rollups import _literal

    assert [_literal(v) for v in (42, dt.date(2026, 11, 29), "walk_in")] == [
        "42",
        "'2026-11-29'",
        "'walk_in'",
    ]
