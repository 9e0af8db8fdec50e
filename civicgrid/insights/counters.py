"""The counter rule, written once: which needs each rollup counter counts.

Each counter is a set of Django lookups on a need that must all hold (`Counter.when`), read
three ways from this one table:

- `count(standing)`: in Python, on a need's fields as they stand (or as its event log says they
  stand): `rollups.facts` and `rollups.facts_from_events`;
- `Counter.q`: as a filter for the ORM, `kpis.recount` over raw needs;
- `sql(counter, alias)`: as SQL over a table of needs, the benchmark's set-based rollups.

Each time histogram (`HISTOGRAMS`) counts a need in the bucket of the time from its receipt to
a moment of its life, if that moment has come. A new counter is a row here and a column in the
rollup tables (a migration): nothing else repeats the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

BUCKET_EDGES = (5, 15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 10080, 20160, 43200)
"""Upper edges, in minutes, of the time buckets for medians: a median read from the buckets is
exact to the bucket and interpolated within it."""
BUCKETS = len(BUCKET_EDGES) + 1  # the last bucket is "longer than 30 days"

EXCLUDED_STATES = frozenset({"rejected", "withdrawn", "merged"})
SATISFIED = frozenset({"satisfied", "fair"})
RATED = frozenset({"satisfied", "fair", "dissatisfied"})

# The fields of a need the rule reads (a need's "standing").
FIELDS = (
    "created_at",
    "state",
    "responded_at",
    "responded_on_time",
    "resolved_at",
    "resolved_on_time",
    "rating",
)


@dataclass(frozen=True)
class Counter:
    name: str
    when: Mapping[str, Any]  # Django lookups on a need, all of which must hold; {} counts all
    doc: str = ""

    @property
    def q(self) -> Q:
        return Q(**self.when)


HEADLINE: tuple[Counter, ...] = (
    Counter("received", {}),
    Counter(
        "excluded",
        {"state__in": EXCLUDED_STATES},
        "rejected, withdrawn or merged: left out of the resolution rate's denominator",
    ),
    Counter("responded", {"responded_at__isnull": False}),
    Counter("responded_on_time", {"responded_at__isnull": False, "responded_on_time": True}),
    Counter("resolved", {"resolved_at__isnull": False}),
    Counter("resolved_on_time", {"resolved_at__isnull": False, "resolved_on_time": True}),
    Counter("rated", {"rating__in": RATED}),
    Counter("satisfied", {"rating__in": SATISFIED}, "satisfied or fairly satisfied"),
)
BY_NAME = {counter.name: counter for counter in HEADLINE}


@dataclass(frozen=True)
class Histogram:
    """One counter per time bucket (`<prefix>_b0` …): the time from receipt to `end`."""

    prefix: str
    end: str  # the need's field: counted once it is set

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}_b{i}" for i in range(BUCKETS))


HISTOGRAMS = (Histogram("response", "responded_at"), Histogram("resolve", "resolved_at"))


def bucket(minutes: float) -> int:
    for index, edge in enumerate(BUCKET_EDGES):
        if minutes <= edge:
            return index
    return len(BUCKET_EDGES)


def holds(standing: Mapping[str, Any], when: Mapping[str, Any]) -> bool:
    """Whether a need's fields (`standing`) satisfy the lookups `when`, as the database would."""
    for lookup, wanted in when.items():
        field, _, op = lookup.partition("__")
        value = standing[field]
        if op == "":
            ok = value is not None and value == wanted
        elif op == "in":
            ok = value in wanted
        elif op == "isnull":
            ok = (value is None) == wanted
        else:
            raise ValueError(f"lookup not supported by the counter rule: {lookup}")
        if not ok:
            return False
    return True


def count(standing: Mapping[str, Any]) -> dict[str, int]:
    """The counters one need adds to its cohort, from its fields (`FIELDS`)."""
    out = {c.name: 1 for c in HEADLINE if holds(standing, c.when)}
    created_at: dt.datetime = standing["created_at"]
    for histogram in HISTOGRAMS:
        end = standing[histogram.end]
        if end is not None:
            minutes = max(0.0, (end - created_at).total_seconds() / 60)
            out[histogram.names[bucket(minutes)]] = 1
    return out


def sql(when: Mapping[str, Any], alias: str) -> tuple[str, list[Any]]:
    """(condition, parameters): the lookups `when` as SQL over the needs table aliased `alias`."""
    parts: list[str] = []
    params: list[Any] = []
    for lookup, wanted in when.items():
        field, _, op = lookup.partition("__")
        column = f"{alias}.{field}"
        if op == "":
            parts.append(f"{column} = %s")
            params.append(wanted)
        elif op == "in":
            values = sorted(wanted)
            parts.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params += values
        elif op == "isnull":
            parts.append(f"{column} IS {'' if wanted else 'NOT '}NULL")
        else:
            raise ValueError(f"lookup not supported by the counter rule: {lookup}")
    return (" AND ".join(parts) or "1 = 1"), params
