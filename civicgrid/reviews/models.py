"""Department reviews (部门评议): a town's round of reviews, the departments under review, the
short questionnaire (questions as data), residents' responses and their answers, and the
round's append-only timeline.

A response is one phone's review of one department in one round: the phone is kept only as a
keyed digest (`core.hashing.phone_digest`), and the database holds the one-per-phone rule
(`response_one_per_phone`). Only `rounds.py` moves a round's state.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Node, Organisation, Person


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Results published")


class Round(models.Model):
    """One round of reviews in a town (run by the subdistrict's people's congress work
    committee, 街道人大工委): a period, the departments under review, a questionnaire."""

    node = models.ForeignKey(
        Node, verbose_name=_("town"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(_("English title"), max_length=160, blank=True)
    title_mn = models.CharField(_("Mongolian title"), max_length=200, blank=True)
    intro = models.CharField(_("introduction"), max_length=400, blank=True)
    intro_mn = models.CharField(_("Mongolian introduction"), max_length=600, blank=True)
    opens = models.DateField(_("opens on"))
    closes = models.DateField(_("closes on"))
    state = models.CharField(
        _("state"), max_length=12, choices=RoundState.choices, default=RoundState.DRAFT
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering: ClassVar[list[str]] = ["-opens", "-pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(closes__gte=models.F("opens")), name="round_closes_after_opens"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["node", "state"], name="round_node_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SCORE = "score", _("A score from 1 to 5")
    CHOICE = "choice", _("A choice among options")
    COMMENT = "comment", _("A free comment")


class Question(models.Model):
    """One question of a round's questionnaire. A choice question keeps its options as data:
    a list of {"value", "label", "label_en", "label_mn"}."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=200)
    text_en = models.CharField(_("English question"), max_length=250, blank=True)
    text_mn = models.CharField(_("Mongolian question"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering: ClassVar[list[str]] = ["round", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Department(models.Model):
    """A department under review (被评议部门) in one round: an organisation of the network."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="departments")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name_mn = models.CharField(_("Mongolian name"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department under review")
        verbose_name_plural = _("departments under review")
        ordering: ClassVar[list[str]] = ["round", "order", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["round", "organisation"], name="department_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.organisation_id}"


class Response(models.Model):
    """One phone's review of one department in a round. `phone_digest` is the keyed digest of
    the verified phone ("" once forgotten: the answers stay counted)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="responses")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="responses")
    phone_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One review per phone per department per round, held by the database against
            # two sends at once.
            models.UniqueConstraint(
                fields=["round", "department", "phone_digest"],
                condition=~Q(phone_digest=""),
                name="response_one_per_phone",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["phone_digest"], name="response_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"response {self.pk}"


class Answer(models.Model):
    """One question's answer in a response: a score, a choice's value or a comment. A comment
    is for staff only unless staff mark it public."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=40, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    comment_public = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="answer_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class ReviewEvent(AppendOnly):
    """A round's timeline: its moves and what staff did to it (numbered per round), never
    updated, never deleted."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "review event"
        ordering: ClassVar[list[str]] = ["round", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["round", "seq"], name="reviewevent_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.seq} {self.action}"
