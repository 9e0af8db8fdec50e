"""The care register: people the community cares for (elderly people, fact orphans, hardship
households, disabled people), their households and how to reach them and their guardians.

The most sensitive personal data in the product, so the fewest fields: a birth date (the age is
computed on the day it is asked, never stored), no identity-card number in clear (a keyed digest
when staff need to recognise a person again, `core.hashing.identity_digest`), phones masked
wherever they are listed (`care/access.py` reveals and logs).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.network.models import Node, Person

__all__ = [
    "CareKind",
    "CareMark",
    "CaredPerson",
    "Household",
    "Mobility",
    "age_on",
]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years on `day`: a person born on 4 December 1941 is 85 from 4 December 2026.
    Born on 29 February: a year older on 1 March in a year without one."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class Mobility(models.TextChoices):
    INDEPENDENT = "independent", _("Independent")
    LIMITED = "limited", _("Limited mobility")
    BEDRIDDEN = "bedridden", _("Bedridden")


class CareKind(models.TextChoices):
    ELDERLY = "elderly", _("Elderly person")
    FACT_ORPHAN = "fact_orphan", _("Fact orphan")
    HARDSHIP = "hardship", _("Hardship household")
    DISABLED = "disabled", _("Disabled person")


class Household(models.Model):
    """A household at an address within a node (a small grid, a village group). Assistance
    cards are issued to a household."""

    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="care_households"
    )
    name = models.CharField(pgettext_lazy("household", "name"), max_length=60)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Forgotten (privacy): name, address, point and phone blanked; figures stay.
    forgotten_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering: ClassVar[list[str]] = ["node_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class CaredPersonQuerySet(models.QuerySet["CaredPerson"]):
    def current(self) -> CaredPersonQuerySet:
        """On the register: not left (moved away, died) and not forgotten."""
        return self.filter(left_at__isnull=True, forgotten_at__isnull=True)


class CaredPerson(models.Model):
    """One person on the care register."""

    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="cared_people"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    name_mn = models.CharField(_("Mongolian name"), max_length=120, blank=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(
        _("sex"),
        max_length=1,
        blank=True,
        choices=[("f", pgettext_lazy("sex", "Female")), ("m", pgettext_lazy("sex", "Male"))],
    )
    mobility = models.CharField(
        _("mobility"), max_length=12, choices=Mobility.choices, default=Mobility.INDEPENDENT
    )
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    guardian_name = models.CharField(_("guardian or family contact"), max_length=60, blank=True)
    guardian_relation = models.CharField(_("relation"), max_length=20, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    # A keyed digest of the identity-card number when staff need to recognise the person on an
    # imported sheet again (core.hashing.identity_digest); never the number.
    identity_digest = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(_("left the register"), null=True, blank=True)
    forgotten_at = models.DateTimeField(null=True, blank=True)

    objects = CaredPersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("cared-for person")
        verbose_name_plural = _("care register")
        ordering: ClassVar[list[str]] = ["node_id", "name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One person on the register once: the same identity-card digest twice among
            # people still on it is refused by the database too (register.py says why first).
            models.UniqueConstraint(
                fields=["identity_digest"],
                condition=~Q(identity_digest="")
                & Q(left_at__isnull=True, forgotten_at__isnull=True),
                name="caredperson_digest_once",
            ),
            models.CheckConstraint(
                condition=Q(mobility__in=[m.value for m in Mobility]),
                name="caredperson_mobility",
            ),
            models.CheckConstraint(condition=Q(sex__in=["", "f", "m"]), name="caredperson_sex"),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


class CareMark(models.Model):
    """A care kind a person is on the register for (one person may be several)."""

    person = models.ForeignKey(CaredPerson, on_delete=models.CASCADE, related_name="marks")
    kind = models.CharField(_("care kind"), max_length=12, choices=CareKind.choices)

    class Meta:
        verbose_name = _("care kind")
        verbose_name_plural = _("care kinds")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["person", "kind"], name="caremark_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in CareKind]), name="caremark_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.kind
