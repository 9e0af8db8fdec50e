"""Reads of room bookings laid out as calendars: a room's or a community's day or week
(weeks start on Monday), for a server-rendered grid.

A grid is a table: a row per room (a room's week: a row per day), a column per `SLOT` minutes
from the earliest opening to the latest closing hour, and each booking a block spanning the
columns of its time (`colspan`), so the page needs no script and no inline style. Blocks are
rounded outwards to whole slots; the time written in the block is exact.

Staff lists start from `access.visible_rooms` (the scope rule); the public reads only busy
times of public rooms (`busy_week`), never titles, organisers or contacts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.network import scope
from civicgrid.network.models import Node
from civicgrid.services import access
from civicgrid.services import rooms as rooms_
from civicgrid.services.models import ROOM_HOLDING, Room, RoomBooking, RoomBookingState

SLOT = 30  # minutes a column stands for
DAY, WEEK = "day", "week"
VIEWS = (DAY, WEEK)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_day(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """A date from `?date=2026-12-07`, today when missing or not a date."""
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return today or timezone.localdate()


def parse_view(value: str | None) -> str:
    return value if value in VIEWS else DAY


@dataclass(frozen=True)
class Period:
    """The days a calendar shows: one, or the week (Monday to Sunday) holding `day`."""

    view: str
    day: dt.date

    @property
    def first(self) -> dt.date:
        return self.day if self.view == DAY else week_start(self.day)

    @property
    def days(self) -> list[dt.date]:
        count = 1 if self.view == DAY else 7
        return [self.first + dt.timedelta(days=i) for i in range(count)]

    @property
    def previous(self) -> dt.date:
        return self.first - dt.timedelta(days=1 if self.view == DAY else 7)

    @property
    def next(self) -> dt.date:
        return self.first + dt.timedelta(days=1 if self.view == DAY else 7)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: from the first day's midnight to after the last."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end


@dataclass(frozen=True)
class Block:
    """A booking on the grid: what staff read of it, and the columns it spans."""

    booking_id: int
    title: str
    organiser: str
    state: str
    state_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    activity_id: int | None
    span: int
    room_id: int

    @property
    def time_label(self) -> str:
        return (
            f"{timezone.localtime(self.starts_at):%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"
        )

    @property
    def waiting(self) -> bool:
        return self.state == RoomBookingState.REQUESTED


@dataclass(frozen=True)
class Cell:
    """A column run of a row: empty (`block` None) or a booking's block."""

    span: int
    block: Block | None = None


@dataclass
class Row:
    room: Room
    day: dt.date
    cells: list[Cell] = field(default_factory=list)
    first_of_day: bool = False


@dataclass
class Grid:
    period: Period
    start_minute: int  # minutes after midnight of the first column
    columns: int
    rows: list[Row]

    @property
    def hours(self) -> list[tuple[str, int]]:
        """The header: each hour's label and the columns it spans."""
        per_hour = 60 // SLOT
        labels = []
        minute = self.start_minute
        left = self.columns
        while left > 0:
            span = min(per_hour - (minute % 60) // SLOT, left)
            labels.append((f"{minute // 60:02d}:{minute % 60:02d}", span))
            minute += span * SLOT
            left -= span
        return labels

    @property
    def count(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.block is not None)


def hours(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """ "09:00–11:30" in local time."""
    return f"{timezone.localtime(starts_at):%H:%M}–{timezone.localtime(ends_at):%H:%M}"


def _minutes(when: dt.datetime) -> int:
    local = timezone.localtime(when)
    return local.hour * 60 + local.minute


def live(rooms: Iterable[int], period: Period) -> QuerySet[RoomBooking]:
    """The live bookings (waiting or approved) of these rooms that touch the period."""
    start, end = period.bounds()
    return RoomBooking.objects.filter(
        room_id__in=list(rooms), state__in=ROOM_HOLDING, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at", "id")


def _layout(
    bookings: Sequence[dict[str, Any]], start_minute: int, columns: int
) -> list[tuple[int, int, dict[str, Any]]]:
    """Each booking's first column and span, rounded outwards to whole slots; a block that
    would share a column with the one before it starts after it (their times stay exact)."""
    placed: list[tuple[int, int, dict[str, Any]]] = []
    taken_until = 0
    for row in bookings:
        first = max((_minutes(row["starts_at"]) - start_minute) // SLOT, 0)
        end_minute = _minutes(row["ends_at"]) or 24 * 60
        last = min(math.ceil((end_minute - start_minute) / SLOT), columns)
        first = max(first, taken_until)
        if first >= columns:
            continue
        last = max(last, first + 1)
        placed.append((first, last - first, row))
        taken_until = last
    return placed


def _cells(placed: list[tuple[int, int, dict[str, Any]]], columns: int, room_id: int) -> list[Cell]:
    cells: list[Cell] = []
    at = 0
    labels = dict(RoomBookingState.choices)
    for first, span, row in placed:
        if first > at:
            cells.append(Cell(span=first - at))
        cells.append(
            Cell(
                span=span,
                block=Block(
                    booking_id=row["pk"],
                    title=row["title"],
                    organiser=row["organiser"],
                    state=row["state"],
                    state_label=str(labels.get(row["state"], row["state"])),
                    starts_at=row["starts_at"],
                    ends_at=row["ends_at"],
                    activity_id=row["activity_id"],
                    span=span,
                    room_id=room_id,
                ),
            )
        )
        at = first + span
    if at < columns:
        cells.append(Cell(span=columns - at))
    return cells


def grid(rooms: Sequence[Room], period: Period) -> Grid:
    """The calendar of these rooms: a row per room and day (one query for the bookings)."""
    if rooms:
        hours_of = [rooms_.opening(r) for r in rooms]
        start_minute = min(opens.hour * 60 for opens, _closes in hours_of)
        close = max(closes.hour * 60 + closes.minute for _opens, closes in hours_of)
    else:
        start_minute, close = 8 * 60, 21 * 60
    end_minute = math.ceil(close / 60) * 60
    columns = max((end_minute - start_minute) // SLOT, 1)
    by_room_day: dict[tuple[int, dt.date], list[dict[str, Any]]] = {}
    values = live((r.pk for r in rooms), period).values(
        "pk", "room_id", "title", "organiser", "state", "starts_at", "ends_at", "activity_id"
    )
    for row in values:
        # A booking lies within one day (`rooms._check_time`): it goes on its start's day.
        day = timezone.localtime(row["starts_at"]).date()
        by_room_day.setdefault((row["room_id"], day), []).append(dict(row))
    rows: list[Row] = []
    for day in period.days:
        for index, room in enumerate(rooms):
            placed = _layout(by_room_day.get((room.pk, day), []), start_minute, columns)
            rows.append(
                Row(
                    room=room,
                    day=day,
                    cells=_cells(placed, columns, room.pk),
                    first_of_day=index == 0,
                )
            )
    return Grid(period=period, start_minute=start_minute, columns=columns, rows=rows)


def room_grid(room: Room, period: Period) -> Grid:
    """One room's day (one row) or week (a row per day)."""
    return grid([room], period)


def community_rooms(user: Any, node: Node) -> list[Room]:
    """The rooms of `node`'s subtree that the user may read, in use."""
    rooms = access.visible_rooms(user).filter(scope.paths_q([node.path], node_field="node"))
    return list(rooms.filter(active=True).order_by("node__path", "kind", "name", "id"))


def community_grid(user: Any, node: Node, period: Period) -> Grid:
    """A community's rooms (the node's subtree, as far as the user may read): a row per room
    (a week: per room and day)."""
    return grid(community_rooms(user, node), period)


# --- What the public reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def label(self) -> str:
        return (
            f"{timezone.localtime(self.starts_at):%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"
        )


def busy_week(room: Room, day: dt.date) -> list[tuple[dt.date, list[Busy]]]:
    """A public room's week (Monday to Sunday holding `day`): only when it is busy."""
    period = Period(WEEK, day)
    by_day: dict[dt.date, list[Busy]] = {d: [] for d in period.days}
    for starts_at, ends_at in live([room.pk], period).values_list("starts_at", "ends_at"):
        local_day = timezone.localtime(starts_at).date()
        if local_day in by_day:
            by_day[local_day].append(Busy(starts_at, ends_at))
    return list(by_day.items())
