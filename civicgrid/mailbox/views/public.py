"""The mailbox's public pages, /mailbox/ (namespace "mailbox_public"): the landing page a
town's QR poster opens (the call, "propose a project", the published proposals with their
supports, the projects), the proposal form, a proposal's page with "support", a project's page.

No account: proposing and supporting prove a phone with a code texted to it
(`residents.py`); forms carry a one-time key; writes are rate-limited per address and number.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from civicgrid.core import once
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.i18n import localised
from civicgrid.core.ratelimit import client_ip
from civicgrid.core.views import too_many_requests
from civicgrid.mailbox import projects, publication, residents, workflow
from civicgrid.mailbox.models import Call, LivelihoodProject, Mailbox, ProposalState
from civicgrid.network.models import mask_mobile, node_label

R = "mailbox/resident/"
PROPOSE_ONCE = "mailbox-propose"
LIST_LIMIT = 200


def _mailbox(node_id: int) -> tuple[Mailbox, Call | None]:
    mailbox = publication.public_mailbox(node_id)
    if mailbox is None:
        raise Http404
    return mailbox, publication.current_call(mailbox)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def call_text(call: Call) -> str:
    return localised(call.text, None, name_mn=call.text_mn)


@require_safe
def landing(request: HttpRequest, node_id: int) -> HttpResponse:
    """What the mailbox's QR code opens."""
    mailbox, call = _mailbox(node_id)
    proposals = (
        list(publication.public_proposals(call).select_related("node")[:LIST_LIMIT]) if call else []
    )
    chosen = (
        list(
            LivelihoodProject.objects.filter(proposal__call=call)
            .order_by("planned_finish", "pk")
            .values("pk", "title", "title_mn", "finished_on", "planned_finish")
        )
        if call
        else []
    )
    for p in chosen:
        p["title"] = localised(p["title"], None, name_mn=p["title_mn"])
    context = {
        "mailbox": mailbox,
        "town": node_label(mailbox.node),
        "call": call,
        "text": call_text(call) if call else "",
        "open": bool(call and publication.is_open(call)),
        "proposals": [
            {
                "pk": p.pk,
                "title": p.title,
                "community": node_label(p.node),
                "supports": p.supports_count,  # type: ignore[attr-defined]
                "state": p.state,
                "state_label": p.get_state_display(),
            }
            for p in proposals
        ],
        "projects": chosen,
    }
    return render(request, R + "landing.html", context)


# --- Proposing --------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Project title"),
        max_length=80,
        help_text=gettext_lazy("A few words, e.g. “Lights for the old yard of building 3”."),
    )
    body = forms.CharField(
        label=gettext_lazy("What should be done, and why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    node = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int)
    place = forms.CharField(label=gettext_lazy("Where exactly"), max_length=120, required=False)
    estimated_cost = forms.CharField(
        label=gettext_lazy("Estimated cost in yuan (if you know it)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (not published)"), max_length=40, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Your mobile number (not published)"),
        max_length=20,
        help_text=gettext_lazy("We text a code to it, and tell you what becomes of the proposal."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        node_field: Any = self.fields["node"]
        node_field.choices = [(n.pk, node_label(n)) for n in workflow.communities_of(call)]
        if not self.is_bound:
            self.initial.setdefault("once", once.new_key())


@require_http_methods(["GET", "HEAD", "POST"])
def propose(request: HttpRequest, node_id: int) -> HttpResponse:
    """Step 1: the proposal and the phone, "send me a code"; step 2: the code, "send"."""
    mailbox, call = _mailbox(node_id)
    context: dict[str, Any] = {"mailbox": mailbox, "town": node_label(mailbox.node), "call": call}
    if call is None or not publication.is_open(call):
        return _private(render(request, R + "propose_closed.html", context))
    form = ProposeForm(request.POST or None, call=call)
    context["form"] = form
    status = 200
    if request.method == "POST":
        status = 400
        key = request.POST.get("once", "")
        if once.well_formed(key) and once.result_of(PROPOSE_ONCE, key):
            return _private(render(request, R + "proposed.html", context))
        if "send_code" in request.POST:
            phone = request.POST.get("phone", "")
            try:
                residents.propose_code_send(call=call, phone=phone, ip=client_ip(request))
            except residents.Throttled as failure:
                return too_many_requests(request, int(failure.details.get("wait", 60)))
            except DomainError as failure:
                form.is_valid()
                onto_form(form, failure)
            else:
                form.is_valid()
                form.errors.pop("code", None)
                context.update(code_sent=True, masked=mask_mobile(phone))
                status = 200
        elif form.is_valid():
            data = form.cleaned_data
            node = next(n for n in workflow.communities_of(call) if n.pk == data["node"])
            try:
                residents.proposal_propose(
                    call=call,
                    node=node,
                    title=data["title"],
                    body=data["body"],
                    place=data["place"],
                    estimated_cost=data["estimated_cost"],
                    proposer_name=data["name"],
                    phone=data["phone"],
                    code=data["code"],
                    ip=client_ip(request),
                    also=(lambda p: once.claim(PROPOSE_ONCE, key, str(p.pk)))
                    if once.well_formed(key)
                    else None,
                )
            except residents.Throttled as failure:
                return too_many_requests(request, int(failure.details.get("wait", 60)))
            except DomainError as failure:
                typed = bool(data.get("code"))
                onto_form(form, failure)
                context["code_sent"] = typed
            except IntegrityError:  # the same form sent twice at once
                pass
            if not form.errors:
                return _private(render(request, R + "proposed.html", context))
    return _private(render(request, R + "propose.html", context, status=status))


# --- A proposal and supporting it -------------------------------------------------------------


class SupportForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        max_length=20,
        help_text=gettext_lazy(
            "One support per number. The number is not kept, only a check of it."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = publication.public_proposal(proposal_id)
    if found is None:
        raise Http404
    call = found.call
    form = SupportForm(request.POST or None)
    context: dict[str, Any] = {
        "p": found,
        "town": node_label(call.mailbox.node),
        "node_id": call.mailbox.node_id,
        "community": node_label(found.node),
        "supports": found.supports_count,  # type: ignore[attr-defined]
        "may_support": found.state == ProposalState.PUBLISHED and publication.is_open(call),
        "form": form,
        "project": LivelihoodProject.objects.filter(proposal=found).values("pk").first(),
    }
    status = 200
    if request.method == "POST":
        status = 400
        phone = request.POST.get("phone", "")
        try:
            if "send_code" in request.POST:
                residents.support_code_send(proposal=found, phone=phone, ip=client_ip(request))
                context.update(code_sent=True, masked=mask_mobile(phone))
                status = 200
            elif form.is_valid():
                done = residents.support_add(
                    proposal=found,
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                )
                context.update(supported=True, created=done.created, supports=done.count)
                status = 200
        except residents.Throttled as failure:
            return too_many_requests(request, int(failure.details.get("wait", 60)))
        except DomainError as failure:
            form.is_valid()
            onto_form(form, failure)
            context["code_sent"] = "send_code" not in request.POST
    return _private(render(request, R + "proposal.html", context, status=status))


@require_safe
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    found = (
        LivelihoodProject.objects.select_related("proposal__call__mailbox__node", "organisation")
        .filter(pk=project_id, proposal__forgotten_at__isnull=True)
        .first()
    )
    if found is None:
        raise Http404
    context = {
        "project": found,
        "title": localised(found.title, None, name_mn=found.title_mn),
        "town": node_label(found.proposal.call.mailbox.node),
        "node_id": found.proposal.call.mailbox.node_id,
        "responsible": found.organisation.name if found.organisation else found.responsible,
        **projects.progress(found),
    }
    return render(request, R + "project.html", context)


def landing_url(node_id: int) -> str:
    return reverse("mailbox_public:landing", args=[node_id])


public_urls: list[URLPattern] = [
    path("<int:node_id>/", landing, name="landing"),
    path("<int:node_id>/propose/", propose, name="propose"),
    path("proposals/<int:proposal_id>/", proposal, name="proposal"),
    path("projects/<int:project_id>/", project, name="project"),
]
