"""Writes on key projects: the project itself, its butler team and contacts, milestones and
visits. Keyword-only, each in a transaction, each checking who acts again (`access.py`), so a
surface that forgets cannot write. Stage moves are `stages.py`; matters are `matters.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.butler import access, events, stages
from civicgrid.butler.models import (
    Contact,
    Milestone,
    Project,
    Stage,
    TeamMember,
    TeamRole,
    Visit,
)
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node, Organisation, Person, Role, UnitKind
from civicgrid.network.scope import holds_any_role

# Who may sit as the party-member cadre (党员骨干).
CADRE_ROLES = (Role.PARTY_MEMBER, Role.PROJECT_BUTLER)
MAX_INVESTMENT = Decimal("99999999999999.99")


def _invalid(field: str, message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(field, _("This field is required."), f"{field}_required")
    if len(text) > limit:
        raise _invalid(field, _("At most %(n)s characters.") % {"n": limit}, f"{field}_too_long")
    return text


def clean_investment(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise _invalid(
            "investment", _("Write the investment in yuan, as a number."), "investment_invalid"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_INVESTMENT:
        raise _invalid(
            "investment", _("Write the investment in yuan, as a number."), "investment_invalid"
        )
    return amount.quantize(Decimal("0.01"))


def _check_enterprise(enterprise: Organisation) -> None:
    if enterprise.unit_kind != UnitKind.ENTERPRISE:
        raise _invalid("enterprise", _("Choose an enterprise."), "not_an_enterprise")


@transaction.atomic
def project_create(
    *,
    by: Person,
    enterprise: Organisation,
    name: str,
    node: Node,
    investment: Any = 0,
    started_on: dt.date | None = None,
    description: str = "",
    name_mn: str = "",
    now: dt.datetime | None = None,
) -> Project:
    """A new key project, at the stage "signed". Refusals: `not_allowed`, `not_an_enterprise`,
    `name_required`, `investment_invalid`."""
    access.check_manage(by, node)
    _check_enterprise(enterprise)
    if enterprise.node is None or not access.may_manage(by, enterprise.node):
        raise NotAllowed(_("Choose an enterprise of your own area."), code="enterprise_elsewhere")
    project = Project.objects.create(
        enterprise=enterprise,
        name=_text(name, "name", limit=120),
        name_mn=_text(name_mn, "name_mn", limit=150, required=False),
        node=node,
        investment=clean_investment(investment),
        started_on=started_on,
        description=_text(description, "description", limit=2000, required=False),
        stage=Stage.SIGNED,
    )
    events.append(
        project,
        "create",
        actor=by,
        actor_kind=stages.Actor.STAFF,
        data=stages.Created(stage=Stage.SIGNED),
        now=now or timezone.now(),
    )
    return project


@transaction.atomic
def project_update(
    *,
    by: Person,
    project: Project,
    name: str,
    investment: Any,
    started_on: dt.date | None,
    description: str = "",
    name_mn: str = "",
) -> Project:
    """Edit what a project is (the stage moves only through `stages.stage_move`)."""
    access.check_manage(by, project.node)
    project.name = _text(name, "name", limit=120)
    project.name_mn = _text(name_mn, "name_mn", limit=150, required=False)
    project.investment = clean_investment(investment)
    project.started_on = started_on
    project.description = _text(description, "description", limit=2000, required=False)
    project.save(update_fields=["name", "name_mn", "investment", "started_on", "description"])
    return project


# --- The team ---------------------------------------------------------------------------------


@transaction.atomic
def team_add(
    *,
    by: Person,
    project: Project,
    role: str,
    person: Person | None = None,
    organisation: Organisation | None = None,
) -> TeamMember:
    """Seat someone on the project's butler team. A leader or a cadre is a person (a cadre
    holds the party-member or project-butler role); a department is a government department.
    Refusals: `not_allowed`, `bad_role`, `person_required`, `not_a_cadre`,
    `department_required`, `already_on_team`."""
    access.check_manage(by, project.node)
    if role not in TeamRole.values:
        raise _invalid("role", _("Choose a role on the team."), "bad_role")
    if role == TeamRole.DEPARTMENT:
        if organisation is None or organisation.unit_kind != UnitKind.DEPARTMENT:
            raise _invalid(
                "organisation", _("Choose a government department."), "department_required"
            )
        person = None
    else:
        if person is None:
            raise _invalid("person", _("Choose a person."), "person_required")
        if role == TeamRole.CADRE and not holds_any_role(person, CADRE_ROLES):
            raise _invalid(
                "person",
                _("The cadre must be a party member or hold the project-butler role."),
                "not_a_cadre",
            )
        organisation = None
    try:
        with transaction.atomic():
            return TeamMember.objects.create(
                project=project, role=role, person=person, organisation=organisation
            )
    except IntegrityError:
        raise Conflict(_("Already on the team."), code="already_on_team") from None


@transaction.atomic
def team_remove(*, by: Person, seat: TeamMember) -> None:
    access.check_manage(by, seat.project.node)
    TeamMember.objects.filter(pk=seat.pk).delete()


# --- Contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_add(*, by: Person, project: Project, name: str, phone: str, title: str = "") -> Contact:
    """A phone that speaks for the enterprise. Refusals: `not_allowed`, `name_required`,
    `phone_required`, `phone_invalid`, `contact_exists`."""
    access.check_manage(by, project.node)
    try:
        cleaned = clean_phone(phone, required=True)
    except Invalid as failure:
        raise _invalid("phone", failure.message, failure.code) from failure
    try:
        with transaction.atomic():
            return Contact.objects.create(
                project=project,
                name=_text(name, "name", limit=64),
                phone=cleaned,
                title=_text(title, "title", limit=60, required=False),
            )
    except IntegrityError:
        raise _invalid("phone", _("This phone is already a contact."), "contact_exists") from None


@transaction.atomic
def contact_remove(*, by: Person, contact: Contact) -> None:
    access.check_manage(by, contact.project.node)
    Contact.objects.filter(pk=contact.pk).delete()


def contact_for(project: Project, phone: str) -> Contact | None:
    return Contact.objects.filter(project=project, phone=phone).first()


# --- Milestones and visits --------------------------------------------------------------------


@transaction.atomic
def milestone_add(
    *,
    by: Person,
    project: Project,
    title: str,
    planned_on: dt.date | None = None,
    done_on: dt.date | None = None,
    note: str = "",
) -> Milestone:
    access.check_work(by, project)
    return Milestone.objects.create(
        project=project,
        title=_text(title, "title", limit=120),
        planned_on=planned_on,
        done_on=done_on,
        note=_text(note, "note", limit=300, required=False),
        created_by=by,
    )


@transaction.atomic
def milestone_done(
    *, by: Person, milestone: Milestone, done_on: dt.date | None = None, note: str = ""
) -> Milestone:
    """Mark a milestone done (on a day, today by default). Refusals: `not_allowed`,
    `read_only`, `already_done`."""
    access.check_work(by, milestone.project)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.done_on is not None:
        raise Conflict(_("This milestone is already done."), code="already_done")
    locked.done_on = done_on or timezone.localdate()
    if note:
        locked.note = _text(note, "note", limit=300, required=False)
    locked.save(update_fields=["done_on", "note"])
    return locked


@transaction.atomic
def visit_record(
    *,
    by: Person,
    project: Project,
    visited_on: dt.date,
    found: str = "",
    visitor: Person | None = None,
) -> Visit:
    """A team member visited the enterprise on a day. Staff may record a team member's visit
    (`visitor`); a team member records their own. Refusals: `read_only`, `future_day`,
    `not_on_team`."""
    access.check_work(by, project)
    visitor = visitor or by
    if visitor.pk != by.pk and not access.may_manage(by, project.node):
        raise _invalid("visitor", _("Record your own visits."), "not_on_team")
    if visitor.pk != by.pk and not access.seats_of(visitor, project):
        raise _invalid("visitor", _("The visitor must be on the project's team."), "not_on_team")
    if visited_on > timezone.localdate():
        raise _invalid("visited_on", _("The day of the visit is in the future."), "future_day")
    return Visit.objects.create(
        project=project,
        visitor=visitor,
        visited_on=visited_on,
        found=_text(found, "found", limit=2000, required=False),
    )
