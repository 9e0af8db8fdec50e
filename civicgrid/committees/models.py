"""Joint committees at work (非建制性联合党委): what member units pledged (资源清单), the three
lists (目标、需求、工作), joint meetings (联席会议), consultations on hard needs (问题攻坚会商) and
the assessment of member units (考核共评).

A committee and its member units are `network.Organisation` rows (kind "joint_committee" and
"member_unit", joined by `Organisation.committee`); this app keeps what they do. Fields and
constraints only. Each record with a life cycle (Task, Meeting, Consultation, Assessment) has its
state as a `TextChoices`, is moved only by its state-machine module (`work.py`, `meetings.py`,
`consultations.py`, `assessment.py`) and appends to one event table (`CommitteeEvent`).
The needs list (需求清单) is not stored: it is read live from the needs (`needlist.py`), with
`ListedNeed` only for a need a member unit asked to put on it.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Organisation, Person

# --- 资源清单: what each member unit pledged ---------------------------------------------------


class PledgeKind(models.TextChoices):
    PEOPLE = "people", _("People")
    VEHICLE = "vehicle", _("Vehicles")
    EQUIPMENT = "equipment", _("Equipment")
    SKILL = "skill", _("Skills")
    OTHER = "other", _("Other")


class Pledge(models.Model):
    """One line of a member unit's resource list: "3 militia for snow clearing", "1 tractor"."""

    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("member unit"),
        on_delete=models.CASCADE,
        related_name="pledges",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PledgeKind.choices)
    description = models.CharField(_("what"), max_length=160)
    quantity = models.PositiveIntegerField(_("how many"), default=1)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering: ClassVar[list[str]] = ["unit", "kind", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pledge_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


# --- 目标清单: yearly goals --------------------------------------------------------------------


class GoalMeasure(models.TextChoices):
    NEEDS_RESOLVED = "needs_resolved", _("Needs resolved in the committee's area")
    HELPED = "helped", _("Problems solved by the committee (帮助解决实际问题)")
    TASKS_DONE = "tasks_done", _("Work tasks done")
    MEETINGS_HELD = "meetings_held", _("Joint meetings held")
    TYPED = "typed", _("A number typed in")


class Goal(models.Model):
    """A yearly goal with a measurable target and the figure that tracks it."""

    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="goals"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("goal"), max_length=160)
    measure = models.CharField(_("tracked by"), max_length=16, choices=GoalMeasure.choices)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    unit_label = models.CharField(_("unit"), max_length=16, blank=True, help_text=_("e.g. 件, km"))
    # For a typed figure: the latest number typed in (each change is an event).
    typed_value = models.DecimalField(
        _("figure so far"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering: ClassVar[list[str]] = ["-year", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(target__gt=0), name="goal_target_positive"),
        ]

    def __str__(self) -> str:
        return self.title


# --- 需求清单: needs a member unit asked the committee to take up --------------------------------


class ListedNeed(models.Model):
    """A need of the area a member unit asked to put on the committee's needs list. The need
    itself is read live; this row says only who asked, and why."""

    committee = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="listed_needs"
    )
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Organisation, verbose_name=_("asked by"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("why"), max_length=300, blank=True)
    by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("need asked for")
        verbose_name_plural = _("needs asked for")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["committee", "need"], name="listedneed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} @ {self.committee_id}"


# --- 联席会议: joint meetings -----------------------------------------------------------------


class MeetingSeries(models.Model):
    """A schedule (the monthly border joint meeting) from which the worker creates meetings."""

    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), default=10)
    time = models.TimeField(_("time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=120)
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_detail = models.CharField(_("where exactly"), max_length=120, blank=True)
    lead_days = models.PositiveSmallIntegerField(
        _("created ahead (days)"), default=14, help_text=_("How long before a meeting it is set.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting schedule")
        verbose_name_plural = _("meeting schedules")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28), name="series_day_1_to_28"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    RECORDED = "recorded", _("Recorded")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_detail = models.CharField(_("where exactly"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    # The secret the check-in QR code carries (as an activity's).
    checkin_key = models.CharField(max_length=32)
    minutes = models.TextField(_("minutes"), blank=True)
    noticed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering: ClassVar[list[str]] = ["-starts_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            # The worker creates a series' meeting once, however many workers run.
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="meeting_once_per_series_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaKind(models.TextChoices):
    NEED = "need", _("A need")
    TASK = "task", _("An open task")
    ITEM = "item", _("An item raised by a member")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=AgendaKind.choices)
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("item"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["meeting", "need"], condition=Q(need__isnull=False), name="agenda_need_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "task"], condition=Q(task__isnull=False), name="agenda_task_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="need", need__isnull=False)
                | Q(kind="task", task__isnull=False)
                | Q(kind="item", need__isnull=True, task__isnull=True),
                name="agenda_kind_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.text or f"{self.kind} #{self.pk}"


class Attendance(models.Model):
    """Who came to a meeting, and for which member unit: by the QR code or entered by staff."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_qr = models.BooleanField(default=False)
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.meeting_id}"


# --- 问题攻坚会商: consultations on hard needs -------------------------------------------------


class ConsultationState(models.TextChoices):
    OPEN = "open", _("Consulting")
    DECIDED = "decided", _("Decided")
    RESOLVED = "resolved", _("Resolved through the tasks")
    RETURNED = "returned", _("Returned to the community")
    CLOSED = "closed", _("Closed")


class Consultation(models.Model):
    """A hard need escalated to the committee: the units involved, a date, each unit's
    contribution, a decision (who does what by when: tasks), and the outcome."""

    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        related_name="committee_consultations",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ConsultationState.choices, default=ConsultationState.OPEN
    )
    units = models.ManyToManyField(Organisation, verbose_name=_("units involved"), related_name="+")
    held_on = models.DateField(_("consultation date"), null=True, blank=True)
    # What the resident reads of the outcome (the publication rule decides when).
    outcome = models.TextField(_("outcome"), blank=True)
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering: ClassVar[list[str]] = ["-opened_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(state__in=["open", "decided"]),
                name="consultation_one_open_per_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.need_id}"


class Contribution(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="contributions"
    )
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("contribution"))
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


class Decision(models.Model):
    """What a meeting or a consultation decided; each becomes one or more tasks."""

    committee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("decision"))
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False) | Q(consultation__isnull=False),
                name="decision_of_meeting_or_consultation",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


# --- 工作清单: work tasks ----------------------------------------------------------------------


class TaskState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    DONE = "done", _("Done, to verify")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATES = (TaskState.ASSIGNED, TaskState.ACCEPTED, TaskState.DONE, TaskState.RETURNED)


class TaskQuerySet(models.QuerySet):
    def open(self) -> TaskQuerySet:
        return self.filter(state__in=OPEN_TASK_STATES)


class Task(models.Model):
    """A task for a member unit (工作清单): from a goal, a need or a decision, with an owner and
    a deadline. `resolves_need`: verifying it resolves the need it came from."""

    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("task"), max_length=160)
    detail = models.TextField(_("detail"), blank=True)
    unit = models.ForeignKey(
        Organisation, verbose_name=_("member unit"), on_delete=models.PROTECT, related_name="tasks"
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due = models.DateTimeField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=10, choices=TaskState.choices, default=TaskState.ASSIGNED
    )
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    resolves_need = models.BooleanField(_("verifying it resolves the need"), default=False)
    result = models.TextField(_("what was done"), blank=True)
    return_reason = models.CharField(_("reason"), max_length=300, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_on_time = models.BooleanField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("work task")
        verbose_name_plural = _("work tasks")
        ordering: ClassVar[list[str]] = ["due", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(resolves_need=False) | Q(need__isnull=False),
                name="task_resolves_only_its_need",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["committee", "state", "due"], name="task_committee_state_idx"),
            models.Index(fields=["unit", "state"], name="task_unit_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# --- 考核共评: assessment of member units ------------------------------------------------------


class Measure(models.TextChoices):
    TASKS_DONE = "tasks_done", _("Tasks done (share of those due)")
    ON_TIME = "on_time", _("Tasks done on time (share)")
    RETURNED = "returned", _("Tasks returned (share, counted against)")
    NEEDS = "needs", _("Needs resolved (against the best unit)")
    ATTENDANCE = "attendance", _("Meetings attended (share)")
    PEER = "peer", _("Peer score (average, 0–100)")


class AssessmentWeight(models.Model):
    """How much each measure counts, as data; an assessment copies them when it opens, so a
    later change never rewrites a past period."""

    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices, unique=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("assessment weight")
        verbose_name_plural = _("assessment weights")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.weight}"


class AssessmentState(models.TextChoices):
    SCORING = "scoring", _("Open for peer scores")
    CLOSED = "closed", _("Closed")


class Assessment(models.Model):
    committee = models.ForeignKey(
        Organisation, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    state = models.CharField(
        max_length=8, choices=AssessmentState.choices, default=AssessmentState.SCORING
    )
    # {measure: weight as a string}, copied from AssessmentWeight when it opened.
    weights = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering: ClassVar[list[str]] = ["-ends_on", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="assessment_period_order"
            ),
            models.UniqueConstraint(
                fields=["committee", "starts_on", "ends_on"], name="assessment_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PeerScore(models.Model):
    """One unit's score of another for a period (or the community's, `by_unit` empty): once
    per pair, never of itself."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    by_unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score (0–100)"))
    by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(score__lte=100), name="peerscore_at_most_100"),
            models.CheckConstraint(
                condition=Q(by_unit__isnull=True) | ~Q(by_unit=models.F("unit")),
                name="peerscore_no_self_scoring",
            ),
            models.UniqueConstraint(
                fields=["assessment", "by_unit", "unit"],
                condition=Q(by_unit__isnull=False),
                name="peerscore_once_per_pair",
            ),
            models.UniqueConstraint(
                fields=["assessment", "unit"],
                condition=Q(by_unit__isnull=True),
                name="peerscore_community_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.by_unit_id}→{self.unit_id}: {self.score}"


class AssessmentRow(models.Model):
    """One member unit's figures for a period, computed from tasks, needs, attendance and peer
    scores (`assessment.compute`); recomputed, never edited."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rows")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    tasks_due = models.PositiveIntegerField(default=0)
    tasks_done = models.PositiveIntegerField(default=0)
    tasks_on_time = models.PositiveIntegerField(default=0)
    tasks_returned = models.PositiveIntegerField(default=0)
    needs_resolved = models.PositiveIntegerField(default=0)
    meetings = models.PositiveIntegerField(default=0)
    meetings_attended = models.PositiveIntegerField(default=0)
    peer_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    peer_count = models.PositiveIntegerField(default=0)
    score = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    rank = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["rank", "unit__name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="assessmentrow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.score}"


# --- The timeline -----------------------------------------------------------------------------


class CommitteeEvent(AppendOnly):
    """One entry of a committee's timeline: a change to its set-up (members, pledges, goals:
    no record field set), or a move of one task, meeting, consultation or assessment (exactly
    one set). Numbered per record (per committee for set-up changes), appended under that
    record's row lock; never changed."""

    committee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The member unit the event is about (a task's, a pledge's, a contribution's).
    unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee event")
        verbose_name_plural = _("committee events")
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(task__isnull=True, meeting__isnull=True, consultation__isnull=True)
                | Q(task__isnull=True, meeting__isnull=True, assessment__isnull=True)
                | Q(task__isnull=True, consultation__isnull=True, assessment__isnull=True)
                | Q(meeting__isnull=True, consultation__isnull=True, assessment__isnull=True),
                name="committeeevent_at_most_one_record",
            ),
            models.UniqueConstraint(
                fields=["committee", "seq"],
                condition=Q(
                    task__isnull=True,
                    meeting__isnull=True,
                    consultation__isnull=True,
                    assessment__isnull=True,
                ),
                name="committeeevent_committee_seq",
            ),
            models.UniqueConstraint(
                fields=["task", "seq"],
                condition=Q(task__isnull=False),
                name="committeeevent_task_seq",
            ),
            models.UniqueConstraint(
                fields=["meeting", "seq"],
                condition=Q(meeting__isnull=False),
                name="committeeevent_meeting_seq",
            ),
            models.UniqueConstraint(
                fields=["consultation", "seq"],
                condition=Q(consultation__isnull=False),
                name="committeeevent_consultation_seq",
            ),
            models.UniqueConstraint(
                fields=["assessment", "seq"],
                condition=Q(assessment__isnull=False),
                name="committeeevent_assessment_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"
