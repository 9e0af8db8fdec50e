"""Pages of the work list (工作清单): a committee's tasks (a member unit's people see their
unit's first), a task with its timeline and the moves the reader may make, a new task (from a
goal or a need, or plain).

The buttons are the state machine's `allowed_actions` for the reader; the services check again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.committees import access, events, work
from civicgrid.committees import forms as f
from civicgrid.committees.models import Goal, Task, TaskState
from civicgrid.core.errors import DomainError, Invalid, onto_form
from civicgrid.needs.models import Need
from civicgrid.needs.workflow import By
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Organisation, Person

SHOWN = 200


def _units(committee: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(committee=committee).order_by("name"))


@console_required
@require_safe
def task_list(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id)
    mine = access.unit_ids(user, committee)
    units = _units(committee)
    tasks = Task.objects.filter(committee=committee).select_related("unit", "owner", "need")
    state = request.GET.get("state", "open")
    if state == "open":
        tasks = tasks.open()
    elif state == "overdue":
        tasks = tasks.open().filter(overdue_at__isnull=False)
    elif state in TaskState.values:
        tasks = tasks.filter(state=state)
    unit = request.GET.get("unit", "mine" if mine else "")
    if unit == "mine" and mine:
        tasks = tasks.filter(unit_id__in=mine)
    elif unit.isdigit():
        tasks = tasks.filter(unit_id=int(unit))
    return render(
        request,
        "committees/tasks/list.html",
        {
            "committee": committee,
            "nav": "tasks",
            "tasks": list(tasks.order_by("due", "id")[:SHOWN]),
            "units": units,
            "state": state,
            "unit": unit,
            "has_mine": bool(mine),
            "states": TaskState.choices,
            "staff": access.is_committee_staff(user, committee),
        },
    )


def _task_form(committee: Organisation, data: Any = None, initial: Any = None) -> f.TaskForm:
    units = _units(committee)
    owners = list(
        Person.objects.filter(membership__organisation__in=units).distinct().order_by("name")
    )
    goals = list(
        Goal.objects.filter(committee=committee).order_by("-year").values_list("pk", "title")
    )
    return f.TaskForm(data, initial=initial, units=units, owners=owners, goals=goals)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_new(request: HttpRequest, committee_id: int) -> HttpResponse:
    user = person(request)
    committee = access.access_committee(user, committee_id, write=True)
    if request.method != "POST":
        initial = {"need": request.GET.get("need", "")[:12], "goal": request.GET.get("goal", "")}
        form = _task_form(committee, initial=initial)
        return render(
            request,
            "committees/tasks/new.html",
            {"committee": committee, "nav": "tasks", "form": form},
        )
    form = _task_form(committee, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = Organisation.objects.get(pk=int(data["unit"]), committee=committee)
            owner = Person.objects.filter(pk=int(data["owner"])).first() if data["owner"] else None
            goal = (
                Goal.objects.filter(pk=int(data["goal"]), committee=committee).first()
                if data["goal"]
                else None
            )
            need = None
            if data["need"]:
                need = Need.objects.filter(number=data["need"].strip().upper()).first()
                if need is None or not need.node.path.startswith(committee.node.path):
                    message = _("No need with that number in the committee's area.")
                    raise Invalid(message, code="validation", fields={"need": [message]})
            task = work.task_create(
                committee=committee,
                by=By(person=user),
                title=data["title"],
                detail=data["detail"],
                unit=unit,
                owner=owner,
                due=f.end_of_day(data["due"]),
                goal=goal,
                need=need,
                resolves_need=data["resolves_need"],
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("Task given to %(unit)s.") % {"unit": unit.name})
            return redirect("committees:task", task_id=task.pk)
    return render(
        request,
        "committees/tasks/new.html",
        {"committee": committee, "nav": "tasks", "form": form},
        status=400,
    )


def _detail(request: HttpRequest, task: Task, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = person(request)
    by = By(person=user)
    allowed = work.allowed_actions(task, by)
    timeline = [
        {"event": e, "label": work.EVENT_LABELS.get(e.action, e.action), "data": events.read(e)}
        for e in task.events.select_related("actor").order_by("seq")
    ]
    units = _units(task.committee)
    return render(
        request,
        "committees/tasks/detail.html",
        {
            "committee": task.committee,
            "nav": "tasks",
            "task": task,
            "timeline": timeline,
            "allowed": [(a, work.ACTION_LABELS[a]) for a in allowed],
            "reason_form": forms.get("reason") or f.ReasonForm(),
            "result_form": forms.get("result") or f.ResultForm(),
            "verify_form": forms.get("verify") or f.VerifyForm(),
            "reassign_form": forms.get("reassign")
            or f.ReassignForm(units=units, initial={"unit": task.unit_id, "due": task.due.date()}),
        },
        status=status,
    )


@console_required
@require_safe
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access.access_task(person(request), task_id)
    return _detail(request, task)


@console_required
@require_POST
def task_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    user = person(request)
    task = access.access_task(user, task_id, write=True)
    by = By(person=user)
    try:
        move = work.Action(action)
    except ValueError:
        return HttpResponse(_("No such action."), status=404)
    form: Any = None
    key = ""
    params: dict[str, Any] = {}
    if move in (work.Action.RETURN, work.Action.SEND_BACK, work.Action.CANCEL):
        form, key = f.ReasonForm(request.POST), "reason"
        if form.is_valid():
            params = {"reason": form.cleaned_data["reason"]}
    elif move == work.Action.DONE:
        form, key = f.ResultForm(request.POST), "result"
        if form.is_valid():
            params = {"result": form.cleaned_data["result"]}
    elif move == work.Action.VERIFY:
        form, key = f.VerifyForm(request.POST), "verify"
        if form.is_valid():
            params = {"public_reply": form.cleaned_data["public_reply"]}
    elif move == work.Action.REASSIGN:
        form, key = f.ReassignForm(request.POST, units=_units(task.committee)), "reassign"
        if form.is_valid():
            unit = get_object_or_404(
                Organisation, pk=int(form.cleaned_data["unit"]), committee=task.committee
            )
            params = {
                "unit": unit,
                "due": f.end_of_day(form.cleaned_data["due"]),
                "reason": form.cleaned_data["reason"],
            }
    if form is not None and not form.is_valid():
        return _detail(request, task, status=400, **{key: form})
    try:
        work.transition(task, move, by, **params)
    except DomainError as error:
        if form is not None:
            onto_form(form, error)
            return _detail(request, task, status=error.status, **{key: form})
        messages.error(request, error.message)
        return redirect("committees:task", task_id=task.pk)
    messages.success(request, _("Done: the task is %(state)s.") % {"state": _state_label(task.pk)})
    return redirect("committees:task", task_id=task.pk)


def _state_label(task_id: int) -> str:
    return str(Task.objects.get(pk=task_id).get_state_display())


console_urls: list[URLPattern] = [
    path("<int:committee_id>/tasks/", task_list, name="tasks"),
    path("<int:committee_id>/tasks/new/", task_new, name="task_new"),
    path("tasks/<int:task_id>/", task_detail, name="task"),
    path("tasks/<int:task_id>/<slug:action>/", task_act, name="task_act"),
]
