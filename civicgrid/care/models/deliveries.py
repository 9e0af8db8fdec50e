"""Deliveries (送餐上门): each day's run at a meal point is built from the orders that are
delivered, split into routes by grid, each route given to a member of the people who serve
(a party member, a volunteer, a grid worker). A delivery is marked delivered or "not home";
"not home" raises a welfare check (an urgent need) for the grid worker. The moves are made by
`care/deliveries.py` only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.care.models.meals import MealOrder, MealPoint
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Person

__all__ = ["Delivery", "DeliveryRoute", "DeliveryRun", "DeliveryState"]


class DeliveryRun(models.Model):
    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="runs")
    day = models.DateField(_("day"))
    built_at = models.DateTimeField()
    built_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("delivery run")
        verbose_name_plural = _("delivery runs")
        ordering: ClassVar[list[str]] = ["-day", "point_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["point", "day"], name="deliveryrun_one_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} {self.day}"


class DeliveryRoute(models.Model):
    """The deliveries of one grid in a run, and who carries them."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="routes")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    deliverer = models.ForeignKey(
        Person,
        verbose_name=_("deliverer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivery_routes",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Hours credited to the deliverer for the route, when it was finished.
    hours = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("delivery route")
        verbose_name_plural = _("delivery routes")
        ordering: ClassVar[list[str]] = ["run_id", "grid_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["run", "grid"], name="deliveryroute_grid_once"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="deliveryroute_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.grid_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("To deliver")
    DELIVERED = "delivered", _("Delivered")
    NOT_HOME = "not_home", _("Not home")
    # The order was cancelled before the meal went out.
    CANCELLED = "cancelled", _("Order cancelled")


class Delivery(models.Model):
    route = models.ForeignKey(DeliveryRoute, on_delete=models.CASCADE, related_name="deliveries")
    order = models.OneToOneField(MealOrder, on_delete=models.PROTECT, related_name="delivery")
    position = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The welfare check raised when nobody answered.
    welfare_need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering: ClassVar[list[str]] = ["route_id", "position", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "delivered", "not_home", "cancelled"]),
                name="delivery_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.state}"
