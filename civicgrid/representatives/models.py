"""Representatives (人大代表, 党代表): who they are, whom they serve, where residents find them.

Fields and constraints only. A representative is a person with a public profile; the places
they receive residents are liaison stations (代表之家, 联络站) with a weekly timetable; a
reception held there is recorded with who came and the matters raised. Messages residents
leave for them live in `civicgrid/liaison/`.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Person
from civicgrid.services.models import Room, RoomBooking


class Body(models.TextChoices):
    PEOPLES_CONGRESS = "peoples_congress", _("People's congress deputy")
    PARTY_CONGRESS = "party_congress", _("Party congress delegate")


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Region")
    LEAGUE = "league", _("League / city")
    BANNER = "banner", _("Banner / district")
    TOWN = "town", _("Sumu / town / subdistrict")


class Representative(models.Model):
    """A deputy or delegate: their public profile and constituency. Never their phone: the
    profile shows the station and its reception times."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="mandates"
    )
    body = models.CharField(_("body"), max_length=20, choices=Body.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    # The place whose body elected them (a banner's congress, a subdistrict's party congress).
    node = models.ForeignKey(
        Node, verbose_name=_("elected at"), on_delete=models.PROTECT, related_name="+"
    )
    constituency = models.ManyToManyField(
        Node, verbose_name=_("constituency"), related_name="representatives", blank=True
    )
    station = models.ForeignKey(
        "LiaisonStation",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representatives",
    )
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    title = models.CharField(_("work and title"), max_length=120, blank=True)
    title_mn = models.CharField(_("Mongolian work and title"), max_length=200, blank=True)
    profile = models.TextField(_("profile"), blank=True)
    profile_mn = models.TextField(_("Mongolian profile"), blank=True)
    term = models.CharField(_("term"), max_length=40, blank=True)
    public = models.BooleanField(_("profile published"), default=True)
    active = models.BooleanField(_("serving"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering: ClassVar[list[str]] = ["node__path", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["person", "body", "level"], name="representative_one_mandate"
            ),
            models.CheckConstraint(condition=Q(body__in=Body.values), name="representative_body"),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="representative_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.body} {self.level}"


class StationKind(models.TextChoices):
    HOME = "home", _("Representatives' home")
    STATION = "station", _("Liaison station")


class LiaisonStation(models.Model):
    """代表之家 or 代表联络站: where representatives receive residents. Its staff answer
    messages left at the station's own QR code."""

    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="liaison_stations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=StationKind.choices)
    name = models.CharField(pgettext_lazy("station", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    address_mn = models.CharField(_("Mongolian address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("station phone"), max_length=20, blank=True)
    # The room receptions are held in, when the station is a room of a service center: a
    # reception then books it (services/rooms.py), so nothing else is there at that time.
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.SET_NULL
    )
    staff = models.ManyToManyField(
        Person, verbose_name=_("staff"), related_name="liaison_stations", blank=True
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        ordering: ClassVar[list[str]] = ["node__path", "kind", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(kind__in=StationKind.values), name="liaisonstation_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReceptionTime(models.Model):
    """The timetable (定时定点): a representative receives at the station on a weekday, every
    week or on the n-th of the month, from when until when."""

    station = models.ForeignKey(LiaisonStation, on_delete=models.CASCADE, related_name="times")
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("representative"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="times",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    # 1..5: only that week of the month (the first Tuesday); empty: every week.
    week_of_month = models.PositiveSmallIntegerField(
        _("week of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("reception time")
        verbose_name_plural = _("reception times")
        ordering: ClassVar[list[str]] = ["station_id", "weekday", "starts", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="receptiontime_end_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="receptiontime_weekday"),
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True)
                | Q(week_of_month__gte=1, week_of_month__lte=5),
                name="receptiontime_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.weekday} {self.starts}"


class Reception(models.Model):
    """A reception held: representatives received residents at a station on a day."""

    station = models.ForeignKey(
        LiaisonStation,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="receptions",
    )
    day = models.DateField(_("day"), db_index=True)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    representatives = models.ManyToManyField(
        Representative, verbose_name=_("representatives"), related_name="receptions"
    )
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    # People received (人次), counted at the door.
    attendance = models.PositiveIntegerField(_("people received"), default=0)
    room_booking = models.ForeignKey(
        RoomBooking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        ordering: ClassVar[list[str]] = ["-day", "-starts", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="reception_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day}"


class ReceptionMatter(models.Model):
    """One matter raised at a reception; one that needs action becomes a need."""

    reception = models.ForeignKey(Reception, on_delete=models.CASCADE, related_name="matters")
    summary = models.CharField(_("matter raised"), max_length=300)
    raised_by = models.CharField(_("raised by"), max_length=64, blank=True)
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("answer given"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("matter raised")
        verbose_name_plural = _("matters raised")
        ordering: ClassVar[list[str]] = ["reception_id", "id"]

    def __str__(self) -> str:
        return self.summary[:40]


class ReceptionChange(AppendOnly):
    """A reception's log: who recorded or corrected it and when, numbered per reception;
    appended once, never changed (`receptions.py` writes it)."""

    reception = models.ForeignKey(Reception, on_delete=models.PROTECT, related_name="changes")
    seq = models.PositiveIntegerField()
    # "record", "change", "matter", "need": what was done (receptions.py names them).
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What changed, by field name: {"attendance": [12, 14]}; nothing personal is kept here.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "reception change"
        ordering: ClassVar[list[str]] = ["reception_id", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["reception", "seq"], name="receptionchange_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.reception_id}#{self.seq} {self.action}"
