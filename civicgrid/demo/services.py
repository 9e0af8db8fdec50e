"""The demo's services close to home: Qingyuan's convenience workshop (青享+便民工坊) with its
catalogue and a year of appointments in every mode, 张大娘's watch, shoes and zip among them;
rooms at Qingyuan and in Shanba (function rooms, the 公益书吧's study seats, the 300 m²
rehearsal hall of the 陕坝舞台, a stage) with their bookings, some held by the volunteers'
activities; and Shanba's stations with their duty rota (坐班值班). Deterministic from the seed.

The past is written as the state machines would have written it (rows in their final state
and their `ServiceEvent` timelines, numbered from 1, in a few bulk inserts); it is generated
slot by slot, so no two holding bookings of a seat or a room overlap (the database would refuse
them: migration 0002). What is coming in the next two weeks is booked through
`bookings.booking_book` as a resident would, and partly confirmed by the provider.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicgrid.core.errors import DomainError
from civicgrid.demo.mongolian import MVS, NNBSP
from civicgrid.demo.names import REGION_RANGE, NameMaker
from civicgrid.demo.places import SHANBA_CODE
from civicgrid.needs.models import CalendarDay
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
)
from civicgrid.services import bookings, events
from civicgrid.services.models import (
    Booking,
    BookingState,
    DutyChange,
    DutyChangeKind,
    DutyShift,
    Mode,
    OpeningHours,
    Room,
    RoomBooking,
    RoomBookingState,
    RoomKind,
    Service,
    ServiceEvent,
    ServiceKind,
    Station,
    WhoMayBook,
)
from civicgrid.services.rooms import REQUEST, Requested
from civicgrid.volunteers.models import Activity, ActivityState

SEED = 2024  # any fixed number: the same services on every build and every database

QINGYUAN = "150204001001"
WORKSHOP = "青享+便民工坊"
TUANJIE = f"{SHANBA_CODE}001"  # the demo community staff's community; its 公益书吧
HUAYUAN = f"{SHANBA_CODE}002"  # the 陕坝舞台 rehearsal hall, third floor of its center
AUNT_ZHANG = ("张大娘", "19908000200")


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


# --- The catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One service of the workshop: its provider organisation is `青享+便民工坊·<short>`."""

    short: str
    name_en: str
    name_mn: str
    kind: str
    price: str
    price_note: str
    description: str
    duration: int
    capacity: int = 1
    at_workshop: bool = True
    door: bool = False
    evenings: tuple[int, ...] = ()  # weekdays with an after-hours window 18:30–20:00
    saturday: bool = False
    per_day: float = 0.2  # mean bookings per open day (Poisson)
    door_share: float = 0.0
    works: tuple[str, ...] = ()  # what a done booking records
    prices: tuple[str, ...] = ()  # prices paid (empty: the service's price, or free)


# The Mongolian names are drafts in the manner of mongolian.py, for a native reviewer.
OFFERS: tuple[Offer, ...] = (
    Offer(
        "一元理发", "One-yuan haircut", f"ᠨᠢᠭᠡ ᠶᠤᠸᠠᠨ{NNBSP}ᠤ ᠦᠰᠦ ᠵᠠᠰᠠᠯ",
        ServiceKind.HAIRCUT, "1.00", "", "两把椅子，老人卧床可上门理发",
        duration=20, capacity=2, door=True, evenings=(1, 3), saturday=True,
        per_day=0.55, door_share=0.08,
        works=("剪短了，修了鬓角", "理了平头", "洗剪吹", "给老人剃了头", "修了刘海"),
    ),
    Offer(
        "家电维修", "Appliance repair", f"ᠴᠠᠬᠢᠯᠭᠠᠨ ᠪᠠᠷᠠᠭ{MVS}ᠠ ᠵᠠᠰᠠᠪᠤᠷᠢ",
        ServiceKind.APPLIANCES, "10.00", "上门不加价，配件按成本价",
        "小家电、电视、洗衣机、手表换电池",
        duration=60, door=True, evenings=(0, 2), per_day=0.22, door_share=0.35,
        works=("电饭煲换了温控器", "洗衣机排水泵清理好了", "电视电源板换了电容",
               "换了手表电池", "换了表带", "电风扇换了电机电容", "热水器换了加热棒"),
        prices=("10.00", "15.00", "25.00", "35.00", "60.00"),
    ),
    Offer(
        "社区团购", "Community group buying", "ᠬᠠᠮᠲᠤ ᠬᠤᠳᠠᠯᠳᠤᠨ ᠠᠪᠤᠯᠲᠠ",
        ServiceKind.GROUP_BUYING, "0.00", "", "每周团购蔬菜、米面油，到工坊自提",
        duration=15, capacity=3, per_day=0.18,
        works=("取走了团购的米面油", "取了一箱蔬菜", "取了团购的鸡蛋和牛奶"),
    ),
    Offer(
        "开锁配钥匙", "Locks and keys", "ᠣᠨᠢᠰᠤ ᠨᠡᠭᠡᠭᠡᠬᠦ ᠲᠦᠯᠬᠢᠭᠦᠷ ᠬᠢᠬᠦ",
        ServiceKind.KEYS, "5.00", "配钥匙每把5元，开锁另议", "配钥匙、换锁芯，上门开锁需核实身份",
        duration=30, door=True, saturday=True, per_day=0.1, door_share=0.4,
        works=("配了两把单元门钥匙", "换了防盗门锁芯", "上门开了锁，核实了身份", "配了一把车钥匙"),
        prices=("5.00", "10.00", "40.00", "80.00"),
    ),
    Offer(
        "便民裁缝", "Tailoring and mending", f"ᠠᠷᠠᠳ{NNBSP}ᠤᠨ ᠳᠦᠬᠦᠮ ᠣᠶᠣᠳᠠᠯ",
        ServiceKind.TAILORING, "8.00", "改裤边每条8元", "改裤边、缝补、换拉链，裁缝邢云海师傅",
        duration=30, evenings=(2, 4), saturday=True, per_day=0.22,
        works=("改了裤边", "裤腰收了两公分", "缝补了袖口", "窗帘锁了边", "校服改短了"),
        prices=("8.00", "8.00", "10.00", "15.00"),
    ),
    Offer(
        "自行车维修", "Bicycle repair", "ᠳᠤᠭᠤᠢ ᠵᠠᠰᠠᠪᠤᠷᠢ",
        ServiceKind.BICYCLES, "3.00", "补胎3元，配件另计", "补胎、换刹车线、调链条，电动车简单维修",
        duration=30, evenings=(1,), saturday=True, per_day=0.12,
        works=("补了后胎", "换了刹车线", "调了链条，上了油", "换了内胎"),
        prices=("3.00", "5.00", "12.00", "20.00"),
    ),
    Offer(
        "疏通下水管道", "Drain unclogging", f"ᠪᠣᠬᠢᠷ ᠤᠰᠤ{NNBSP}ᠶᠢᠨ ᠬᠣᠭᠣᠯᠠᠢ ᠨᠡᠪᠲᠡᠷᠡᠭᠦᠯᠬᠦ",
        ServiceKind.DRAINS, "30.00", "每次30元", "厨房、卫生间下水道上门疏通",
        duration=60, at_workshop=False, door=True, per_day=0.08, door_share=1.0,
        works=("疏通了厨房下水", "卫生间地漏疏通好了", "清了下水管里的油污"),
    ),
    Offer(
        "修鞋换拉锁", "Shoes and zips", "ᠭᠣᠲᠤᠯ ᠵᠠᠰᠠᠬᠤ ᠴᠠᠬᠢᠯᠭᠠᠨ ᠲᠣᠪᠴᠢ ᠰᠣᠯᠢᠬᠤ",
        ServiceKind.SHOES, "10.00", "换拉锁15元起", "修鞋、钉掌、换拉锁",
        duration=30, saturday=True, per_day=0.15,
        works=("鞋底粘好了", "钉了鞋掌", "换了外套拉链", "书包换了拉锁头", "皮鞋缝了线"),
        prices=("10.00", "15.00", "20.00"),
    ),
)  # fmt: skip

_AFTER_HOURS = (_t("18:30"), _t("20:00"))


@dataclass
class Built:
    services: int = 0
    bookings: int = 0
    upcoming: int = 0
    rooms: int = 0
    room_bookings: int = 0
    stations: int = 0
    shifts: int = 0
    states: dict[str, int] = field(default_factory=dict)


@dataclass
class _Workshop:
    service: Service
    offer: Offer
    hours: list[OpeningHours]
    master: Person | None  # the provider who confirms and records (a member of the org)


# --- The timeline in bulk ---------------------------------------------------------------------


class _Log:
    """Events of rows written in bulk: kept per record, numbered and written after the rows."""

    def __init__(self) -> None:
        self.items: list[tuple[Booking | RoomBooking, list[dict[str, Any]]]] = []

    def record(self, row: Booking | RoomBooking, entries: list[dict[str, Any]]) -> None:
        self.items.append((row, sorted(entries, key=lambda e: e["created_at"])))

    def write(self) -> int:
        rows = []
        for record, entries in self.items:
            link = "booking" if isinstance(record, Booking) else "room_booking"
            for seq, entry in enumerate(entries, start=1):
                rows.append(ServiceEvent(**{link: record}, seq=seq, **entry))
        ServiceEvent.objects.bulk_create(rows, batch_size=500)
        return len(rows)


def _event(
    action: str,
    at: dt.datetime,
    *,
    actor: Person | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: events.EventData | None = None,
) -> dict[str, Any]:
    return {
        "action": action,
        "created_at": at,
        "actor": actor,
        "from_state": from_state,
        "to_state": to_state,
        "note": note[:300],
        "data": (data or events.Plain()).to_data(),
    }


# --- The build ------------------------------------------------------------------------------


class _Year:
    def __init__(self, *, seed: int, end: dt.datetime, days: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.names = NameMaker(random.Random(seed + 1))
        self.end = end
        self.start = end - dt.timedelta(days=days)
        self.built = Built()
        self.log = _Log()
        today = timezone.localtime(end).date()
        self.overrides = dict(
            CalendarDay.objects.filter(
                date__range=(today - dt.timedelta(days=days + 1), today + dt.timedelta(days=60))
            ).values_list("date", "is_working")
        )

    def working(self, day: dt.date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())

    def days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        day = first
        while day <= last:
            yield day
            day += dt.timedelta(days=1)

    def poisson(self, mean: float) -> int:
        return _poisson(self.rng, mean)

    def phone(self) -> str:
        return f"1990{self.rng.randrange(8_000_000, 9_000_000):07d}"

    def minutes(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.randint(low, high))


def _staff_at(code: str, role: str = Role.COMMUNITY_STAFF) -> list[Person]:
    return list(
        Person.objects.filter(roles__role=role, roles__node__code=code)
        .order_by("mobile", "pk")
        .distinct()
    )


def build_services(*, seed: int = SEED, days: int = 365, end: dt.datetime | None = None) -> Built:
    """Build the services close to home (precondition: the demo region exists; the volunteers'
    activities, when built before, hold some of the rooms). Without Qingyuan nothing is built."""
    end = (end or timezone.now()).replace(microsecond=0)
    qingyuan = Node.objects.filter(code=QINGYUAN).first()
    if qingyuan is None:
        return Built()
    year = _Year(seed=seed, end=end, days=days)
    shops = _catalogue(year, qingyuan)
    _appointments(year, qingyuan, shops)
    _rooms(year)
    year.log.write()
    _upcoming(year, shops)
    _stations(year)
    built = year.built
    built.services = len(shops)
    built.bookings = Booking.objects.filter(service__node=qingyuan).count()
    built.states = {
        state: Booking.objects.filter(service__node=qingyuan, state=state).count()
        for state in BookingState.values
    }
    return built


# --- The catalogue --------------------------------------------------------------------------


def _tailor(year: _Year, qingyuan: Node, org: Organisation) -> Person:
    """邢云海, the workshop's tailor: a provider at Qingyuan and a member of its tailoring
    (providers other than the demo login do not log in, as in region.py)."""
    rng = random.Random(year.seed + 7)
    while True:
        mobile = str(rng.randint(*REGION_RANGE))
        if not Person.objects.filter(mobile=mobile).exists():
            break
    tailor = Person(name="邢云海", mobile=mobile)
    tailor.set_unusable_password()
    tailor.save()
    RoleBinding.objects.create(person=tailor, role=Role.PROVIDER, node=qingyuan)
    Membership.objects.create(organisation=org, person=tailor, title="裁缝师傅")
    return tailor


def _catalogue(year: _Year, qingyuan: Node) -> list[_Workshop]:
    orgs = {o.name: o for o in Organisation.objects.filter(kind=OrgKind.PROVIDER, node=qingyuan)}
    shops: list[_Workshop] = []
    for offer in OFFERS:
        org = orgs.get(f"{WORKSHOP}·{offer.short}")
        if org is None:
            continue
        if offer.kind == ServiceKind.TAILORING:
            master: Person | None = _tailor(year, qingyuan, org)
        else:
            first = Membership.objects.filter(organisation=org).order_by("pk").first()
            master = first.person if first else None
        service = Service(
            name=offer.short,
            name_en=offer.name_en,
            name_mn=offer.name_mn,
            kind=offer.kind,
            description=offer.description,
            provider_org=org,
            node=qingyuan,
            # The workshop in the community's party-mass service center.
            lat=round((qingyuan.lat or 0) + 0.0004, 6) if qingyuan.lat is not None else None,
            lon=round((qingyuan.lon or 0) - 0.0003, 6) if qingyuan.lon is not None else None,
            price=Decimal(offer.price),
            price_note=offer.price_note,
            at_workshop=offer.at_workshop,
            door_to_door=offer.door,
            door_area=qingyuan if offer.door else None,
            after_hours=bool(offer.evenings),
            by_appointment=True,
            duration_minutes=offer.duration,
            capacity=offer.capacity,
        )
        shops.append(_Workshop(service, offer, [], master))
    Service.objects.bulk_create([s.service for s in shops])
    hours = []
    for shop in shops:
        rows = [
            OpeningHours(service=shop.service, starts=_t("09:00"), ends=_t("11:30")),
            OpeningHours(service=shop.service, starts=_t("14:00"), ends=_t("17:30")),
        ]
        if shop.offer.saturday:
            rows.append(
                OpeningHours(service=shop.service, weekday=5, starts=_t("09:00"), ends=_t("11:30"))
            )
        for weekday in shop.offer.evenings:
            rows.append(
                OpeningHours(
                    service=shop.service,
                    weekday=weekday,
                    starts=_AFTER_HOURS[0],
                    ends=_AFTER_HOURS[1],
                    after_hours=True,
                )
            )
        shop.hours = rows
        hours += rows
    OpeningHours.objects.bulk_create(hours)
    return shops


def _slots(
    year: _Year, shop: _Workshop, day: dt.date
) -> list[tuple[dt.datetime, dt.datetime, bool]]:
    """The day's slots as `slots.slots_on` cuts them, without the ones an overlapping window
    (a make-up Saturday's two mornings) would repeat."""
    working = year.working(day)
    length = dt.timedelta(minutes=shop.service.duration_minutes)
    out: list[tuple[dt.datetime, dt.datetime, bool]] = []
    windows = sorted(
        (year.at(day, row.starts), year.at(day, row.ends), row.after_hours)
        for row in shop.hours
        if (row.weekday is None and working) or row.weekday == day.weekday()
    )
    last_end: dt.datetime | None = None
    for start, end, late in windows:
        at = start
        while at + length <= end:
            if last_end is None or at >= last_end:
                out.append((at, at + length, late))
                last_end = at + length
            at += length
    return out


# --- A year of appointments -----------------------------------------------------------------


@dataclass(frozen=True)
class _Resident:
    name: str
    phone: str
    address: str
    grid: Node


def _residents(year: _Year, qingyuan: Node) -> list[_Resident]:
    """Qingyuan's residents who use the workshop: regulars, each with a home in one of its
    estates' buildings (青园小区, 钢城家园)."""
    units = list(
        Node.objects.filter(path__startswith=qingyuan.path, kind=NodeKind.UNIT)
        .select_related("parent")
        .order_by("code")
    )
    people = []
    for _i in range(160):
        unit = year.rng.choice(units)
        address = _address(year.rng, unit)
        grid = unit.parent or qingyuan
        people.append(_Resident(year.names.name(0.05), year.phone(), address, grid))
    return people


_CANCEL_RESIDENT = ("临时有事，改天再来", "家里来客人了", "孩子病了，去不了", "")
_CANCEL_PROVIDER = "师傅临时有事，已电话约了改期"
_COMMENTS = ("师傅手艺好", "又快又便宜", "很方便，楼下就能办", "态度很好", "")
_COMMENTS_3 = ("等的时间有点长", "还行，下次早点来")


def _appointments(year: _Year, qingyuan: Node, shops: list[_Workshop]) -> None:
    rng = year.rng
    residents = _residents(year, qingyuan)
    staff = _staff_at(QINGYUAN)
    clerk = staff[0] if staff else None
    rows: list[tuple[Booking, list[dict[str, Any]]]] = []
    taken: set[tuple[int, int, dt.datetime]] = set()
    for booking, entries in _aunt_zhang(year, shops, clerk):
        taken.add((booking.service_id, booking.seat, booking.starts_at))
        rows.append((booking, entries))
    first = year.start.date() + dt.timedelta(days=1)
    for day in year.days(first, timezone.localtime(year.end).date()):
        season = 1.6 if day.month in (4, 5, 6, 7, 8, 9) else 0.5 if day.month in (12, 1, 2) else 1
        for shop in shops:
            slots = [
                s for s in _slots(year, shop, day) if s[1] <= year.end - dt.timedelta(minutes=5)
            ]
            if not slots:
                continue
            mean = shop.offer.per_day * (season if shop.offer.kind == ServiceKind.BICYCLES else 1)
            if not year.working(day):
                mean *= 0.8
            chosen: list[tuple[dt.datetime, dt.datetime, bool, int]] = []
            for late in (False, True):
                free = [
                    (start, end, is_late, seat)
                    for start, end, is_late in slots
                    if is_late == late
                    for seat in range(1, shop.service.capacity + 1)
                    if (shop.service.pk, seat, start) not in taken
                ]
                count = min(year.poisson(0.25 if late else mean), len(free))
                chosen += rng.sample(free, count)
            for start, end, late, seat in sorted(chosen):
                resident = rng.choice(residents)
                rows.append(_past(year, shop, seat, start, end, late, resident, clerk))
    made = Booking.objects.bulk_create([b for b, _e in rows], batch_size=500)
    for booking, (_b, entries) in zip(made, rows, strict=True):
        year.log.record(booking, entries)


def _mode(rng: random.Random, shop: _Workshop, late: bool, door_at_least: float = 0) -> str:
    """How a booking in a slot is given: a slot after the working day is 延时办."""
    if late:
        return Mode.AFTER_HOURS
    offer = shop.offer
    if offer.door and rng.random() < max(offer.door_share, door_at_least):
        return Mode.DOOR
    if offer.at_workshop and rng.random() < 0.6:
        return Mode.WORKSHOP
    return Mode.APPOINTMENT


def _address(rng: random.Random, unit: Node) -> str:
    """A flat in one of the estate's buildings: "青园小区3号楼2单元501室"."""
    return f"{unit.name}{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 2)}室"


def _paid(year: _Year, shop: _Workshop) -> Decimal | None:
    if shop.service.price == 0:
        return None
    return Decimal(year.rng.choice(shop.offer.prices or (shop.offer.price,)))


def _past(
    year: _Year,
    shop: _Workshop,
    seat: int,
    start: dt.datetime,
    end: dt.datetime,
    late: bool,
    resident: _Resident,
    clerk: Person | None,
) -> tuple[Booking, list[dict[str, Any]]]:
    """One appointment that has happened, in its final state, with its timeline."""
    rng = year.rng
    service, master = shop.service, shop.master
    mode = _mode(year.rng, shop, late)
    on_behalf = clerk is not None and rng.random() < 0.15
    if mode == Mode.WORKSHOP and rng.random() < 0.5:
        created = start - year.minutes(10, 90)  # walked in and took the next slot
    else:
        created = start - year.minutes(60, 5 * 24 * 60)
    fate = rng.choices(
        [BookingState.DONE, BookingState.CANCELLED, BookingState.NO_SHOW], weights=[84, 9, 7]
    )[0]
    booking = Booking(
        service=service,
        seat=seat,
        starts_at=start,
        ends_at=end,
        mode=mode,
        state=fate,
        resident_name=resident.name,
        resident_phone=resident.phone,
        address=resident.address if mode == Mode.DOOR else "",
        node=resident.grid if mode == Mode.DOOR else service.node,
        booked_by=clerk if on_behalf else None,
        created_at=created,
    )
    entries = [
        _event(
            "book",
            created,
            actor=booking.booked_by,
            to_state=BookingState.BOOKED,
            data=events.Booked(
                starts_at=start.isoformat(), mode=mode, seat=seat, on_behalf=on_behalf
            ),
        )
    ]
    state = BookingState.BOOKED
    lead = start - created
    if fate != BookingState.CANCELLED and rng.random() < 0.7:
        confirmed = created + min(year.minutes(5, 180), lead / 2)
        entries.append(
            _event(
                "confirm",
                confirmed,
                actor=master,
                from_state=state,
                to_state=BookingState.CONFIRMED,
            )
        )
        state = BookingState.CONFIRMED
    if fate == BookingState.CANCELLED:
        by_resident = rng.random() < 0.75
        when = created + lead * rng.uniform(0.3, 0.9)
        reason = rng.choice(_CANCEL_RESIDENT) if by_resident else _CANCEL_PROVIDER
        entries.append(
            _event(
                "cancel",
                when,
                actor=None if by_resident else master,
                from_state=state,
                to_state=fate,
                note=reason,
            )
        )
        booking.reason = reason
        closing = when
    elif fate == BookingState.NO_SHOW:
        closing = start + year.minutes(15, 40)
        entries.append(
            _event(
                "no_show",
                closing,
                actor=master,
                from_state=state,
                to_state=fate,
                note="没来，电话也没打通",
            )
        )
    else:
        closing = end + year.minutes(0, 20)
        work = rng.choice(shop.offer.works)
        paid = _paid(year, shop)
        booking.done_note, booking.price_paid, booking.done_at = work, paid, closing
        entries.append(
            _event(
                "done",
                closing,
                actor=master,
                from_state=state,
                to_state=fate,
                note=work,
                data=events.Done(price_paid=str(paid) if paid is not None else None),
            )
        )
        if rng.random() < 0.6:
            rating = rng.choices([5, 4, 3], weights=[70, 24, 6])[0]
            comment = rng.choice(_COMMENTS_3 if rating == 3 else _COMMENTS)
            rated = min(closing + year.minutes(30, 3 * 24 * 60), year.end - dt.timedelta(minutes=1))
            rated = max(rated, closing + dt.timedelta(minutes=1))
            booking.rating, booking.rating_comment = rating, comment
            entries.append(
                _event(
                    "rate",
                    rated,
                    from_state=fate,
                    to_state=fate,
                    note=comment,
                    data=events.Rated(rating=rating),
                )
            )
    remind = start - bookings.REMIND_BEFORE
    if created < remind < closing:
        booking.reminded_at = remind
        entries.append(_event("remind", remind))
    return booking, entries


def _aunt_zhang(
    year: _Year, shops: list[_Workshop], clerk: Person | None
) -> list[tuple[Booking, list[dict[str, Any]]]]:
    """张大娘's watch (a battery, at the appliance repair), her shoes (the sole) and her coat's
    zip, each an appointment the community made for her (代办), done and rated."""
    by_kind = {shop.offer.kind: shop for shop in shops}
    jobs = [
        (ServiceKind.APPLIANCES, 118, "手表不走了，想换块电池", "换了手表电池，表走准了", "15.00",
         "师傅手艺好，表又走了"),
        (ServiceKind.SHOES, 74, "皮鞋鞋底开胶了", "鞋底粘好了，又加了一层掌", "15.00",
         "鞋修得结实"),
        (ServiceKind.SHOES, 37, "外套的拉链坏了，拉不上", "换了新拉链", "15.00",
         "出门一趟全修好，简直太方便了"),
    ]  # fmt: skip
    out = []
    for kind, days_before, need, work, price, comment in jobs:
        shop = by_kind.get(kind)
        if shop is None:
            continue
        day = timezone.localtime(year.end - dt.timedelta(days=days_before)).date()
        while not year.working(day):
            day += dt.timedelta(days=1)
        slots = [s for s in _slots(year, shop, day) if s[0].hour >= 9 and not s[2]]
        if not slots:
            continue
        start, end, _late = slots[1 if len(slots) > 1 else 0]
        created = start - dt.timedelta(days=1, hours=2)
        done = end + dt.timedelta(minutes=10)
        rated = done + dt.timedelta(hours=3)
        booking = Booking(
            service=shop.service,
            seat=1,
            starts_at=start,
            ends_at=end,
            mode=Mode.APPOINTMENT,
            state=BookingState.DONE,
            resident_name=AUNT_ZHANG[0],
            resident_phone=AUNT_ZHANG[1],
            node=shop.service.node,
            note=need,
            booked_by=clerk,
            done_note=work,
            price_paid=Decimal(price),
            rating=5,
            rating_comment=comment,
            reminded_at=start - bookings.REMIND_BEFORE,
            done_at=done,
            created_at=created,
        )
        master = shop.master
        out.append(
            (
                booking,
                [
                    _event(
                        "book",
                        created,
                        actor=clerk,
                        to_state=BookingState.BOOKED,
                        data=events.Booked(
                            starts_at=start.isoformat(),
                            mode=Mode.APPOINTMENT,
                            seat=1,
                            on_behalf=clerk is not None,
                        ),
                    ),
                    _event(
                        "confirm",
                        created + dt.timedelta(minutes=40),
                        actor=master,
                        from_state=BookingState.BOOKED,
                        to_state=BookingState.CONFIRMED,
                    ),
                    _event("remind", start - bookings.REMIND_BEFORE),
                    _event(
                        "done",
                        done,
                        actor=master,
                        from_state=BookingState.CONFIRMED,
                        to_state=BookingState.DONE,
                        note=work,
                        data=events.Done(price_paid=price),
                    ),
                    _event(
                        "rate",
                        rated,
                        from_state=BookingState.DONE,
                        to_state=BookingState.DONE,
                        note=comment,
                        data=events.Rated(rating=5),
                    ),
                ],
            )
        )
    return out


def _upcoming(year: _Year, shops: list[_Workshop]) -> None:
    """The next two weeks, booked as residents book (`booking_book`); the provider has
    confirmed about half, so the phone list of the door-to-door ones has work."""
    rng = random.Random(year.seed + 3)
    names = NameMaker(random.Random(year.seed + 4))
    qingyuan = shops[0].service.node if shops else None
    if qingyuan is None:
        return
    units = list(
        Node.objects.filter(path__startswith=qingyuan.path, kind=NodeKind.UNIT)
        .select_related("parent")
        .order_by("code")
    )
    today = timezone.localtime(year.end).date()
    made = 0
    for day in year.days(today, today + dt.timedelta(days=13)):
        for shop in shops:
            slots = [s for s in _slots(year, shop, day) if s[0] > year.end]
            mean = shop.offer.per_day * (2.5 if day - today < dt.timedelta(days=4) else 1.2)
            for start, _end, late in rng.sample(slots, min(_poisson(rng, mean), len(slots))):
                mode = _mode(rng, shop, late, door_at_least=0.3)
                unit = rng.choice(units)
                address = _address(rng, unit)
                asked = year.end - dt.timedelta(minutes=rng.randint(5, 2 * 24 * 60))
                try:
                    booking = bookings.booking_book(
                        service=shop.service,
                        starts_at=start,
                        mode=mode,
                        resident_name=names.name(0.05),
                        resident_phone=f"1990{rng.randrange(8_000_000, 9_000_000):07d}",
                        by=bookings.RESIDENT,
                        address=address if mode == Mode.DOOR else "",
                        node=unit.parent if mode == Mode.DOOR else None,
                        note=rng.choice(("", "", "老人腿脚不便", "下午都在家")),
                        now=asked,
                    )
                except DomainError:
                    continue  # the slot was taken meanwhile: as a resident would, skip it
                made += 1
                if shop.master is not None and rng.random() < 0.5:
                    bookings.booking_confirm(
                        booking=booking,
                        by=bookings.By(person=shop.master),
                        now=asked + (year.end - asked) * rng.uniform(0.1, 0.9),
                    )
    year.built.upcoming = made


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- Rooms ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomSpec:
    key: str
    code: str
    name: str
    name_en: str
    name_mn: str
    kind: str
    capacity: int
    area: int | None
    equipment: str
    rules: str
    who: str = WhoMayBook.STAFF
    days_ahead: int = 30
    longest: int = 240
    approval: bool = False
    opens: str = "08:00"
    closes: str = "21:00"
    public: bool = False


_ROOM_MN = f"ᠬᠤᠷᠠᠯ{NNBSP}ᠤᠨ ᠲᠠᠰᠤᠭ"  # meeting room
_SEAT_MN = f"ᠨᠡᠶᠢᠲᠡ{NNBSP}ᠶᠢᠨ ᠤᠩᠰᠢᠯᠭ{MVS}ᠠ{NNBSP}ᠶᠢᠨ ᠲᠠᠰᠤᠭ"  # public reading room

ROOMS: tuple[RoomSpec, ...] = (
    RoomSpec(
        "q_meeting", QINGYUAN, "青园社区党群服务中心会议室", "Qingyuan service center meeting room",
        f"ᠴᠢᠩ ᠶᠤᠸᠠᠨ {_ROOM_MN}", RoomKind.FUNCTION, 30, 60, "投影仪、音响、会议桌椅",
        "社区工作人员预约；用后恢复桌椅",
    ),
    RoomSpec(
        "q_activity", QINGYUAN, "青园社区多功能活动室", "Qingyuan activity room",
        f"ᠴᠢᠩ ᠶᠤᠸᠠᠨ ᠦᠢᠯᠡ ᠠᠵᠢᠯᠯᠠᠭ{MVS}ᠠ{NNBSP}ᠶᠢᠨ ᠲᠠᠰᠤᠭ", RoomKind.FUNCTION, 40, 90,
        "钢琴、音响、折叠桌椅、书画桌", "居民团体可预约，需社区审核；活动结束请关灯锁门",
        who=WhoMayBook.RESIDENTS, approval=True, public=True,
    ),
    RoomSpec(
        "q_stage", QINGYUAN, "青园社区广场大舞台", "Qingyuan square stage",
        f"ᠴᠢᠩ ᠶᠤᠸᠠᠨ ᠲᠠᠯᠠᠪᠠᠢ{NNBSP}ᠶᠢᠨ ᠲᠠᠶᠢᠵᠠ", RoomKind.STAGE, 200, 120,
        "露天舞台、音响、灯光", "由社区统一安排；晚间活动20:30前结束",
        days_ahead=60, longest=300, public=True,
    ),
    RoomSpec(
        "t_meeting", TUANJIE, "团结社区党群服务中心会议室", "Tuanjie service center meeting room",
        f"ᠡᠪ ᠨᠢᠭᠡᠳᠦᠯ {_ROOM_MN}", RoomKind.FUNCTION, 24, 50, "投影仪、会议桌椅",
        "社区工作人员预约",
    ),
    *(
        RoomSpec(
            f"t_seat{n}", TUANJIE, f"陕坝悦读·团结社区公益书吧自习座位{n}号",
            f"Tuanjie public reading room, study seat {n}", f"ᠡᠪ ᠨᠢᠭᠡᠳᠦᠯ {_SEAT_MN} {n}",
            RoomKind.READING_SEAT, 1, None, "护眼台灯、小风扇、多孔插座、简易书桌",
            "免费预约，每次最长4小时；保持安静", who=WhoMayBook.RESIDENTS, days_ahead=7,
            opens="08:30", public=True,
        )
        for n in range(1, 5)
    ),
    RoomSpec(
        "h_hall", HUAYUAN, "陕坝舞台·花园社区排练厅", "Shanba Stage rehearsal hall (Huayuan)",
        f"ᠱᠠᠨ ᠪᠠ{NNBSP}ᠶᠢᠨ ᠲᠠᠶᠢᠵᠠ ᠪᠡᠯᠡᠲᠬᠡᠯ{NNBSP}ᠦᠨ ᠲᠠᠩᠬᠢᠮ", RoomKind.HALL, 120, 300,
        "标准舞台、音响、服装、道具、练功镜", "文艺团队和居民可预约，需社区审核；爱护服装道具",
        who=WhoMayBook.RESIDENTS, approval=True, public=True,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Use:
    """A recurring booking: weekly on `weekdays`, or monthly on the first working day from
    `day_of_month`; `by_resident` when a residents' group books it (name and phone)."""

    room: str
    title: str
    organiser: str
    starts: str
    ends: str
    people: int
    weekdays: tuple[int, ...] = ()
    day_of_month: int = 0
    months: tuple[int, ...] = tuple(range(1, 13))
    working_only: bool = True
    by_resident: str = ""


_TERM = (1, 3, 4, 5, 6, 9, 10, 11, 12)

USES: tuple[Use, ...] = (
    Use("q_meeting", "党员活动日", "青园社区党委", "14:30", "16:30", 28, day_of_month=10),
    Use("q_meeting", "网格员例会", "青园社区居委会", "08:30", "09:30", 10, weekdays=(0,)),
    Use("q_meeting", "居民议事会", "青园社区居委会", "15:00", "16:30", 16, day_of_month=25),
    Use("q_activity", "四点半课堂", "青园社区党员志愿者", "16:30", "18:00", 20,
        weekdays=(0, 1, 2, 3, 4), months=_TERM),
    Use("q_activity", "老年合唱团排练", "青园社区老年合唱团", "09:00", "11:00", 25,
        weekdays=(1, 3), by_resident="合唱团李老师"),
    Use("q_activity", "书法兴趣班", "青园社区居委会", "14:30", "16:00", 12, weekdays=(2,)),
    Use("q_stage", "广场舞展演", "青园社区舞蹈队", "19:00", "20:30", 60, day_of_month=15,
        months=(5, 6, 7, 8, 9), working_only=False),
    Use("q_stage", "全民健身操", "青园社区舞蹈队", "09:30", "10:30", 40, weekdays=(5,),
        working_only=False),
    Use("t_meeting", "党员活动日", "团结社区党总支", "09:00", "11:00", 20, day_of_month=8),
    Use("t_meeting", "读书分享会", "团结社区党总支", "15:00", "16:30", 18, day_of_month=20),
    Use("t_meeting", "知识讲座：防范电信诈骗", "团结社区党总支", "14:30", "16:00", 22,
        day_of_month=12),
    Use("h_hall", "彩虹群众文化艺术团排练", "陕坝镇彩虹群众文化艺术团", "15:00", "17:30", 40,
        weekdays=(0, 2, 4), by_resident="王团长"),
    Use("h_hall", "老年合唱团排练", "花园社区老年合唱团", "09:00", "11:00", 30, weekdays=(1,),
        by_resident="合唱团赵老师"),
    Use("h_hall", "广场舞教学", "花园社区舞蹈队", "19:00", "20:30", 50, weekdays=(3,)),
)  # fmt: skip

# Which of the volunteers' activities hold which room: (community, title, room).
HELD_BY_ACTIVITIES: tuple[tuple[str, str, str], ...] = (
    (QINGYUAN, "百家宴", "q_stage"),
    (QINGYUAN, "睦邻节", "q_stage"),
    (QINGYUAN, "家电义务维修", "q_activity"),
    (QINGYUAN, "政策宣讲：医保缴费", "q_activity"),
    (TUANJIE, "帮帮团月度评议会", "t_meeting"),
)

ROOM_PAST_DAYS = 120
ROOM_AHEAD_DAYS = 21
SEAT_PAST_DAYS = 60
_SEAT_BLOCKS = (("08:30", "11:30"), ("14:00", "17:00"), ("18:00", "21:00"))


class _RoomBook:
    """The room bookings of the build, each checked against the room's holding bookings."""

    def __init__(self, year: _Year, rooms: dict[str, Room]) -> None:
        self.year = year
        self.rooms = rooms
        self.held: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {k: [] for k in rooms}
        self.rows: list[tuple[RoomBooking, list[dict[str, Any]]]] = []
        self.staff = {code: _staff_at(code) for code in {room.node.code for room in rooms.values()}}

    def free(self, key: str, start: dt.datetime, end: dt.datetime) -> bool:
        return all(end <= s or e <= start for s, e in self.held[key])

    def add(
        self,
        key: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        title: str,
        organiser: str = "",
        people: int = 1,
        resident: tuple[str, str] | None = None,
        activity: Activity | None = None,
    ) -> None:
        if not self.free(key, start, end):
            return
        year, rng = self.year, self.year.rng
        room = self.rooms[key]
        staff: list[Person | None] = [*self.staff.get(room.node.code, [])] or [None]
        booker = None if resident else staff[0]
        approver = staff[1] if len(staff) > 1 else staff[0]
        high = min(14, room.days_ahead) * 24 * 60
        created = start - year.minutes(min(3 * 24 * 60, high // 2), high)
        if start > year.end:
            created = min(created, year.end - year.minutes(30, 3 * 24 * 60))
        first = RoomBookingState.REQUESTED if room.needs_approval else RoomBookingState.APPROVED
        booking = RoomBooking(
            room=room,
            starts_at=start,
            ends_at=end,
            state=first,
            title=title,
            organiser=organiser,
            people=min(people, room.capacity),
            booked_by=booker,
            contact_name=resident[0] if resident else "",
            contact_phone=resident[1] if resident else "",
            activity=activity,
            created_at=created,
        )
        entries = [
            _event(
                REQUEST,
                created,
                actor=booker,
                to_state=first,
                data=Requested(
                    starts_at=start.isoformat(),
                    ends_at=end.isoformat(),
                    activity_id=activity.pk if activity else None,
                    resident=resident is not None,
                ),
            )
        ]
        state, moment = first, created
        future = start > year.end
        if first == RoomBookingState.REQUESTED:
            decided = created + year.minutes(60, 30 * 60)
            waiting = future and (decided > year.end or rng.random() < 0.3)
            if not waiting:
                decided = min(decided, start - dt.timedelta(minutes=30), year.end)
                refused = activity is None and not future and rng.random() < 0.03
                target = RoomBookingState.REFUSED if refused else RoomBookingState.APPROVED
                reason = f"{room.name}当天做消防检修" if refused else ""
                entries.append(
                    _event(
                        "refuse" if refused else "approve",
                        decided,
                        actor=approver,
                        from_state=state,
                        to_state=target,
                        note=reason,
                    )
                )
                booking.decided_by, booking.decided_at, booking.reason = approver, decided, reason
                state, moment = target, decided
        if state == RoomBookingState.APPROVED and activity is None and rng.random() < 0.05:
            when = moment + (start - moment) * rng.uniform(0.2, 0.9)
            if when < year.end:
                reason = rng.choice(("人员不齐，改期", "天气原因取消", "与街道会议冲突，改期"))
                entries.append(
                    _event(
                        "cancel",
                        when,
                        actor=booker,
                        from_state=state,
                        to_state=RoomBookingState.CANCELLED,
                        note=reason,
                    )
                )
                booking.reason = reason
                state = RoomBookingState.CANCELLED
        booking.state = state
        if state in (RoomBookingState.REQUESTED, RoomBookingState.APPROVED):
            self.held[key].append((start, end))
        self.rows.append((booking, entries))


def _rooms(year: _Year) -> None:
    nodes = {n.code: n for n in Node.objects.filter(code__in={r.code for r in ROOMS})}
    rooms: dict[str, Room] = {}
    for spec in ROOMS:
        node = nodes.get(spec.code)
        if node is None:
            continue
        rooms[spec.key] = Room(
            node=node,
            name=spec.name,
            name_en=spec.name_en,
            name_mn=spec.name_mn,
            kind=spec.kind,
            capacity=spec.capacity,
            area_m2=spec.area,
            equipment=spec.equipment,
            rules=spec.rules,
            who_may_book=spec.who,
            days_ahead=spec.days_ahead,
            longest_minutes=spec.longest,
            needs_approval=spec.approval,
            opens=_t(spec.opens),
            closes=_t(spec.closes),
            public=spec.public,
            lat=node.lat,
            lon=node.lon,
        )
    Room.objects.bulk_create(list(rooms.values()))
    book = _RoomBook(year, rooms)
    # The activities first: they were planned before the weekly groups asked.
    for code, title, key in HELD_BY_ACTIVITIES:
        if key not in rooms:
            continue
        held = Activity.objects.filter(node__code=code, title=title).exclude(
            state=ActivityState.CANCELLED
        )
        for activity in held.order_by("starts_at", "pk"):
            book.add(
                key,
                activity.starts_at,
                activity.ends_at,
                title=activity.title,
                organiser=activity.place_detail or rooms[key].node.name,
                people=activity.capacity or 20,
                activity=activity,
            )
    today = timezone.localtime(year.end).date()
    first = today - dt.timedelta(days=ROOM_PAST_DAYS)
    for day in year.days(first, today + dt.timedelta(days=ROOM_AHEAD_DAYS)):
        for use in USES:
            room = rooms.get(use.room)
            if room is None or day > today + dt.timedelta(days=room.days_ahead):
                continue
            if not _use_on(year, use, day):
                continue
            start, end = year.at(day, _t(use.starts)), year.at(day, _t(use.ends))
            if start < year.end < end:
                continue
            resident = (use.by_resident, year.phone()) if use.by_resident else None
            book.add(
                use.room,
                start,
                end,
                title=use.title,
                organiser=use.organiser,
                people=use.people,
                resident=resident,
            )
    _seats(year, book, today)
    made = RoomBooking.objects.bulk_create([b for b, _e in book.rows], batch_size=500)
    for booking, (_b, entries) in zip(made, book.rows, strict=True):
        year.log.record(booking, entries)
    year.built.rooms = len(rooms)
    year.built.room_bookings = len(made)


def _use_on(year: _Year, use: Use, day: dt.date) -> bool:
    if day.month not in use.months:
        return False
    if use.working_only and not year.working(day):
        return False
    if use.weekdays:
        return day.weekday() in use.weekdays
    # Monthly: the first working day from `day_of_month` (any day when not working_only).
    target = day.replace(day=use.day_of_month)
    while use.working_only and not year.working(target):
        target += dt.timedelta(days=1)
    return target == day


def _seats(year: _Year, book: _RoomBook, today: dt.date) -> None:
    """Students and readers book the study seats of the 公益书吧 for a morning, an afternoon
    or an evening."""
    rng = year.rng
    keys = [k for k in book.rooms if k.startswith("t_seat")]
    for day in year.days(today - dt.timedelta(days=SEAT_PAST_DAYS), today + dt.timedelta(days=7)):
        busy = 0.55 if day.weekday() >= 5 else 0.3
        for key in keys:
            for opens, closes in _SEAT_BLOCKS:
                if rng.random() >= busy:
                    continue
                start, end = year.at(day, _t(opens)), year.at(day, _t(closes))
                if start < year.end < end:
                    continue
                reader = (year.names.han(), year.phone())
                book.add(key, start, end, title="自习", people=1, resident=reader)


# --- Stations and the duty rota (坐班值班) ------------------------------------------------------

# Shanba's big grids with a party-mass service station of their own (the others are served by
# their community's).
BIG_GRID_STATIONS = ("001-G1", "001-G2", "002-G1", "003-G2", "005-G1")
MORNING = (_t("08:30"), _t("12:00"))
AFTERNOON = (_t("14:30"), _t("18:00"))


def _stations(year: _Year) -> None:
    communities = [f"{SHANBA_CODE}{i:03d}" for i in range(1, 6)]
    grids = [SHANBA_CODE + suffix for suffix in BIG_GRID_STATIONS]
    nodes = {n.code: n for n in Node.objects.filter(code__in=communities + grids)}
    rota: dict[str, list[Person]] = {}
    for index, code in enumerate(communities):
        staff = _staff_at(code)
        # Two or three of the community's cadres take turns (两委干部坐班值班).
        rota[code] = staff[: 3 if index % 2 == 0 else 2]
    for code in grids:
        node = nodes.get(code)
        if node is None:
            continue
        head = _staff_at(code)
        workers = list(
            Person.objects.filter(
                roles__role=Role.GRID_WORKER,
                roles__node__parent=node,
            )
            .order_by("roles__node__code", "pk")
            .distinct()[:2]
        )
        rota[code] = (head[:1] + workers)[: 3 if len(rota) % 2 else 2]
    stations = []
    for n, code in enumerate(communities + grids):
        if code in nodes and rota.get(code):
            stations.append(
                Station(
                    node=nodes[code],
                    phone=f"1990800{300 + n:04d}",
                    # At the demo staff's community, a need raised at the station in duty
                    # hours goes to whoever sits there.
                    route_to_duty=code == TUANJIE,
                )
            )
    Station.objects.bulk_create(stations)
    shifts = []
    for station in stations:
        people = rota[station.node.code]
        for weekday in range(5):
            for person, half in station_shifts(people, weekday):
                starts, ends = (MORNING, AFTERNOON)[half]
                shifts.append(
                    DutyShift(
                        station=station, person=person, weekday=weekday, starts=starts, ends=ends
                    )
                )
    DutyShift.objects.bulk_create(shifts)
    DutyChange.objects.bulk_create(_changes(year, stations, rota))
    year.built.stations = len(stations)
    year.built.shifts = len(shifts)


def _changes(
    year: _Year, stations: list[Station], rota: dict[str, list[Person]]
) -> list[DutyChange]:
    """Someone away and a colleague covering (last week and next week), and the community
    stations closed on the next public holiday."""
    today = timezone.localtime(year.end).date()

    def working_day(start: dt.date, step: int) -> dt.date:
        day = start
        while not year.working(day) or day.weekday() >= 5:
            day += dt.timedelta(days=step)
        return day

    changes = []
    for station, when, note in (
        (stations[0], working_day(today - dt.timedelta(days=6), -1), "外出参加街道培训"),
        (stations[0], working_day(today + dt.timedelta(days=5), 1), "请事假半天"),
        (stations[1], working_day(today + dt.timedelta(days=2), 1), "病假"),
    ):
        people = rota[station.node.code]
        absent, half = station_shifts(people, when.weekday())[0]
        cover = next((p for p in _staff_at(station.node.code) if p not in people), None)
        cover = cover or next(p for p in people if p != absent)
        starts, ends = (MORNING, AFTERNOON)[half]
        changes += [
            DutyChange(station=station, day=when, kind=DutyChangeKind.ABSENT, person=absent,
                       starts=starts, ends=ends, note=note),
            DutyChange(station=station, day=when, kind=DutyChangeKind.COVER, person=cover,
                       starts=starts, ends=ends, note="代班"),
        ]  # fmt: skip
    holiday = (
        CalendarDay.objects.filter(
            is_working=False, date__gt=today, date__lte=today + dt.timedelta(days=120)
        )
        .order_by("date")
        .first()
    )
    closed_on = holiday.date if holiday else dt.date(today.year + 1, 1, 1)
    note = holiday.note if holiday and holiday.note else "元旦"
    for station in stations:
        if station.node.kind == NodeKind.COMMUNITY:
            changes.append(
                DutyChange(
                    station=station,
                    day=closed_on,
                    kind=DutyChangeKind.CLOSED,
                    note=f"{note}放假，闭站一天，急事请拨打网格员电话",
                )
            )
    return changes


def station_shifts(people: list[Person], weekday: int) -> list[tuple[Person, int]]:
    """Who sits on `weekday` in the demo's pattern, morning (0) and afternoon (1)."""
    out = []
    for half in range(2):
        step = weekday + half if len(people) == 2 else 2 * weekday + half
        out.append((people[step % len(people)], half))
    return out
