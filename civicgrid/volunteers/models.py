"""People who serve: in-service party members' registration with a community (双报到), teams,
activities (every gathering: themed service, community events, review meetings) with sign-up,
check-in and hours, micro-wishes (微心愿), and the points and stars that count what members did.

Fields and constraints only. Each record with a life cycle (Registration, Activity, Wish) has
its state as a `TextChoices`, is moved only by its state-machine module (`registrations.py`,
`activities.py`, `wishes.py`) and keeps an append-only event table (`VolunteerEvent`, one for
the app, numbered per record).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.i18n import localised
from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Node, Organisation, Person, mask_mobile

# --- 双报到: registration with a community ---------------------------------------------------


class RegistrationState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Registered")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Ended (moved on)")


# A person holds at most one approved registration (their home community) and one request.
LIVE_REGISTRATION = (RegistrationState.REQUESTED, RegistrationState.APPROVED)


class Registration(models.Model):
    """A party member's registration with the community where they live, or a unit's with the
    community it pairs with ("双报到"单位). The history of a member's home communities is the
    list of their ended registrations."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    community = models.ForeignKey(
        Node, verbose_name=_("community"), on_delete=models.PROTECT, related_name="registrations"
    )
    # The member's own party organisation (where the 双报告 goes) or employer, as they wrote it.
    party_org_name = models.CharField(_("own party organisation"), max_length=120, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    skills = models.CharField(_("skills and what I can offer"), max_length=300, blank=True)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=RegistrationState.choices,
        default=RegistrationState.REQUESTED,
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, unit__isnull=True)
                | Q(person__isnull=True, unit__isnull=False),
                name="registration_person_or_unit",
            ),
            # One home community at a time, and one request waiting (to move there) at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state="approved"),
                name="registration_one_home_per_person",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state="requested"),
                name="registration_one_request_per_person",
            ),
            models.UniqueConstraint(
                fields=["unit", "community"],
                condition=Q(state__in=["requested", "approved"]),
                name="registration_one_live_per_unit_community",
            ),
        ]

    def __str__(self) -> str:
        who = self.person or self.unit
        return f"{who} → {self.community}"


# --- Teams ----------------------------------------------------------------------------------


class TeamKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer team")
    PARTY = "party", _("Party-member team")


class Theme(models.TextChoices):
    ENVIRONMENT = "environment", _("Environment")
    POLICY = "policy", _("Policy promotion")
    VISITS = "visits", _("Visits")
    HERDING = "herding", _("Herding help (shearing)")
    REPAIRS = "repairs", _("Repairs")
    CLINIC = "clinic", _("Free clinic")
    NEIGHBOURS = "neighbours", _("Neighbourly help")
    EVENT = "event", _("Community event")
    REVIEW = "review", _("Review meeting")
    OTHER = "other", _("Other")


# Themes that count as themed service for a team's monthly rule (a review meeting or a feast
# is a gathering, not a service).
SERVICE_THEMES = frozenset(
    {
        Theme.ENVIRONMENT,
        Theme.POLICY,
        Theme.VISITS,
        Theme.HERDING,
        Theme.REPAIRS,
        Theme.CLINIC,
        Theme.NEIGHBOURS,
        Theme.OTHER,
    }
)


class Team(models.Model):
    """A volunteer or party-member team. Its organisation (kind "team") carries the name, the
    node and the members (`network.Membership`), so a need can be dispatched to the team and
    any member takes it, as for a member unit."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="team"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TeamKind.choices)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    leaders = models.ManyToManyField(Person, verbose_name=_("leaders"), related_name="led_teams")
    # The monthly rule as data: at least this many themed service activities held a month.
    monthly_minimum = models.PositiveSmallIntegerField(
        _("themed activities a month (at least)"), default=1
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localised(self.organisation.name, self.name_en, name_mn=self.name_mn)


class TeamMonth(models.Model):
    """A team's month measured against its rule, written by the monthly check (`tasks.py`):
    how many themed activities it held, and whether its leaders and community were told."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(_("month"))  # the first day of the month
    required = models.PositiveSmallIntegerField(default=1)
    held = models.PositiveSmallIntegerField(default=0)
    missed = models.BooleanField(default=False)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team month")
        verbose_name_plural = _("team months")
        ordering: ClassVar[list[str]] = ["-month", "team_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["team", "month"], name="teammonth_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month:%Y-%m}"


# --- Activities -----------------------------------------------------------------------------


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for sign-up")
    HELD = "held", _("Held")
    RECORDED = "recorded", _("Recorded")
    CANCELLED = "cancelled", _("Cancelled")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone (shown to residents)")
    MEMBERS = "members", _("Registered party members and volunteers")
    TEAM = "team", _("The organising team's members")


class Activity(models.Model):
    """Every gathering: a themed service activity, a community event (百家宴, 睦邻节), a team's
    review meeting. Organised by a team, or by a community or paired unit (`organiser_org`)."""

    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(_("English title"), max_length=160, blank=True)
    title_mn = models.CharField(_("Mongolian title"), max_length=200, blank=True)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    description = models.TextField(_("description"), blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("organising team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser_org = models.ForeignKey(
        Organisation,
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="activities"
    )
    # Where exactly: "community hall, room 301". The rooms module will bind a room here.
    place_detail = models.CharField(_("where exactly"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    audience = models.CharField(
        _("who may sign up"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ActivityState.choices, default=ActivityState.PLANNED
    )
    # The secret the check-in QR code carries (a new one makes old posters useless).
    checkin_key = models.CharField(max_length=32)
    summary = models.TextField(_("summary"), blank=True)
    solved = models.TextField(_("what was solved"), blank=True)
    solved_count = models.PositiveIntegerField(_("problems solved"), default=0)
    # The recorded duration in minutes, from which hours are credited.
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    confirmed_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering: ClassVar[list[str]] = ["-starts_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(confirmed_count__lte=models.F("capacity")),
                name="activity_not_overbooked",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["node", "starts_at"], name="activity_node_start_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localised(self.title, self.title_en, name_mn=self.title_mn)


class SignUpState(models.TextChoices):
    CONFIRMED = "confirmed", _("Signed up")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signups")
    state = models.CharField(max_length=10, choices=SignUpState.choices)
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Where the phone said it was at check-in, if it said; the distance from the place in metres.
    checkin_distance_m = models.PositiveIntegerField(null=True, blank=True)
    # Hours credited (from check-in and the recorded duration; changed only by a correction).
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "person"], name="signup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.activity_id}"


class ActivityPhoto(models.Model):
    """A photo of a recorded activity (at most `activities.MAX_PHOTOS`), shown with its
    record wherever the activity itself may be read."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(
        upload_to="activities/%Y/%m", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return self.image.name or ""


# --- Micro-wishes ---------------------------------------------------------------------------


class WishState(models.TextChoices):
    POSTED = "posted", _("Waiting for someone")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled, to confirm")
    CONFIRMED = "confirmed", _("Fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Wish(models.Model):
    """A micro-wish (微心愿) posted for a person in need. The public reads `public_name` only
    ("一位老人", a first name); the person's name and phone are kept for staff, masked."""

    community = models.ForeignKey(
        Node, verbose_name=_("community"), on_delete=models.PROTECT, related_name="wishes"
    )
    title = models.CharField(_("the wish"), max_length=120)
    story = models.TextField(_("a few words about it"), blank=True)
    public_name = models.CharField(
        _("shown as"),
        max_length=40,
        help_text=_('What the public reads, e.g. "一位老人" or a first name.'),
    )
    person_name = models.CharField(_("person's name"), max_length=64, blank=True)
    person_mobile = models.CharField(_("person's phone"), max_length=11, blank=True)
    needed_by = models.DateField(_("wanted by"))
    state = models.CharField(
        _("state"), max_length=10, choices=WishState.choices, default=WishState.POSTED
    )
    posted_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_wishes"
    )
    claimed_unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_note = models.TextField(_("how it was fulfilled"), blank=True)
    fulfilled_photo = models.ImageField(upload_to="wishes/%Y/%m", blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(state__in=["posted", "withdrawn"])
                | Q(claimed_by__isnull=False)
                | Q(claimed_unit__isnull=False),
                name="wish_claimed_has_claimer",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.person_mobile)


# --- The timeline of every record -----------------------------------------------------------


class VolunteerEvent(AppendOnly):
    """One entry of a registration's, activity's or wish's timeline (exactly one of the three),
    appended by its state-machine module under the record's row lock; never changed.

    `person` is whom the event is about when it is not the actor (a sign-up's member, an hours
    correction's member); points are recomputed from these events (`points.py`)."""

    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    wish = models.ForeignKey(
        Wish, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(registration__isnull=False, activity__isnull=True, wish__isnull=True)
                | Q(registration__isnull=True, activity__isnull=False, wish__isnull=True)
                | Q(registration__isnull=True, activity__isnull=True, wish__isnull=False),
                name="volunteerevent_one_record",
            ),
            models.UniqueConstraint(
                fields=["registration", "seq"], name="volunteerevent_registration_seq"
            ),
            models.UniqueConstraint(fields=["activity", "seq"], name="volunteerevent_activity_seq"),
            models.UniqueConstraint(fields=["wish", "seq"], name="volunteerevent_wish_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"


# --- Points and stars: the rules as data, the ledger kept from the events --------------------


class PointSource(models.TextChoices):
    ACTIVITY_HOUR = "activity_hour", _("An hour of service at an activity")
    RESOLVED_NEED = "resolved_need", _("A need taken and resolved")
    FULFILLED_WISH = "fulfilled_wish", _("A micro-wish fulfilled")
    # Hours credited by other services, outside activities (the care module's meal deliveries).
    SERVICE_HOUR = "service_hour", _("An hour of other service (meal deliveries…)")


class PointRule(models.Model):
    source = models.CharField(_("for"), max_length=16, choices=PointSource.choices, unique=True)
    points = models.DecimalField(_("points each"), max_digits=6, decimal_places=2)
    monthly_cap = models.DecimalField(
        _("at most a month"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")

    def __str__(self) -> str:
        return self.get_source_display()


class StarLevel(models.Model):
    stars = models.PositiveSmallIntegerField(_("stars"), unique=True)
    threshold = models.DecimalField(_("points from"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("star level")
        verbose_name_plural = _("star levels")
        ordering: ClassVar[list[str]] = ["stars"]

    def __str__(self) -> str:
        return f"{self.stars}★ ≥ {self.threshold}"


class MemberMonth(models.Model):
    """What one member did in one month, kept by the points consumer from the events and
    rebuilt from them (`points.rebuild`): the report's row and the points before caps."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="member_months")
    month = models.DateField()
    activities = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    # Of `hours`, those credited by other services (`points.credit_service_hours`: meal
    # deliveries), which earn points by their own rule.
    service_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    needs_resolved = models.PositiveIntegerField(default=0)
    wishes_fulfilled = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-month", "person_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["person", "month"], name="membermonth_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"
