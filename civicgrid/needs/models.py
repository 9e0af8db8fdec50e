"""Needs (群众点单) and their append-only timeline, categories with deadlines, the calendar.

Only `needs/workflow.py` changes `Need.state` and writes `NeedEvent` rows.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.i18n import localised
from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Node, Organisation, Person, mask_email, mask_mobile


class Localised(models.Model):
    """Data shown to people in their language: `name` in Chinese, `name_en` in English,
    `name_mn` in traditional Mongolian (the Chinese when one is blank)."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localised(self.name, self.name_en, name_mn=self.name_mn)


class TimeBasis(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time")
    WORKING = "working", _("Working time")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Category(Localised):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField(_("hint for residents"), max_length=200, blank=True)
    description_en = models.CharField(_("English hint"), max_length=200, blank=True)
    description_mn = models.CharField(_("Mongolian hint"), max_length=300, blank=True)
    shown_to_residents = models.BooleanField(_("shown to residents"), default=True)
    time_basis = models.CharField(
        _("deadlines counted in"),
        max_length=10,
        choices=TimeBasis.choices,
        default=TimeBasis.CALENDAR,
    )
    # Groups the report sentences count by ("opinions", "conflicts", "petitions"...).
    report_group = models.SlugField(_("report group"), max_length=40, blank=True)
    # The publication rule (needs/publication.py): a deployment that wants open reports
    # (FixMyStreet style) publishes what residents wrote in this category without a staff step.
    public_by_default = models.BooleanField(
        _("published by default"),
        default=False,
        help_text=_(
            "Show residents' descriptions and photos of this kind of need to the public without "
            "waiting for staff to publish them (never for anonymous or staff-entered needs)."
        ),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering: ClassVar[list[str]] = ["sort", "code"]

    @property
    def hint(self) -> str:
        return localised(self.description, self.description_en, name_mn=self.description_mn)


class CategoryDeadline(models.Model):
    """How long a need of this category and priority may wait for a response and a result."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="deadlines")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(_("response deadline (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("resolve deadline (minutes)"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["category", "priority"], name="deadline_unique"),
            models.CheckConstraint(
                condition=models.Q(response_minutes__gt=0)
                & models.Q(resolve_minutes__gte=models.F("response_minutes")),
                name="deadline_positive_and_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")


class CategoryQuestion(models.Model):
    """An extra question asked on intake for one category."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("question"), max_length=120)
    label_en = models.CharField(_("English question"), max_length=160, blank=True)
    label_mn = models.CharField(_("Mongolian question"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    # For choice questions: [{"value", "label", "label_en", "label_mn"}] (the last two optional).
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering: ClassVar[list[str]] = ["sort", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["category", "key"], name="question_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def text(self) -> str:
        return localised(self.label, self.label_en, name_mn=self.label_mn)

    def choice_options(self) -> list[tuple[str, str]]:
        return [
            (
                c["value"],
                localised(c.get("label") or c["value"], c.get("label_en"), None, c.get("label_mn")),
            )
            for c in self.choices
        ]


class CalendarDay(models.Model):
    """An exception to the working week: a holiday on a weekday, a make-up working weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering: ClassVar[list[str]] = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    TAKEN = "taken", _("Taken")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ESCALATED = "escalated", _("Escalated")
    MERGED = "merged", _("Merged")


FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.WITHDRAWN, State.MERGED})
OPEN_STATES = frozenset(set(State) - FINAL_STATES - {State.RESOLVED})
# States in which nobody has answered the need yet: the response clock is running.
AWAITING_RESPONSE = frozenset({State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.ESCALATED})
# The same states as sorted lists, for index conditions (stable in migrations).
SWEEP_AWAITING = sorted(AWAITING_RESPONSE)
# States in which the handler has answered and the resolve clock runs.
SWEEP_WORKING = sorted({State.TAKEN, State.IN_PROGRESS})


class Kind(models.TextChoices):
    REQUEST = "request", _("Need raised")
    VISIT = "visit", _("Visit to a key person")
    INSPECTION = "inspection", _("Hazard inspection")
    MEDIATION = "mediation", _("Dispute mediation")
    COLLECTION = "collection", _("Information collection")


PROACTIVE_KINDS = frozenset({Kind.VISIT, Kind.INSPECTION, Kind.MEDIATION, Kind.COLLECTION})


class Channel(models.TextChoices):
    WEB = "web", _("Resident page")
    QR = "qr", _("QR code")
    PHONE = "phone", _("By phone")
    VISIT = "visit", _("During a visit")
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    REPRESENTATIVE = "representative", _("Representative")
    MEETING = "meeting", _("Joint meeting")
    PROACTIVE = "proactive", _("Proactive work")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


# Channels where a member of staff types the need in for someone else (代办).
ON_BEHALF_CHANNELS = frozenset(
    {Channel.PHONE, Channel.VISIT, Channel.WALK_IN, Channel.HOTLINE, Channel.REPRESENTATIVE}
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIR = "fair", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    NOT_RATED = "not_rated", _("Not rated")


def format_number(number: str) -> str:
    """K7M4QXP2 → K7M4-QXP2: easier to read out on the phone."""
    return f"{number[:4]}-{number[4:]}" if len(number) == 8 else number


class NeedQuerySet(models.QuerySet["Need"]):
    def open(self) -> NeedQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def requests(self) -> NeedQuerySet:
        return self.filter(kind=Kind.REQUEST)


class Need(models.Model):
    number = models.CharField(_("tracking number"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.REQUEST)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="needs"
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    description = models.TextField(_("description"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Where the need is (usually a small grid) and which level handles it now: the
    # community's dispatcher at first, the parent level after an escalation.
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="needs"
    )
    owner_node = models.ForeignKey(
        Node, verbose_name=_("handled at"), on_delete=models.PROTECT, related_name="owned_needs"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source_person = models.ForeignKey(
        Person,
        verbose_name=_("raised through"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The representative or provider whose QR code was scanned."),
    )
    # A Chinese mobile (11 digits) or, from Open311 clients, an international number in E.164.
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    # Open311 clients may send an email instead of a phone (FixMyStreet sends a phone only
    # when the user gave one).
    contact_email = models.EmailField(
        _("contact email"), max_length=254, blank=True, default="", db_default=""
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    submitter = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted_needs"
    )
    entered_by = models.ForeignKey(
        Person,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entered_needs",
    )
    on_behalf_of = models.CharField(_("on behalf of"), max_length=64, blank=True)
    # Could not be placed in a small grid (an address only, a point outside every grid): it
    # waits at `node` (the jurisdiction it came through) for a dispatcher to place it.
    unplaced = models.BooleanField(_("waiting to be placed"), default=False, db_default=False)
    # What the public may read of the need (needs/publication.py): nothing a resident typed
    # until staff publish it, optionally as an edited summary; the original stays internal.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    public_summary = models.TextField(_("public summary"), blank=True, default="", db_default="")

    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUBMITTED, editable=False
    )
    assignee = models.ForeignKey(
        Person,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_needs",
        editable=False,
    )
    assignee_org = models.ForeignKey(
        Organisation,
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_needs",
        editable=False,
    )
    consultation = models.ForeignKey(
        Organisation,
        verbose_name=_("consultation of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        editable=False,
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )

    response_due = models.DateTimeField(_("response due"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    responded_on_time = models.BooleanField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_on_time = models.BooleanField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Sweep marks, one per deadline period; cleared when the need is dispatched anew.
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What every public read shows of the timeline, kept by the workflow as it appends events
    # (workflow._public_marks) so that a list of a thousand reads no event: when the public
    # timeline last grew, when the state last changed, and the public reply sent with that
    # change (the publication rule still decides whether it is shown).
    public_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_reply = models.TextField(blank=True, editable=False, default="", db_default="")
    # Set when the personal data was removed (privacy/services.need_anonymise).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # The language of the page the resident raised the need on (a LANGUAGES code), so that
    # what they are told later (civicgrid/outreach) is in it; blank: settings.LANGUAGE_CODE.
    language = models.CharField(
        _("language"), max_length=16, blank=True, default="", db_default="", editable=False
    )
    # The holder of the tracking link asked for no more messages about this need
    # (services.need_stop_messages); null: messages go (docs/outreach.md).
    messages_stopped_at = models.DateTimeField(
        _("messages stopped at"), null=True, blank=True, editable=False
    )
    # Raised, but its dispatchers not yet told and it not yet counted in the rollups: the
    # worker's part of intake (workflow.follow_up_pending, settings.INTAKE_FOLLOW_UP).
    awaiting_follow_up = models.BooleanField(default=False, db_default=False, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "response_due"], name="need_state_response_idx"),
            models.Index(fields=["state", "resolve_due"], name="need_state_resolve_idx"),
            models.Index(fields=["node", "category", "created_at"], name="need_node_cat_idx"),
            models.Index(fields=["contact_phone"], name="need_phone_idx"),
            # The overdue lists: few rows (the workflow clears overdue_at when a need closes),
            # read in overdue order with their place, from the index alone.
            models.Index(
                fields=["overdue_at"],
                include=["node_id"],
                condition=models.Q(overdue_at__isnull=False),
                name="need_overdue_idx",
            ),
            # The deadline sweep's candidates (needs/tasks.py): each index holds only the needs
            # whose next mark is still to come, so a sweep over a million open needs reads just
            # the few that fell due since the last one (docs/workflow.md).
            models.Index(
                fields=["response_due"],
                condition=models.Q(state__in=SWEEP_AWAITING, reminded_at__isnull=True),
                name="need_sweep_remind_idx",
            ),
            models.Index(
                fields=["response_due"],
                condition=models.Q(state__in=SWEEP_AWAITING, overdue_at__isnull=True),
                name="need_sweep_response_idx",
            ),
            models.Index(
                fields=["resolve_due"],
                condition=models.Q(state__in=SWEEP_WORKING, overdue_at__isnull=True),
                name="need_sweep_resolve_idx",
            ),
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(state="resolved"),
                name="need_sweep_unrated_idx",
            ),
            # The unplaced queue (docs/workflow.md): a handful waiting for a dispatcher.
            models.Index(
                fields=["node"],
                condition=models.Q(unplaced=True),
                name="need_unplaced_idx",
            ),
            # The needs the worker has still to follow up: a handful at any time.
            models.Index(
                fields=["id"],
                condition=models.Q(awaiting_follow_up=True),
                name="need_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at is not None and self.is_open

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.contact_phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.contact_email)

    @property
    def display_name(self) -> str:
        return "" if self.anonymous else self.contact_name


def is_public_reply(event: Any) -> bool:
    """A staff note sent as a public reply (docs/privacy.md). A resident's or the system's
    note never is, whatever is stored. The publication rule (`needs/publication.py`) asks it
    of every entry it shows, the workflow of the entry it keeps as `Need.public_reply`."""
    return bool(event.public) and event.actor_kind not in ("resident", "system")


class NeedEventQuerySet(AppendOnlyQuerySet):
    def privacy_mask_note(self, pk: int, note: str) -> int:
        """The one exception to append-only, for anonymisation only
        (privacy/services.need_anonymise): replace an event's note by the same note with
        personal data masked. Nothing else of an event ever changes (docs/privacy.md)."""
        return models.QuerySet.update(self.filter(pk=pk), note=note)


class NeedEvent(AppendOnly):
    """One entry of a need's timeline. Appended by the workflow; never edited or deleted."""

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(_("action"), max_length=16)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="need_events"
    )
    # "resident", "system" or blank (then actor says who).
    actor_kind = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A staff note is internal unless sent as a public reply; residents' notes never are.
    public = models.BooleanField(_("public reply"), default=False, db_default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = NeedEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar[list[str]] = ["need_id", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["need", "seq"], name="event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id}#{self.seq} {self.action}"


def photo_path(instance: NeedPhoto, filename: str) -> str:
    return f"needs/{instance.need.created_at:%Y/%m}/{instance.need.number}-{filename}"


class NeedPhoto(models.Model):
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(
        NeedEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return self.image.name or ""
