"""The care records' one timeline: an order, a delivery, a card, a reconciliation and a flag
each append their moves here (numbered per record), never updated, never deleted."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Person

__all__ = ["CareEvent", "Subject"]


class Subject(models.TextChoices):
    ORDER = "order", "order"
    DELIVERY = "delivery", "delivery"
    CARD = "card", "card"
    RECONCILIATION = "reconciliation", "reconciliation"
    FLAG = "flag", "flag"
    PERSON = "person", "person"


class CareEvent(AppendOnly):
    subject = models.CharField(max_length=16, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted, as the transition tables name them ("staff", "resident", "system"…).
    actor_kind = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "care event"
        ordering: ClassVar[list[str]] = ["subject", "subject_id", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["subject", "subject_id", "seq"], name="careevent_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}:{self.subject_id}#{self.seq} {self.action}"
