"""The catalogue: services as data, kept by the staff who serve the place, and how a service
reads on the resident pages (its price, the ways it is given, its hours in words)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Invalid
from civicgrid.network.models import Node, Organisation, Person, Role, node_label
from civicgrid.services import access
from civicgrid.services.models import Mode, OpeningHours, Service

WEEKDAYS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]

# The fields staff may set on a service (the rest are the record's own).
FIELDS = (
    "name",
    "name_en",
    "name_mn",
    "kind",
    "description",
    "provider_person",
    "provider_org",
    "node",
    "lat",
    "lon",
    "price",
    "price_note",
    "at_workshop",
    "door_to_door",
    "door_area",
    "after_hours",
    "by_appointment",
    "duration_minutes",
    "capacity",
    "photo",
    "active",
)


def offered_at(node: Node) -> QuerySet[Service]:
    """The active services at `node` and under it, with what a card prints."""
    return (
        Service.objects.filter(active=True, node__path__startswith=node.path)
        .select_related("node", "provider_org", "provider_person")
        .prefetch_related("hours")
        .order_by("node__path", "name", "id")
    )


def price_words(service: Service) -> str:
    if service.price == 0:
        words = _("Free")
    elif service.price == Decimal(1):
        words = _("One yuan")
    else:
        words = _("%(price)s yuan") % {"price": f"{service.price.normalize():f}"}
    return f"{words} · {service.price_note}" if service.price_note else words


def _span(row: OpeningHours) -> str:
    return f"{row.starts:%H:%M}–{row.ends:%H:%M}"


def hours_words(hours: list[OpeningHours]) -> list[str]:
    """The opening hours as lines a resident reads: "Working days 09:00–11:30, 14:00–17:30",
    "Sat 09:00–11:30", "Evenings (after hours): Mon 18:30–20:00"."""
    lines = []
    working = [_span(h) for h in hours if h.weekday is None and not h.after_hours]
    if working:
        lines.append(_("Working days %(hours)s") % {"hours": ", ".join(working)})
    by_day: dict[int, list[str]] = {}
    for h in hours:
        if h.weekday is not None and not h.after_hours:
            by_day.setdefault(h.weekday, []).append(_span(h))
    for weekday, spans in sorted(by_day.items()):
        lines.append(f"{WEEKDAYS[weekday]} {', '.join(spans)}")
    late = [
        (str(WEEKDAYS[h.weekday]) + " " if h.weekday is not None else "") + _span(h)
        for h in hours
        if h.after_hours
    ]
    if late:
        lines.append(_("After hours: %(hours)s") % {"hours": ", ".join(late)})
    return lines


def provider_name(service: Service) -> str:
    if service.provider_person_id is not None and service.provider_person is not None:
        return service.provider_person.name
    return service.provider_org.name if service.provider_org else ""


def card(service: Service) -> dict[str, Any]:
    """What the resident pages print of a service (read its `hours` prefetched)."""
    return {
        "id": service.pk,
        "label": service.label,
        "kind": service.get_kind_display(),
        "description": service.description,
        "price": price_words(service),
        "modes": [Mode(m).label for m in service.modes],
        "door": service.door_to_door,
        "hours": hours_words(list(service.hours.all())),
        "provider": provider_name(service),
        "place": node_label(service.node),
        "photo": service.photo.url if service.photo else "",
        "minutes": service.duration_minutes,
    }


# --- Writes (staff who serve the place) -------------------------------------------------------


def _check(values: dict[str, Any]) -> None:
    person, org = values.get("provider_person"), values.get("provider_org")
    if bool(person) == bool(org):
        message = _("Choose the provider: a person or an organisation, one of the two.")
        raise Invalid(message, code="provider", fields={"provider_org": [message]})
    flags = ("at_workshop", "door_to_door", "after_hours", "by_appointment")
    if not any(values.get(f) for f in flags):
        message = _("Tick at least one way the service is given.")
        raise Invalid(message, code="no_mode", fields={"at_workshop": [message]})
    area = values.get("door_area")
    node = values["node"]
    if area is not None and not (
        area.path.startswith(node.path) or node.path.startswith(area.path)
    ):
        message = _("The door-to-door area must be the service's place or around it.")
        raise Invalid(message, code="door_area", fields={"door_area": [message]})


def service_save(*, by: Person, values: dict[str, Any], service: Service | None = None) -> Service:
    """Create a service, or change one, at a place the person serves."""
    values = {k: v for k, v in values.items() if k in FIELDS}
    node: Node = values.get("node") or (service.node if service else None)  # type: ignore[assignment]
    if node is None:
        raise Invalid(
            _("Choose the place."), code="node", fields={"node": [_("Choose the place.")]}
        )
    access.check_serves(by, node)
    if service is not None:
        access.check_serves(by, service.node)
    merged = {f: getattr(service, f) for f in FIELDS if service is not None} | values
    merged["node"] = node
    _check(merged)
    org: Organisation | None = merged.get("provider_org")
    if org is not None and not access.reads(by, org.node):
        raise Invalid(
            _("That organisation is outside your area."),
            code="provider",
            fields={"provider_org": [_("That organisation is outside your area.")]},
        )
    person: Person | None = merged.get("provider_person")
    if person is not None and not any(
        access.reads(by, binding.node)
        for binding in person.roles.filter(role=Role.PROVIDER).select_related("node")
    ):
        message = _("That person is not a provider in your area.")
        raise Invalid(message, code="provider", fields={"provider_person": [message]})
    with transaction.atomic():
        if service is None:
            service = Service.objects.create(**merged)
        else:
            for name, value in merged.items():
                setattr(service, name, value)
            service.save()
    return service


def hours_set(
    *, by: Person, service: Service, rows: list[tuple[int | None, dt.time, dt.time, bool]]
) -> list[OpeningHours]:
    """Replace the service's opening hours with `rows` (weekday or None, from, until, after
    hours); windows of one day may not overlap."""
    access.check_serves(by, service.node)
    cleaned = []
    for weekday, starts, ends, late in rows:
        if ends <= starts:
            message = _("A window must end after it starts (%(start)s–%(end)s).") % {
                "start": f"{starts:%H:%M}",
                "end": f"{ends:%H:%M}",
            }
            raise Invalid(message, code="hours", fields={"hours": [message]})
        cleaned.append((weekday, starts, ends, late))
    for i, (d1, s1, e1, _l1) in enumerate(cleaned):
        for d2, s2, e2, _l2 in cleaned[i + 1 :]:
            if d1 == d2 and s1 < e2 and s2 < e1:
                message = _("Two windows overlap (%(a)s and %(b)s): join them.") % {
                    "a": f"{s1:%H:%M}–{e1:%H:%M}",
                    "b": f"{s2:%H:%M}–{e2:%H:%M}",
                }
                raise Invalid(message, code="hours", fields={"hours": [message]})
    with transaction.atomic():
        service.hours.all().delete()
        return OpeningHours.objects.bulk_create(
            OpeningHours(service=service, weekday=d, starts=s, ends=e, after_hours=late)
            for d, s, e, late in cleaned
        )
