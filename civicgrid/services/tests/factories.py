"""Builders for the services' tests: the needs tests' world with a workshop at community 1
(一社区): a provider organisation with its master, a one-yuan haircut with two chairs, a
door-to-door drain service, and opening hours every day of the week (so tests never depend on
the weekday or the calendar)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import bookings
from civicgrid.services.models import Booking, OpeningHours, Service, ServiceKind


@dataclass
class Shop:
    w: needf.World  # dispatcher = 一社区's staff; stranger = 二社区's staff; leader reads
    workshop: Organisation
    master: Person  # a person of the workshop (provider)
    tailor: Person  # a provider person of their own
    haircut: Service  # capacity 2, 30 minutes, 1 yuan, at the workshop / by appointment
    drains: Service  # door to door in 一社区, capacity 1, 60 minutes
    mending: Service  # the tailor's, capacity 1, after hours too


def _hours(service: Service, *, evening: bool = False) -> None:
    for weekday in range(7):
        OpeningHours.objects.create(
            service=service, weekday=weekday, starts=dt.time(8, 0), ends=dt.time(18, 0)
        )
        if evening:
            OpeningHours.objects.create(
                service=service,
                weekday=weekday,
                starts=dt.time(18, 30),
                ends=dt.time(20, 0),
                after_hours=True,
            )


def shop() -> Shop:
    w = needf.world()
    comm1 = w.t["comm1"]
    workshop = Organisation.objects.create(name="便民工坊", kind=OrgKind.PROVIDER, node=comm1)
    master = nf.person("王师傅", roles=[(Role.PROVIDER, comm1)])
    Membership.objects.create(organisation=workshop, person=master, title="师傅")
    tailor = nf.person("邢云海", roles=[(Role.PROVIDER, comm1)])
    haircut = Service.objects.create(
        name="一元理发",
        name_en="One-yuan haircut",
        kind=ServiceKind.HAIRCUT,
        provider_org=workshop,
        node=comm1,
        price=Decimal("1.00"),
        capacity=2,
        duration_minutes=30,
    )
    drains = Service.objects.create(
        name="疏通下水管道",
        kind=ServiceKind.DRAINS,
        provider_org=workshop,
        node=comm1,
        at_workshop=False,
        door_to_door=True,
        duration_minutes=60,
    )
    mending = Service.objects.create(
        name="便民裁缝",
        kind=ServiceKind.TAILORING,
        provider_person=tailor,
        node=comm1,
        after_hours=True,
        price=Decimal("5.00"),
    )
    for service in (haircut, drains):
        _hours(service)
    _hours(mending, evening=True)
    return Shop(w, workshop, master, tailor, haircut, drains, mending)


def slot_start(days: int = 1, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A slot `days` from today at `hour:minute`, local time (every day is open 8–18)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def book(service: Service, starts_at: dt.datetime | None = None, **extra: object) -> Booking:
    values: dict[str, object] = {
        "service": service,
        "starts_at": starts_at or slot_start(),
        "mode": extra.pop("mode", "appointment"),
        "resident_name": "张大娘",
        "resident_phone": "13900001111",
        "by": bookings.RESIDENT,
    }
    values.update(extra)
    return bookings.booking_book(**values)  # type: ignore[arg-type]
