"""The answerer's inbox on the phone (/console/liaison/): a representative or a station's
staff needs no staff role; community staff over the place read all messages of their area."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicgrid.core.errors import DomainError
from civicgrid.liaison import access, events, workflow
from civicgrid.liaison.forms import AnswerForm, ReferForm
from civicgrid.liaison.models import Message, MessageState
from civicgrid.needs.models import Category
from civicgrid.network.models import Person, mask_mobile, mask_name
from civicgrid.network.scope import is_staff_user
from civicgrid.representatives.models import LiaisonStation, Representative

T = "liaison/console/"
PAGE = 50


def answerer_or_console(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, and staff, a representative or a station's staff."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user) or access.answers_anything(user)
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _me(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)
    return user


def _to(m: Mapping[str, Any]) -> str:
    return str(m["representative__person__name"] or m["station__name"] or "")


@answerer_or_console
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages to me first (new first), then, for staff of a place, all of their area."""
    user = _me(request)
    show = request.GET.get("show", "open")
    found = access.visible_messages(user)
    if show == "open":
        found = found.filter(state=MessageState.RECEIVED)
    mine = set(Message.objects.filter(access.mine_q(user)).values_list("pk", flat=True)[:1000])
    now = timezone.now()
    rows = []
    for m in found.order_by("-created_at", "-id").values(
        "pk",
        "number",
        "kind",
        "state",
        "created_at",
        "answer_due",
        "overdue_at",
        "name",
        "phone",
        "representative__person__name",
        "station__name",
    )[:PAGE]:
        rows.append(
            {
                "number": m["number"],
                "kind": Message(kind=m["kind"]).get_kind_display(),
                "state": m["state"],
                "state_label": Message(state=m["state"]).get_state_display(),
                "created_at": m["created_at"],
                "due": m["answer_due"],
                "overdue": m["state"] == MessageState.RECEIVED
                and (m["overdue_at"] is not None or m["answer_due"] <= now),
                "from": mask_name(m["name"]) if m["name"] else "",
                "phone": mask_mobile(m["phone"]),
                "to": _to(m),
                "mine": m["pk"] in mine,
            }
        )
    context = {"rows": rows, "show": show, "place_staff": not access.answers_anything(user)}
    return render(request, T + "inbox.html", context)


def _categories() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in workflow.referable_categories()]


def _reassign_targets(message: Message) -> dict[str, Any]:
    reps = Representative.objects.filter(active=True, constituency=message.node).select_related(
        "person"
    )
    stations = LiaisonStation.objects.filter(active=True, node=message.node)
    return {"reps": list(reps.distinct()), "stations": list(stations)}


def _detail_context(
    request: HttpRequest,
    message: Message,
    *,
    form: AnswerForm | None = None,
    error: str = "",
    phone: str = "",
) -> dict[str, Any]:
    user = _me(request)
    allowed = workflow.allowed_actions(user, message)
    answerer = access.answers(user, message)
    return {
        "m": message,
        "to": message.representative.person.name
        if message.representative
        else (message.station.name if message.station else ""),
        "from_name": message.name if answerer else mask_name(message.name),
        "phone": phone or mask_mobile(message.phone),
        "revealed": bool(phone),
        "may_reveal": bool(message.phone) and access.may_reveal(user, message) and not phone,
        "may_answer": workflow.Action.ANSWER in allowed,
        "may_refer": workflow.Action.REFER in allowed,
        "may_reassign": workflow.Action.REASSIGN in allowed,
        "form": form or AnswerForm(),
        "categories": _categories() if workflow.Action.REFER in allowed else [],
        "targets": _reassign_targets(message) if workflow.Action.REASSIGN in allowed else {},
        "overdue": message.state == MessageState.RECEIVED and message.answer_due <= timezone.now(),
        "timeline": [
            {
                "at": e.created_at,
                "what": workflow.ENTRY_LABELS.get(e.action, e.action),
                "who": workflow.ACTOR_LABELS.get(e.actor_kind, e.actor_kind),
                "name": e.actor.name if e.actor else "",
                "note": e.note,
            }
            for e in events.timeline(message).select_related("actor")
        ],
        "error": error,
    }


@answerer_or_console
@require_safe
def detail(request: HttpRequest, number: str) -> HttpResponse:
    message = access.access_by_number(_me(request), number)
    return render(request, T + "detail.html", _detail_context(request, message))


def _check_writer(request: HttpRequest) -> None:
    """A read-only leader is refused before any form is read."""
    if not access.writes_anywhere(_me(request)):
        raise PermissionDenied


@answerer_or_console
@require_POST
def answer(request: HttpRequest, number: str) -> HttpResponse:
    _check_writer(request)
    user = _me(request)
    message = access.access_by_number(user, number, write=True)
    form = AnswerForm(request.POST)
    htmx = getattr(request, "htmx", False)
    error, status = "", 200
    if not form.is_valid():
        error, status = _("Write the answer."), 400
    else:
        try:
            workflow.message_answer(by=user, message=message, answer=form.cleaned_data["answer"])
        except DomainError as failure:
            error, status = failure.message, failure.status
    fresh = access.access_by_number(user, number)
    if htmx:
        context = _detail_context(request, fresh, form=form if error else None, error=error)
        return render(request, T + "_answer.html", context, status=status)
    if error:
        flash.error(request, error)
    else:
        flash.success(request, _("Answered. The resident is told."))
    return redirect("liaison:detail", number=number)


@answerer_or_console
@require_POST
def refer(request: HttpRequest, number: str) -> HttpResponse:
    _check_writer(request)
    user = _me(request)
    message = access.access_by_number(user, number, write=True)
    form = ReferForm(request.POST, categories=_categories())
    if not form.is_valid():
        flash.error(request, _("Choose the kind of need."))
        return redirect("liaison:detail", number=number)
    category = Category.objects.get(code=form.cleaned_data["category"], is_active=True)
    try:
        need = workflow.message_refer(by=user, message=message, category=category)
    except DomainError as failure:
        flash.error(request, failure.message)
    else:
        flash.success(
            request,
            _("Need %(number)s raised. You will be told when it is done.")
            % {"number": need.number},
        )
    return redirect("liaison:detail", number=number)


@answerer_or_console
@require_POST
def reassign(request: HttpRequest, number: str) -> HttpResponse:
    _check_writer(request)
    user = _me(request)
    message = access.access_by_number(user, number, write=True)
    target = request.POST.get("to", "")
    rep = station = None
    kind, _sep, pk = target.partition(":")
    if kind == "rep" and pk.isdigit():
        rep = Representative.objects.filter(pk=int(pk)).first()
    elif kind == "station" and pk.isdigit():
        station = LiaisonStation.objects.filter(pk=int(pk)).first()
    try:
        workflow.message_reassign(by=user, message=message, representative=rep, station=station)
    except DomainError as failure:
        flash.error(request, failure.message)
    else:
        flash.success(request, _("Handed over. They are told."))
    return redirect("liaison:detail", number=number)


@answerer_or_console
@require_POST
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """The resident's phone in full, on a button; each time logged."""
    user = _me(request)
    message = access.access_by_number(user, number)
    phone = access.reveal(user, message)
    context = _detail_context(request, message, phone=phone)
    if getattr(request, "htmx", False):
        return render(request, T + "_phone.html", context)
    return render(request, T + "detail.html", context)
