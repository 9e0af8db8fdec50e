"""Benchmark data: millions of needs over the `--scale` city, and their rollups in set-based SQL.

`generate` draws needs with a plausible shape (see `Shape`) in numpy batches and loads them:
on PostgreSQL through a binary COPY into a staging table and one INSERT … SELECT per batch
(no ORM, no Python per row), elsewhere with `bulk_create` (small runs and the tests). No
timeline events are written: ten million needs would bring some fifty million events, and
neither the dashboard nor the raw recount reads them.

`build_rollups` fills `DailyStat` from the needs in SQL, each counter's condition written by the
counter rule that `rollups.facts` applies in Python (civicgrid/insights/counters.py):
each need's counters grouped by its own node, then each level summed into its parent's rows,
deepest level first, so every level reads only the level below (a need at depth 5 is not
joined five times). `HandlerStat` rows are built for the given nodes only (the leaderboard of
one node reads only that node's rows). Both work on PostgreSQL and SQLite; the tests check
them against `rollups.facts` and `kpis.recount`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civicgrid.insights import counters
from civicgrid.insights.counters import BUCKET_EDGES
from civicgrid.insights.models import (
    COUNTERS,
    RESOLVE_BUCKETS,
    RESPONSE_BUCKETS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
)
from civicgrid.needs.models import CategoryDeadline, Channel, Need, Priority, Rating, State
from civicgrid.network.models import Node, NodeKind, Role, RoleBinding

SEED = 20261129
BATCH = 250_000

# Codes stored in the staging table, decoded by SQL arrays (1-based) or by Python.
CHANNELS = (
    (Channel.WEB, 34),
    (Channel.QR, 24),
    (Channel.PHONE, 14),
    (Channel.HOTLINE, 10),
    (Channel.WALK_IN, 7),
    (Channel.VISIT, 6),
    (Channel.REPRESENTATIVE, 2),
    (Channel.API, 2),
    (Channel.OPEN311, 1),
)
PRIORITIES = ((Priority.URGENT, 8), (Priority.NORMAL, 80), (Priority.LOW, 12))
STATES = tuple(State)
RATINGS = ("", Rating.SATISFIED, Rating.FAIR, Rating.DISSATISFIED, Rating.NOT_RATED)
# How often residents raise each kind of need (the seed's categories); others weigh 3.
CATEGORY_WEIGHTS = {
    "roads": 10,
    "repairs": 14,
    "drainage": 8,
    "pension": 12,
    "micro_wish": 5,
    "disputes": 9,
    "hazards": 8,
    "policy": 12,
    "petitions": 3,
    "suggestions": 7,
    "opinion": 6,
}
# Month of the year → relative volume: heating and frozen pipes in winter, drainage in the
# summer rains, a dip over the Spring Festival.
MONTHS = (1.25, 0.85, 1.0, 0.95, 1.0, 1.05, 1.2, 1.2, 1.0, 0.95, 1.1, 1.3)
HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 8, 9, 12, 13, 12, 10, 8, 7, 6, 4, 2, 1)
DESCRIPTIONS = (
    "楼道灯坏了好几天，晚上上下楼看不清，老人摔过一次，请尽快修一下。",
    "小区门口的路面塌陷，下雨积水，车辆和行人都不好走。",
    "家里暖气不热，室温只有十二三度，孩子和老人受不了。",
    "楼上邻居装修噪音太大，周末早上七点就开始，协商未果。",
    "想咨询一下城乡居民养老保险怎么续缴，网上操作不会。",
    "下水道堵了，污水返到一楼院子里，气味很大。",
    "路口的井盖松动，车压过去响得厉害，担心掉下去。",
    "希望小区能增设几处电动车充电桩，现在飞线充电很危险。",
    "独居老人行动不便，希望社区能帮忙代购药品。",
    "建议在学校门口增设减速带和斑马线。",
)


@dataclass(frozen=True)
class Shape:
    """Knobs of the distribution, with defaults that look like a busy city."""

    years: int = 3
    zipf: float = 0.5  # grid weight ∝ rank^-zipf: the busiest grid gets ~70× the median one
    open_days: float = 6.0  # a need raised d days ago is still open with chance e^(-d/open_days)
    late_response: float = 0.07  # share answered after the response deadline
    late_resolve: float = 0.11


@dataclass
class Network:
    grids: np.ndarray  # small grid ids
    owners: np.ndarray  # the community above each grid
    workers: np.ndarray  # a grid worker of each grid, or -1
    categories: np.ndarray
    category_weights: np.ndarray
    deadlines: dict[tuple[int, str], tuple[int, int]]


def load_network(root: Node) -> Network:
    grids = list(
        Node.objects.subtree(root)
        .filter(kind=NodeKind.SMALL_GRID)
        .order_by("id")
        .values_list("id", "path")
    )
    if not grids:
        raise ValueError("No small grids under the root.")
    kinds = dict(Node.objects.subtree(root).values_list("id", "kind"))
    owners = []
    for grid_id, path in grids:
        chain = [int(p) for p in path.split("/") if p]
        owner = next((n for n in reversed(chain) if kinds.get(n) == NodeKind.COMMUNITY), grid_id)
        owners.append(owner)
    workers = dict(
        RoleBinding.objects.filter(role=Role.GRID_WORKER, node_id__in=[g for g, _p in grids])
        .order_by("id")
        .values_list("node_id", "person_id")
    )
    deadlines: dict[tuple[int, str], tuple[int, int]] = {}
    codes: dict[int, str] = {}
    for d in CategoryDeadline.objects.select_related("category").filter(category__is_active=True):
        deadlines[(d.category_id, d.priority)] = (d.response_minutes, d.resolve_minutes)
        codes[d.category_id] = d.category.code
    usable = sorted(
        c for c in codes if all((c, p) in deadlines for p, _w in PRIORITIES)
    )  # every priority has a deadline
    if not usable:
        raise ValueError("No categories with deadlines: run the seed first.")
    weights = np.array([CATEGORY_WEIGHTS.get(codes[c], 3) for c in usable], dtype=float)
    return Network(
        grids=np.array([g for g, _p in grids], dtype=np.int64),
        owners=np.array(owners, dtype=np.int64),
        workers=np.array([workers.get(g, -1) for g, _p in grids], dtype=np.int64),
        categories=np.array(usable, dtype=np.int64),
        category_weights=weights / weights.sum(),
        deadlines=deadlines,
    )


def _weights(pairs: tuple[tuple[Any, int], ...]) -> np.ndarray:
    w = np.array([weight for _v, weight in pairs], dtype=float)
    return w / w.sum()


def _day_weights(start: dt.date, days: int) -> np.ndarray:
    """Seasonality, quieter weekends, and slow growth (people learn the QR codes)."""
    w = np.empty(days)
    for i in range(days):
        day = start + dt.timedelta(days=i)
        w[i] = MONTHS[day.month - 1] * (0.6 if day.weekday() >= 5 else 1.0) * (1 + 0.3 * i / days)
    return w / w.sum()


def batches(
    net: Network, count: int, *, now: dt.datetime, shape: Shape = Shape(), batch: int = BATCH
) -> Iterator[dict[str, np.ndarray]]:
    """Columns of `count` needs in batches: epoch seconds for times, -1 for null, codes for
    choices. Deterministic for a given count, network and `now`."""
    rng = np.random.default_rng(SEED)
    now_s = int(now.timestamp())
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local_now = now.astimezone(tz)
    days = 365 * shape.years
    first = local_now.date() - dt.timedelta(days=days - 1)
    midnight = int(dt.datetime.combine(first, dt.time.min, tzinfo=tz).timestamp())
    day_p = _day_weights(first, days)
    hour_p = np.array(HOURS, dtype=float) / sum(HOURS)
    ranks = rng.permutation(len(net.grids)) + 1
    grid_p = ranks.astype(float) ** -shape.zipf
    grid_p /= grid_p.sum()
    channel_p, priority_p = _weights(CHANNELS), _weights(PRIORITIES)
    # Deadline lookup tables indexed [category position, priority code].
    response_limit = np.array(
        [[net.deadlines[(c, p)][0] for p, _w in PRIORITIES] for c in net.categories]
    )
    resolve_limit = np.array(
        [[net.deadlines[(c, p)][1] for p, _w in PRIORITIES] for c in net.categories]
    )
    state_code: dict[str, int] = {str(s): i for i, s in enumerate(STATES)}
    done = 0
    while done < count:
        n = min(batch, count - done)
        g = rng.choice(len(net.grids), size=n, p=grid_p)
        day = rng.choice(days, size=n, p=day_p)
        created = (
            midnight
            + day * 86400
            + rng.choice(24, size=n, p=hour_p) * 3600
            + rng.integers(0, 3600, size=n)
        )
        created = np.minimum(created, now_s - 60)
        cat = rng.choice(len(net.categories), size=n, p=net.category_weights)
        prio = rng.choice(len(PRIORITIES), size=n, p=priority_p)
        channel = rng.choice(len(CHANNELS), size=n, p=channel_p)
        r_limit = response_limit[cat, prio] * 60
        s_limit = resolve_limit[cat, prio] * 60
        # Delays: log-normal around a share of the deadline, a few past it.
        r_delay = (r_limit * np.exp(rng.normal(-1.0, 0.55, size=n))).astype(np.int64) + 30
        late = rng.random(n) < shape.late_response
        r_delay[late] = (r_limit[late] * rng.uniform(1.05, 4.0, size=late.sum())).astype(np.int64)
        s_delay = (s_limit * np.exp(rng.normal(-1.1, 0.6, size=n))).astype(np.int64)
        late = rng.random(n) < shape.late_resolve
        s_delay[late] = (s_limit[late] * rng.uniform(1.05, 3.0, size=late.sum())).astype(np.int64)
        s_delay = np.maximum(s_delay, r_delay + 60)
        age_days = (now_s - created) / 86400
        still_open = rng.random(n) < np.exp(-age_days / shape.open_days)
        u = rng.random(n)
        # Closed needs are the bulk; some are turned down, withdrawn or merged.
        state = np.full(n, state_code[State.CLOSED])
        state[u < 0.10] = state_code[State.REJECTED]
        state[u < 0.06] = state_code[State.WITHDRAWN]
        state[u < 0.03] = state_code[State.MERGED]
        resolved = created + s_delay
        awaiting = (state == state_code[State.CLOSED]) & (resolved + 3 * 86400 > now_s)
        state[awaiting & (rng.random(n) < 0.5)] = state_code[State.RESOLVED]
        open_pick = rng.choice(
            [state_code[s] for s in (State.SUBMITTED, State.ACCEPTED, State.DISPATCHED,
                                     State.TAKEN, State.IN_PROGRESS, State.ESCALATED)],
            size=n, p=[0.12, 0.08, 0.18, 0.22, 0.36, 0.04],
        )  # fmt: skip
        unfinished = still_open | (resolved > now_s)
        state = np.where(unfinished & (state != state_code[State.WITHDRAWN]), open_pick, state)
        responded = created + r_delay
        no_response = (
            (state == state_code[State.SUBMITTED])
            | ((state == state_code[State.WITHDRAWN]) & (rng.random(n) < 0.5))
            | (responded > now_s)
        )
        responded = np.where(no_response, -1, responded)
        is_resolved = (state == state_code[State.CLOSED]) | (state == state_code[State.RESOLVED])
        resolved = np.where(is_resolved, resolved, -1)
        closed = np.where(
            (state == state_code[State.CLOSED]) & is_resolved,
            np.minimum(resolved + rng.integers(3600, 3 * 86400, size=n), now_s),
            -1,
        )
        for final in (State.REJECTED, State.WITHDRAWN, State.MERGED):
            mask = state == state_code[final]
            closed[mask] = np.minimum(created[mask] + r_delay[mask], now_s)
        rating = np.zeros(n, dtype=np.int64)
        r = rng.random(n)
        is_closed = (state == state_code[State.CLOSED]) & is_resolved
        rating[is_closed] = np.select(
            [r[is_closed] < 0.78, r[is_closed] < 0.90, r[is_closed] < 0.94],
            [1, 2, 3],
            default=4,
        )
        response_due = created + r_limit
        resolve_due = created + s_limit
        is_open = ~(is_resolved | np.isin(state, [state_code[s] for s in counters.EXCLUDED_STATES]))
        overdue = np.where(
            is_open & (resolve_due < now_s),
            resolve_due,
            np.where(is_open & (responded < 0) & (response_due < now_s), response_due, -1),
        )
        handled = np.isin(
            state,
            [state_code[s] for s in (State.TAKEN, State.IN_PROGRESS, State.RESOLVED, State.CLOSED)],
        )
        yield {
            "node": net.grids[g],
            "owner": net.owners[g],
            "assignee": np.where(handled, net.workers[g], -1),
            "category": net.categories[cat],
            "priority": prio,
            "channel": channel,
            "state": state,
            "rating": rating,
            "created": created,
            "response_due": response_due,
            "resolve_due": resolve_due,
            "responded": responded,
            "responded_on_time": np.where(responded >= 0, (r_delay <= r_limit).astype(int), -1),
            "resolved": resolved,
            "resolved_on_time": np.where(resolved >= 0, (s_delay <= s_limit).astype(int), -1),
            "closed": closed,
            "overdue": overdue,
        }
        done += n


# --- Loading ------------------------------------------------------------------------------

STAGE_COLUMNS = tuple(
    (name, "int8")
    for name in (
        "id", "node", "owner", "assignee", "category", "priority", "channel", "state", "rating",
        "created", "response_due", "resolve_due", "responded", "responded_on_time", "resolved",
        "resolved_on_time", "closed", "overdue",
    )
)  # fmt: skip


def _copy_binary(columns: dict[str, np.ndarray], ids: np.ndarray) -> bytes:
    """PostgreSQL's binary COPY format for rows of int8 fields, built by numpy in one go: a
    fixed-size record (field count, then length and value per field) needs no Python loop."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, _type in STAGE_COLUMNS:
        fields += [(f"{name}_len", ">i4"), (name, ">i8")]
    rows = np.zeros(len(ids), dtype=np.dtype(fields))
    rows["count"] = len(STAGE_COLUMNS)
    for name, _type in STAGE_COLUMNS:
        rows[f"{name}_len"] = 8
        rows[name] = ids if name == "id" else columns[name]
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") * 2
    return header + rows.tobytes() + (-1).to_bytes(2, "big", signed=True)


def _sql_array(values: tuple[Any, ...]) -> str:
    return "ARRAY[" + ", ".join("'" + str(v) + "'" for v in values) + "]"


def _ts(column: str) -> str:
    return f"CASE WHEN s.{column} < 0 THEN NULL ELSE to_timestamp(s.{column}) END"


def _bool(column: str) -> str:
    return f"CASE WHEN s.{column} < 0 THEN NULL ELSE s.{column} = 1 END"


def _insert_from_stage_sql() -> str:
    channels = _sql_array(tuple(c for c, _w in CHANNELS))
    priorities = _sql_array(tuple(p for p, _w in PRIORITIES))
    states = _sql_array(STATES)
    ratings = _sql_array(RATINGS)
    descriptions = _sql_array(DESCRIPTIONS)
    surnames = _sql_array(tuple("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"))
    given = _sql_array(
        ("桂兰", "秀英", "建国", "志强", "巴特尔", "萨仁", "敏", "伟", "丽娟", "海军")
    )
    # Built from constants of this module only: no outside text reaches the SQL.
    return f"""
        INSERT INTO needs_need (
            id, number, kind, category_id, priority, description, answers, node_id,
            owner_node_id, address, channel, contact_phone, contact_name, anonymous,
            on_behalf_of, state, assignee_id, response_due, resolve_due, responded_at,
            responded_on_time, resolved_at, resolved_on_time, closed_at, overdue_at, rating,
            rating_comment, rated_at, created_at, updated_at
        )
        SELECT
            s.id, 'B' || lpad(s.id::text, 10, '0'), 'request', s.category,
            ({priorities})[s.priority + 1], ({descriptions})[s.id % {len(DESCRIPTIONS)} + 1],
            '{{}}'::jsonb, s.node, s.owner, '', ({channels})[s.channel + 1],
            '13' || lpad(((s.id * 7919) % 1000000000)::text, 9, '0'),
            ({surnames})[s.id % 20 + 1] || ({given})[(s.id / 20) % 10 + 1],
            s.id % 50 = 0, '', ({states})[s.state + 1],
            CASE WHEN s.assignee < 0 THEN NULL ELSE s.assignee END,
            to_timestamp(s.response_due), to_timestamp(s.resolve_due),
            {_ts("responded")}, {_bool("responded_on_time")}, {_ts("resolved")},
            {_bool("resolved_on_time")}, {_ts("closed")}, {_ts("overdue")},
            ({ratings})[s.rating + 1], '',
            CASE WHEN s.rating > 0 AND s.rating < 4 THEN to_timestamp(s.closed) END,
            to_timestamp(s.created), to_timestamp(greatest(s.created, s.closed, s.resolved))
        FROM bench_stage s
    """  # noqa: S608


def _load_postgres(columns: dict[str, np.ndarray], ids: np.ndarray) -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_stage")
        names = ", ".join(name for name, _t in STAGE_COLUMNS)
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY bench_stage ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_copy_binary(columns, ids))
        cursor.execute(_insert_from_stage_sql())


def _aware(seconds: int) -> dt.datetime | None:
    return None if seconds < 0 else dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def _load_orm(columns: dict[str, np.ndarray], ids: np.ndarray) -> None:
    """The same rows through the ORM: for SQLite and small runs."""
    needs = []
    for i, need_id in enumerate(ids.tolist()):
        c = {name: int(values[i]) for name, values in columns.items()}
        created = _aware(c["created"])
        need = Need(
            id=need_id,
            number=f"B{need_id:010d}",
            category_id=c["category"],
            priority=PRIORITIES[c["priority"]][0],
            description=DESCRIPTIONS[need_id % len(DESCRIPTIONS)],
            node_id=c["node"],
            owner_node_id=c["owner"],
            channel=CHANNELS[c["channel"]][0],
            contact_phone=f"13{(need_id * 7919) % 1000000000:09d}",
            contact_name="王桂兰",
            anonymous=need_id % 50 == 0,
            state=STATES[c["state"]],
            assignee_id=None if c["assignee"] < 0 else c["assignee"],
            response_due=_aware(c["response_due"]),
            resolve_due=_aware(c["resolve_due"]),
            responded_at=_aware(c["responded"]),
            responded_on_time=None if c["responded_on_time"] < 0 else bool(c["responded_on_time"]),
            resolved_at=_aware(c["resolved"]),
            resolved_on_time=None if c["resolved_on_time"] < 0 else bool(c["resolved_on_time"]),
            closed_at=_aware(c["closed"]),
            overdue_at=_aware(c["overdue"]),
            rating=RATINGS[c["rating"]],
        )
        needs.append(need)
    Need.objects.bulk_create(needs, batch_size=500)
    # auto_now_add overrides created_at on insert: set the drawn times afterwards.
    for need, created in zip(needs, columns["created"].tolist(), strict=True):
        need.created_at = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    Need.objects.bulk_update(needs, ["created_at"], batch_size=500)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def generate(
    root: Node,
    count: int,
    *,
    now: dt.datetime | None = None,
    shape: Shape = Shape(),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` needs under `root`'s grids; returns the first id used."""
    net = load_network(root)
    now = now or timezone.now()
    start = (Need.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    postgres = is_postgres()
    if postgres:
        with connection.cursor() as cursor:
            cols = ", ".join(f"{name} {sql_type}" for name, sql_type in STAGE_COLUMNS)
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS bench_stage ({cols})")
    next_id = start
    for columns in batches(net, count, now=now, shape=shape):
        ids = np.arange(next_id, next_id + len(columns["node"]), dtype=np.int64)
        with transaction.atomic():
            if postgres:
                _load_postgres(columns, ids)
            else:
                _load_orm(columns, ids)
        next_id += len(ids)
        if progress is not None:
            progress(next_id - start)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('needs_need', 'id'), "
                "(SELECT max(id) FROM needs_need))"
            )
    return start


# --- Rollups in SQL -----------------------------------------------------------------------


def _utc_offset_minutes() -> int:
    return int(timezone.localtime().utcoffset().total_seconds() // 60)  # type: ignore[union-attr]


def local_day_sql(column: str) -> tuple[str, list[Any]]:
    """SQL for the local date of a stored datetime, and its parameters."""
    if is_postgres():
        return f"(({column}) AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    # SQLite stores UTC text. A fixed offset is exact for zones without summer time (China).
    return f"date({column}, %s)", [f"{_utc_offset_minutes():+d} minutes"]


def month_start_sql(day: str) -> str:
    """The first day of the month of a date expression (HandlerStat rows are by month)."""
    if is_postgres():
        return f"date_trunc('month', {day})::date"
    return f"date({day}, 'start of month')"


def minutes_sql(start: str, end: str) -> str:
    if is_postgres():
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"
    seconds = "CAST(strftime('%%s', {}) AS INTEGER)"
    return f"(({seconds.format(end)} - {seconds.format(start)}) / 60.0)"


def bucket_sql(minutes: str) -> str:
    """The index of `rollups.bucket(minutes)`, as a CASE."""
    whens = " ".join(f"WHEN {minutes} <= {edge} THEN {i}" for i, edge in enumerate(BUCKET_EDGES))
    return f"CASE {whens} ELSE {len(BUCKET_EDGES)} END"


def _counter_sql() -> tuple[list[str], list[Any]]:
    """(SELECT expressions, parameters) for every counter of one need (`n`), from the counter
    rule (insights/counters.py) that `rollups.facts` applies in Python."""
    params: list[Any] = []
    out = []
    for counter in counters.HEADLINE:
        condition, condition_params = counters.sql(counter.when, "n")
        out.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
        params += condition_params
    for histogram in counters.HISTOGRAMS:
        end = f"n.{histogram.end}"
        index = bucket_sql(minutes_sql("n.created_at", end))
        for i, _name in enumerate(histogram.names):
            out.append(f"SUM(CASE WHEN {end} IS NOT NULL AND {index} = {i} THEN 1 ELSE 0 END)")
    return out, params


ALL = (*COUNTERS, *RESPONSE_BUCKETS, *RESOLVE_BUCKETS)
KEY = ("day", "category_id", "channel", "kind")


def build_rollups(*, report: Callable[[str], None] | None = None) -> int:
    """Replace every DailyStat row with what the needs say; returns the row count.

    Precondition: nobody else writes needs or rollups meanwhile (a benchmark database)."""
    say = report or (lambda _m: None)
    counters, params = _counter_sql()
    day, day_params = local_day_sql("n.created_at")
    columns = ", ".join(ALL)
    key = ", ".join(KEY)
    named = ", ".join(f"{expr} AS {name}" for expr, name in zip(counters, ALL, strict=True))
    own = ", ".join(f"o.{c}" for c in (*KEY, *ALL))
    lower = ", ".join(f"l.{c}" for c in (*KEY, *ALL))
    summed = ", ".join(f"SUM({c}) AS {c}" for c in ALL)
    with connection.cursor() as cursor:
        DailyStat.objects.all().delete()
        for table in ("bench_own", "bench_level", "bench_next"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # Each need's counters, grouped by its own node: the only pass over raw needs.
        cursor.execute(
            f"""CREATE TEMP TABLE bench_own AS
            SELECT n.node_id AS node_id, {day} AS day, n.category_id AS category_id,
                   n.channel AS channel, n.kind AS kind,
                   {named}
            FROM needs_need n
            GROUP BY 1, 2, 3, 4, 5""",  # noqa: S608
            day_params + params,
        )
        say("grouped needs by their own node")
        depths = dict(Node.objects.values_list("id", "depth"))
        deepest = max(depths.values(), default=0)
        cursor.execute("CREATE TEMP TABLE bench_level AS SELECT * FROM bench_own WHERE 1 = 0")
        for depth in range(deepest, -1, -1):
            # A node's rows: its own needs plus its children's rows, summed by key.
            cursor.execute(
                f"""CREATE TEMP TABLE bench_next AS
                SELECT node_id, {key}, {summed}
                FROM (
                    SELECT o.node_id, {own}
                    FROM bench_own o JOIN network_node d ON d.id = o.node_id AND d.depth = %s
                    UNION ALL
                    SELECT d.parent_id, {lower}
                    FROM bench_level l JOIN network_node d ON d.id = l.node_id
                ) x
                GROUP BY 1, 2, 3, 4, 5""",  # noqa: S608
                [depth],
            )
            cursor.execute(
                f"""INSERT INTO insights_dailystat (node_id, {key}, {columns})
                SELECT node_id, {key}, {columns} FROM bench_next"""  # noqa: S608
            )
            cursor.execute("DROP TABLE bench_level")
            cursor.execute("ALTER TABLE bench_next RENAME TO bench_level")
            say(f"rolled up depth {depth}")
        for table in ("bench_own", "bench_level"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # The monthly rows are the daily rows summed by month, as rollups.apply keeps them.
        MonthlyStat.objects.all().delete()
        cursor.execute(
            f"""INSERT INTO insights_monthlystat (node_id, {key}, {columns})
            SELECT node_id, {month_start_sql("day")}, category_id, channel, kind, {summed}
            FROM insights_dailystat GROUP BY 1, 2, 3, 4, 5"""  # noqa: S608
        )
        say("summed the months")
        MonthlyTotal.objects.all().delete()
        totals = ", ".join(COUNTERS)
        total_sums = ", ".join(f"SUM({c})" for c in COUNTERS)
        cursor.execute(
            f"""INSERT INTO insights_monthlytotal (node_id, day, kind, {totals})
            SELECT node_id, day, kind, {total_sums}
            FROM insights_monthlystat GROUP BY 1, 2, 3"""  # noqa: S608
        )
        say("summed the monthly totals")
    return DailyStat.objects.count()


def build_handler_rollups(nodes: list[Node]) -> int:
    """HandlerStat rows of `nodes` only: resolved needs by handler and month of resolution (the
    ratings counted on that day too: the bench writes no rating events)."""
    day, day_params = local_day_sql("n.resolved_at")
    day = month_start_sql(day)
    sums, params = [], []
    for name in ("resolved_on_time", "rated", "satisfied"):
        condition, condition_params = counters.sql(counters.BY_NAME[name].when, "n")
        sums.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
        params += condition_params
    HandlerStat.objects.filter(node__in=nodes).delete()
    with connection.cursor() as cursor:
        for node in nodes:
            cursor.execute(
                f"""INSERT INTO insights_handlerstat
                    (node_id, day, handler_id, resolved, resolved_on_time, rated, satisfied)
                SELECT %s, {day}, n.assignee_id, COUNT(*), {", ".join(sums)}
                FROM needs_need n JOIN network_node g ON g.id = n.node_id
                WHERE n.resolved_at IS NOT NULL AND n.assignee_id IS NOT NULL
                    AND g.path LIKE %s
                GROUP BY 2, 3""",  # noqa: S608
                [node.pk, *day_params, *params, node.path + "%"],
            )
    return HandlerStat.objects.filter(node__in=nodes).count()


# --- Bulk-load helpers (PostgreSQL) -------------------------------------------------------


@contextmanager
def without_indexes(table: str) -> Iterator[None]:
    """Drop the table's secondary indexes and unique constraints for a bulk load and build
    them again afterwards (one sort per index instead of millions of insertions). Foreign
    keys stay; the loader turns their triggers off with session_replication_role."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'u'""",
            [table],
        )
        constraints = cursor.fetchall()
        names = {name for name, _d in constraints}
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_index x ON x.indexrelid = (quote_ident(i.indexname))::regclass
            WHERE i.tablename = %s AND NOT x.indisprimary""",
            [table],
        )
        indexes = [(n, d) for n, d in cursor.fetchall() if n not in names]
        for name, _d in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _d in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
