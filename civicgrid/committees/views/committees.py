"""Pages of a joint committee: the committees in sight, and a committee's page with its member
units (contacts and pledges, 资源清单) and the three lists (目标、需求、工作清单).

A view parses, asks `access`, calls one service or selector, renders; a domain error goes on
the form where the input is (`core/errors.onto_form`). The committee's staff get the set-up
forms; a member unit's people get the form to ask for a need; everyone else in sight reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.committees import access, committees, counts, events, goals, needlist
from civicgrid.committees import forms as f
from civicgrid.committees.models import CommitteeEvent, Goal, Pledge, Task
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.needs.workflow import By
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Membership, Organisation, Person, mask_mobile

RECENT = 15  # set-up changes shown


@console_required
@require_GET
def committee_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = list(access.visible_committees(user).select_related("node").order_by("name")[:200])
    if len(found) == 1:
        return redirect("committees:detail", committee_id=found[0].pk)
    return render(request, "committees/list.html", {"committees": found})


def _units(committee: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(committee=committee).order_by("name"))


def _page(request: HttpRequest, committee: Organisation, **forms: Any) -> HttpResponse:
    user = person(request)
    now = timezone.now()
    try:
        year = int(request.GET.get("year", "") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    staff = access.is_committee_staff(user, committee)
    mine = access.unit_ids(user, committee)
    units = _units(committee)
    contacts: dict[int, list[dict[str, Any]]] = {}
    for membership in Membership.objects.filter(organisation__in=units).select_related("person"):
        contacts.setdefault(membership.organisation_id, []).append(
            {
                "membership": membership,
                "name": membership.person.name,
                "title": membership.title,
                "mobile": mask_mobile(membership.person.mobile),
            }
        )
    pledges: dict[int, list[Pledge]] = {}
    for pledge in Pledge.objects.filter(unit__in=units):
        pledges.setdefault(pledge.unit_id, []).append(pledge)
    open_tasks: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for unit_id, overdue_at in (
        Task.objects.filter(committee=committee).open().values_list("unit_id", "overdue_at")
    ):
        open_tasks[unit_id] = open_tasks.get(unit_id, 0) + 1
        if overdue_at:
            overdue[unit_id] = overdue.get(unit_id, 0) + 1
    rows = [
        {
            "unit": unit,
            "contacts": contacts.get(unit.pk, []),
            "pledges": pledges.get(unit.pk, []),
            "open_tasks": open_tasks.get(unit.pk, 0),
            "overdue": overdue.get(unit.pk, 0),
            "mine": unit.pk in mine,
            "contact_form": forms.get(f"contact_{unit.pk}")
            or f.ContactForm(initial={"unit": unit.pk}),
            "pledge_form": forms.get(f"pledge_{unit.pk}")
            or f.PledgeForm(initial={"unit": unit.pk}),
        }
        for unit in units
    ]
    tasks = list(
        Task.objects.filter(committee=committee)
        .open()
        .select_related("unit", "need", "goal")
        .order_by("due")[:50]
    )
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    context = {
        "committee": committee,
        "nav": "detail",
        "staff": staff,
        "year": year,
        "rows": rows,
        "goals": goals.goals_of(committee, year, now=now),
        "themes": needlist.needs_list(committee, user),
        "tasks": tasks,
        "figures": counts.figures(committee, start, end),
        "changes": _changes(committee),
        "unit_form": forms.get("unit") or f.UnitForm(),
        "goal_form": forms.get("goal") or f.GoalForm(initial={"year": year}),
        "figure_form": f.FigureForm(),
        "ask_form": forms.get("ask")
        or (
            f.AskForm(units=[u for u in units if u.pk in mine or staff])
            if (mine or staff)
            else None
        ),
        "may_ask": bool(mine) or staff,
    }
    return render(request, "committees/detail.html", context, status=400 if forms else 200)


def _changes(committee: Organisation) -> list[dict[str, Any]]:
    """The latest set-up changes (the committee's own timeline), read through their type."""
    found = (
        CommitteeEvent.objects.filter(
            committee=committee,
            task__isnull=True,
            meeting__isnull=True,
            consultation__isnull=True,
            assessment__isnull=True,
        )
        .select_related("actor", "unit")
        .order_by("-id")[:RECENT]
    )
    return [{"event": e, "data": events.read(e)} for e in found]


@console_required
@require_GET
def committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = access.access_committee(person(request), committee_id)
    return _page(request, committee)


def _done(
    request: HttpRequest, committee: Organisation, notice: str, anchor: str = ""
) -> HttpResponse:
    messages.success(request, notice)
    response = redirect("committees:detail", committee_id=committee.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _unit_of(committee: Organisation, raw: Any) -> Organisation:
    try:
        unit_id = int(raw)
    except (TypeError, ValueError):
        unit_id = 0
    return get_object_or_404(Organisation, pk=unit_id, committee=committee)


@console_required
@require_POST
def unit_add(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    form = f.UnitForm(request.POST)
    if form.is_valid():
        try:
            unit = committees.unit_add(
                committee=committee,
                by=By(person=user),
                name=form.cleaned_data["name"],
                unit_kind=form.cleaned_data["unit_kind"],
                node=committee.node,
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            return _done(
                request,
                committee,
                _("%(unit)s joined the committee.") % {"unit": unit.name},
                "units",
            )
    return _page(request, committee, unit=form)


@console_required
@require_POST
def unit_leave(request: HttpRequest, committee_id: int, unit_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    unit = _unit_of(committee, unit_id)
    try:
        committees.unit_leave(committee=committee, by=By(person=user), unit=unit)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("committees:detail", committee_id=committee.pk)
    return _done(
        request, committee, _("%(unit)s left the committee.") % {"unit": unit.name}, "units"
    )


@console_required
@require_POST
def contact_add(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    form = f.ContactForm(request.POST)
    if form.is_valid():
        unit = _unit_of(committee, form.cleaned_data["unit"])
        try:
            committees.contact_add(
                committee=committee,
                by=By(person=user),
                unit=unit,
                name=form.cleaned_data["name"],
                mobile=form.cleaned_data["mobile"],
                title=form.cleaned_data["title"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            return _done(request, committee, _("Contact added."), f"unit-{unit.pk}")
        return _page(request, committee, **{f"contact_{unit.pk}": form})
    return _page(request, committee, **{f"contact_{request.POST.get('unit', '')}": form})


@console_required
@require_POST
def contact_remove(request: HttpRequest, committee_id: int, membership_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "person"),
        pk=membership_id,
        organisation__committee=committee,
    )
    committees.contact_remove(committee=committee, by=By(person=user), membership=membership)
    return _done(request, committee, _("Contact removed."), f"unit-{membership.organisation_id}")


@console_required
@require_POST
def contact_reveal(request: HttpRequest, committee_id: int, person_id: int) -> HttpResponse:
    """The number in full (an htmx swap of the masked one); logged."""
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    contact = get_object_or_404(Person, pk=person_id)
    try:
        number = committees.contact_reveal(committee=committee, by=By(person=user), person=contact)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status)
    return render(request, "committees/_number.html", {"number": number})


@console_required
@require_POST
def pledge_add(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    form = f.PledgeForm(request.POST)
    if form.is_valid():
        unit = _unit_of(committee, form.cleaned_data["unit"])
        try:
            committees.pledge_add(
                committee=committee,
                by=By(person=user),
                unit=unit,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            return _done(request, committee, _("Pledge added."), f"unit-{unit.pk}")
        return _page(request, committee, **{f"pledge_{unit.pk}": form})
    return _page(request, committee, **{f"pledge_{request.POST.get('unit', '')}": form})


@console_required
@require_POST
def pledge_change(request: HttpRequest, committee_id: int, pledge_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    pledge = get_object_or_404(
        Pledge.objects.select_related("unit"), pk=pledge_id, unit__committee=committee
    )
    form = f.PledgeChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write how many (at least one)."))
        return redirect("committees:detail", committee_id=committee.pk)
    committees.pledge_change(
        committee=committee,
        by=By(person=user),
        pledge=pledge,
        quantity=form.cleaned_data["quantity"],
        active=form.cleaned_data["active"],
    )
    return _done(request, committee, _("Pledge changed."), f"unit-{pledge.unit_id}")


@console_required
@require_POST
def goal_add(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    form = f.GoalForm(request.POST)
    if form.is_valid():
        try:
            goals.goal_create(committee=committee, by=By(person=user), **form.cleaned_data)
        except DomainError as error:
            onto_form(form, error)
        else:
            return _done(request, committee, _("Goal added."), "goals")
    return _page(request, committee, goal=form)


@console_required
@require_POST
def goal_figure(request: HttpRequest, committee_id: int, goal_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    goal = get_object_or_404(Goal, pk=goal_id, committee=committee)
    form = f.FigureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a number, such as 60 or 12.5."))
        return redirect("committees:detail", committee_id=committee.pk)
    try:
        goals.goal_set_figure(goal=goal, by=By(person=user), value=form.cleaned_data["value"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("committees:detail", committee_id=committee.pk)
    return _done(request, committee, _("Figure updated."), "goals")


@console_required
@require_POST
def need_ask(request: HttpRequest, committee_id: int) -> HttpResponse:
    """A member unit asks the committee to take up a need (by its number)."""
    user = person(request)
    committee = access.access_committee(user, committee_id)
    staff = access.is_committee_staff(user, committee)
    mine = access.unit_ids(user, committee)
    units = [u for u in _units(committee) if staff or u.pk in mine]
    if not units:
        return HttpResponse(_("Only the committee's units may ask."), status=403)
    form = f.AskForm(request.POST, units=units)
    if form.is_valid():
        unit = _unit_of(committee, form.cleaned_data["unit"])
        try:
            needlist.ask(
                committee=committee,
                by=By(person=user),
                unit=unit,
                number=form.cleaned_data["number"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            return _done(request, committee, _("The need is on the committee's list."), "needs")
    return _page(request, committee, ask=form)


console_urls: list[URLPattern] = [
    path("", committee_list, name="list"),
    path("<int:committee_id>/", committee_detail, name="detail"),
    path("<int:committee_id>/units/", unit_add, name="unit_add"),
    path("<int:committee_id>/units/<int:unit_id>/leave/", unit_leave, name="unit_leave"),
    path("<int:committee_id>/contacts/", contact_add, name="contact_add"),
    path(
        "<int:committee_id>/contacts/<int:membership_id>/remove/",
        contact_remove,
        name="contact_remove",
    ),
    path(
        "<int:committee_id>/contacts/<int:person_id>/number/",
        contact_reveal,
        name="contact_reveal",
    ),
    path("<int:committee_id>/pledges/", pledge_add, name="pledge_add"),
    path("<int:committee_id>/pledges/<int:pledge_id>/", pledge_change, name="pledge_change"),
    path("<int:committee_id>/goals/", goal_add, name="goal_add"),
    path("<int:committee_id>/goals/<int:goal_id>/figure/", goal_figure, name="goal_figure"),
    path("<int:committee_id>/needs/ask/", need_ask, name="need_ask"),
]
