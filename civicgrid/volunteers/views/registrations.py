"""Pages of the people-who-serve module: 双报到 registrations and teams.

Console (/console/serve/): the requests waiting for the staff's decision, approved or rejected
with a reason (htmx swaps the row; without it the page redirects); a person's registration
history; the teams of the scope with the last six months against their rule; a team's page
(its settings, members and leaders).

Member side (/serve/register/): a logged-in person asks to register with the community where
they live, sees their home community, their request waiting (to withdraw) and their history.
A new party member may hold no role yet: any logged-in person may ask; the community decides.

Views parse, check access (`volunteers.access`), call one service and render; the services
check again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Membership, Node, Person
from civicgrid.volunteers import access, registrations, teams
from civicgrid.volunteers.forms_registrations import (
    PersonChoiceForm,
    ReasonForm,
    RegisterForm,
    TeamForm,
    community_label,
    find_communities,
    person_choices,
)
from civicgrid.volunteers.models import Registration, RegistrationState, Team
from civicgrid.volunteers.registrations import By

LIST_SIZE = 200


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- Console: registrations -----------------------------------------------------------------


def _row(user: Any, reg: Registration) -> dict[str, Any]:
    return {
        "reg": reg,
        "who": reg.person.name if reg.person else reg.unit.name if reg.unit else "",
        "may_decide": reg.state == RegistrationState.REQUESTED
        and registrations.is_staff_over(user, reg.community),
        "may_end": reg.state == RegistrationState.APPROVED
        and registrations.is_staff_over(user, reg.community),
    }


@console_required
@require_GET
def registration_list(request: HttpRequest) -> HttpResponse:
    """Requests waiting in the user's sight, oldest first; buttons where the user decides."""
    user = person(request)
    waiting = (
        registrations.visible_registrations(user)
        .filter(state=RegistrationState.REQUESTED)
        .select_related("community", "person", "unit")
        .order_by("created_at", "id")[:LIST_SIZE]
    )
    rows = [_row(user, reg) for reg in waiting]
    return render(
        request,
        "volunteers/registrations/list.html",
        {"rows": rows, "reject_form": ReasonForm(), "flagged": teams.flagged_teams(user)[:20]},
    )


def _decided(
    request: HttpRequest, reg: Registration, notice: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    """After a decision: the row (htmx) or back to the page it came from with a message."""
    if _is_htmx(request):
        reg.refresh_from_db()
        context = {**_row(person(request), reg), "notice": notice, "error": error}
        context["reject_form"] = ReasonForm()
        return render(request, "volunteers/registrations/_row.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    back = request.POST.get("back", "")
    if back == "history" and reg.person_id:
        return redirect("volunteers:registration_history", person_id=reg.person_id)
    return redirect("volunteers:registrations")


@console_required
@require_POST
def registration_approve(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = person(request)
    reg = access.access_registration(user, registration_id, write=True)
    try:
        registrations.registration_approve(registration=reg, by=By(person=user))
    except DomainError as failure:
        return _decided(request, reg, "", error=failure.message, status=failure.status)
    who = _row(user, reg)["who"]
    return _decided(request, reg, _("Approved: %(who)s is registered.") % {"who": who})


@console_required
@require_POST
def registration_reject(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = person(request)
    reg = access.access_registration(user, registration_id, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _decided(request, reg, "", error=_("Give a reason."), status=400)
    try:
        registrations.registration_reject(
            registration=reg, by=By(person=user), reason=form.cleaned_data["reason"]
        )
    except DomainError as failure:
        return _decided(request, reg, "", error=failure.message, status=failure.status)
    return _decided(request, reg, _("Not approved; the reason is kept."))


@console_required
@require_POST
def registration_end(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = person(request)
    reg = access.access_registration(user, registration_id, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _decided(request, reg, "", error=_("Give a reason."), status=400)
    try:
        registrations.registration_end(
            registration=reg, by=By(person=user), reason=form.cleaned_data["reason"]
        )
    except DomainError as failure:
        return _decided(request, reg, "", error=failure.message, status=failure.status)
    return _decided(request, reg, _("The registration is ended."))


@console_required
@require_GET
def registration_history(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's registrations, as far as the user's sight goes (404 if none is in it)."""
    user = person(request)
    member = Person.objects.filter(pk=person_id).first()
    if member is None:
        raise Http404(_("No such person in your area."))
    regs = list(
        registrations.visible_registrations(user)
        .filter(person=member)
        .select_related("community", "decided_by", "person")
    )
    if not regs:
        raise Http404(_("No such person in your area."))
    return render(
        request,
        "volunteers/registrations/history.html",
        {"member": member, "rows": [_row(user, r) for r in regs], "end_form": ReasonForm()},
    )


# --- Console: teams -------------------------------------------------------------------------


@console_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = list(teams.visible_teams(user).order_by("organisation__node__path", "id")[:LIST_SIZE])
    marks = teams.month_marks(found)
    rows = [
        {
            "team": t,
            "marks": marks[t.pk],
            "flagged": bool(marks[t.pk]) and marks[t.pk][-1].missed,
        }
        for t in found
    ]
    may_create = bool(TeamForm(user=user).place_choices)
    return render(request, "volunteers/teams/list.html", {"rows": rows, "may_create": may_create})


@console_required
def team_new(request: HttpRequest) -> HttpResponse:
    user = person(request)
    form = TeamForm(request.POST or None, user=user)
    if not form.place_choices:
        raise Http404(_("You organise no place where a team could be created."))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                team = teams.team_create(
                    node=Node.objects.get(pk=data["node"]),
                    name=data["name"],
                    name_en=data["name_en"],
                    name_mn=data["name_mn"],
                    kind=data["kind"],
                    theme=data["theme"],
                    monthly_minimum=data["monthly_minimum"],
                    by=user,
                )
            except DomainError as failure:
                form.add_error(None, failure.message)
                status = failure.status
            else:
                messages.success(request, _("The team is created. Add its leaders and members."))
                return redirect("volunteers:team", team_id=team.pk)
        else:
            status = 400
    return render(request, "volunteers/teams/new.html", {"form": form}, status=status)


def _team_context(user: Any, team: Team, **extra: Any) -> dict[str, Any]:
    member_rows = list(
        Membership.objects.filter(organisation_id=team.organisation_id)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
    leader_ids = set(team.leaders.values_list("pk", flat=True))
    member_ids = {m.person_id for m in member_rows}
    may_change = access.may_change_team(user, team)
    may_members = access.may_change_members(user, team)
    candidates = teams.candidates(team).exclude(pk__in=member_ids) if may_members else None
    members_of_team = Person.objects.filter(pk__in=member_ids - leader_ids)
    context = {
        "team": team,
        "members": [
            {"person": m.person, "title": m.title, "leader": m.person_id in leader_ids}
            for m in member_rows
        ],
        "marks": teams.month_marks([team])[team.pk],
        "may_change": may_change,
        "may_members": may_members,
        "edit_form": TeamForm(team=team) if may_change else None,
        "member_form": (
            PersonChoiceForm(people=person_choices(candidates)) if candidates is not None else None
        ),
        "leader_form": (
            PersonChoiceForm(people=person_choices(members_of_team)) if may_change else None
        ),
    }
    context.update(extra)
    return context


@console_required
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id)
    return render(request, "volunteers/teams/detail.html", _team_context(user, team))


def _team_done(
    request: HttpRequest, team: Team, *, notice: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    if error:
        user = person(request)
        fresh = access.access_team(user, team.pk)
        context = _team_context(user, fresh, error=error)
        return render(request, "volunteers/teams/detail.html", context, status=status)
    messages.success(request, notice)
    return redirect("volunteers:team", team_id=team.pk)


@console_required
@require_POST
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id, write=True)
    form = TeamForm(request.POST, team=team)
    if not form.is_valid():
        context = _team_context(user, team)
        context["edit_form"] = form
        return render(request, "volunteers/teams/detail.html", context, status=400)
    data = form.cleaned_data
    try:
        teams.team_update(
            team=team,
            by=user,
            name=data["name"],
            name_en=data["name_en"],
            name_mn=data["name_mn"],
            kind=data["kind"],
            theme=data["theme"],
            monthly_minimum=data["monthly_minimum"],
            active=data["active"],
        )
    except DomainError as failure:
        return _team_done(request, team, error=failure.message, status=failure.status)
    return _team_done(request, team, notice=_("Saved."))


def _chosen(request: HttpRequest, people: list[tuple[int, str]]) -> PersonChoiceForm:
    return PersonChoiceForm(request.POST, people=people)


@console_required
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id, members=True)
    form = _chosen(request, person_choices(teams.candidates(team)))
    if not form.is_valid():
        return _team_done(request, team, error=_("Choose a person from the list."), status=400)
    try:
        teams.team_add_member(
            team=team, person=form.chosen(), by=user, title=form.cleaned_data["title"]
        )
    except DomainError as failure:
        return _team_done(request, team, error=failure.message, status=failure.status)
    return _team_done(request, team, notice=_("Added to the team."))


def _member_of(team: Team, person_id: int) -> Person:
    found = Person.objects.filter(
        pk=person_id, membership__organisation_id=team.organisation_id
    ).first()
    if found is None:
        raise Http404(_("No such member of this team."))
    return found


@console_required
@require_POST
def team_member_remove(request: HttpRequest, team_id: int, person_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id, members=True)
    member = _member_of(team, person_id)
    try:
        teams.team_remove_member(team=team, person=member, by=user)
    except DomainError as failure:
        return _team_done(request, team, error=failure.message, status=failure.status)
    return _team_done(request, team, notice=_("Removed from the team."))


@console_required
@require_POST
def team_leader_add(request: HttpRequest, team_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id, write=True)
    members = Person.objects.filter(membership__organisation_id=team.organisation_id)
    form = _chosen(request, person_choices(members))
    if not form.is_valid():
        return _team_done(request, team, error=_("Choose a member of the team."), status=400)
    try:
        teams.team_add_leader(team=team, person=form.chosen(), by=user)
    except DomainError as failure:
        return _team_done(request, team, error=failure.message, status=failure.status)
    return _team_done(request, team, notice=_("Named a leader."))


@console_required
@require_POST
def team_leader_remove(request: HttpRequest, team_id: int, person_id: int) -> HttpResponse:
    user = person(request)
    team = access.access_team(user, team_id, write=True)
    member = _member_of(team, person_id)
    try:
        teams.team_remove_leader(team=team, person=member, by=user)
    except DomainError as failure:
        return _team_done(request, team, error=failure.message, status=failure.status)
    return _team_done(request, team, notice=_("No longer a leader; still a member."))


# --- Member side: /serve/register/ ----------------------------------------------------------


def _register_context(user: Person, **extra: Any) -> dict[str, Any]:
    history = list(registrations.history_of(user))
    home = next((r for r in history if r.state == RegistrationState.APPROVED), None)
    waiting = next((r for r in history if r.state == RegistrationState.REQUESTED), None)
    context: dict[str, Any] = {
        "home": home,
        "waiting": waiting,
        "history": [r for r in history if r not in (home, waiting)],
        "form": RegisterForm(),
        "query": "",
        "found": [],
    }
    context.update(extra)
    return context


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Ask to register with a community: search it by name, pick it, say a few words."""
    user = person(request)
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                registrations.registration_request(
                    person=user,
                    community=data["community"],
                    by=By(person=user),
                    party_org_name=data["party_org_name"],
                    work_unit=data["work_unit"],
                    skills=data["skills"],
                )
            except DomainError as failure:
                context = _register_context(user, form=form, error=failure.message)
                return render(
                    request,
                    "volunteers/registrations/register.html",
                    context,
                    status=failure.status,
                )
            messages.success(
                request, _("Your request is sent. The community's staff will decide on it.")
            )
            return redirect("serve:register")
        context = _register_context(user, form=form)
        return render(request, "volunteers/registrations/register.html", context, status=400)
    query = request.GET.get("q", "")
    found = [(n.pk, community_label(n)) for n in find_communities(query)]
    context = _register_context(user, query=query[:40], found=found)
    template = (
        "volunteers/registrations/_found.html"
        if _is_htmx(request)
        else "volunteers/registrations/register.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def register_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw one's own request waiting for approval (404 when there is none)."""
    user = person(request)
    waiting = Registration.objects.filter(person=user, state=RegistrationState.REQUESTED).first()
    if waiting is None:
        raise Http404(_("You have no request waiting."))
    try:
        registrations.registration_withdraw(registration=waiting, by=By(person=user))
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("serve:register")
    messages.success(request, _("Your request is withdrawn."))
    return redirect("serve:register")


console_urls: list[URLPattern] = [
    path("registrations/", registration_list, name="registrations"),
    path(
        "registrations/<int:registration_id>/approve/",
        registration_approve,
        name="registration_approve",
    ),
    path(
        "registrations/<int:registration_id>/reject/",
        registration_reject,
        name="registration_reject",
    ),
    path("registrations/<int:registration_id>/end/", registration_end, name="registration_end"),
    path(
        "people/<int:person_id>/registrations/",
        registration_history,
        name="registration_history",
    ),
    path("teams/", team_list, name="teams"),
    path("teams/new/", team_new, name="team_new"),
    path("teams/<int:team_id>/", team_detail, name="team"),
    path("teams/<int:team_id>/edit/", team_edit, name="team_edit"),
    path("teams/<int:team_id>/members/add/", team_member_add, name="team_member_add"),
    path(
        "teams/<int:team_id>/members/<int:person_id>/remove/",
        team_member_remove,
        name="team_member_remove",
    ),
    path("teams/<int:team_id>/leaders/add/", team_leader_add, name="team_leader_add"),
    path(
        "teams/<int:team_id>/leaders/<int:person_id>/remove/",
        team_leader_remove,
        name="team_leader_remove",
    ),
]
public_urls: list[URLPattern] = [
    path("register/", register, name="register"),
    path("register/withdraw/", register_withdraw, name="register_withdraw"),
]
