"""Care visits (关爱走访): a visiting plan per cared-for person (fact orphans monthly, people
living alone weekly), visits recorded by grid workers as proactive work, missed visits
reminded, and a finding that can raise a need."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.care.models.register import CaredPerson
from civicgrid.needs.models import Need
from civicgrid.network.models import Person

__all__ = ["CareVisit", "Finding", "VisitPlan"]


class VisitPlan(models.Model):
    person = models.ForeignKey(CaredPerson, on_delete=models.PROTECT, related_name="visit_plans")
    every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    # Who visits; empty: the grid workers of the person's grid.
    visitor = models.ForeignKey(
        Person,
        verbose_name=_("visitor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_visit_plans",
    )
    next_due = models.DateField(_("next visit due"), db_index=True)
    # The due date a "missed visit" reminder was last sent for (claimed once per due date).
    reminded_for = models.DateField(null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visiting plan")
        verbose_name_plural = _("visiting plans")
        ordering: ClassVar[list[str]] = ["next_due", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One plan in force per person: visits.plan_save changes it rather than adding one.
            models.UniqueConstraint(
                fields=["person"], condition=Q(active=True), name="visitplan_one_active"
            ),
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=366), name="visitplan_every"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} /{self.every_days}d"


class Finding(models.TextChoices):
    WELL = "well", _("All well")
    CONCERN = "concern", _("Something to follow")
    URGENT = "urgent", _("Needs help now")
    NOT_HOME = "not_home", _("Not home")


class CareVisit(models.Model):
    person = models.ForeignKey(CaredPerson, on_delete=models.PROTECT, related_name="visits")
    plan = models.ForeignKey(
        VisitPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    visitor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_visits")
    visited_at = models.DateTimeField(db_index=True)
    finding = models.CharField(_("what was found"), max_length=10, choices=Finding.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The proactive-work record in the needs timeline (kind "visit").
    record = models.OneToOneField(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="care_visit"
    )
    # A need raised from the finding.
    raised_need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering: ClassVar[list[str]] = ["-visited_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(finding__in=[f.value for f in Finding]),
                name="carevisit_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.visited_at:%Y-%m-%d}"
