"""What the services close to home did, counted from their records (no counters to keep:
appointments and room bookings are few beside needs, and each figure is one aggregate over
an index on time): appointments by state and mode, room use in hours, for a place and its
subtree over a period; the ledger's rows per month, place and service or room.

An appointment counts in the period its time falls in; "served" (为群众提供便民服务N次) is the
appointments done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from civicgrid.network.models import Node
from civicgrid.services.models import (
    Booking,
    BookingState,
    Mode,
    RoomBooking,
    RoomBookingState,
)

S = BookingState


@dataclass(frozen=True)
class Figures:
    booked: int = 0  # every appointment of the period but the cancelled
    done: int = 0  # served: 为群众提供便民服务N次
    no_shows: int = 0
    cancelled: int = 0
    door: int = 0  # done door to door (上门办)
    after_hours: int = 0  # done after hours (延时办)
    rated: int = 0
    rating: float | None = None  # the average of the ratings given
    paid: Decimal = Decimal(0)
    room_bookings: int = 0
    room_hours: float = 0.0


BOOKING_COUNTS: dict[str, Any] = {
    "booked": Count("pk", filter=~Q(state=S.CANCELLED)),
    "done": Count("pk", filter=Q(state=S.DONE)),
    "no_shows": Count("pk", filter=Q(state=S.NO_SHOW)),
    "cancelled": Count("pk", filter=Q(state=S.CANCELLED)),
    "door": Count("pk", filter=Q(state=S.DONE, mode=Mode.DOOR)),
    "after_hours": Count("pk", filter=Q(state=S.DONE, mode=Mode.AFTER_HOURS)),
    "rated": Count("rating"),
    "rating": Avg("rating"),
    "paid": Sum("price_paid", filter=Q(state=S.DONE)),
}


def _hours(rows: Any) -> float:
    seconds = sum((end - start).total_seconds() for start, end in rows)
    return round(seconds / 3600, 1)


# The counts that are plain numbers (rating and paid are read apart).
COUNTED = ("booked", "done", "no_shows", "cancelled", "door", "after_hours", "rated")


def _figures(counted: dict[str, Any], rooms: list[tuple[dt.datetime, dt.datetime]]) -> Figures:
    """Figures from a row of `BOOKING_COUNTS` and the times of the approved room bookings."""
    rating = counted.get("rating")
    return Figures(
        **{name: counted.get(name) or 0 for name in COUNTED},
        rating=round(float(rating), 2) if rating is not None else None,
        paid=counted.get("paid") or Decimal(0),
        room_bookings=len(rooms),
        room_hours=_hours(rooms),
    )


def figures(node: Node, start: dt.datetime, end: dt.datetime) -> Figures:
    """The place's and its subtree's figures for appointments and room bookings whose time
    falls in [start, end). Two aggregates and one read of the rooms' times."""
    counted = Booking.objects.filter(
        service__node__path__startswith=node.path, starts_at__gte=start, starts_at__lt=end
    ).aggregate(**BOOKING_COUNTS)
    rooms = RoomBooking.objects.filter(
        room__node__path__startswith=node.path,
        state=RoomBookingState.APPROVED,
        starts_at__gte=start,
        starts_at__lt=end,
    ).values_list("starts_at", "ends_at")
    return _figures(counted, list(rooms))


def by_month(node: Node, year: int) -> list[tuple[str, Figures]]:
    """The year's twelve months of `figures`, in two reads: the appointments' aggregates
    grouped by month, and the approved room bookings' times."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    counted: dict[str, dict[str, Any]] = {
        _month(row["month"]): dict(row)
        for row in Booking.objects.filter(
            service__node__path__startswith=node.path, starts_at__gte=start, starts_at__lt=end
        )
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(**BOOKING_COUNTS)
        .order_by("month")
    }
    times: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for month, starts, ends in (
        RoomBooking.objects.filter(
            room__node__path__startswith=node.path,
            state=RoomBookingState.APPROVED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .annotate(month=TruncMonth("starts_at"))
        .values_list("month", "starts_at", "ends_at")
    ):
        times.setdefault(_month(month), []).append((starts, ends))
    labels = [f"{year}-{number:02d}" for number in range(1, 13)]
    return [(m, _figures(counted.get(m, {}), times.get(m, []))) for m in labels]


def combined(parts: list[Figures]) -> Figures:
    """Several periods' figures as one (the average rating weighted by the ratings given)."""
    rated = sum(f.rated for f in parts)
    stars = sum((f.rating or 0) * f.rated for f in parts)
    return Figures(
        booked=sum(f.booked for f in parts),
        done=sum(f.done for f in parts),
        no_shows=sum(f.no_shows for f in parts),
        cancelled=sum(f.cancelled for f in parts),
        door=sum(f.door for f in parts),
        after_hours=sum(f.after_hours for f in parts),
        rated=rated,
        rating=round(stars / rated, 2) if rated else None,
        paid=sum((f.paid for f in parts), Decimal(0)),
        room_bookings=sum(f.room_bookings for f in parts),
        room_hours=round(sum(f.room_hours for f in parts), 1),
    )


def appointment_rows(node: Node, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The ledger's appointment rows: per month, place and service (and how it was given)."""
    rows = (
        Booking.objects.filter(
            service__node__path__startswith=node.path, starts_at__gte=start, starts_at__lt=end
        )
        .annotate(month=TruncMonth("starts_at"))
        .values("month", "service__node__name", "service__name", "mode")
        .annotate(**BOOKING_COUNTS)
        .order_by("month", "service__node__name", "service__name", "mode")
    )
    out: list[dict[str, Any]] = []
    for row in rows:
        r: dict[str, Any] = dict(row)
        out.append(
            {
                **r,
                "month": _month(r["month"]),
                "mode": str(Mode(r["mode"]).label),
                "rating": round(float(r["rating"]), 2) if r["rating"] is not None else None,
                "paid": float(r["paid"] or 0),
            }
        )
    return out


def room_rows(node: Node, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The ledger's room rows: per month, place and room, approved bookings and their hours."""
    found = (
        RoomBooking.objects.filter(
            room__node__path__startswith=node.path,
            state=RoomBookingState.APPROVED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .annotate(month=TruncMonth("starts_at"))
        .values_list("month", "room__node__name", "room__name", "starts_at", "ends_at")
        .order_by("month", "room__node__name", "room__name")
    )
    table: dict[tuple[str, str, str], list[Any]] = {}
    for month, place, room, starts, ends in found:
        key = (_month(month), place, room)
        table.setdefault(key, []).append((starts, ends))
    return [
        {"month": m, "place": p, "room": r, "bookings": len(times), "hours": _hours(times)}
        for (m, p, r), times in table.items()
    ]


def _month(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    return str(value)[:7]
