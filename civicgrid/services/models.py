"""Services close to home: the convenience workshop's catalogue (便民服务工坊), appointments with
its providers, rooms to book (功能室, reading-room seats, halls), the duty rota of the stations
(坐班值班) and the stations' public desk.

Fields and constraints only. The two records with a life cycle, `Booking` (an appointment with
a service) and `RoomBooking`, have their state as a `TextChoices`, are moved only by their
state-machine modules (`bookings.py`, `rooms.py`) and keep one append-only timeline
(`ServiceEvent`, numbered per record).

No double booking is a rule of the database, not of the code: a live booking holds its seat
of the service (a room: the room) for its time, and a second live booking that overlaps it is
refused by an exclusion constraint on PostgreSQL and by triggers on SQLite, whose writers take
turns (migration 0002, docs/services.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.i18n import localised
from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Node, Organisation, Person, mask_mobile
from civicgrid.volunteers.models import Activity

# --- The catalogue ----------------------------------------------------------------------------


class ServiceKind(models.TextChoices):
    HAIRCUT = "haircut", _("Haircut")
    APPLIANCES = "appliances", _("Appliance repair")
    GROUP_BUYING = "group_buying", _("Group buying")
    KEYS = "keys", _("Keys and locks")
    TAILORING = "tailoring", _("Tailoring and mending")
    SHOES = "shoes", _("Shoe repair")
    WATCHES = "watches", _("Watch and clock repair")
    BICYCLES = "bicycles", _("Bicycle repair")
    DRAINS = "drains", _("Drain unclogging")
    LAUNDRY = "laundry", _("Laundry")
    BATHING = "bathing", _("Bathing help")
    MASSAGE = "massage", _("Massage")
    CLINIC = "clinic", _("Health check")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    """How a service is given (上门办、延时办、预约办, and at the workshop itself)."""

    WORKSHOP = "workshop", _("At the workshop")
    DOOR = "door", _("Door to door")
    AFTER_HOURS = "after_hours", _("After hours")
    APPOINTMENT = "appointment", _("By appointment")


class Service(models.Model):
    """One service of the catalogue, given by a person or an organisation at a place."""

    name = models.CharField(pgettext_lazy("service", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    provider_person = models.ForeignKey(
        Person,
        verbose_name=_("provider (a person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services_given",
    )
    provider_org = models.ForeignKey(
        Organisation,
        verbose_name=_("provider (an organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services_given",
    )
    # The workshop or station where it is given, and its point (the node's when empty).
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="services"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # 0 is free; 1.00 is the workshop's "一元" price.
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    price_note = models.CharField(
        _("price note"), max_length=60, blank=True, help_text=_("e.g. “parts at cost”")
    )
    at_workshop = models.BooleanField(_("at the workshop"), default=True)
    door_to_door = models.BooleanField(_("door to door"), default=False)
    # Door to door within this area (the place's own subtree when empty).
    door_area = models.ForeignKey(
        Node,
        verbose_name=_("door-to-door area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    after_hours = models.BooleanField(_("after hours"), default=False)
    by_appointment = models.BooleanField(_("by appointment"), default=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes a booking takes"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(8 * 60)],
    )
    # How many bookings one slot takes at once (two barbers: 2).
    capacity = models.PositiveSmallIntegerField(
        _("bookings at the same time"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    photo = models.ImageField(_("photo"), upload_to="services/%Y/%m", blank=True)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering: ClassVar[list[str]] = ["node_id", "name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(provider_person__isnull=False, provider_org__isnull=True)
                | Q(provider_person__isnull=True, provider_org__isnull=False),
                name="service_one_provider",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, duration_minutes__gte=5), name="service_slot_sizes"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return localised(self.name, self.name_en, name_mn=self.name_mn)

    @property
    def modes(self) -> list[str]:
        flags = {
            Mode.WORKSHOP: self.at_workshop,
            Mode.DOOR: self.door_to_door,
            Mode.AFTER_HOURS: self.after_hours,
            Mode.APPOINTMENT: self.by_appointment,
        }
        return [mode for mode, offered in flags.items() if offered]


class OpeningHours(models.Model):
    """A window in which a service takes bookings. Without a weekday it opens on every working
    day of the calendar (`needs.deadlines`: holidays closed, make-up Saturdays open); with one,
    on that weekday whatever the calendar says (the Saturday morning, the evening 延时办)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(6)],
        help_text=_("0 is Monday; empty is every working day"),
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    # A window after the working day: bookings in it are 延时办.
    after_hours = models.BooleanField(_("after hours"), default=False)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering: ClassVar[list[str]] = ["service_id", "weekday", "starts"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="hours_end_after_start"),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.weekday} {self.starts}-{self.ends}"


# --- Appointments ----------------------------------------------------------------------------


class BookingState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


# The states that hold a seat of the service for the booking's time (migration 0002).
HOLDING = (BookingState.BOOKED, BookingState.CONFIRMED, BookingState.DONE)


class BookingQuerySet(models.QuerySet["Booking"]):
    def live(self) -> BookingQuerySet:
        return self.filter(state__in=[BookingState.BOOKED, BookingState.CONFIRMED])

    def holding(self) -> BookingQuerySet:
        return self.filter(state__in=HOLDING)


class Booking(models.Model):
    """An appointment with a service: a resident (no account: a name and a phone) or staff on
    their behalf (代办) books a slot; the provider confirms it and records it done."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="bookings"
    )
    # Which of the service's `capacity` places at once this booking takes.
    seat = models.PositiveSmallIntegerField(default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=BookingState.choices, default=BookingState.BOOKED
    )
    resident_name = models.CharField(_("name"), max_length=64)
    resident_phone = models.CharField(_("mobile"), max_length=20)
    # Door to door: where to go (shown to the provider and to staff who serve the place).
    address = models.CharField(_("address"), max_length=200, blank=True)
    node = models.ForeignKey(
        Node, verbose_name=_("area"), on_delete=models.PROTECT, related_name="service_bookings"
    )
    note = models.CharField(_("what is needed"), max_length=300, blank=True)
    booked_by = models.ForeignKey(
        Person,
        verbose_name=_("booked by (staff)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    done_note = models.CharField(_("what was done"), max_length=300, blank=True)
    price_paid = models.DecimalField(
        _("price paid (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # The resident stopped the texts about this appointment (its keyed page; docs/outreach.md).
    messages_stopped_at = models.DateTimeField(_("messages stopped at"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering: ClassVar[list[str]] = ["starts_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_end_after_start"
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="booking_seat"),
            models.CheckConstraint(
                condition=Q(state__in=BookingState.values), name="booking_state"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="booking_rating_1_to_5",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["service", "starts_at"], name="booking_service_time_idx"),
            models.Index(fields=["node", "starts_at"], name="booking_node_time_idx"),
            # The reminder sweep: a handful of live bookings not yet reminded.
            models.Index(
                fields=["starts_at"],
                condition=Q(state__in=["booked", "confirmed"], reminded_at__isnull=True),
                name="booking_to_remind_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.starts_at:%Y-%m-%d %H:%M} {self.state}"

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.resident_phone)


# --- Rooms -----------------------------------------------------------------------------------


class RoomKind(models.TextChoices):
    FUNCTION = "function", _("Function room")
    READING_SEAT = "reading_seat", _("Reading-room seat")
    HALL = "hall", _("Hall")
    STAGE = "stage", _("Stage")


class WhoMayBook(models.TextChoices):
    STAFF = "staff", _("Staff only")
    RESIDENTS = "residents", _("Residents and staff")


class Room(models.Model):
    """A bookable room, seat, hall or stage at a node, with its rules."""

    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(pgettext_lazy("room", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RoomKind.choices)
    capacity = models.PositiveSmallIntegerField(_("people it holds"), default=20)
    area_m2 = models.PositiveSmallIntegerField(_("area (m²)"), null=True, blank=True)
    equipment = models.CharField(_("equipment"), max_length=300, blank=True)
    rules = models.CharField(_("rules of use"), max_length=300, blank=True)
    who_may_book = models.CharField(
        _("who may book"), max_length=12, choices=WhoMayBook.choices, default=WhoMayBook.STAFF
    )
    days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=30)
    longest_minutes = models.PositiveSmallIntegerField(_("longest booking (minutes)"), default=240)
    needs_approval = models.BooleanField(_("bookings need approval"), default=False)
    opens = models.TimeField(_("opens"), default="08:00")
    closes = models.TimeField(_("closes"), default="21:00")
    # Open to the public: listed on the resident pages ("near me").
    public = models.BooleanField(_("open to the public"), default=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering: ClassVar[list[str]] = ["node_id", "kind", "name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="room_opens_first"),
            models.CheckConstraint(
                condition=Q(longest_minutes__gte=15), name="room_longest_booking"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return localised(self.name, self.name_en, name_mn=self.name_mn)


class RoomBookingState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Booked")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


# A request waiting for approval already holds its time: first asked, first served.
ROOM_HOLDING = (RoomBookingState.REQUESTED, RoomBookingState.APPROVED)


class RoomBooking(models.Model):
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=RoomBookingState.choices,
        default=RoomBookingState.REQUESTED,
    )
    title = models.CharField(_("what for"), max_length=120)
    organiser = models.CharField(_("organiser"), max_length=120, blank=True)
    people = models.PositiveSmallIntegerField(_("people expected"), default=1)
    booked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A resident's booking (rooms residents may book): a name and a phone, no account.
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact mobile"), max_length=20, blank=True)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="room_bookings",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        ordering: ClassVar[list[str]] = ["starts_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="roombooking_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(state__in=RoomBookingState.values), name="roombooking_state"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["room", "starts_at"], name="roombooking_room_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.starts_at:%Y-%m-%d %H:%M} {self.title}"


# --- The timeline -----------------------------------------------------------------------------


class ServiceEvent(AppendOnly):
    """One entry of an appointment's or a room booking's timeline (exactly one of the two),
    appended by its state-machine module under the record's row lock; never changed."""

    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    room_booking = models.ForeignKey(
        RoomBooking, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False, room_booking__isnull=True)
                | Q(booking__isnull=True, room_booking__isnull=False),
                name="serviceevent_one_record",
            ),
            models.UniqueConstraint(fields=["booking", "seq"], name="serviceevent_booking_seq"),
            models.UniqueConstraint(
                fields=["room_booking", "seq"], name="serviceevent_room_booking_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id or self.room_booking_id} #{self.seq} {self.action}"


# --- Stations and the duty rota (坐班值班) ------------------------------------------------------


class Station(models.Model):
    """A node's public desk: a party-mass service center or station with a duty phone, and
    whether a need raised there in duty hours goes straight to the person on duty."""

    node = models.OneToOneField(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="station"
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    route_to_duty = models.BooleanField(
        _("needs raised here in duty hours go to the person on duty"), default=False
    )

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return str(self.node_id)


class DutyShift(models.Model):
    """The weekly pattern: who sits at the station on a weekday, from when until when."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey(
        Person, verbose_name=_("on duty"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering: ClassVar[list[str]] = ["station_id", "weekday", "starts", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="shift_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="shift_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.weekday} {self.starts}-{self.ends} {self.person_id}"


class DutyChangeKind(models.TextChoices):
    ABSENT = "absent", _("Away (the pattern's person does not sit)")
    COVER = "cover", _("Covers (sits on that day)")
    CLOSED = "closed", _("Station closed")


class DutyChange(models.Model):
    """An exception to the pattern on one day: someone away, someone covering, or closed."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="changes")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=8, choices=DutyChangeKind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT
    )
    starts = models.TimeField(_("from"), null=True, blank=True)
    ends = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("duty change")
        verbose_name_plural = _("duty changes")
        ordering: ClassVar[list[str]] = ["station_id", "day", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(kind="closed") | Q(person__isnull=False), name="dutychange_person"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cover")
                | Q(starts__isnull=False, ends__isnull=False, ends__gt=F("starts")),
                name="dutychange_cover_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} {self.kind}"
