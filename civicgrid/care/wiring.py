"""What the care module hands to the layers below when the app is loaded: periodic tasks,
subscriptions, the meal points for "what is near me". Called from `CareConfig.ready()`."""

from __future__ import annotations


def ready() -> None:
    from civicgrid.care import deliveries, events, orders, points
    from civicgrid.core.scheduler import register_periodic
    from civicgrid.services import nearby

    # Care visits past their due date: their visitor is reminded, once per due date.
    register_periodic(
        "care.remind_missed_visits",
        "civicgrid.care.tasks.remind_missed_visits",
        "CARE_VISIT_REMINDER_SECONDS",
    )
    # Meal points appear in "what is near me" beside the services.
    if points.nearby_points not in nearby.EXTRA_SOURCES:
        nearby.EXTRA_SOURCES.append(points.nearby_points)
    # Deliveries count toward the deliverer's hours and points; a cancelled order leaves its
    # route.
    deliveries.wire()
    # A person taken off the register eats no more meals from that day.
    events.subscribe("person.leave", orders.on_person_left, when="transaction")
