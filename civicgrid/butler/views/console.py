"""The project butler's console pages, /console/butler/ (namespace "butler").

A view parses, asks `access.py`, calls one service or selector, renders. A writing view
refuses a reader (a read-only leader, the leader's seat) with 403 before it reads a form; the
services check again."""

from __future__ import annotations

import datetime as dt
import io
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.butler import access, counts, matters, projects, stages, timeline
from civicgrid.butler.models import (
    Contact,
    Matter,
    MatterKind,
    Milestone,
    Project,
    TeamMember,
    TeamRole,
    Visit,
)
from civicgrid.core import xlsx
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.needs.models import FINAL_STATES, Rating, State, format_number
from civicgrid.needs.qr import qr_png, qr_svg
from civicgrid.network.console import person
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    Person,
    Role,
    UnitKind,
    mask_mobile,
)
from civicgrid.network.scope import is_staff_user

T = "butler/console/"
LIMIT = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def team_or_console(view: Any) -> Any:
    """Signed in, and staff (`console_required`'s rule), a member of an organisation (a
    department), or seated on a butler team: a party-member cadre holds no staff role but
    works their projects here, as care's deliverers do their routes."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user)
            or Membership.objects.filter(person=user).exists()
            or TeamMember.objects.filter(person=user).exists()
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _check_works(request: HttpRequest) -> Person:
    user = person(request)
    if not access.works_anywhere(user):
        raise PermissionDenied(_("Your role may not change key projects."))
    return user


def _check_manages(request: HttpRequest) -> Person:
    user = person(request)
    if not access.manages_anywhere(user):
        raise PermissionDenied(_("Only staff of the place keep its key projects."))
    return user


# --- Lists ------------------------------------------------------------------------------------


def project_rows(qs: QuerySet[Project]) -> list[dict[str, Any]]:
    rows = []
    for pk, name, enterprise, place, stage, investment in qs.values_list(
        "pk", "name", "enterprise__name", "node__name", "stage", "investment"
    )[:LIMIT]:
        rows.append(
            {
                "url": reverse("butler:project", args=[pk]),
                "name": name,
                "enterprise": enterprise,
                "place": place,
                "stage": Project(stage=stage).get_stage_display(),
                "investment": investment,
            }
        )
    return rows


@team_or_console
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The key projects the reader sees; "mine": those whose team they sit on."""
    user = person(request)
    mine = request.GET.get("mine") == "1"
    qs = access.visible_projects(user)
    if mine:
        qs = qs.filter(pk__in=access.team_project_ids(user))
    context = {
        "rows": project_rows(qs.order_by("name", "pk")),
        "mine": mine,
        "may_create": access.manages_anywhere(user),
    }
    return render(request, T + "home.html", context)


def matter_rows(qs: QuerySet[Matter], now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for pk, project, kind, number, state, due, rating, created in qs.values_list(
        "pk",
        "project__name",
        "kind",
        "need__number",
        "need__state",
        "need__resolve_due",
        "need__rating",
        "created_at",
    )[:LIMIT]:
        open_ = state not in FINAL_STATES and state != State.RESOLVED
        rows.append(
            {
                "url": reverse("butler:matter", args=[pk]),
                "number": format_number(number),
                "project": project,
                "kind": MatterKind(kind).label,
                "state": State(state).label,
                "due": due,
                "overdue": bool(open_ and due and due < now),
                "escalated": state == State.ESCALATED,
                "raised": created,
                "rating": Rating(rating).label if rating else "",
            }
        )
    return rows


@team_or_console
@require_safe
def matter_list(request: HttpRequest) -> HttpResponse:
    """The matters of the projects the reader sees, newest first, with state and due date;
    `open=1` only those not yet resolved."""
    user = person(request)
    qs = access.visible_matters(user).order_by("-created_at", "-pk")
    only_open = request.GET.get("open") == "1"
    if only_open:
        qs = qs.exclude(need__state__in=[*FINAL_STATES, State.RESOLVED])
    context = {"rows": matter_rows(qs, timezone.now()), "only_open": only_open}
    return render(request, T + "matters.html", context)


# --- A project --------------------------------------------------------------------------------


def contact_rows(project: Project) -> list[dict[str, Any]]:
    return [
        {"pk": c.pk, "name": c.name, "title": c.title, "phone": mask_mobile(c.phone)}
        for c in Contact.objects.filter(project=project).order_by("pk")
    ]


@team_or_console
@require_safe
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    user = person(request)
    project = access.access_project(user, project_id)
    figures = counts.per_project([project.pk])[project.pk]
    team = TeamMember.objects.filter(project=project).select_related("person", "organisation")
    context = {
        "project": project,
        "entries": timeline.shaped(project),
        "team": list(team.order_by("role", "pk")),
        "contacts": contact_rows(project),
        "milestones": list(Milestone.objects.filter(project=project).order_by("planned_on", "pk")),
        "visits": list(
            Visit.objects.filter(project=project)
            .select_related("visitor")
            .order_by("-visited_on")[:20]
        ),
        "matters": matter_rows(
            Matter.objects.filter(project=project).order_by("-created_at"), timezone.now()
        ),
        "figures": figures,
        "may_work": access.may_work(user, project),
        "may_manage": access.may_manage(user, project.node),
        "stage_moves": [
            (a.value, stages.ACTION_LABELS[a]) for a in stages.allowed_actions(user, project)
        ],
        "today": timezone.localdate(),
    }
    return render(request, T + "project.html", context)


class ProjectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Project name"), max_length=120)
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=150, required=False)
    investment = forms.CharField(
        label=gettext_lazy("Investment (yuan)"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    started_on = forms.DateField(
        label=gettext_lazy("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NewProjectForm(ProjectForm):
    enterprise = forms.ModelChoiceField(
        label=gettext_lazy("Enterprise"), queryset=Organisation.objects.none()
    )
    node = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=Node.objects.none())

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A project sits at a town, community or big grid (industrial parks are communities
        # or big grids in the tree): not every small grid and unit of the region.
        places = Node.objects.filter(
            kind__in=[NodeKind.BANNER, NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID]
        )
        paths = access.scope.role_scope_paths(user, access.MANAGE_ROLES)
        if paths is not None:
            places = places.filter(access.scope.paths_q(paths))
        self.fields["node"].queryset = places.order_by("path")  # type: ignore[attr-defined]
        # Enterprises of the user's own area, as the service checks.
        enterprises = access.scope.within_scope(
            Organisation.objects.filter(unit_kind=UnitKind.ENTERPRISE),
            user,
            node_field="node",
            write=True,
        )
        self.fields["enterprise"].queryset = enterprises.order_by("name")  # type: ignore[attr-defined]
        self.order_fields(["enterprise", "name", "node"])


@team_or_console
@require_http_methods(["GET", "HEAD", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    user = _check_manages(request)
    form = NewProjectForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = projects.project_create(
                    by=user,
                    enterprise=data["enterprise"],
                    name=data["name"],
                    node=data["node"],
                    investment=data.get("investment") or "0",
                    started_on=data.get("started_on"),
                    description=data.get("description") or "",
                    name_mn=data.get("name_mn") or "",
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The project is entered."))
                return redirect("butler:project", project_id=project.pk)
    return render(
        request, T + "form.html", {"form": form, "title": _("New key project")}, status=status
    )


@team_or_console
@require_http_methods(["GET", "HEAD", "POST"])
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _check_manages(request)
    project = access.access_project(user, project_id, manage=True)
    initial = {
        "name": project.name,
        "name_mn": project.name_mn,
        "investment": project.investment,
        "started_on": project.started_on,
        "description": project.description,
    }
    form = ProjectForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                projects.project_update(
                    by=user,
                    project=project,
                    name=data["name"],
                    investment=data.get("investment") or "0",
                    started_on=data.get("started_on"),
                    description=data.get("description") or "",
                    name_mn=data.get("name_mn") or "",
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The project is saved."))
                return redirect("butler:project", project_id=project.pk)
    context = {"form": form, "title": _("Edit the project"), "project": project}
    return render(request, T + "form.html", context, status=status)


@team_or_console
@require_POST
def stage_move(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    try:
        stages.stage_move(
            project=project,
            by=user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", "")[:300],
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The stage is moved."))
    return redirect("butler:project", project_id=project.pk)


# --- Team and contacts ------------------------------------------------------------------------


SEAT_ROLES = (Role.LEADER, Role.PARTY_MEMBER, Role.PROJECT_BUTLER, Role.COMMUNITY_STAFF, Role.ADMIN)


class TeamForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role on the team"), choices=TeamRole.choices)
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person (a leader or a cadre)"),
        queryset=Person.objects.none(),
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Leaders and cadres around the project: roles bound above its place or within it.
        node = project.node
        around = Q(roles__node_id__in=node.ancestor_ids()) | Q(
            roles__node__path__startswith=node.path
        )
        people = Person.objects.filter(
            around, is_active=True, roles__role__in=SEAT_ROLES
        ).distinct()
        self.fields["person"].queryset = people.order_by("name")  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            unit_kind=UnitKind.DEPARTMENT
        ).order_by("name")


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=60, required=False)


@team_or_console
@require_http_methods(["GET", "HEAD", "POST"])
def team(request: HttpRequest, project_id: int) -> HttpResponse:
    """The butler team and the enterprise's contacts: add a seat or a contact, or remove one
    (`op`: "seat", "contact", "remove_seat", "remove_contact")."""
    user = _check_manages(request)
    project = access.access_project(user, project_id, manage=True)
    op = request.POST.get("op", "")
    team_form = TeamForm(request.POST if op == "seat" else None, project=project)
    contact_form = ContactForm(request.POST if op == "contact" else None, prefix="c")
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if op == "seat" and team_form.is_valid():
                d = team_form.cleaned_data
                projects.team_add(
                    by=user,
                    project=project,
                    role=d["role"],
                    person=d.get("person"),
                    organisation=d.get("organisation"),
                )
                messages.success(request, _("Added to the team."))
                return redirect("butler:team", project_id=project.pk)
            if op == "contact" and contact_form.is_valid():
                d = contact_form.cleaned_data
                projects.contact_add(
                    by=user, project=project, name=d["name"], phone=d["phone"], title=d["title"]
                )
                messages.success(request, _("The contact is added."))
                return redirect("butler:team", project_id=project.pk)
            if op == "remove_seat":
                seat = TeamMember.objects.filter(
                    project=project, pk=_int(request.POST.get("seat"))
                ).first()
                if seat is None:
                    raise Http404
                projects.team_remove(by=user, seat=seat)
                return redirect("butler:team", project_id=project.pk)
            if op == "remove_contact":
                contact = Contact.objects.filter(
                    project=project, pk=_int(request.POST.get("contact"))
                ).first()
                if contact is None:
                    raise Http404
                projects.contact_remove(by=user, contact=contact)
                return redirect("butler:team", project_id=project.pk)
        except DomainError as failure:
            onto_form(team_form if op == "seat" else contact_form, failure)
            status = failure.status
    context = {
        "project": project,
        "team": list(
            TeamMember.objects.filter(project=project)
            .select_related("person", "organisation")
            .order_by("role", "pk")
        ),
        "contacts": contact_rows(project),
        "team_form": team_form,
        "contact_form": contact_form,
    }
    return render(request, T + "team.html", context, status=status)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@team_or_console
@require_POST
def contact_phone(request: HttpRequest, project_id: int, contact_id: int) -> HttpResponse:
    """A contact's phone in full, for staff who manage the project; each reveal is logged."""
    user = _check_manages(request)
    project = access.access_project(user, project_id, manage=True)
    contact = Contact.objects.filter(project=project, pk=contact_id).first()
    if contact is None:
        raise Http404
    access.reveal(user, subject=f"butler-contact:{contact.pk}", field="phone")
    response = HttpResponse(contact.phone, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# --- Milestones, visits, matters --------------------------------------------------------------


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=120)
    planned_on = forms.DateField(
        label=gettext_lazy("Planned for"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


@team_or_console
@require_POST
def milestones(request: HttpRequest, project_id: int) -> HttpResponse:
    """Add a milestone, or (`op=done`, `milestone`) mark one done today."""
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    try:
        if request.POST.get("op") == "done":
            milestone = Milestone.objects.filter(
                project=project, pk=_int(request.POST.get("milestone"))
            ).first()
            if milestone is None:
                raise Http404
            projects.milestone_done(by=user, milestone=milestone)
            messages.success(request, _("The milestone is done."))
        else:
            form = MilestoneForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the milestone a title (and a valid date)."))
            else:
                d = form.cleaned_data
                projects.milestone_add(
                    by=user,
                    project=project,
                    title=d["title"],
                    planned_on=d.get("planned_on"),
                    note=d.get("note") or "",
                )
                messages.success(request, _("The milestone is added."))
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("butler:project", project_id=project.pk)


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("Day of the visit"), widget=forms.DateInput(attrs={"type": "date"})
    )
    found = forms.CharField(
        label=gettext_lazy("What was found"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@team_or_console
@require_http_methods(["GET", "HEAD", "POST"])
def visit_add(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                visit = projects.visit_record(
                    by=user, project=project, visited_on=d["visited_on"], found=d["found"]
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The visit is recorded."))
                url = reverse("butler:matter_new", args=[project.pk])
                if request.POST.get("then") == "matter":
                    return redirect(f"{url}?visit={visit.pk}")
                return redirect("butler:project", project_id=project.pk)
    context = {"form": form, "title": _("Record a visit"), "project": project}
    return render(request, T + "form.html", context, status=status)


class MatterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=MatterKind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=gettext_lazy("What is the matter"),
        max_length=matters.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact = forms.ModelChoiceField(
        label=gettext_lazy("Enterprise contact"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=gettext_lazy("Chosen: they get the tracking link and rate the result."),
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(project=project)  # type: ignore[attr-defined]
        self.fields["contact"].label_from_instance = lambda c: f"{c.name} {mask_mobile(c.phone)}"  # type: ignore[attr-defined]
        from civicgrid.core import once

        self.initial.setdefault("once", once.new_key())


@team_or_console
@require_http_methods(["GET", "HEAD", "POST"])
def matter_new(request: HttpRequest, project_id: int) -> HttpResponse:
    """Enter a matter on the enterprise's behalf (by phone, or from a visit: `?visit=`)."""
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    visit_id = _int(request.GET.get("visit") or request.POST.get("visit"))
    visit = Visit.objects.filter(project=project, pk=visit_id).first() if visit_id else None
    form = MatterForm(request.POST or None, project=project)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                matter, _made = matters.matter_raise(
                    by=user,
                    project=project,
                    kind=d["kind"],
                    description=d["description"],
                    contact=d.get("contact"),
                    visit=visit,
                    once_key=d.get("once") or "",
                    once_scope=f"{matters.ONCE_SCOPE}:console",
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The matter is raised."))
                return redirect("butler:matter", matter_id=matter.pk)
    context = {"form": form, "title": _("New matter"), "project": project, "visit": visit}
    return render(request, T + "form.html", context, status=status)


@team_or_console
@require_safe
def matter_detail(request: HttpRequest, matter_id: int) -> HttpResponse:
    user = person(request)
    matter = access.access_matter(user, matter_id)
    need = matter.need
    moments = [
        e
        for e in timeline.entries(matter.project)
        if e.url == reverse("butler:matter", args=[matter.pk])
    ]
    context = {
        "matter": matter,
        "need": need,
        "number": format_number(need.number),
        "moments": moments,
        "open": need.state not in FINAL_STATES and need.state != State.RESOLVED,
        "now": timezone.now(),
    }
    return render(request, T + "matter.html", context)


# --- The QR poster ----------------------------------------------------------------------------


def raise_link(project: Project) -> str:
    return reverse("butler_public:raise", args=[project.pk, access.qr_key(project.pk)])


@team_or_console
@require_safe
def poster(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's QR poster for the enterprise: the keyed link, for the team and staff."""
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    url = request.build_absolute_uri(raise_link(project))
    context = {"project": project, "url": url, "qr": mark_safe(qr_svg(url, scalable=True))}  # noqa: S308
    return render(request, T + "poster.html", context)


@team_or_console
@require_safe
def poster_png(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _check_works(request)
    project = access.access_project(user, project_id, write=True)
    response = HttpResponse(
        qr_png(request.build_absolute_uri(raise_link(project))), content_type="image/png"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Counts -----------------------------------------------------------------------------------


def _count_context(user: Person) -> dict[str, Any]:
    qs = access.visible_projects(user).order_by("name", "pk")
    by_project = counts.per_project(qs)
    names = dict(qs.values_list("pk", "name"))
    project_rows = [
        {"pk": pk, "name": names[pk], "f": f, "url": reverse("butler:project", args=[pk])}
        for pk, f in by_project.items()
    ]
    total = counts.Figures()
    for f in by_project.values():
        total.add(f)
        total.visits += f.visits
    return {"projects": project_rows, "butlers": counts.per_butler(qs), "total": total}


@team_or_console
@require_safe
def counts_page(request: HttpRequest) -> HttpResponse:
    return render(request, T + "counts.html", _count_context(person(request)))


COLUMNS = (
    gettext_lazy("Matters raised"),
    gettext_lazy("Resolved"),
    gettext_lazy("Resolved on time"),
    gettext_lazy("Escalated"),
    gettext_lazy("Average rating (of 5)"),
    gettext_lazy("Visits"),
    gettext_lazy("Milestones done"),
)


def _figures(f: counts.Figures) -> list[Any]:
    avg = f.average_rating
    return [
        f.raised,
        f.resolved,
        f.on_time,
        f.escalated,
        float(avg) if avg is not None else "",
        f.visits,
        f.milestones_done,
    ]


@team_or_console
@require_safe
def ledger(request: HttpRequest) -> HttpResponse:
    """The counts as an xlsx ledger: one sheet per project, one per butler."""
    context = _count_context(person(request))
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(str(_("Projects"))[:31])
    xlsx.write_row(sheet, 0, [str(_("Project")), *[str(c) for c in COLUMNS]], bold)
    for i, row in enumerate(context["projects"], start=1):
        xlsx.write_row(sheet, i, [row["name"], *_figures(row["f"])])
    sheet = book.add_worksheet(str(_("Butlers"))[:31])
    xlsx.write_row(
        sheet,
        0,
        [str(_("Butler")), str(_("Role")), str(_("Projects")), *[str(c) for c in COLUMNS]],
        bold,
    )
    for i, b in enumerate(context["butlers"], start=1):
        xlsx.write_row(
            sheet, i, [b.name, str(b.role), len(b.figures.projects), *_figures(b.figures)]
        )
    book.close()
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="butler-ledger.xlsx"'
    return response


console_urls = [
    path("", home, name="home"),
    path("matters/", matter_list, name="matters"),
    path("matters/<int:matter_id>/", matter_detail, name="matter"),
    path("counts/", counts_page, name="counts"),
    path("counts/ledger.xlsx", ledger, name="ledger"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/<int:project_id>/", project_detail, name="project"),
    path("projects/<int:project_id>/edit/", project_edit, name="project_edit"),
    path("projects/<int:project_id>/stage/", stage_move, name="stage"),
    path("projects/<int:project_id>/team/", team, name="team"),
    path(
        "projects/<int:project_id>/contacts/<int:contact_id>/phone/",
        contact_phone,
        name="contact_phone",
    ),
    path("projects/<int:project_id>/milestones/", milestones, name="milestones"),
    path("projects/<int:project_id>/visits/new/", visit_add, name="visit_add"),
    path("projects/<int:project_id>/matters/new/", matter_new, name="matter_new"),
    path("projects/<int:project_id>/poster/", poster, name="poster"),
    path("projects/<int:project_id>/poster.png", poster_png, name="poster_png"),
]
