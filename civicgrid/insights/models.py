"""Rollups behind every figure: counters per node (at every level), day, category and channel.

A need is counted on the day it was received (its cohort), at its own node and at every
ancestor, so "this banner, this year" is a sum over a few thousand rows of one node, never a
scan of raw needs. `rollups.py` keeps the counters in the same transaction as the workflow
event that changes them; `rebuild_rollups` recomputes them from the event log.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.insights.counters import HEADLINE, HISTOGRAMS
from civicgrid.network.models import Node, Person

# The counters and what each counts: insights/counters.py.
COUNTERS = tuple(counter.name for counter in HEADLINE)
RESPONSE_BUCKETS, RESOLVE_BUCKETS = (histogram.names for histogram in HISTOGRAMS)
ALL_COUNTERS = COUNTERS + RESPONSE_BUCKETS + RESOLVE_BUCKETS


class Counters(models.Model):
    """The eight headline counters (`COUNTERS`), shared by the per-slice and the total rows.
    Every counter defaults to 0 in the database too: the rollups' upserts name only the
    counters they change (insights/rollups.py)."""

    # One column per counter of insights/counters.py, each counting from 0.
    locals().update({n: models.IntegerField(default=0, db_default=0) for n in COUNTERS})

    class Meta:
        abstract = True


class Stat(Counters):
    """The counters of one cohort slice: a node, a date, a category, a channel, a kind."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=12)

    # One column per time bucket (response_b0 … resolve_b13): the medians' histograms.
    locals().update({n: models.IntegerField(default=0, db_default=0) for n in RESPONSE_BUCKETS})
    locals().update({n: models.IntegerField(default=0, db_default=0) for n in RESOLVE_BUCKETS})

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.node_id} {self.day}"


class DailyStat(Stat):
    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["node", "day", "category_id", "channel", "kind"], name="dailystat_key"
            ),
        ]


class MonthlyStat(Stat):
    """The same counters by month (`day` is the month's first day): a year of a city is 12
    rows per slice instead of 365, which is what keeps a city's dashboard fast."""

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["node", "day", "category_id", "channel", "kind"], name="monthlystat_key"
            ),
        ]


class MonthlyTotal(Counters):
    """The eight counters per node, month and kind, without the category and channel split:
    what a map of hundreds of grids or a list of children reads when nothing is filtered
    (a town's 500 grids: 5,500 rows a year instead of 112,000)."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=12)

    class Meta:
        verbose_name = _("monthly totals")
        verbose_name_plural = _("monthly totals")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["node", "day", "kind"], name="monthlytotal_key"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.day}"


class HandlerStat(models.Model):
    """Needs resolved by each handler, per node level and month (`day` is the month's first
    day: daily rows made a city's year 30 times longer to read): the leaderboard."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    handler = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    resolved = models.IntegerField(default=0, db_default=0)
    resolved_on_time = models.IntegerField(default=0, db_default=0)
    rated = models.IntegerField(default=0, db_default=0)
    satisfied = models.IntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("handler figures")
        verbose_name_plural = _("handler figures")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["node", "day", "handler"], name="handlerstat_key"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.day} {self.handler_id}"


class ReportLine(models.Model):
    """One clause of the report sentence, e.g. 收集民情民意X条: which category group it counts,
    which figure, and its words in each language (DESIGN.md section 4; the seed's style)."""

    class Figure(models.TextChoices):
        RECEIVED = "received", _("received")
        RESOLVED = "resolved", _("resolved")

    group = models.SlugField(_("category group"), max_length=40)
    figure = models.CharField(_("figure"), max_length=10, choices=Figure.choices)
    template = models.CharField(_("words"), max_length=80, help_text="e.g. 化解矛盾风险%(n)s件")
    template_en = models.CharField(_("English words"), max_length=120)
    template_mn = models.CharField(_("Mongolian words"), max_length=160, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering: ClassVar[list[str]] = ["sort", "id"]

    def __str__(self) -> str:
        return self.template
