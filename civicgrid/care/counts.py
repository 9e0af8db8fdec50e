"""What the care module did, counted for a node's subtree and a period: meals served by band,
free and paid, deliveries (delivered, not home, welfare checks raised), assistance cards issued
and used with their amounts, care visits by what was found, and the people on the register.

Read straight from the module's tables with seven aggregate queries, however many periods are
asked for at once (each period is one set of conditional aggregates in the same queries, as in
`volunteers/counts.py`): a year's twelve months and its total are one call, not a query per
month.

Everything is counted where the person lives (`CaredPerson.node`, a card's household's node),
so a grid, a community and a town each read their own people, at whichever meal point or shop
they were served. The ledgers below use the same rule, so their rows add up to the figures.

Definitions (periods are local dates, both ends inclusive; pass whole months):

- orders: meal orders for days in the period, not cancelled; meals: those served (by band as
  the order recorded it, `MealOrder.band_name`); free: served free; paid: the prices of the
  meals served; diners: the people served at least once;
- delivered / not home: deliveries of those days marked so; welfare checks: the deliveries
  whose "not home" raised an urgent need;
- cards issued: new cards (a reissue, which replaces a card, counted apart) issued in the
  period; cards used: the cards (a reissued card and the one it replaced are one) used at
  least once; uses, amount (list prices), discount and paid: the redemptions booked to the
  period's months (`Redemption.month`);
- visits: care visits made in the period, by finding; visits to fact orphans: to people
  marked so; needs raised: visits whose finding raised a need;
- the register: people on it on the period's last day (entered before its end, not left by
  then), by care kind, aged 60 and over and 80 and over on that day, living alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone, translation
from django.utils.translation import ngettext

from civicgrid.care.models import (
    Card,
    CaredPerson,
    CareKind,
    CareMark,
    CareVisit,
    DeliveryState,
    Finding,
    MealOrder,
    OrderState,
    Redemption,
    VisitPlan,
)
from civicgrid.core.i18n import english, localised, mongolian
from civicgrid.network.models import mask_name
from civicgrid.network.scope import paths_q, within_paths
from civicgrid.volunteers.counts import month_period, year_months

AGES = (60, 80)  # the register's age lines: 60 and over, 80 and over

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CareFigures:
    # Meals
    orders: int = 0
    cancelled: int = 0
    meals: int = 0
    # (band name, meals served), youngest band first
    meals_by_band: tuple[tuple[str, int], ...] = ()
    free_meals: int = 0
    special_dishes: int = 0
    meals_paid: Decimal = Decimal(0)
    diners: int = 0
    # Deliveries
    delivered: int = 0
    not_home: int = 0
    people_delivered: int = 0
    welfare_checks: int = 0
    # Assistance cards
    cards_issued: int = 0
    cards_reissued: int = 0
    cards_used: int = 0
    uses: int = 0
    amount: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    card_paid: Decimal = Decimal(0)
    # Care visits
    visits: int = 0
    # (finding value, visits) in the order of `Finding`
    visits_by_finding: tuple[tuple[str, int], ...] = ()
    people_visited: int = 0
    orphan_visits: int = 0
    orphans_visited: int = 0
    visit_needs: int = 0
    # The register on the period's last day
    registered: int = 0
    # (care kind value, people) in the order of `CareKind`
    by_kind: tuple[tuple[str, int], ...] = ()
    aged_60: int = 0
    aged_80: int = 0
    living_alone: int = 0

    def band(self, name: str) -> int:
        return dict(self.meals_by_band).get(name, 0)

    def found(self, finding: str) -> int:
        return dict(self.visits_by_finding).get(finding, 0)

    def kind(self, kind: str) -> int:
        return dict(self.by_kind).get(kind, 0)

    @property
    def any(self) -> bool:
        return bool(self.orders or self.uses or self.cards_issued or self.visits or self.registered)


# --- Periods ----------------------------------------------------------------------------------


def _bound(day: dt.date) -> dt.datetime:
    """The first instant of a local day."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class _Window:
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)
    since: dt.datetime = field(init=False)  # first instant
    until: dt.datetime = field(init=False)  # first instant after

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _bound(self.start))
        object.__setattr__(self, "until", _bound(self.end + dt.timedelta(days=1)))

    def days(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lte": self.end})

    def months(self, name: str) -> Q:
        """A date field holding a month's first day (`Redemption.month`)."""
        return Q(**{f"{name}__gte": self.start.replace(day=1), f"{name}__lte": self.end})

    def instants(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.since, f"{name}__lt": self.until})


def born_by(day: dt.date, age: int) -> dt.date:
    """The last birth date of someone `age` or older on `day` (`register.age_on`'s rule: a
    person born on 29 February is a year older on 1 March in a year without one)."""
    year = day.year - age
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February, `year` not a leap year
        return dt.date(year, 2, 28)


def _on_register(prefix: str, window: _Window) -> Q:
    """On the register at the end of the window: entered before it, not left by then."""
    return Q(**{f"{prefix}created_at__lt": window.until}) & (
        Q(**{f"{prefix}left_at__isnull": True}) | Q(**{f"{prefix}left_at__gte": window.until})
    )


# --- The figures -------------------------------------------------------------------------------

SERVED = Q(state=OrderState.SERVED)
LIVE = ~Q(state=OrderState.CANCELLED)


def _meal_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        when = w.days("day")
        delivered = when & LIVE & Q(delivery__state=DeliveryState.DELIVERED)
        aggregates |= {
            f"orders{i}": Count("pk", filter=when & LIVE),
            f"cancelled{i}": Count("pk", filter=when & ~LIVE),
            f"meals{i}": Count("pk", filter=when & SERVED),
            f"free{i}": Count("pk", filter=when & SERVED & Q(free=True)),
            f"special{i}": Count("pk", filter=when & SERVED & Q(special_dish=True)),
            f"paid{i}": Sum("price", filter=when & SERVED),
            f"diners{i}": Count("person", distinct=True, filter=when & SERVED),
            f"delivered{i}": Count("pk", filter=delivered),
            f"not_home{i}": Count(
                "pk", filter=when & LIVE & Q(delivery__state=DeliveryState.NOT_HOME)
            ),
            f"people_delivered{i}": Count("person", distinct=True, filter=delivered),
            f"welfare{i}": Count("pk", filter=when & Q(delivery__welfare_need__isnull=False)),
        }
    return MealOrder.objects.filter(
        paths_q(paths, node_field="person__node"), whole.days("day")
    ).aggregate(**aggregates)


def _band_figures(paths: list[str], windows: list[_Window], whole: _Window) -> list[dict[str, Any]]:
    """Meals served by band name (the same name at two points is one band), youngest first."""
    aggregates = {f"m{i}": Count("pk", filter=w.days("day")) for i, w in enumerate(windows)}
    rows = (
        MealOrder.objects.filter(
            paths_q(paths, node_field="person__node"), whole.days("day"), SERVED
        )
        .values("band_name")
        .annotate(age=Min("band__min_age"), **aggregates)
        .order_by("age", "band_name")
    )
    return [dict(row) for row in rows]


def _card_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        when = w.instants("issued_at")
        aggregates[f"issued{i}"] = Count("pk", filter=when & Q(replaces__isnull=True))
        aggregates[f"reissued{i}"] = Count("pk", filter=when & Q(replaces__isnull=False))
    return Card.objects.filter(
        paths_q(paths, node_field="household__node"), whole.instants("issued_at")
    ).aggregate(**aggregates)


def _use_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        when = w.months("month")
        aggregates |= {
            f"uses{i}": Count("pk", filter=when),
            f"cards{i}": Count("series", distinct=True, filter=when),
            f"amount{i}": Sum("amount", filter=when),
            f"discount{i}": Sum("discount", filter=when),
            f"paid{i}": Sum("paid", filter=when),
        }
    return Redemption.objects.filter(
        paths_q(paths, node_field="card__household__node"), whole.months("month")
    ).aggregate(**aggregates)


def _orphans() -> Any:
    return CareMark.objects.filter(kind=CareKind.FACT_ORPHAN).values("person_id")


def _visit_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    orphan = Q(person__in=_orphans())
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        when = w.instants("visited_at")
        aggregates |= {
            f"visits{i}": Count("pk", filter=when),
            f"people{i}": Count("person", distinct=True, filter=when),
            f"orphan_visits{i}": Count("pk", filter=when & orphan),
            f"orphans{i}": Count("person", distinct=True, filter=when & orphan),
            f"needs{i}": Count("pk", filter=when & Q(raised_need__isnull=False)),
        }
        for finding in Finding:
            aggregates[f"f_{finding.value}{i}"] = Count("pk", filter=when & Q(finding=finding))
    return CareVisit.objects.filter(
        paths_q(paths, node_field="person__node"), whole.instants("visited_at")
    ).aggregate(**aggregates)


def _register_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        alive = _on_register("", w)
        aggregates[f"registered{i}"] = Count("pk", filter=alive)
        aggregates[f"alone{i}"] = Count("pk", filter=alive & Q(lives_alone=True))
        for age in AGES:
            aggregates[f"aged{age}_{i}"] = Count(
                "pk", filter=alive & Q(birth_date__lte=born_by(w.end, age))
            )
    return CaredPerson.objects.filter(
        paths_q(paths, node_field="node"), created_at__lt=whole.until
    ).aggregate(**aggregates)


def _kind_figures(paths: list[str], windows: list[_Window], whole: _Window) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for i, w in enumerate(windows):
        alive = _on_register("person__", w)
        for kind in CareKind:
            aggregates[f"{kind.value}{i}"] = Count("pk", filter=alive & Q(kind=kind))
    return CareMark.objects.filter(
        paths_q(paths, node_field="person__node"), person__created_at__lt=whole.until
    ).aggregate(**aggregates)


def _money(value: Any) -> Decimal:
    """A sum of yuan to the fen (SQLite adds decimals as REAL: 0.10 + 0.20 reads back as
    0.30000000000000004)."""
    return Decimal(value or 0).quantize(CENT)


def figures_of_periods(
    *, paths: list[str], periods: Sequence[tuple[dt.date, dt.date]]
) -> list[CareFigures]:
    """The figures of each period (local dates, inclusive; whole months, see above) for the
    subtrees of `paths`, in seven queries for all of them."""
    if any(end < start for start, end in periods):
        raise ValueError("A period ends before it starts.")
    if not periods or not paths:
        return [CareFigures() for _ in periods]
    windows = [_Window(start, end) for start, end in periods]
    whole = _Window(min(w.start for w in windows), max(w.end for w in windows))
    meals = _meal_figures(paths, windows, whole)
    bands = _band_figures(paths, windows, whole)
    cards = _card_figures(paths, windows, whole)
    uses = _use_figures(paths, windows, whole)
    visits = _visit_figures(paths, windows, whole)
    register = _register_figures(paths, windows, whole)
    kinds = _kind_figures(paths, windows, whole)
    return [
        CareFigures(
            orders=meals[f"orders{i}"] or 0,
            cancelled=meals[f"cancelled{i}"] or 0,
            meals=meals[f"meals{i}"] or 0,
            meals_by_band=tuple((row["band_name"], row[f"m{i}"]) for row in bands if row[f"m{i}"]),
            free_meals=meals[f"free{i}"] or 0,
            special_dishes=meals[f"special{i}"] or 0,
            meals_paid=_money(meals[f"paid{i}"]),
            diners=meals[f"diners{i}"] or 0,
            delivered=meals[f"delivered{i}"] or 0,
            not_home=meals[f"not_home{i}"] or 0,
            people_delivered=meals[f"people_delivered{i}"] or 0,
            welfare_checks=meals[f"welfare{i}"] or 0,
            cards_issued=cards[f"issued{i}"] or 0,
            cards_reissued=cards[f"reissued{i}"] or 0,
            cards_used=uses[f"cards{i}"] or 0,
            uses=uses[f"uses{i}"] or 0,
            amount=_money(uses[f"amount{i}"]),
            discount=_money(uses[f"discount{i}"]),
            card_paid=_money(uses[f"paid{i}"]),
            visits=visits[f"visits{i}"] or 0,
            visits_by_finding=tuple((f.value, visits[f"f_{f.value}{i}"] or 0) for f in Finding),
            people_visited=visits[f"people{i}"] or 0,
            orphan_visits=visits[f"orphan_visits{i}"] or 0,
            orphans_visited=visits[f"orphans{i}"] or 0,
            visit_needs=visits[f"needs{i}"] or 0,
            registered=register[f"registered{i}"] or 0,
            by_kind=tuple((k.value, kinds[f"{k.value}{i}"] or 0) for k in CareKind),
            aged_60=register[f"aged60_{i}"] or 0,
            aged_80=register[f"aged80_{i}"] or 0,
            living_alone=register[f"alone{i}"] or 0,
        )
        for i in range(len(windows))
    ]


def care_figures(*, paths: list[str], start: dt.date, end: dt.date) -> CareFigures:
    """The figures of the subtrees of `paths` from `start` to `end` (local dates, inclusive)."""
    return figures_of_periods(paths=paths, periods=[(start, end)])[0]


def care_month(*, paths: list[str], year: int, month: int) -> CareFigures:
    """One month's figures (the monthly report's)."""
    start, end = month_period(year, month)
    return care_figures(paths=paths, start=start, end=end)


def care_months(
    *, paths: list[str], year: int
) -> tuple[list[tuple[dt.date, CareFigures]], CareFigures]:
    """Each month of `year` (its first day) with its figures, January first, and the whole
    year's (people counted once however many months they were served in; the register as at
    the year's end): thirteen periods in the same seven queries."""
    periods = year_months(year)
    found = figures_of_periods(
        paths=paths, periods=[*periods, (dt.date(year, 1, 1), dt.date(year, 12, 31))]
    )
    months = [(start, figures) for (start, _end), figures in zip(periods, found[:-1], strict=True)]
    return months, found[-1]


# --- Report sentences ---------------------------------------------------------------------------


def number(value: int) -> str:
    return f"{value:,}"


def money(value: Decimal) -> str:
    """Yuan as people write them: 12,400 or 12,400.50."""
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def care_parts(figures: CareFigures, language: str) -> list[str]:
    """The sentences about care, each whole with its full stop, in `language` (from the
    translation catalogue): meals and deliveries, cards, visits, the register. Always
    written, zeros included."""
    f = figures
    with translation.override(language):
        parts = [
            ngettext(
                "The meal points served %(meals)s meal to %(diners)s people (%(free)s free, "
                "¥%(paid)s paid); %(delivered)s were delivered to %(delivered_people)s people.",
                "The meal points served %(meals)s meals to %(diners)s people (%(free)s free, "
                "¥%(paid)s paid); %(delivered)s were delivered to %(delivered_people)s people.",
                f.meals,
            )
            % {
                "meals": number(f.meals),
                "diners": number(f.diners),
                "free": number(f.free_meals),
                "paid": money(f.meals_paid),
                "delivered": number(f.delivered),
                "delivered_people": number(f.people_delivered),
            },
        ]
        if f.not_home:
            parts.append(
                ngettext(
                    "Nobody answered at %(not_home)s delivery; %(checks)s welfare checks were "
                    "raised.",
                    "Nobody answered at %(not_home)s deliveries; %(checks)s welfare checks were "
                    "raised.",
                    f.not_home,
                )
                % {"not_home": number(f.not_home), "checks": number(f.welfare_checks)}
            )
        parts += [
            ngettext(
                "Assistance cards were used %(uses)s time for ¥%(amount)s of goods "
                "(¥%(discount)s off) on %(cards)s cards; %(issued)s new cards were issued.",
                "Assistance cards were used %(uses)s times for ¥%(amount)s of goods "
                "(¥%(discount)s off) on %(cards)s cards; %(issued)s new cards were issued.",
                f.uses,
            )
            % {
                "uses": number(f.uses),
                "amount": money(f.amount),
                "discount": money(f.discount),
                "cards": number(f.cards_used),
                "issued": number(f.cards_issued),
            },
            ngettext(
                "Grid workers made %(visits)s care visit to %(people)s people, %(orphan_visits)s "
                "of them to fact orphans; %(needs)s needs were raised from what they found.",
                "Grid workers made %(visits)s care visits to %(people)s people, "
                "%(orphan_visits)s of them to fact orphans; %(needs)s needs were raised from "
                "what they found.",
                f.visits,
            )
            % {
                "visits": number(f.visits),
                "people": number(f.people_visited),
                "orphan_visits": number(f.orphan_visits),
                "needs": number(f.visit_needs),
            },
            ngettext(
                "The care register holds %(people)s person: %(aged_60)s aged 60 and over, "
                "%(aged_80)s aged 80 and over, %(alone)s living alone.",
                "The care register holds %(people)s people: %(aged_60)s aged 60 and over, "
                "%(aged_80)s aged 80 and over, %(alone)s living alone.",
                f.registered,
            )
            % {
                "people": number(f.registered),
                "aged_60": number(f.aged_60),
                "aged_80": number(f.aged_80),
                "alone": number(f.living_alone),
            },
        ]
    return parts


def care_sentence(figures: CareFigures, language: str) -> str:
    """The sentences as one paragraph: Chinese runs its sentences on, English and Mongolian
    put a space between them."""
    separator = " " if english(language) or mongolian(language) else ""
    return separator.join(care_parts(figures, language))


# --- Ledgers' rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealRow:
    point: str
    day: dt.date
    orders: int
    meals: int
    bands: dict[str, int]
    free: int
    delivered: int
    not_home: int
    paid: Decimal


def meal_rows(*, paths: list[str], start: dt.date, end: dt.date) -> tuple[list[str], list[MealRow]]:
    """The meals ledger: per meal point and day, the orders of people of the subtrees, meals
    served by band, free, delivered, not home and paid; with the bands' names (youngest
    first), the ledger's columns. One query."""
    window = _Window(start, end)
    rows = (
        MealOrder.objects.filter(
            paths_q(paths, node_field="person__node"), window.days("day"), LIVE
        )
        .values("point_id", "point__name", "point__name_en", "point__name_mn", "day", "band_name")
        .annotate(
            age=Min("band__min_age"),
            orders=Count("pk"),
            meals=Count("pk", filter=SERVED),
            free=Count("pk", filter=SERVED & Q(free=True)),
            paid=Sum("price", filter=SERVED),
            delivered=Count("pk", filter=Q(delivery__state=DeliveryState.DELIVERED)),
            not_home=Count("pk", filter=Q(delivery__state=DeliveryState.NOT_HOME)),
        )
        .order_by("point__name", "point_id", "day", "band_name")
    )
    ages: dict[str, int] = {}
    table: dict[tuple[int, dt.date], dict[str, Any]] = {}
    for r in rows:
        ages[r["band_name"]] = min(r["age"], ages.get(r["band_name"], r["age"]))
        key = (r["point_id"], r["day"])
        row = table.setdefault(
            key,
            {
                "point": localised(
                    r["point__name"], r["point__name_en"], name_mn=r["point__name_mn"]
                ),
                "day": r["day"],
                "orders": 0,
                "meals": 0,
                "bands": {},
                "free": 0,
                "delivered": 0,
                "not_home": 0,
                "paid": Decimal(0),
            },
        )
        for name in ("orders", "meals", "free", "delivered", "not_home"):
            row[name] += r[name]
        row["paid"] += _money(r["paid"])
        if r["meals"]:
            row["bands"][r["band_name"]] = row["bands"].get(r["band_name"], 0) + r["meals"]
    bands = sorted(ages, key=lambda name: (ages[name], name))
    return bands, [MealRow(**row) for row in table.values()]


@dataclass(frozen=True)
class CardRow:
    month: dt.date
    shop: str
    place: str
    uses: int
    cards: int
    amount: Decimal
    discount: Decimal
    paid: Decimal


def card_rows(*, paths: list[str], start: dt.date, end: dt.date) -> list[CardRow]:
    """The cards ledger: per shop and month, the redemptions of cards of households of the
    subtrees (uses, cards used, list amount, discount, paid). One query, no personal data."""
    window = _Window(start, end)
    rows = (
        Redemption.objects.filter(
            paths_q(paths, node_field="card__household__node"), window.months("month")
        )
        .values(
            "month",
            "shop_id",
            "shop__name",
            "shop__name_mn",
            "shop__node__name",
            "shop__node__name_en",
        )
        .annotate(
            uses=Count("pk"),
            cards=Count("series", distinct=True),
            amount=Sum("amount"),
            discount=Sum("discount"),
            paid=Sum("paid"),
        )
        .order_by("month", "shop__name", "shop_id")
    )
    return [
        CardRow(
            month=r["month"],
            shop=localised(r["shop__name"], None, name_mn=r["shop__name_mn"]),
            place=localised(r["shop__node__name"], r["shop__node__name_en"]),
            uses=r["uses"],
            cards=r["cards"],
            amount=_money(r["amount"]),
            discount=_money(r["discount"]),
            paid=_money(r["paid"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class VisitRow:
    name: str  # masked unless the reader may read it in full
    place: str
    kinds: str
    visits: int
    last_visit: dt.date | None
    last_finding: str
    needs: int
    every_days: int | None  # the active plan's, if any


def visit_rows(
    *, paths: list[str], start: dt.date, end: dt.date, full_paths: list[str] | None
) -> tuple[list[VisitRow], int]:
    """The visits ledger: per person of the subtrees visited in the period or holding an
    active visiting plan, their visits, the last one and what it found, the needs raised, the
    plan's frequency. Names are in full only for people under `full_paths`
    (`needs.reveal.phone_paths`: None is everywhere), else masked. Returns the rows and how
    many names were written in full (the view logs a reveal when any was). Two queries."""
    window = _Window(start, end)
    visits_in = CareVisit.objects.filter(window.instants("visited_at"))
    last = visits_in.filter(person=OuterRef("pk")).order_by("-visited_at", "-id")
    plan = VisitPlan.objects.filter(person=OuterRef("pk"), active=True).order_by("-id")
    when = window.instants("visits__visited_at")
    people = (
        CaredPerson.objects.filter(paths_q(paths, node_field="node"))
        .filter(
            Exists(visits_in.filter(person=OuterRef("pk")))
            | Exists(VisitPlan.objects.filter(person=OuterRef("pk"), active=True))
        )
        .annotate(
            n_visits=Count("visits", filter=when),
            n_needs=Count("visits", filter=when & Q(visits__raised_need__isnull=False)),
            last_at=Max("visits__visited_at", filter=when),
            last_finding=Subquery(last.values("finding")[:1]),
            every=Subquery(plan.values("every_days")[:1]),
        )
        .order_by("node__path", "name", "id")
        .values_list(
            "pk",
            "name",
            "node__path",
            "node__name",
            "node__name_en",
            "n_visits",
            "n_needs",
            "last_at",
            "last_finding",
            "every",
        )
    )
    found = list(people)
    marks: dict[int, list[str]] = {}
    labels = {k.value: str(k.label) for k in CareKind}
    for person_id, kind in CareMark.objects.filter(
        person_id__in=[row[0] for row in found]
    ).values_list("person_id", "kind"):
        marks.setdefault(person_id, []).append(labels.get(kind, kind))
    findings = {f.value: str(f.label) for f in Finding}
    rows: list[VisitRow] = []
    revealed = 0
    for pk, name, path, place, place_en, n, needs, last_at, finding, every in found:
        full = within_paths(full_paths, path)
        revealed += bool(full and name)
        rows.append(
            VisitRow(
                name=name if full else mask_name(name),
                place=localised(place, place_en),
                kinds="、".join(sorted(marks.get(pk, []))),
                visits=n,
                last_visit=timezone.localdate(last_at) if last_at else None,
                last_finding=findings.get(finding, "") if finding else "",
                needs=needs,
                every_days=every,
            )
        )
    return rows, revealed
