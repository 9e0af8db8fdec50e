"""Keeping the rollups: what a need contributes to the counters, applied as deltas.

`facts(need)` says what one need adds to the counters of its cohort (its node and every
ancestor, the day it was received, its category, channel and kind). The workflow calls
`record_change(before, after)` in the same transaction as each event, so the counters move with
the state they describe. `facts_from_events` derives the same from the event log alone: the
rebuild and the tests use it to check that the two agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.utils import timezone

from civicgrid.insights import counters
from civicgrid.insights.counters import EXCLUDED_STATES as EXCLUDED_STATES
from civicgrid.insights.counters import RATED as RATED
from civicgrid.insights.counters import SATISFIED as SATISFIED
from civicgrid.insights.counters import bucket as bucket
from civicgrid.insights.models import (
    ALL_COUNTERS,
    COUNTERS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
)
from civicgrid.needs import events as need_events

# EXCLUDED_STATES, RATED, SATISFIED and bucket (insights/counters.py) are imported by name so
# that the workflow and the rebuild may keep reading them through this module.
Facts = dict[str, int]


def _facts(
    *,
    created_at: dt.datetime,
    state: str,
    responded_at: dt.datetime | None,
    responded_on_time: bool | None,
    resolved_at: dt.datetime | None,
    resolved_on_time: bool | None,
    rating: str,
) -> Facts:
    """What a need with these fields adds to its cohort: the rule is insights/counters.py."""
    return counters.count(
        {
            "created_at": created_at,
            "state": state,
            "responded_at": responded_at,
            "responded_on_time": responded_on_time,
            "resolved_at": resolved_at,
            "resolved_on_time": resolved_on_time,
            "rating": rating,
        }
    )


def facts(need: Any) -> Facts:
    """What the need, as it stands, adds to its cohort's counters."""
    return _facts(
        created_at=need.created_at,
        state=need.state,
        responded_at=need.responded_at,
        responded_on_time=need.responded_on_time,
        resolved_at=need.resolved_at,
        resolved_on_time=need.resolved_on_time,
        rating=need.rating,
    )


def facts_from_events(need: Any, events: Iterable[Any]) -> Facts:
    """The same facts, read from the need's timeline alone (its immutable raise time aside)."""
    state = ""
    responded_at = resolved_at = None
    responded_on_time = resolved_on_time = None
    rating = ""
    for event in events:
        data = need_events.read(event)
        if event.to_state:
            state = event.to_state
        if responded_at is None and data.responded_on_time is not None:
            responded_at, responded_on_time = event.created_at, data.responded_on_time
        if isinstance(data, need_events.Resolved):
            on_time = data.resolved_on_time
            resolved_at, resolved_on_time = event.created_at, True if on_time is None else on_time
        elif event.action == "record":
            resolved_at, resolved_on_time = event.created_at, True
        elif event.action == "reopen":
            resolved_at = resolved_on_time = None
        if isinstance(data, need_events.Rated) and data.rating is not None:
            rating = data.rating
        if event.action == "record":
            responded_at, responded_on_time = event.created_at, True
    return _facts(
        created_at=need.created_at,
        state=state,
        responded_at=responded_at,
        responded_on_time=responded_on_time,
        resolved_at=resolved_at,
        resolved_on_time=resolved_on_time,
        rating=rating,
    )


def cohort(need: Any) -> tuple[list[int], dt.date, int, str, str]:
    """(node and its ancestors, day received, category, channel, kind)."""
    day = timezone.localdate(need.created_at)
    return need.node.ancestor_ids(), day, need.category_id, need.channel, need.kind


# The unique key of each rollup table: what INSERT … ON CONFLICT names as its conflict target.
DAILY_KEY = ("node_id", "day", "category_id", "channel", "kind")
TOTAL_KEY = ("node_id", "day", "kind")
HANDLER_KEY = ("node_id", "day", "handler_id")


def _upsert(model: Any, key: tuple[str, ...], rows: dict[tuple[Any, ...], Facts]) -> None:
    """Add to the rows of `model` with these keys (a tuple of `key` columns each) their delta,
    creating the missing ones: a single INSERT … ON CONFLICT DO UPDATE for all of them, the
    same SQL on PostgreSQL and SQLite (3.24+). Every key column is NOT NULL, so ON CONFLICT
    always finds an existing row.

    Rows are written in descending key order, the same in every transaction, so two
    transactions counting into shared ancestors take the row locks in one order and cannot
    deadlock; the deepest nodes come first and the busiest rows (the root's) last, which keeps
    those locked for the shortest time."""
    changed = {name for delta in rows.values() for name, value in delta.items() if value}
    if not changed:
        return
    ordered = sorted(rows, reverse=True)
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    # Only the counters that change: the others start at their database default, 0.
    counters = [
        f.column
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in key and f.column in changed
    ]
    columns = ", ".join(quote(name) for name in (*key, *counters))
    # Everything is written into the SQL as literals, each checked by `_literal`, and the
    # statement runs without parameters: the driver scans a statement with parameters for its
    # %s markers on every call, which for a worker's batch of hundreds of needs cost more
    # than building it.
    values = ", ".join(
        "("
        + ", ".join(_literal(v) for v in row)
        + "".join(f", {int(rows[row].get(name, 0))}" for name in counters)
        + ")"
        for row in ordered
    )
    updates = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in counters
    )
    # Names come from the model, values from `_literal`: nothing from outside is spliced in.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(name) for name in key)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)


# The codes a rollup key holds (channel, kind): lower-case words, as the models' choices are.
CODE = re.compile(r"[a-z0-9_]{1,40}")


def _literal(value: Any) -> str:
    """A key column's value as SQL: a whole number (a node, category or handler id), a date,
    or a code. Anything else is refused, so no text from outside reaches the statement."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, str) and CODE.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"not a rollup key value: {value!r}")


def apply(need: Any, delta: Facts) -> None:
    """Add `delta` to the need's cohort at its node and every ancestor: three statements, one
    per table, whatever the depth of the tree."""
    apply_many([(need, delta)])


def apply_many(changes: Iterable[tuple[Any, Facts]]) -> None:
    """`apply` for several needs at once, still three statements: deltas that fall on the same
    row (a shared ancestor, the same day and category) are added up first."""
    daily: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    monthly: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    total: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    for need, delta in changes:
        nodes, day, category_id, channel, kind = cohort(need)
        month = day.replace(day=1)
        for name, value in delta.items():
            for n in nodes:
                daily[(n, day, category_id, channel, kind)][name] += value
                monthly[(n, month, category_id, channel, kind)][name] += value
                if name in COUNTERS:
                    total[(n, month, kind)][name] += value
    _upsert(DailyStat, DAILY_KEY, daily)
    _upsert(MonthlyStat, DAILY_KEY, monthly)
    _upsert(MonthlyTotal, TOTAL_KEY, total)


def difference(before: Facts, after: Facts) -> Facts:
    names = set(before) | set(after)
    return {
        n: after.get(n, 0) - before.get(n, 0) for n in names if after.get(n, 0) != before.get(n, 0)
    }


def record_new(need: Any) -> None:
    """Count a need just raised (or recorded)."""
    apply(need, facts(need))
    if need.resolved_at is not None and need.assignee_id:  # proactive work, recorded as done
        record_handler(need, resolved=1, on_time=1)


def raised_facts(need: Any) -> Facts:
    """What a need adds to its cohort the moment it is raised, whatever happened to it since."""
    return _facts(
        created_at=need.created_at,
        state="submitted",
        responded_at=None,
        responded_on_time=None,
        resolved_at=None,
        resolved_on_time=None,
        rating="",
    )


def record_raised(needs: Iterable[Any]) -> None:
    """Count needs raised earlier and followed up now (workflow.follow_up): three statements
    for the whole batch. Later events of these needs were counted by their own transitions as
    differences, so only what the raise itself adds is added here."""
    apply_many((need, raised_facts(need)) for need in needs)


def record_change(need: Any, before: Facts) -> None:
    """Count what a transition changed; `before` is facts(need) taken before it."""
    delta = difference(before, facts(need))
    if delta:
        apply(need, delta)


def record_move(need: Any, old_node: Any, counted: Facts) -> None:
    """A need placed after intake (workflow.place): what its old place counted of it (`counted`)
    moves to its new place, `need.node`. Ancestors the two share get both deltas, which cancel.
    Handler counters are not moved: a need is placed before anyone resolves it."""
    if not counted:
        return
    _nodes, day, category_id, channel, kind = cohort(need)
    month = day.replace(day=1)
    daily: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    monthly: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    total: dict[tuple[Any, ...], Facts] = defaultdict(lambda: defaultdict(int))
    for nodes, sign in ((old_node.ancestor_ids(), -1), (need.node.ancestor_ids(), 1)):
        for name, value in counted.items():
            for n in nodes:
                daily[(n, day, category_id, channel, kind)][name] += sign * value
                monthly[(n, month, category_id, channel, kind)][name] += sign * value
                if name in COUNTERS:
                    total[(n, month, kind)][name] += sign * value
    for model, key, rows in (
        (DailyStat, DAILY_KEY, daily),
        (MonthlyStat, DAILY_KEY, monthly),
        (MonthlyTotal, TOTAL_KEY, total),
    ):
        # The shared ancestors' rows do not change: left out of the statement.
        _upsert(model, key, {k: v for k, v in rows.items() if any(v.values())})


def record_handler(
    need: Any, *, resolved: int = 0, on_time: int = 0, rated: int = 0, satisfied: int = 0
) -> None:
    if not need.assignee_id:
        return
    day = timezone.localdate().replace(day=1)  # by month: the leaderboard's granularity
    delta = {
        "resolved": resolved,
        "resolved_on_time": on_time,
        "rated": rated,
        "satisfied": satisfied,
    }
    rows = {(node_id, day, need.assignee_id): delta for node_id in need.node.ancestor_ids()}
    _upsert(HandlerStat, HANDLER_KEY, rows)


def zero() -> dict[str, int]:
    return dict.fromkeys(ALL_COUNTERS, 0)
