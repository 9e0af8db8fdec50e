"""What receptions add up to for a place (its subtree) and a period — the newspaper's
"20余场次…150人次…近百人次": receptions held, people received (the sum of attendance),
representatives' participations (人次: over the receptions, how many representatives were
present), matters raised, matters turned into needs.

`reception_counts(node, start, end)` is what the liaison module's combined page calls (the
days `start` to `end`, both included). Counted from the rows themselves, a handful of
aggregate queries, so there is nothing to keep in step.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum

from civicgrid.network.models import Node
from civicgrid.representatives.models import LiaisonStation, Reception, ReceptionMatter

KEYS = ("receptions", "people", "participations", "matters", "needs")


def receptions_in(node: Node, start: dt.date, end: dt.date) -> QuerySet[Reception]:
    """Receptions at stations in `node`'s subtree, held on the days `start`–`end`."""
    places = Node.objects.filter(path__startswith=node.path).values("pk")
    return Reception.objects.filter(station__node_id__in=places, day__gte=start, day__lte=end)


def reception_counts(node: Node, start: dt.date, end: dt.date) -> dict[str, int]:
    """{"receptions", "people", "participations", "matters", "needs"} for the place and days."""
    held = receptions_in(node, start, end)
    totals = held.aggregate(receptions=Count("pk"), people=Sum("attendance"))
    participations = Reception.representatives.through.objects.filter(
        reception_id__in=held.values("pk")
    ).count()
    matters = ReceptionMatter.objects.filter(reception_id__in=held.values("pk")).aggregate(
        matters=Count("pk"), needs=Count("pk", filter=Q(need__isnull=False))
    )
    return {
        "receptions": totals["receptions"] or 0,
        "people": totals["people"] or 0,
        "participations": participations,
        "matters": matters["matters"] or 0,
        "needs": matters["needs"] or 0,
    }


def counts_by_station(node: Node, start: dt.date, end: dt.date) -> list[dict[str, object]]:
    """The same figures per station of the place (stations with nothing held show zeros)."""
    stations = LiaisonStation.objects.filter(node__path__startswith=node.path).order_by(
        "node__path", "kind", "pk"
    )
    rows = []
    for station in stations.values("pk", "name", "node__name"):
        held = receptions_in(node, start, end).filter(station_id=station["pk"])
        totals = held.aggregate(receptions=Count("pk"), people=Sum("attendance"))
        rows.append(
            {
                "station_id": station["pk"],
                "name": station["name"],
                "place": station["node__name"],
                "receptions": totals["receptions"] or 0,
                "people": totals["people"] or 0,
                "participations": Reception.representatives.through.objects.filter(
                    reception_id__in=held.values("pk")
                ).count(),
                "matters": ReceptionMatter.objects.filter(
                    reception_id__in=held.values("pk")
                ).count(),
            }
        )
    return rows
