"""Meal points (老年助餐点): their age bands (who may order, who gets the special dish, who eats
free and is delivered to, at what price: the rules as data), daily menus and orders.

A band is never edited once in force: changing a rule ends the old band (`valid_until`) and
starts a new one, and every order keeps what applied to it (band, age, price, dish, delivery),
so past orders read as they were placed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.care.models.register import CaredPerson
from civicgrid.network.models import Node, Person
from civicgrid.services.models import Service

__all__ = [
    "AgeBand",
    "Dish",
    "MealOrder",
    "MealPoint",
    "Menu",
    "OrderState",
    "PlacedBy",
]


class MealPoint(models.Model):
    """A meal point: where it is, when it serves, how many meals a day, who runs it."""

    name = models.CharField(pgettext_lazy("meal point", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=200, blank=True)
    # The village or community it stands in; it serves the people registered there and below
    # (`area`, when wider: Dagouwan's point also serves Dachangzi).
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="meal_points"
    )
    area = models.ForeignKey(
        Node,
        verbose_name=_("area served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    address_mn = models.CharField(_("Mongolian address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    serves_from = models.TimeField(_("lunch from"), default=dt.time(11, 30))
    serves_until = models.TimeField(_("lunch until"), default=dt.time(13, 0))
    # Orders for a day close at this time on that day.
    order_cutoff = models.TimeField(_("orders close at"), default=dt.time(9, 30))
    capacity = models.PositiveSmallIntegerField(
        _("meals a day"), default=60, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    phone = models.CharField(_("point's phone"), max_length=20, blank=True)
    staff = models.ManyToManyField(
        Person, verbose_name=_("staff"), blank=True, related_name="meal_points_run"
    )
    # Extra services (laundry, bathing, haircut…) given at the point, booked as appointments.
    extra_services = models.ManyToManyField(
        Service, verbose_name=_("extra services"), blank=True, related_name="meal_points"
    )
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meal point")
        verbose_name_plural = _("meal points")
        ordering: ClassVar[list[str]] = ["node_id", "name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(serves_until__gt=F("serves_from")), name="mealpoint_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgeBand(models.Model):
    """One rule of who eats what at what price. The bands in force at a point on a day are its
    own (or, when it has none, the region's: `point` empty); a person's band is the one with the
    highest `min_age` they meet (and, where `limited_mobility_only`, whose mobility is limited or
    bedridden). Nobody below the lowest band may order."""

    point = models.ForeignKey(
        MealPoint,
        verbose_name=_("meal point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bands",
    )
    name = models.CharField(pgettext_lazy("band", "name"), max_length=40)
    name_mn = models.CharField(_("Mongolian name"), max_length=80, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("from age"), validators=[MinValueValidator(0), MaxValueValidator(130)]
    )
    limited_mobility_only = models.BooleanField(_("only with limited mobility"), default=False)
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    special_dish = models.BooleanField(_("the special dish (爱心菜)"), default=False)
    free = models.BooleanField(_("eats free"), default=False)
    delivery = models.BooleanField(_("delivered home"), default=False)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("in force until (exclusive)"), null=True, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        ordering: ClassVar[list[str]] = ["point_id", "min_age", "valid_from", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(price__gte=0), name="ageband_price"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="ageband_dates",
            ),
            models.CheckConstraint(
                condition=Q(free=False) | Q(price=0), name="ageband_free_costs_nothing"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Menu(models.Model):
    """A point's menu for one day; residents see it once published."""

    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="menus")
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    note_mn = models.CharField(_("Mongolian note"), max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A published menu may still be corrected (a dish ran out): who changed it last, and when.
    corrected_at = models.DateTimeField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        ordering: ClassVar[list[str]] = ["point_id", "-day"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["point", "day"], name="menu_one_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} {self.day}"


class Dish(models.Model):
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="dishes")
    name = models.CharField(pgettext_lazy("dish", "name"), max_length=60)
    name_mn = models.CharField(_("Mongolian name"), max_length=120, blank=True)
    # The low-salt, low-oil, soft 爱心菜 for those whose band has the special dish.
    special = models.BooleanField(_("special dish (爱心菜)"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")
        ordering: ClassVar[list[str]] = ["menu_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class OrderState(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    SERVED = "served", _("Served")
    CANCELLED = "cancelled", _("Cancelled")


class PlacedBy(models.TextChoices):
    SELF = "self", _("The person")
    FAMILY = "family", _("Family")
    STAFF = "staff", _("Staff on their behalf")


class MealOrderQuerySet(models.QuerySet["MealOrder"]):
    def live(self) -> MealOrderQuerySet:
        return self.exclude(state=OrderState.CANCELLED)


class MealOrder(models.Model):
    """One meal for one person on one day, with what applied when it was placed."""

    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="orders")
    day = models.DateField(_("day"), db_index=True)
    person = models.ForeignKey(CaredPerson, on_delete=models.PROTECT, related_name="meal_orders")
    # What applied (never rewritten when the rules change).
    band = models.ForeignKey(AgeBand, on_delete=models.PROTECT, related_name="orders")
    band_name = models.CharField(_("band"), max_length=40)
    age = models.PositiveSmallIntegerField(_("age on the day"))
    price = models.DecimalField(_("price (yuan)"), max_digits=6, decimal_places=2)
    special_dish = models.BooleanField(default=False)
    free = models.BooleanField(default=False)
    home_delivery = models.BooleanField(default=False)
    placed_by = models.CharField(max_length=8, choices=PlacedBy.choices)
    placed_by_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placer_name = models.CharField(_("ordered by"), max_length=60, blank=True)
    placer_phone = models.CharField(_("phone of who ordered"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)
    state = models.CharField(max_length=10, choices=OrderState.choices, default=OrderState.ORDERED)
    created_at = models.DateTimeField()
    served_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = MealOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        ordering: ClassVar[list[str]] = ["-day", "point_id", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["person", "day"],
                condition=~Q(state="cancelled"),
                name="mealorder_one_a_day",
            ),
            models.CheckConstraint(condition=Q(free=False) | Q(price=0), name="mealorder_free"),
            models.CheckConstraint(
                condition=Q(state__in=["ordered", "served", "cancelled"]), name="mealorder_state"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["point", "day"], name="mealorder_point_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day}"
