"""A committee's set-up, changed by its own staff in the console: member units, each unit's
contacts, and what each pledged (资源清单). Every change is an event on the committee's own
timeline (`events.Changed`: what, which row, before and after), appended holding the
committee's row lock."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.committees import access, events
from civicgrid.committees.models import Pledge, PledgeKind, Task
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.needs.workflow import By
from civicgrid.network.models import (
    Membership,
    Node,
    Organisation,
    OrgKind,
    Person,
    UnitKind,
    validate_mobile,
)


def _lock(committee: Organisation, by: By) -> Organisation:
    locked = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("node")
        .get(pk=committee.pk, kind=OrgKind.JOINT_COMMITTEE)
    )
    access.check_staff(by.person, locked)
    return locked


def _changed(
    committee: Organisation,
    by: By,
    thing: str,
    *,
    unit: Organisation | None = None,
    ref: int | None = None,
    before: str | None = None,
    after: str | None = None,
) -> None:
    events.append(
        committee,
        "change",
        actor=by.person,
        unit=unit,
        data=events.Changed(thing=thing, ref=ref, before=before, after=after),
    )


def _own_unit(committee: Organisation, unit: Organisation) -> None:
    if unit.committee_id != committee.pk or unit.kind != OrgKind.MEMBER_UNIT:
        raise NotAllowed(_("That unit is not a member of this committee."), code="not_allowed")


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(message, code="validation", fields={field: [message]})
    return value


# --- Member units ---------------------------------------------------------------------------


@transaction.atomic
def unit_add(
    *, committee: Organisation, by: By, name: str, unit_kind: str, node: Node
) -> Organisation:
    """A new member unit (an army unit, a border post, a gacha, an enterprise) joins."""
    locked = _lock(committee, by)
    name = _required(name, "name", _("Write the unit's name."))
    if unit_kind not in UnitKind.values:
        message = _("Choose what kind of unit it is.")
        raise Invalid(message, code="validation", fields={"unit_kind": [message]})
    if Organisation.objects.filter(committee=locked, name=name).exists():
        message = _("The committee already has a unit of that name.")
        raise Invalid(message, code="validation", fields={"name": [message]})
    unit = Organisation.objects.create(
        name=name, kind=OrgKind.MEMBER_UNIT, unit_kind=unit_kind, node=node, committee=locked
    )
    _changed(locked, by, "unit", unit=unit, ref=unit.pk, after=name)
    return unit


@transaction.atomic
def unit_leave(*, committee: Organisation, by: By, unit: Organisation) -> None:
    """A unit leaves the committee; refused while it has open tasks (give them again first)."""
    locked = _lock(committee, by)
    _own_unit(locked, unit)
    if Task.objects.filter(unit=unit).open().exists():
        raise Conflict(
            _("%(unit)s still has open tasks: give them to another unit or cancel them first.")
            % {"unit": unit.name},
            code="open_tasks",
        )
    Organisation.objects.filter(pk=unit.pk).update(committee=None)
    _changed(locked, by, "unit", unit=unit, ref=unit.pk, before=unit.name)


# --- Contacts -------------------------------------------------------------------------------


@transaction.atomic
def contact_add(
    *, committee: Organisation, by: By, unit: Organisation, name: str, mobile: str, title: str = ""
) -> Membership:
    """A unit's contact: the person with this mobile number (created, without a password, when
    the system does not know them yet)."""
    locked = _lock(committee, by)
    _own_unit(locked, unit)
    name = _required(name, "name", _("Write the contact's name."))
    mobile = (mobile or "").strip()
    try:
        validate_mobile(mobile)
    except ValidationError:
        message = _("Write an 11-digit mobile number starting with 1.")
        raise Invalid(message, code="validation", fields={"mobile": [message]}) from None
    person = Person.objects.filter(mobile=mobile).first()
    if person is None:
        person = Person.objects.create_user(mobile=mobile, name=name)
    if Membership.objects.filter(organisation=unit, person=person).exists():
        message = _("%(name)s is already a contact of this unit.") % {"name": person.name}
        raise Invalid(message, code="validation", fields={"mobile": [message]})
    membership = Membership.objects.create(
        organisation=unit, person=person, title=(title or "").strip()[:60]
    )
    _changed(locked, by, "contact", unit=unit, ref=person.pk, after=person.name)
    return membership


@transaction.atomic
def contact_remove(*, committee: Organisation, by: By, membership: Membership) -> None:
    locked = _lock(committee, by)
    unit = membership.organisation
    _own_unit(locked, unit)
    Membership.objects.filter(pk=membership.pk).delete()
    _changed(
        locked, by, "contact", unit=unit, ref=membership.person_id, before=membership.person.name
    )


def contact_reveal(*, committee: Organisation, by: By, person: Person) -> str:
    """A contact's number in full, for the committee's staff; each reveal is logged."""
    access.check_staff(by.person, committee)
    assert by.person is not None  # check_staff refuses anyone else
    if not Membership.objects.filter(person=person, organisation__committee=committee).exists():
        raise NotAllowed(_("That person is not a contact of this committee."), code="not_allowed")
    RevealLog.objects.create(actor=by.person, subject=f"person:{person.pk}", field="mobile")
    return person.mobile or ""


# --- Pledges (资源清单) ---------------------------------------------------------------------------


def _pledge_text(pledge: Pledge) -> str:
    return f"{pledge.get_kind_display()}: {pledge.description} × {pledge.quantity}"


@transaction.atomic
def pledge_add(
    *,
    committee: Organisation,
    by: By,
    unit: Organisation,
    kind: str,
    description: str,
    quantity: int = 1,
) -> Pledge:
    locked = _lock(committee, by)
    _own_unit(locked, unit)
    if kind not in PledgeKind.values:
        message = _("Choose people, vehicles, equipment, skills or other.")
        raise Invalid(message, code="validation", fields={"kind": [message]})
    description = _required(description, "description", _("Write what the unit offers."))
    if quantity < 1:
        message = _("At least one.")
        raise Invalid(message, code="validation", fields={"quantity": [message]})
    pledge = Pledge.objects.create(
        unit=unit, kind=kind, description=description[:160], quantity=quantity
    )
    _changed(locked, by, "pledge", unit=unit, ref=pledge.pk, after=_pledge_text(pledge))
    return pledge


@transaction.atomic
def pledge_change(
    *, committee: Organisation, by: By, pledge: Pledge, quantity: int, active: bool
) -> Pledge:
    locked = _lock(committee, by)
    _own_unit(locked, pledge.unit)
    if quantity < 1:
        message = _("At least one.")
        raise Invalid(message, code="validation", fields={"quantity": [message]})
    before = _pledge_text(pledge) + ("" if pledge.active else " ✗")
    Pledge.objects.filter(pk=pledge.pk).update(quantity=quantity, active=active)
    pledge.quantity, pledge.active = quantity, active
    after = _pledge_text(pledge) + ("" if active else " ✗")
    _changed(locked, by, "pledge", unit=pledge.unit, ref=pledge.pk, before=before, after=after)
    return pledge
