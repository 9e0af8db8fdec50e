"""The mailbox in the console, /console/mailbox/ (namespace "mailbox"): the mailboxes in the
reader's scope, a town's call, its proposals with filters, screening, the selection, the
projects with their milestones, the counts, the xlsx ledger and the QR poster.

Every writing view refuses a reader (403) before it reads a form; the commands check again."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.mailbox import access, counts, events, projects, publication, selection, workflow
from civicgrid.mailbox.models import Call, Mailbox, Milestone, Proposal, ProposalState
from civicgrid.mailbox.workflow import Action
from civicgrid.needs.qr import qr_svg
from civicgrid.network.console import console_required, person
from civicgrid.network.models import NodeKind, Organisation, mask_mobile, node_label
from civicgrid.network.scope import access_node

C = "mailbox/console/"
LIMIT = 300


def _call(mailbox: Mailbox, request: HttpRequest) -> Call | None:
    year = request.GET.get("year", "")
    if year.isdigit():
        return mailbox.calls.filter(year=int(year)).first()
    return publication.current_call(mailbox)


def _refuse_reader(request: HttpRequest) -> None:
    if not access.serves_anywhere(person(request)):
        raise PermissionDenied(_("Your role may read the mailbox but not change it."))


@console_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = person(request)
    rows = []
    for m in access.visible_mailboxes(user).select_related("node").order_by("node__code"):
        call = publication.current_call(m)
        rows.append({"mailbox": m, "town": node_label(m.node), "call": call})
    return render(request, C + "home.html", {"rows": rows})


class CallForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    opens_on = forms.DateField(
        label=gettext_lazy("Open from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_on = forms.DateField(
        label=gettext_lazy("Open until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        label=gettext_lazy("The call, in a few lines"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    text_mn = forms.CharField(
        label=gettext_lazy("The call in Mongolian"),
        max_length=1200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The call closes on or after the day it opens."))
        return data


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def call_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    """Open a town's mailbox and write a year's call (made, or changed, for that year)."""
    _refuse_reader(request)
    user = person(request)
    node = access_node(user, node_id, write=True)
    if node.kind != NodeKind.TOWN:
        raise Http404
    mailbox = Mailbox.objects.filter(node=node).first()
    today = timezone.localdate()
    current = publication.current_call(mailbox) if mailbox else None
    initial = (
        {
            "year": current.year,
            "opens_on": current.opens_on,
            "closes_on": current.closes_on,
            "text": current.text,
            "text_mn": current.text_mn,
        }
        if current
        else {"year": today.year, "opens_on": today, "closes_on": dt.date(today.year, 10, 31)}
    )
    form = CallForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if mailbox is None:
            mailbox = Mailbox.objects.create(node=node, created_at=timezone.now())
        call, made = Call.objects.update_or_create(
            mailbox=mailbox,
            year=data["year"],
            defaults={k: data[k] for k in ("opens_on", "closes_on", "text", "text_mn")},
        )
        if made:
            events.append(call, "open", actor=user, actor_kind="staff")
        messages.success(request, _("The call is saved."))
        return redirect("mailbox:proposals", mailbox.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "town": node_label(node), "mailbox": mailbox}
    return render(request, C + "call_edit.html", context, status=status)


# --- Proposals --------------------------------------------------------------------------------


@console_required
@require_safe
def proposals(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    user = person(request)
    mailbox = access.access_mailbox(user, mailbox_id)
    call = _call(mailbox, request)
    state = request.GET.get("state", "")
    community = request.GET.get("community", "")
    rows: list[dict[str, Any]] = []
    if call:
        qs = access.visible_proposals(user).filter(call=call)
        if state in ProposalState.values:
            qs = qs.filter(state=state)
        if community.isdigit():
            qs = qs.filter(node_id=int(community))
        labels = dict(ProposalState.choices)
        for pk, title, node, st, phone, created, n in (
            qs.annotate(n=Count("supports"))
            .order_by("-created_at", "-pk")
            .values_list("pk", "title", "node__name", "state", "proposer_phone", "created_at", "n")[
                :LIMIT
            ]
        ):
            rows.append(
                {
                    "url": reverse("mailbox:proposal", args=[pk]),
                    "title": title,
                    "community": node,
                    "state": st,
                    "state_label": labels.get(st, st),
                    "phone": mask_mobile(phone),
                    "created": created,
                    "supports": n,
                }
            )
    context = {
        "mailbox": mailbox,
        "town": node_label(mailbox.node),
        "call": call,
        "rows": rows,
        "states": ProposalState.choices,
        "state": state,
        "community": community,
        "communities": workflow.communities_of(call) if call else [],
        "may_write": access.serves(user, mailbox.node),
        "years": list(mailbox.calls.order_by("-year").values_list("year", flat=True)),
    }
    return render(request, C + "proposals.html", context)


@console_required
@require_safe
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = person(request)
    found = access.access_proposal(user, proposal_id)
    others = (
        Proposal.objects.filter(
            call=found.call, state__in=[ProposalState.SUBMITTED, ProposalState.PUBLISHED]
        )
        .exclude(pk=found.pk)
        .order_by("pk")
        .values_list("pk", "title")
    )
    context = {
        "p": found,
        "town": node_label(found.call.mailbox.node),
        "community": node_label(found.node),
        "phone": mask_mobile(found.proposer_phone),
        "name": (found.proposer_name[:1] + "*") if found.proposer_name else "",
        "actions": [
            a.value for a in workflow.allowed_actions(user, found) if a in workflow.SCREENING
        ],
        "may_reveal": access.may_reveal(user, found),
        "others": list(others),
        "supports": found.supports.count(),
        "timeline": _timeline(found),
        "project": getattr(found, "project", None)
        if found.state == ProposalState.SELECTED
        else None,
    }
    return render(request, C + "proposal.html", context)


def _timeline(record: Any) -> list[dict[str, Any]]:
    return [
        {
            "at": e.created_at,
            "what": workflow.ACTION_LABELS.get(e.action, e.action),
            "who": e.actor.name if e.actor else "",
            "note": e.note,
        }
        for e in events.timeline(record).select_related("actor")
    ]


@console_required
@require_POST
def proposal_act(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Screening: publish, decline (with a reason), merge into another proposal."""
    _refuse_reader(request)
    user = person(request)
    found = access.access_proposal(user, proposal_id, write=True)
    action = request.POST.get("action", "")
    try:
        if action == Action.PUBLISH:
            workflow.proposal_publish(by=user, proposal=found)
        elif action == Action.DECLINE:
            workflow.proposal_decline(
                by=user, proposal=found, reason=request.POST.get("reason", "")
            )
        elif action == Action.MERGE:
            into = request.POST.get("into", "")
            if not into.isdigit():
                raise Invalid(_("Choose the proposal to merge into."), code="merge_target")
            workflow.proposal_merge(by=user, proposal=found, into=int(into))
        else:
            messages.error(request, _("Choose what to do."))
            return redirect("mailbox:proposal", found.pk)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Done."))
    return redirect("mailbox:proposal", found.pk)


@console_required
@require_POST
def proposal_phone(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The proposer's phone and name in full (logged): staff who serve the town."""
    _refuse_reader(request)
    user = person(request)
    found = access.access_proposal(user, proposal_id)
    phone = access.reveal(user, found)
    context = {"phone": phone, "name": found.proposer_name}
    return render(request, C + "_phone.html", context)


# --- The selection ----------------------------------------------------------------------------


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def selection_page(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    user = person(request)
    if request.method == "POST":
        _refuse_reader(request)
    mailbox = access.access_mailbox(user, mailbox_id, write=request.method == "POST")
    call = _call(mailbox, request)
    if call is None:
        raise Http404
    status = 200
    if request.method == "POST":
        chosen = {
            int(pk): request.POST.get(f"reason_{pk}", "")
            for pk in request.POST.getlist("select")
            if pk.isdigit()
        }
        try:
            made = selection.selection_make(by=user, call=call, selected=chosen)
        except DomainError as failure:
            messages.error(request, failure.message)
            status = 400
        else:
            messages.success(
                request,
                _("%(n)d projects are made from the selection.") % {"n": len(made)},
            )
            return redirect("mailbox:projects", mailbox.pk)
    ranked = list(selection.ranked(call)) if call.selected_at is None else []
    context = {
        "mailbox": mailbox,
        "town": node_label(mailbox.node),
        "call": call,
        "ranked": ranked,
        "closed": timezone.localdate() > call.closes_on,
        "may_write": access.serves(user, mailbox.node),
        "selected": list(
            Proposal.objects.filter(call=call, state=ProposalState.SELECTED).select_related(
                "project"
            )
        ),
    }
    return render(request, C + "selection.html", context, status=status)


# --- Projects ---------------------------------------------------------------------------------


@console_required
@require_safe
def projects_page(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    user = person(request)
    mailbox = access.access_mailbox(user, mailbox_id)
    rows = []
    for pr in (
        access.visible_projects(user)
        .filter(proposal__call__mailbox=mailbox)
        .select_related("proposal__call", "organisation")
        .order_by("-proposal__call__year", "planned_finish", "pk")
    ):
        rows.append({"project": pr, **projects.progress(pr)})
    context = {"mailbox": mailbox, "town": node_label(mailbox.node), "rows": rows}
    return render(request, C + "projects.html", context)


class ProjectForm(forms.Form):
    responsible = forms.CharField(
        label=gettext_lazy("Department responsible"), max_length=80, required=False
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    budget = forms.CharField(label=gettext_lazy("Budget (yuan)"), max_length=20, required=False)
    planned_finish = forms.DateField(
        label=gettext_lazy("Planned finish"), widget=forms.DateInput(attrs={"type": "date"})
    )
    title_mn = forms.CharField(
        label=gettext_lazy("Title in Mongolian"), max_length=160, required=False
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=80)
    title_mn = forms.CharField(
        label=gettext_lazy("Milestone in Mongolian"), max_length=160, required=False
    )
    due = forms.DateField(label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def _project_forms(
    project: Any, data: Any = None, which: str = ""
) -> tuple[ProjectForm, MilestoneForm]:
    pform = ProjectForm(
        data if which == "update" else None,
        initial={
            "responsible": project.responsible,
            "organisation": project.organisation_id,
            "budget": project.budget if project.budget is not None else "",
            "planned_finish": project.planned_finish,
            "title_mn": project.title_mn,
        },
    )
    pform.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
        node__path__startswith=project.proposal.call.mailbox.node.path
    ).order_by("name")
    mform = MilestoneForm(data if which == "milestone" else None)
    return pform, mform


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    user = person(request)
    if request.method == "POST":
        _refuse_reader(request)
    found = access.access_project(user, project_id, write=request.method == "POST")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    pform, mform = _project_forms(found, request.POST, which)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if which == "update" and pform.is_valid():
                d = pform.cleaned_data
                projects.project_update(
                    by=user, project=found, responsible=d["responsible"],
                    organisation=d["organisation"], budget=d["budget"],
                    planned_finish=d["planned_finish"], title_mn=d["title_mn"],
                )  # fmt: skip
            elif which == "milestone" and mform.is_valid():
                d = mform.cleaned_data
                projects.milestone_add(
                    by=user, project=found, title=d["title"], title_mn=d["title_mn"],
                    due=d["due"], note=d["note"],
                )  # fmt: skip
            elif which == "done":
                pk = request.POST.get("milestone", "")
                if not pk.isdigit() or not Milestone.objects.filter(pk=pk, project=found).exists():
                    raise Http404
                projects.milestone_done(
                    by=user, milestone=int(pk), note=request.POST.get("note", "")
                )
            elif which == "finish":
                projects.project_finish(by=user, project=found)
            else:
                raise _Unfinished
        except _Unfinished:
            pass
        except DomainError as failure:
            target = mform if which == "milestone" else pform
            onto_form(target, failure)
            messages.error(request, failure.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("mailbox:project", found.pk)
    context = {
        "project": found,
        "town": node_label(found.proposal.call.mailbox.node),
        "pform": pform,
        "mform": mform,
        "may_write": access.serves(user, found.proposal.call.mailbox.node),
        "timeline": _timeline(found),
        **projects.progress(found),
    }
    return render(request, C + "project.html", context, status=status)


class _Unfinished(Exception):
    """A form that did not validate: the page shows its errors."""


# --- Counts, ledger, poster -------------------------------------------------------------------


@console_required
@require_safe
def counts_page(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    user = person(request)
    mailbox = access.access_mailbox(user, mailbox_id)
    call = _call(mailbox, request)
    labels = dict(ProposalState.choices)
    figures = counts.counts(call) if call else None
    context = {
        "mailbox": mailbox,
        "town": node_label(mailbox.node),
        "call": call,
        "figures": figures,
        "states": [(labels[k], v) for k, v in figures["by_state"].items()] if figures else [],
    }
    return render(request, C + "counts.html", context)


@console_required
@require_safe
def ledger(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    user = person(request)
    mailbox = access.access_mailbox(user, mailbox_id)
    call = _call(mailbox, request)
    if call is None:
        raise Http404
    out = io.BytesIO()
    counts.write_ledger(call, out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="mailbox-{mailbox.node.code}-{call.year}.xlsx"'
    )
    return response


@console_required
@require_safe
def poster(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """A printable poster of the landing page's QR code."""
    user = person(request)
    mailbox = access.access_mailbox(user, mailbox_id)
    url = request.build_absolute_uri(reverse("mailbox_public:landing", args=[mailbox.node_id]))
    context = {
        "url": url,
        "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
        "name_zh": mailbox.node.name,
        "name_mn": mailbox.node.name_mn,
    }
    return render(request, C + "poster.html", context)


console_urls: list[URLPattern] = [
    path("", home, name="home"),
    path("towns/<int:node_id>/call/", call_edit, name="call_edit"),
    path("<int:mailbox_id>/proposals/", proposals, name="proposals"),
    path("<int:mailbox_id>/selection/", selection_page, name="selection"),
    path("<int:mailbox_id>/projects/", projects_page, name="projects"),
    path("<int:mailbox_id>/counts/", counts_page, name="counts"),
    path("<int:mailbox_id>/ledger.xlsx", ledger, name="ledger"),
    path("<int:mailbox_id>/poster/", poster, name="poster"),
    path("proposals/<int:proposal_id>/", proposal, name="proposal"),
    path("proposals/<int:proposal_id>/act/", proposal_act, name="proposal_act"),
    path("proposals/<int:proposal_id>/phone/", proposal_phone, name="proposal_phone"),
    path("projects/<int:project_id>/", project_page, name="project"),
]
