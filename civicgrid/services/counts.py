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
    times = list(rooms)
    return Figures(
        **{k: v for k, v in counted.items() if k not in {"rating", "paid"}},
        rating=round(float(counted["rating"]), 2) if counted["rating"] is not None else None,
        paid=counted["paid"] or Decimal(0),
        room_bookings=len(times),
        room_hours=_hours(times),
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
