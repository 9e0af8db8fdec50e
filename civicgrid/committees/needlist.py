"""The needs list (需求清单), drawn live from the needs of the committee's area, never copied:
needs escalated to a consultation of the committee, open needs of its area past a deadline,
and needs a member unit asked the committee to take up (`ListedNeed`: who asked, and why).
Items are grouped by theme (the need's top-level category).

What a reader sees of each need: its number, theme, category, place, state and why it is
listed; the resident's description only for readers who see the need anyway (the committee's
staff, staff whose scope holds its place), else its public summary (the publication rule).
No one reads a phone number here.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.committees import access
from civicgrid.committees.models import ListedNeed, Task
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs import publication
from civicgrid.needs.models import OPEN_STATES, Need
from civicgrid.needs.workflow import By
from civicgrid.network import scope
from civicgrid.network.models import Membership, Organisation

WHY = {
    "escalated": gettext_lazy("Escalated to the committee"),
    "overdue": gettext_lazy("Overdue in the area"),
    "asked": gettext_lazy("Asked for by a member unit"),
}
SHOWN = 200  # at most so many needs on the list


@dataclass
class Item:
    need: Need
    why: list[str]
    asked_by: list[str]
    text: str
    open_tasks: int = 0


@dataclass
class Theme:
    name: str
    items: list[Item] = field(default_factory=list)


def listed_q(committee: Organisation) -> Q:
    """The list's needs as one filter: escalated to the committee, overdue in its area, or
    asked for by one of its member units — open needs only."""
    asked = ListedNeed.objects.filter(committee=committee).values("need_id")
    area = scope.paths_q([committee.node.path], node_field="node")
    return Q(state__in=OPEN_STATES) & (
        Q(consultation=committee) | (area & Q(overdue_at__isnull=False)) | Q(pk__in=asked)
    )


def needs_list(committee: Organisation, reader: Any) -> list[Theme]:
    needs = list(
        Need.objects.filter(listed_q(committee))
        .select_related("category", "category__parent", "node")
        .order_by("-overdue_at", "created_at")[:SHOWN]
    )
    asked: dict[int, list[str]] = {}
    for need_id, unit in ListedNeed.objects.filter(committee=committee, need__in=needs).values_list(
        "need_id", "unit__name"
    ):
        asked.setdefault(need_id, []).append(unit)
    tasks: dict[int, int] = {}
    for need_id in (
        Task.objects.filter(committee=committee, need__in=needs)
        .open()
        .values_list("need_id", flat=True)
    ):
        tasks[need_id] = tasks.get(need_id, 0) + 1
    staff = access.is_committee_staff(reader, committee)
    themes: OrderedDict[str, Theme] = OrderedDict()
    for need in needs:
        why = []
        if need.consultation_id == committee.pk:
            why.append(str(WHY["escalated"]))
        if need.overdue_at and need.node.path.startswith(committee.node.path):
            why.append(str(WHY["overdue"]))
        if need.pk in asked:
            why.append(str(WHY["asked"]))
        full = staff or scope.can_see(reader, need.node)
        text = need.description if full else publication.public_description(need)
        top = need.category.parent or need.category
        theme = themes.setdefault(top.name, Theme(name=top.name))
        theme.items.append(
            Item(
                need=need,
                why=why,
                asked_by=asked.get(need.pk, []),
                text=text,
                open_tasks=tasks.get(need.pk, 0),
            )
        )
    return sorted(themes.values(), key=lambda t: (-len(t.items), t.name))


@transaction.atomic
def ask(
    *, committee: Organisation, by: By, unit: Organisation, number: str, note: str = ""
) -> ListedNeed:
    """A member unit asks the committee to take up a need of its area, by the need's number."""
    if unit.committee_id != committee.pk:
        raise NotAllowed(_("That unit is not a member of this committee."), code="not_allowed")
    if not (
        access.is_committee_staff(by.person, committee)
        or Membership.objects.filter(organisation=unit, person=by.person).exists()
    ):
        raise NotAllowed(_("You may ask only for your own unit."), code="not_allowed")
    number = (number or "").strip().upper()
    need = Need.objects.filter(number=number).select_related("node").first()
    if need is None or not need.node.path.startswith(committee.node.path):
        message = _("No need with that number in the committee's area.")
        raise Invalid(message, code="validation", fields={"number": [message]})
    if need.state not in OPEN_STATES:
        message = _("That need is no longer open.")
        raise Invalid(message, code="validation", fields={"number": [message]})
    listed, created = ListedNeed.objects.get_or_create(
        committee=committee,
        need=need,
        defaults={"unit": unit, "note": (note or "").strip()[:300], "by": by.person},
    )
    if not created:
        message = _("That need is already on the list.")
        raise Invalid(message, code="validation", fields={"number": [message]})
    return listed
