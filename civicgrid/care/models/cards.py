"""Assistance cards (爱心帮扶卡): eligibility kinds with their monthly limits, cards issued to
households, partner shops (licensed, with their agreement and discount), every redemption on
a ledger, each shop's monthly reconciliation that staff approve, and flags for what looks wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.care.models.register import Household
from civicgrid.network.models import Node, Organisation, Person

__all__ = [
    "Card",
    "CardKind",
    "CardState",
    "FlagKind",
    "FlagState",
    "FraudFlag",
    "PartnerShop",
    "Reconciliation",
    "ReconciliationState",
    "Redemption",
]


class CardKind(models.Model):
    """Who is eligible for a card, and how much it may be used a month (the rules as data)."""

    name = models.CharField(pgettext_lazy("card kind", "name"), max_length=60)
    name_mn = models.CharField(_("Mongolian name"), max_length=120, blank=True)
    # Where the kind is issued: households within this node's subtree, kept by the staff who
    # serve it. Empty: everywhere, kept by administrators.
    node = models.ForeignKey(
        Node,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_kinds",
    )
    description = models.CharField(_("who is eligible"), max_length=200, blank=True)
    # The care kinds (register.CareKind values) that make a household eligible: one of its
    # members on the register for one of them. Empty: any household staff choose.
    eligible_kinds = models.JSONField(_("eligible care kinds"), default=list, blank=True)
    # What the card may buy a month, at list prices, and how many times it may be used.
    monthly_amount = models.DecimalField(
        _("purchases a month (yuan)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    monthly_uses = models.PositiveSmallIntegerField(
        _("uses a month"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("issued"), default=True)

    class Meta:
        verbose_name = _("card kind")
        verbose_name_plural = _("card kinds")
        ordering: ClassVar[list[str]] = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PartnerShop(models.Model):
    """A shop licensed to honour the cards (挂牌), with its agreement and discount."""

    name = models.CharField(pgettext_lazy("shop", "name"), max_length=100)
    name_mn = models.CharField(_("Mongolian name"), max_length=200, blank=True)
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="partner_shops"
    )
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_shops",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=40, blank=True)
    licensed_on = models.DateField(_("licensed on"))
    agreement_from = models.DateField(_("agreement from"))
    agreement_until = models.DateField(_("agreement until"), null=True, blank=True)
    # Percent off list prices for a card holder (20 = pay 80 %).
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    clerks = models.ManyToManyField(
        Person, verbose_name=_("clerks"), blank=True, related_name="partner_shops"
    )
    active = models.BooleanField(_("honours cards"), default=True)

    class Meta:
        verbose_name = _("partner shop")
        verbose_name_plural = _("partner shops")
        ordering: ClassVar[list[str]] = ["node_id", "name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="shop_discount",
            ),
            models.CheckConstraint(
                condition=Q(agreement_until__isnull=True)
                | Q(agreement_until__gte=F("agreement_from")),
                name="shop_agreement_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CardState(models.TextChoices):
    ACTIVE = "active", _("In use")
    SUSPENDED = "suspended", _("Suspended")
    REPLACED = "replaced", _("Replaced")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Card(models.Model):
    """One card of a household. A reissued card replaces the old one and shares its month's
    limits (`series`: the first card's id)."""

    number = models.CharField(_("card number"), max_length=16, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cards")
    kind = models.ForeignKey(CardKind, on_delete=models.PROTECT, related_name="cards")
    state = models.CharField(max_length=10, choices=CardState.choices, default=CardState.ACTIVE)
    series = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assistance card")
        verbose_name_plural = _("assistance cards")
        ordering: ClassVar[list[str]] = ["-issued_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(state__in=["active", "suspended", "replaced", "withdrawn"]),
                name="card_state",
            ),
            # A household holds one card at a time: a second is a reissue, never a new issue.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(state__in=["active", "suspended"]),
                name="card_one_live_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ReconciliationState(models.TextChoices):
    OPEN = "open", _("To approve")
    APPROVED = "approved", _("Approved")


class Reconciliation(models.Model):
    """A shop's month: the sums of its redemptions, approved by staff (then fixed)."""

    shop = models.ForeignKey(PartnerShop, on_delete=models.PROTECT, related_name="reconciliations")
    month = models.DateField(_("month"))  # its first day
    state = models.CharField(
        max_length=10, choices=ReconciliationState.choices, default=ReconciliationState.OPEN
    )
    uses = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    computed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering: ClassVar[list[str]] = ["-month", "shop_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["shop", "month"], name="reconciliation_shop_month"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.month}"


class Redemption(models.Model):
    """One use of a card at a shop. `scan_key` is the one-time key of the scan: the same scan
    sent twice is one redemption."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="redemptions")
    series = models.PositiveBigIntegerField(db_index=True)
    shop = models.ForeignKey(PartnerShop, on_delete=models.PROTECT, related_name="redemptions")
    clerk = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scan_key = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(_("list amount (yuan)"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("discount (yuan)"), max_digits=10, decimal_places=2)
    paid = models.DecimalField(_("paid (yuan)"), max_digits=10, decimal_places=2)
    what = models.CharField(_("what was bought"), max_length=120, blank=True)
    month = models.DateField(db_index=True)  # the first day of the month it counts in
    created_at = models.DateTimeField(db_index=True)
    reconciliation = models.ForeignKey(
        Reconciliation, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("amount")),
                name="redemption_discount",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # A card's month (its limits) and a shop's day (its average) are read on every use.
            models.Index(fields=["series", "month"], name="redemption_series_month"),
            models.Index(fields=["shop", "created_at"], name="redemption_shop_time"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.amount}"


class FlagKind(models.TextChoices):
    TWO_SHOPS = "two_shops", _("Used at two shops within minutes")
    OVER_LIMIT = "over_limit", _("Tried over the monthly limit")
    SHOP_SPIKE = "shop_spike", _("A shop far above its average")
    SUSPENDED_CARD = "suspended_card", _("A suspended or replaced card scanned")


class FlagState(models.TextChoices):
    OPEN = "open", _("To check")
    CLEARED = "cleared", _("Checked: nothing wrong")
    CONFIRMED = "confirmed", _("Checked: misuse")


class FraudFlag(models.Model):
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    state = models.CharField(max_length=10, choices=FlagState.choices, default=FlagState.OPEN)
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    shop = models.ForeignKey(
        PartnerShop, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kind
