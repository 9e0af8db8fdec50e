"""Members' reports (双报告) and the leaderboard, read from the points ledger (`MemberMonth`).

What a member did in a month or a year — activities attended, hours, needs taken and resolved,
wishes fulfilled, points and stars — is reported to their home community (a page and a
workbook per community, one row per member) and to their own party organisation (the row
carries its name, as the member gave it at registration). The member reads their own report
on the phone.

A community's members are the people with an approved registration there, and, for members who
have not registered yet, the people holding the party member or volunteer role at a node of
its subtree: both are read, so a community sees its members whichever way they were added.

Stars belong to a calendar year: a month's report shows the stars held at the month's end (the
year's points up to it), a year's report the year's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from civicgrid.core import xlsx
from civicgrid.core.errors import Invalid
from civicgrid.needs.models import NeedEvent
from civicgrid.network.models import Node, Person, RoleBinding, node_label
from civicgrid.volunteers import access, points
from civicgrid.volunteers.models import MemberMonth, Registration, RegistrationState

ZERO = Decimal("0")
LEADERBOARD_SIZE = 10
TAKE = "take"


# --- The period -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month (`month` set) or a calendar year."""

    year: int
    month: int | None = None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.month is None or self.month == 12:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, self.month + 1, 1)

    @property
    def key(self) -> str:
        """As written in an address: "2026-03" or "2026"."""
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return _("Year %(year)d") % {"year": self.year}

    def previous(self) -> Period:
        if self.month is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        if self.month is None:
            return Period(self.year + 1)
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as local times, for events' creation times."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        return start, dt.datetime.combine(self.end, dt.time(), tzinfo=tz)


PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today.year, today.month)


def parse_period(raw: str | None) -> Period:
    """ "2026-03" (a month) or "2026" (a year); empty: this month. Invalid says what to write."""
    raw = (raw or "").strip()
    if not raw:
        return this_month()
    match = PERIOD_RE.match(raw)
    month = int(match.group(2)) if match and match.group(2) else None
    bad_month = month is not None and not 1 <= month <= 12
    if not match or not 2000 <= int(match.group(1)) <= 2999 or bad_month:
        raise Invalid(
            _("Write the period as a month such as 2026-03, or a year such as 2026."),
            code="validation",
        )
    return Period(int(match.group(1)), month)


# --- The rows ---------------------------------------------------------------------------------


@dataclass
class ReportRow:
    person_id: int
    name: str
    party_org: str = ""
    activities: int = 0
    hours: Decimal = field(default_factory=lambda: ZERO)
    needs_taken: int = 0
    needs_resolved: int = 0
    wishes_fulfilled: int = 0
    points: Decimal = field(default_factory=lambda: ZERO)
    stars: int = 0


def _cents(value: Decimal | None) -> Decimal:
    """A sum as the ledger writes it (SQLite's sums drop the trailing zeros)."""
    return (value or ZERO).quantize(points.CENT)


def members_of(node: Node) -> dict[int, tuple[str, str]]:
    """A place's members: person id → (name, own party organisation), from approved
    registrations with a community of its subtree and member roles bound inside it."""
    found: dict[int, tuple[str, str]] = {}
    registered = (
        Registration.objects.filter(
            state=RegistrationState.APPROVED,
            person__isnull=False,
            community__path__startswith=node.path,
        )
        .order_by("person_id")
        .values_list("person_id", "person__name", "party_org_name")
    )
    for person_id, name, party_org in registered:
        found[person_id] = (name, party_org)
    bound = (
        RoleBinding.objects.filter(role__in=access.MEMBER_ROLES, node__path__startswith=node.path)
        .exclude(person_id__in=found)
        .values_list("person_id", "person__name")
        .distinct()
    )
    for person_id, name in bound:
        found.setdefault(person_id, (name, ""))
    return found


def _stars_points(person_ids: Iterable[int], period: Period) -> dict[int, Decimal]:
    """The year's points up to the period's end, for the stars held then."""
    upto = MemberMonth.objects.filter(
        person_id__in=list(person_ids),
        month__gte=dt.date(period.year, 1, 1),
        month__lt=period.end,
    )
    return dict(
        upto.values_list("person_id").annotate(s=Sum("points")).values_list("person_id", "s")
    )


def rows_for(people: dict[int, tuple[str, str]], period: Period) -> list[ReportRow]:
    """One row per person, by name: the period's months added up, needs taken from the
    needs' timelines, stars at the period's end. A few queries, whatever the number."""
    ids = list(people)
    rows = {
        pid: ReportRow(person_id=pid, name=name, party_org=org)
        for pid, (name, org) in people.items()
    }
    months = (
        MemberMonth.objects.filter(person_id__in=ids, month__gte=period.start, month__lt=period.end)
        .values("person_id")
        .annotate(
            a=Sum("activities"),
            h=Sum("hours"),
            n=Sum("needs_resolved"),
            w=Sum("wishes_fulfilled"),
            p=Sum("points"),
        )
    )
    for m in months:
        row = rows[m["person_id"]]
        row.activities, row.hours, row.needs_resolved = m["a"] or 0, _cents(m["h"]), m["n"] or 0
        row.wishes_fulfilled, row.points = m["w"] or 0, _cents(m["p"])
    start, end = period.bounds()
    taken = (
        NeedEvent.objects.filter(
            action=TAKE, actor_id__in=ids, created_at__gte=start, created_at__lt=end
        )
        .values("actor_id")
        .annotate(n=Count("need_id", distinct=True))
    )
    for t in taken:
        rows[t["actor_id"]].needs_taken = t["n"]
    levels = points.star_levels()
    for pid, total in _stars_points(ids, period).items():
        rows[pid].stars = points.stars_for(total or ZERO, levels)
    return sorted(rows.values(), key=lambda r: (r.name, r.person_id))


def community_report(node: Node, period: Period) -> list[ReportRow]:
    return rows_for(members_of(node), period)


def member_report(person: Person, period: Period) -> ReportRow:
    party_org = (
        Registration.objects.filter(person=person, state=RegistrationState.APPROVED)
        .values_list("party_org_name", flat=True)
        .first()
    )
    return rows_for({person.pk: (person.name, party_org or "")}, period)[0]


def totals(rows: Sequence[ReportRow]) -> ReportRow:
    """The rows added up (stars are not added: 0)."""
    total = ReportRow(person_id=0, name=_("Total"))
    for r in rows:
        total.activities += r.activities
        total.hours += r.hours
        total.needs_taken += r.needs_taken
        total.needs_resolved += r.needs_resolved
        total.wishes_fulfilled += r.wishes_fulfilled
        total.points += r.points
    return total


# --- The leaderboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    rank: int
    person_id: int
    name: str
    points: Decimal
    stars: int


def leaderboard(node: Node, year: int, *, limit: int = LEADERBOARD_SIZE) -> list[Place]:
    """The members of a place with the most points this year: names only, no phones. Equal
    points share a rank; members without points are left out."""
    people = members_of(node)
    sums = (
        MemberMonth.objects.filter(person_id__in=list(people), month__year=year)
        .values("person_id")
        .annotate(s=Sum("points"))
        .filter(s__gt=0)
        .values_list("person_id", "s")
    )
    found = [(person_id, _cents(total)) for person_id, total in sums]
    ordered = sorted(found, key=lambda ps: (-ps[1], people[ps[0]][0], ps[0]))[:limit]
    levels = points.star_levels()
    places: list[Place] = []
    for index, (person_id, total) in enumerate(ordered, start=1):
        rank = places[-1].rank if places and places[-1].points == total else index
        places.append(
            Place(rank, person_id, people[person_id][0], total, points.stars_for(total, levels))
        )
    return places


# --- The workbook -----------------------------------------------------------------------------

COLUMNS = (
    (pgettext_lazy("ledger", "Name"), 14),
    (pgettext_lazy("ledger", "Own party organisation"), 24),
    (pgettext_lazy("ledger", "Activities attended"), 10),
    (pgettext_lazy("ledger", "Hours"), 8),
    (pgettext_lazy("ledger", "Needs taken"), 10),
    (pgettext_lazy("ledger", "Needs resolved"), 10),
    (pgettext_lazy("ledger", "Wishes fulfilled"), 10),
    (pgettext_lazy("ledger", "Points"), 8),
    (pgettext_lazy("ledger", "Stars"), 6),
)


def _cells(row: ReportRow) -> list[object]:
    return [
        row.name,
        row.party_org,
        row.activities,
        float(row.hours),
        row.needs_taken,
        row.needs_resolved,
        row.wishes_fulfilled,
        float(row.points),
        row.stars,
    ]


def workbook(node: Node, period: Period, rows: Sequence[ReportRow]) -> bytes:
    """The community's report as an xlsx: a title line, the header, one row per member and
    the total. Text goes through `core/xlsx.py` (text stays text)."""
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "text_wrap": True})
    sheet = book.add_worksheet(pgettext("ledger", "Members' report")[:31])
    for index, (_label, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
    title = pgettext("ledger", "%(place)s · members' report · %(period)s") % {
        "place": node_label(node),
        "period": period.label,
    }
    xlsx.write_cell(sheet, 0, 0, title, bold)
    xlsx.write_row(sheet, 1, [str(label) for label, _width in COLUMNS], header)
    sheet.freeze_panes(2, 0)
    for number, row in enumerate(rows, start=2):
        xlsx.write_row(sheet, number, _cells(row))
    total = totals(rows)
    cells = _cells(total)
    cells[-1] = None  # stars are not added up
    xlsx.write_row(sheet, len(rows) + 2, cells, bold)
    book.close()
    return out.getvalue()
