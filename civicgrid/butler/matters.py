"""Matters (事项): what an enterprise asks of its butler team, an approval to chase or a
problem to solve. A matter IS a need: it is raised through `needs/services.need_raise` in the
`enterprise_matters` category at the project's place and from then on moves only through the
need's own workflow (dispatched to a department, taken, escalated, resolved, confirmed and
rated by the enterprise with the need's tracking link). `Matter` only ties the need to its
project, kind and who raised it; it has no state of its own.

Who raises it:

- the enterprise's contact, through the project's QR link (no account). The phone must be one
  of the project's contacts (staff keep the list): a matter speaks for the enterprise in a
  government workflow, so only its named contacts raise one; the QR link's key proves the
  poster was read at the enterprise. Hidden categories are raised by a person only
  (`needs/access.check_may_raise`), so the need is entered by the team's cadre when they may
  raise at the place, else by the place's dispatcher (the butler carries it in: 全程代办),
  through the QR channel with the contact's phone and name: the enterprise is texted the
  tracking link and rates the need as its resident.
- a team member or staff in the console, on the enterprise's behalf (by phone or during a
  visit), with a contact's phone when one is chosen.

Who hears of it: the cadre of every new matter; the district leader when the matter's need
is escalated or goes overdue (`on_need_event`, subscribed in `wiring.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.butler import access
from civicgrid.butler.models import (
    Contact,
    Matter,
    MatterKind,
    Project,
    TeamMember,
    TeamRole,
    Via,
    Visit,
)
from civicgrid.core import notifications, once
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import cached as need_cached
from civicgrid.needs import events as need_events
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.access import check_may_raise
from civicgrid.needs.models import Channel, Need, format_number
from civicgrid.needs.services import clean_phone, need_raise
from civicgrid.network.models import Node, Person
from civicgrid.network.scope import is_staff_user

CATEGORY = "enterprise_matters"
ONCE_SCOPE = "butler-matter"
NOTICE_NEW = "butler_matter_new"
NOTICE_ESCALATED = "butler_matter_escalated"
NOTICE_OVERDUE = "butler_matter_overdue"
NOTICE_TEXTS = {
    NOTICE_NEW: gettext_lazy("New matter %(number)s from %(enterprise)s: %(project)s"),
    NOTICE_ESCALATED: gettext_lazy("Matter %(number)s of %(project)s was escalated: %(note)s"),
    NOTICE_OVERDUE: gettext_lazy("Matter %(number)s of %(project)s is overdue"),
}
MAX_DESCRIPTION = 1000


def category() -> Any:
    found = need_cached.category_by_code(CATEGORY)
    if found is None:
        raise Conflict(_("The enterprise matter category is missing."), code="no_category")
    return found


def matter_url(matter_id: int) -> str:
    return reverse("butler:matter", args=[matter_id])


def _may_raise(person: Person | None, node: Node) -> bool:
    if person is None or not person.is_active or not is_staff_user(person):
        return False
    try:
        check_may_raise(person, place=node)
    except NotAllowed:
        return False
    return True


def raiser_for(project: Project, first: Person | None = None) -> Person:
    """Who enters a matter at the project's place: `first` (the one acting) when they may
    raise there, else the team's cadre, else the place's dispatcher."""
    cadres = [
        seat.person
        for seat in TeamMember.objects.filter(project=project, role=TeamRole.CADRE)
        .select_related("person")
        .order_by("pk")
    ]
    for person in [first, *cadres, *need_workflow.dispatchers_of(project.node)]:
        if _may_raise(person, project.node):
            assert person is not None
            return person
    raise Conflict(
        _("Nobody serves this project's place to receive the matter."), code="no_one_to_receive"
    )


def _clean_kind(kind: str) -> str:
    if kind not in MatterKind.values:
        message = _("Say whether it is an approval to chase or a problem.")
        raise Invalid(message, code="bad_kind", fields={"kind": [message]})
    return kind


def _description(project: Project, kind: str, text: str, language: str = "") -> str:
    text = (text or "").strip()
    if not text:
        message = _("Say what the matter is.")
        raise Invalid(message, code="description_required", fields={"description": [message]})
    if len(text) > MAX_DESCRIPTION:
        message = _("At most %(n)s characters.") % {"n": MAX_DESCRIPTION}
        raise Invalid(message, code="description_too_long", fields={"description": [message]})
    # The kind is the matter's own field: the need's text names the project, in the language
    # the contact wrote in (a matter raised on the Mongolian page names it in Mongolian).
    name = project.name_mn if language.startswith("mn") and project.name_mn else project.name
    return f"【{name}】{text}"


def cadres_of(project: Project) -> list[Person | None]:
    return [
        s.person
        for s in TeamMember.objects.filter(
            project=project, role=TeamRole.CADRE, person__is_active=True
        ).select_related("person")
    ]


def leaders_of(project: Project) -> list[Person | None]:
    return [
        s.person
        for s in TeamMember.objects.filter(
            project=project, role=TeamRole.LEADER, person__is_active=True
        ).select_related("person")
    ]


def _raise(
    *,
    project: Project,
    raiser: Person,
    kind: str,
    description: str,
    channel: str,
    via: str,
    contact: Contact | None,
    raised_by: Person | None,
    visit: Visit | None,
    once_scope: str,
    once_key: str,
    language: str,
) -> tuple[Matter, bool]:
    kind = _clean_kind(kind)
    text = _description(project, kind, description, language or "")
    if visit is not None and visit.project_id != project.pk:
        raise Invalid(_("That visit is of another project."), code="bad_visit")
    made: list[Matter] = []

    def also(need: Need) -> None:
        matter = Matter.objects.create(
            project=project,
            need=need,
            kind=kind,
            via=via,
            contact=contact,
            raised_by=raised_by,
            visit=visit,
        )
        if visit is not None:
            Visit.objects.filter(pk=visit.pk).update(matters_raised=visit.matters_raised + 1)
        if once_key:
            once.claim(once_scope, once_key, str(matter.pk))
        notifications.notify(
            cadres_of(project),
            kind=NOTICE_NEW,
            data={
                "number": format_number(need.number),
                "enterprise": project.enterprise.name,
                "project": project.name,
            },
            url=matter_url(matter.pk),
        )
        made.append(matter)

    kwargs: dict[str, Any] = {
        "by": need_workflow.By(person=raiser),
        "category": category(),
        "description": text,
        "channel": channel,
        "node": project.node,
        "contact_phone": contact.phone if contact else "",
        "contact_name": contact.name if contact else "",
        "source_person": raised_by if raised_by and raised_by.pk != raiser.pk else None,
        "language": language,
    }
    if channel != Channel.QR:
        kwargs["on_behalf_of"] = (contact.name if contact else project.enterprise.name)[:64]
    try:
        need_raise(**kwargs, also=also)
    except IntegrityError:
        first = once.result_of(once_scope, once_key) if once_key else None
        if first is None:
            raise
        return Matter.objects.select_related("need").get(pk=int(first)), False
    return made[0], True


def matter_raise_by_contact(
    *,
    project: Project,
    phone: str,
    kind: str,
    description: str,
    once_key: str = "",
    once_scope: str = ONCE_SCOPE,
    language: str = "",
) -> tuple[Matter, bool]:
    """The enterprise's contact raises a matter through the project's keyed link (the caller
    has checked the key). Returns the matter and whether it was made now (False: the same
    one-time key again). Refusals: `phone_required`, `phone_invalid`, `not_a_contact`,
    `bad_kind`, `description_required`, `no_one_to_receive`."""
    try:
        cleaned = clean_phone(phone, required=True)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure
    contact = Contact.objects.filter(project=project, phone=cleaned).first()
    if contact is None:
        message = _("This phone is not one of the project's contacts. Ask your butler to add it.")
        raise Invalid(message, code="not_a_contact", fields={"phone": [message]})
    with transaction.atomic():
        return _raise(
            project=project,
            raiser=raiser_for(project),
            kind=kind,
            description=description,
            channel=Channel.QR,
            via=Via.QR,
            contact=contact,
            raised_by=None,
            visit=None,
            once_scope=once_scope,
            once_key=once_key,
            language=language,
        )


def matter_raise(
    *,
    by: Person,
    project: Project,
    kind: str,
    description: str,
    contact: Contact | None = None,
    visit: Visit | None = None,
    via: str = Via.CONSOLE,
    once_key: str = "",
    once_scope: str = ONCE_SCOPE,
) -> tuple[Matter, bool]:
    """A team member or staff enters a matter on the enterprise's behalf (by phone, or during
    a visit). Refusals: `read_only` (a reader, the leader's seat), `bad_contact`, `bad_kind`,
    `description_required`, `no_one_to_receive`."""
    access.check_work(by, project)
    if contact is not None and contact.project_id != project.pk:
        raise Invalid(_("That contact is of another project."), code="bad_contact")
    with transaction.atomic():
        return _raise(
            project=project,
            raiser=raiser_for(project, first=by),
            kind=kind,
            description=description,
            channel=Channel.VISIT if visit is not None else Channel.PHONE,
            via=via,
            contact=contact,
            raised_by=by,
            visit=visit,
            once_scope=once_scope,
            once_key=once_key,
            language="",
        )


# --- Hearing the need's moves -----------------------------------------------------------------


def on_need_event(h: need_events.Happened) -> None:
    """A matter's need escalated or overdue: its district leader is told in the inbox, in the
    need's transaction."""
    enterprise = need_cached.category_by_code(CATEGORY)
    if enterprise is None or h.need.category_id != enterprise.pk:
        return
    matter = Matter.objects.select_related("project").filter(need_id=h.need.pk).first()
    if matter is None:
        return
    kind = NOTICE_ESCALATED if h.kind == need_workflow.Action.ESCALATE else NOTICE_OVERDUE
    notifications.notify(
        leaders_of(matter.project),
        kind=kind,
        data={
            "number": format_number(h.need.number),
            "project": matter.project.name,
            "note": (h.event.note or "")[:100],
        },
        url=matter_url(matter.pk),
    )


def wire(subscribe: Callable[..., None] = need_events.subscribe) -> None:
    for kind, text in NOTICE_TEXTS.items():
        notifications.register_text(kind, text)
    subscribe([need_workflow.Action.ESCALATE.value, need_workflow.OVERDUE], on_need_event)
