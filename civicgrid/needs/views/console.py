"""The staff console's need pages: inboxes, the detail page with its actions, entry on
someone's behalf (代办), proactive work, bulk dispatch.

Views parse, check access, call one service or selector and render. Every need is fetched
through `selectors.visible_needs` (the scope rule); who may do what is `workflow`'s answer.
Actions post with htmx and get the detail fragment back; without htmx they redirect (PRG).
Domain errors keep their status (400/403/409) and are shown in the fragment: console.js lets
htmx swap those responses in.

The writes a grid worker makes on the way (an action, a comment, a proactive record) take an
`Idempotency-Key` header: a phone without signal queues them with a key and replays them when
the signal returns (static/js/console-offline.js), and a replay that was done before answers
as done without doing it again (`_once`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core import fragments, once
from civicgrid.core.errors import DomainError, Invalid, NotAllowed
from civicgrid.core.i18n import localised
from civicgrid.core.remembered import Remembered
from civicgrid.needs import deadlines, extensions, publication, selectors, services, workflow
from civicgrid.needs.access import (
    STAFF_ACTIONS,
    access_need,
    may_enter_needs,
    may_write,
    may_write_somewhere,
)
from civicgrid.needs.forms_console import (
    ActionForm,
    BulkDispatchForm,
    CommentForm,
    NeedFilterForm,
    OnBehalfForm,
    PlaceNeedForm,
    ProactiveForm,
    PublishForm,
)
from civicgrid.needs.models import (
    AWAITING_RESPONSE,
    OPEN_STATES,
    Channel,
    Need,
    NeedPhoto,
    NeedQuerySet,
    Priority,
    State,
    TimeBasis,
    format_number,
)
from civicgrid.needs.timeline import timeline_rows
from civicgrid.needs.workflow import ACTION_LABELS, TRANSITIONS, Action, By
from civicgrid.network.console import View, console_required, person
from civicgrid.network.models import Role, mask_mobile
from civicgrid.network.scope import can_see, holds_any_role, is_staff_user, role_paths

PAGE_SIZE = 50

TABS: dict[str, Any] = {
    "to_accept": gettext_lazy("To accept"),
    "to_dispatch": gettext_lazy("To dispatch"),
    "mine": gettext_lazy("My orders"),
    "overdue": gettext_lazy("Overdue"),
    "escalated": gettext_lazy("Escalated to me"),
    "unplaced": gettext_lazy("Unplaced"),
    "all": gettext_lazy("All in my area"),
}

DONE: dict[str, Any] = {
    Action.ACCEPT: gettext_lazy("Accepted."),
    Action.REJECT: gettext_lazy("Rejected."),
    Action.DISPATCH: gettext_lazy("Dispatched."),
    Action.TAKE: gettext_lazy("You have taken this order."),
    Action.START: gettext_lazy("Work started."),
    Action.RESOLVE: gettext_lazy("Resolved."),
    Action.RETURN: gettext_lazy("Returned to the dispatcher."),
    Action.ESCALATE: gettext_lazy("Escalated."),
    Action.CONFIRM: gettext_lazy("Closed."),
    Action.REOPEN: gettext_lazy("Reopened."),
    Action.MERGE: gettext_lazy("Merged."),
    Action.RESTORE: gettext_lazy("Restored: the need is open again."),
}


def _by(request: HttpRequest) -> By:
    return By(person(request))


# --- Writes sent again (a phone replaying what it queued without signal) --------------------


class Repeat(Exception):
    """The request's Idempotency-Key was used before: what it asked for is done."""

    def __init__(self, result: str) -> None:
        super().__init__(result)
        self.result = result


def _once_scope(request: HttpRequest) -> str:
    # Per person: one person's keys can neither collide with nor reveal another's.
    return f"console:{request.user.pk}"


def _idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if key and not once.well_formed(key):
        raise Invalid(
            _("The Idempotency-Key must be 20 to 64 letters, digits, '-' or '_'."),
            code="bad_idempotency_key",
        )
    return key


@contextmanager
def _once(request: HttpRequest, key: str, result: str) -> Iterator[None]:
    """Do the write inside at most once per key: the key is claimed in the write's own
    transaction, so a failed write leaves the key free for the replay to try again, and of two
    requests racing with one key the second waits for the first and is told it is done."""
    if not key:
        yield
        return
    scope = _once_scope(request)
    earlier = once.result_of(scope, key)
    if earlier is not None:
        raise Repeat(earlier)
    try:
        with transaction.atomic():
            once.claim(scope, key, result)
            yield
    except IntegrityError:
        earlier = once.result_of(scope, key)
        if earlier is None:
            raise
        raise Repeat(earlier) from None


ALREADY_DONE = gettext_lazy("Already done: this was sent before and is not done twice.")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def writers_only(view: View) -> View:
    """For pages that only write (entering needs, bulk dispatch): a read-only leader gets a
    403, not a form that the service would refuse on submit."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_write_somewhere(request.user):
            raise PermissionDenied(_("Your role may read but not change anything."))
        return view(request, *args, **kwargs)

    return wrapper


def enterers_only(view: View) -> View:
    """The entry forms (a need for someone, proactive work): only for those with a place to
    enter it at (`access.may_enter_needs`)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_enter_needs(request.user):
            raise PermissionDenied(_("Your role has no place where it may enter needs."))
        return view(request, *args, **kwargs)

    return wrapper


def _default_tab(user: Any) -> str:
    if holds_any_role(user, workflow.DISPATCHER_ROLES):
        return "to_accept"
    if role_paths(user).get(Role.GRID_WORKER) or not is_staff_user(user):
        return "mine"
    return "all"


def _tab_queryset(user: Any, tab: str) -> NeedQuerySet:
    return selectors.visible_needs(user) if tab == "all" else selectors.inbox(user, tab)


# --- The list -------------------------------------------------------------------------------


@console_required
def need_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab", "")
    if tab not in TABS:
        tab = _default_tab(user)
    params = request.GET.copy()
    for key in ("tab", "page", "targets"):
        params.pop(key, None)
    form = NeedFilterForm(params or None, user=user)
    wanted = form.to_filter()
    if wanted.q:
        tab = "all"  # a search looks everywhere in the area, whichever inbox it started from
    needs = selectors.filtered(_tab_queryset(user, tab), wanted, user=user)
    # The inboxes are counted (a few seconds old at most), not "all": counting every need of
    # a subdistrict on every page cost more than the rest of the page (issue 13); its own tab
    # says how many.
    counts = selectors.recent_inbox_counts(user, [key for key in TABS if key != "all"])
    paginator = Paginator(needs, PAGE_SIZE)
    if not params and tab in counts:
        paginator.count = counts[tab]  # the tab unfiltered: counted with the others
    page = paginator.get_page(request.GET.get("page"))
    if tab == "all" and not params:
        counts["all"] = paginator.count
    # Unplaced needs are placed one by one first: they have no grid to dispatch within.
    bulk = holds_any_role(user, workflow.DISPATCHER_ROLES) and tab != "unplaced"
    # The filter panel opens for filters, not for a search alone (on a phone its seven fields
    # pushed the one need found below the fold).
    filtered = any(value for key, value in params.items() if key != "q")
    context = {
        "tab": tab,
        "tabs": [(key, label, counts.get(key)) for key, label in TABS.items()],
        "form": form,
        "filters": _filters_html(request, form, tab, filtered),
        "page": page,
        "rows": list_rows(page.object_list, bulk=bulk),  # type: ignore[arg-type]  # a slice
        "query": params.urlencode(),
        "bulk": bulk,
        # Whom to dispatch to is a long list (every worker in the area): shown when asked
        # for (`?targets=1`, or fetched in place by htmx from `needs:bulk_targets`).
        "bulk_form": BulkDispatchForm(user=user)
        if bulk and request.GET.get("targets") == "1"
        else None,
        "awaiting": AWAITING_RESPONSE,
        "may_enter": may_enter_needs(user),
    }
    return render(request, "needs/console/list.html", context)


FILTERS = "needs/console/_filters.html"


def _filters_html(request: HttpRequest, form: NeedFilterForm, tab: str, filtered: bool) -> str:
    """The search and filters: the unbound form (an unfiltered list, the usual visit) written
    once for all it shows (core/fragments.py), a filled-in one for its request."""
    context = {"form": form, "tab": tab, "filtered": filtered}
    return fragments.form_html(request, FILTERS, context, form=form, key=(tab, filtered))


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of the list as it prints: plain strings made once in Python. Rendering fifty
    needs as model instances through the template's lookups, filters and {% url %} cost more
    than the rest of the page (issue 13)."""

    number: str
    url: str
    shown_number: str
    overdue: bool
    category: str
    urgent: str  # the priority's name when urgent, else ""
    place: str
    state: str
    state_label: str
    handler: str  # "" with `any_worker` or a dash
    any_worker: bool
    deadline: str  # "" for a closed need
    to_respond: bool  # which deadline `deadline` is
    channel: str
    phone: str
    raised: str


LIST_FIELDS = (
    "number",
    "state",
    "priority",
    "overdue_at",
    "category__name",
    "category__name_en",
    "node__name",
    "assignee__name",
    "assignee_org__name",
    "response_due",
    "resolve_due",
    "channel",
    "contact_phone",
    "created_at",
)


def list_rows(needs: NeedQuerySet, *, bulk: bool) -> list[str]:
    """A page of needs read as plain values (one statement), each row written as HTML once for
    everything it shows (`ROWS`): the values, the language, the time zone, the checkbox."""
    shown = (get_language(), timezone.get_current_timezone_name(), get_script_prefix(), bulk)
    return [ROWS((values, shown)) for values in needs.values_list(*LIST_FIELDS)]


def _write_row(key: tuple[tuple[Any, ...], tuple[str, str, str, bool]]) -> str:
    values, (language, _zone, _prefix, bulk) = key
    return render_to_string(ROW_TEMPLATE, {"row": _shaped(values, language), "bulk": bulk})


ROW_TEMPLATE = "needs/console/_row.html"
# Every key holds all that its row prints, so a row cannot outlive a change (core/remembered).
# A row and its key take ~4 KB on the bench city: at most ~20 MB a process.
ROWS: Remembered[tuple[tuple[Any, ...], tuple[str, str, str, bool]], str] = Remembered(
    _write_row, limit=5_000
)


def _shaped(values: tuple[Any, ...], language: str) -> ListRow:
    (
        number,
        state,
        priority,
        overdue_at,
        category,
        category_en,
        place,
        assignee,
        unit,
        response_due,
        resolve_due,
        channel,
        phone,
        created_at,
    ) = values
    is_open = state in OPEN_STATES
    to_respond = state in AWAITING_RESPONSE
    due = response_due if to_respond else resolve_due
    return ListRow(
        number=number,
        url=reverse("needs:detail", args=[number]),
        shown_number=format_number(number),
        overdue=is_open and overdue_at is not None,
        category=localised(category, category_en, language),
        urgent=str(Priority.URGENT.label) if priority == Priority.URGENT else "",
        place=place,
        state=state,
        state_label=str(dict(State.choices).get(state, state)),
        handler=assignee or unit or "",
        any_worker=not (assignee or unit) and state == State.DISPATCHED,
        deadline=(_local(due, "%m-%d %H:%M") or "—") if is_open else "",
        to_respond=to_respond,
        channel=str(dict(Channel.choices).get(channel, channel)),
        phone=mask_mobile(phone),
        raised=_local(created_at, "%Y-%m-%d %H:%M"),
    )


def _local(moment: Any, pattern: str) -> str:
    """As the template's `date` filter prints it, in the current time zone."""
    return timezone.localtime(moment).strftime(pattern) if moment else ""


@console_required
def bulk_targets(request: HttpRequest) -> HttpResponse:
    """The bulk dispatch choices, swapped into the list by htmx when a dispatcher asks."""
    if not holds_any_role(request.user, workflow.DISPATCHER_ROLES):
        raise PermissionDenied(_("Only dispatchers dispatch several needs at once."))
    context = {"bulk_form": BulkDispatchForm(user=request.user)}
    return render(request, "needs/console/_bulk_targets.html", context)


@dataclass
class BulkResult:
    number: str
    error: str = ""


@console_required
@writers_only
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch several needs to one target, each in its own transaction: one that fails
    (wrong state, not allowed) is reported and the others go ahead."""
    form = BulkDispatchForm(request.POST, user=request.user)
    back = request.POST.get("next", "")
    if not back.startswith("/console/needs/"):
        back = "/console/needs/"
    if not form.is_valid():
        messages.error(request, _("Choose at least one need and where to dispatch them."))
        return redirect(back)
    by = _by(request)
    params = form.params()
    results: list[BulkResult] = []
    for number in form.cleaned_data["numbers"]:
        need = selectors.visible_needs(request.user).filter(number=number).first()
        if need is None:
            results.append(BulkResult(number, _("No such need in your area.")))
            continue
        try:
            services.need_act(need=need, action=Action.DISPATCH, by=by, **params)
        except DomainError as error:
            results.append(BulkResult(number, error.message))
        else:
            results.append(BulkResult(number))
    done = [r.number for r in results if not r.error]
    if done:
        messages.success(
            request,
            _("Dispatched %(count)d: %(numbers)s.")
            % {"count": len(done), "numbers": ", ".join(format_number(n) for n in done)},
        )
    for r in results:
        if r.error:
            messages.error(request, f"{format_number(r.number)}: {r.error}")
    return redirect(back)


# --- The detail page ------------------------------------------------------------------------


def _answers(need: Need) -> list[tuple[str, str]]:
    if not need.answers:
        return []  # most needs: no question to read
    rows = []
    questions = {q.key: q for q in need.category.questions.all()}
    for key, value in (need.answers or {}).items():
        q = questions.get(key)
        if q is None:
            rows.append((key, str(value)))
            continue
        shown = dict(q.choice_options()).get(value, value) if q.choices else value
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        rows.append((q.text, str(shown)))
    return rows


def duration(minutes: int, basis: str = TimeBasis.CALENDAR) -> str:
    """A deadline's length as people say it: 15 minutes, 4 hours, 7 days."""
    if minutes % (24 * 60) == 0 and basis == TimeBasis.CALENDAR:
        days = minutes // (24 * 60)
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    elif minutes % 60 == 0:
        hours = minutes // 60
        text = ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    else:
        text = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if basis == TimeBasis.WORKING:
        return _("%(time)s of working time") % {"time": text}
    return text


# A grid worker on the way: what may follow a take or a start, before the server has it.
FOLLOW_ON: dict[Action, tuple[Action, ...]] = {
    Action.TAKE: (Action.START, Action.RESOLVE),
    Action.START: (Action.RESOLVE,),
}


def _later_forms(
    need: Need, by: By, user: Any, actions: Sequence[Action]
) -> list[tuple[Action, Any, ActionForm, Action]]:
    """The forms of what the transition table would allow once a take (or start) the phone
    queued without signal is done, each with the action it follows: rendered hidden, shown by
    console-offline.js while that action waits, so that a grid worker can take, start and
    resolve without signal. Replayed in order, each is checked by the server as usual."""
    later: list[tuple[Action, Any, ActionForm, Action]] = []
    offered = set(actions)
    frontier = [a for a in actions if a in FOLLOW_ON]
    current = need
    while frontier:
        first = frontier.pop(0)
        after = copy.copy(current)
        after.state = TRANSITIONS[first].target
        if first == Action.TAKE and by.person is not None:
            after.assignee = by.person
        for action in FOLLOW_ON[first]:
            if action not in offered and workflow.may(after, by, action):
                offered.add(action)
                form = ActionForm(action=action, need=after, user=user)
                later.append((action, ACTION_LABELS[action], form, first))
                if action in FOLLOW_ON:
                    frontier.append(action)
        current = after
    return later


ACTION_FORM = "needs/console/_action_form.html"
# The need's number in a remembered action form, filled in at each use: one form serves every
# need with the same choices.
NUMBER = fragments.placeholder("need")


@dataclass(frozen=True, slots=True)
class _StandIn:
    number: str


def _action_form_html(
    request: HttpRequest, need: Need, action: Action, label: Any, form: ActionForm, after: str = ""
) -> str:
    """One action's form as HTML: an unbound one written once for everything it shows
    (core/fragments.py: the action, its label, the form's fields and choices; the need's number
    filled in), a form sent back with its errors for this request alone."""
    context = {"action": action, "label": label, "form": form, "after": after}
    return fragments.form_html(
        request,
        ACTION_FORM,
        {**context, "need": _StandIn(NUMBER)},
        form=form,
        key=(action, str(label), after),
        fill={NUMBER: need.number},
        fresh={**context, "need": need},
    )


def _detail_context(
    request: HttpRequest,
    need: Need,
    *,
    bound: ActionForm | CommentForm | PlaceNeedForm | PublishForm | None = None,
    error: str = "",
    notice: str = "",
    phone: str = "",
    email: str = "",
    revealed: bool = False,
) -> dict[str, Any]:
    user = request.user
    by = _by(request)
    actions = [a for a in workflow.allowed_actions(need, by) if a in STAFF_ACTIONS]
    forms: list[tuple[Action, Any, ActionForm, str]] = []
    for action in actions:
        form = (
            bound
            if isinstance(bound, ActionForm) and bound.action == action
            else ActionForm(action=action, need=need, user=user)
        )
        label = ACTION_LABELS[action]
        forms.append((action, label, form, _action_form_html(request, need, action, label, form)))
    may_comment = bool(actions) or may_write(user, need)
    later = [
        (action, label, form, after, _action_form_html(request, need, action, label, form, after))
        for action, label, form, after in (
            _later_forms(need, by, user, actions) if bound is None else []
        )
    ]
    comment_form = bound if isinstance(bound, CommentForm) else CommentForm()
    limits = deadlines.limits_for(need.category, need.priority) if need.response_due else None
    return {
        "need": need,
        "action_forms": forms,
        "later_forms": later,
        "may_merge": Action.MERGE in actions,
        "comment_form": comment_form if may_comment else None,
        "timeline": timeline_rows(need),
        "panels": extensions.panels(request, need),
        "duplicates": selectors.duplicate_candidates(need) if need.is_open else [],
        "answers": _answers(need),
        "place_visible": can_see(user, need.node),
        "awaiting_response": need.state in AWAITING_RESPONSE,
        "response_past": bool(need.response_due and need.response_due < timezone.now()),
        "response_limit": duration(limits.response_minutes, limits.basis) if limits else "",
        "resolve_limit": duration(limits.resolve_minutes, limits.basis) if limits else "",
        "reason_required": {a for a in actions if TRANSITIONS[a].reason_required},
        "place_form": (
            (bound if isinstance(bound, PlaceNeedForm) else PlaceNeedForm(user=user))
            if need.unplaced and workflow.may_place(need, by)
            else None
        ),
        # The place form's map (js/map.js), as on the console's grid map.
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "publishable": publication.publishable(need),
        "published": publication.is_published(need),
        "publish_form": (
            (bound if isinstance(bound, PublishForm) else PublishForm(initial=_summary(need)))
            if may_comment and publication.publishable(need)
            else None
        ),
        "error": error,
        "notice": notice,
        "phone": phone,
        "email": email,
        "revealed": revealed,
    }


def _summary(need: Need) -> dict[str, str]:
    return {"summary": need.public_summary}


def _detail_response(
    request: HttpRequest, need: Need, *, status: int = 200, **extra: Any
) -> HttpResponse:
    template = "needs/console/_detail.html" if _is_htmx(request) else "needs/console/detail.html"
    return render(request, template, _detail_context(request, need, **extra), status=status)


@console_required
def need_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail_response(request, access_need(request.user, number))


@console_required
@require_POST
def need_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    # Who may take which action is the transition table's (workflow.may), checked below and
    # again in the transition: a leader is offered nothing and refused (403) in the fragment.
    need = access_need(request.user, number)
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404(_("No such action.")) from None
    if chosen not in STAFF_ACTIONS:
        raise Http404(_("No such action."))
    by = _by(request)
    form = ActionForm(request.POST, action=chosen, need=need, user=request.user)
    try:
        key = _idempotency_key(request)
        if form.is_valid() or (key and once.result_of(_once_scope(request), key)):
            photos = request.FILES.getlist("photos")
            with _once(request, key, need.number):
                services.need_act(need=need, action=chosen, by=by, photos=photos, **form.params())
        elif not workflow.may(need, by, chosen):
            raise NotAllowed(_("This action is not open to you on this need now."))
        else:
            need = access_need(request.user, number)
            return _detail_response(request, need, status=400, bound=form)
    except Repeat:
        return _after_change(request, need.number, str(ALREADY_DONE))
    except DomainError as failure:
        need = access_need(request.user, number)
        return _detail_response(
            request, need, status=failure.status, bound=form, error=failure.message
        )
    return _after_change(request, need.number, str(DONE.get(chosen, "")))


def _after_change(request: HttpRequest, number: str, notice: str) -> HttpResponse:
    """The page after a successful change: the fresh detail (fragment or PRG redirect), or,
    when the change took the need out of the user's sight (a handler returning it), a note
    saying so and the way back to the list."""
    try:
        need = access_need(request.user, number)
    except Http404:
        if not _is_htmx(request):
            messages.success(request, notice)
            return redirect("needs:list")
        return render(request, "needs/console/_gone.html", {"number": number, "notice": notice})
    if not _is_htmx(request):
        messages.success(request, notice)
        return redirect("needs:detail", number=need.number)
    return _detail_response(request, need, notice=notice)


def _write(
    request: HttpRequest,
    need: Need,
    form: forms.Form | None,
    change: Callable[[dict[str, Any]], object],
    done: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """One write from the need page: the form's errors (400), or `change(cleaned_data)` with a
    domain error shown in the page, then the page after the change with `done(cleaned_data)`."""
    try:
        key = _idempotency_key(request)
        if key and once.result_of(_once_scope(request), key) is not None:
            raise Repeat(need.number)
        if form is not None and not form.is_valid():
            return _detail_response(request, need, status=400, bound=form)
        data = form.cleaned_data if form is not None else {}
        with _once(request, key, need.number):
            change(data)
    except Repeat:
        return _after_change(request, need.number, str(ALREADY_DONE))
    except DomainError as failure:
        return _detail_response(
            request, need, status=failure.status, bound=form, error=failure.message
        )
    return _after_change(request, need.number, done(data))


@console_required
@require_POST
def need_place(request: HttpRequest, number: str) -> HttpResponse:
    """Place an unplaced need (the "Unplaced" tab): a place in the user's area or a point."""
    need = access_need(request.user, number, write=True)
    form = PlaceNeedForm(request.POST, user=request.user)
    return _write(
        request,
        need,
        form,
        lambda _d: services.need_place(need=need, by=_by(request), **form.params()),
        lambda _d: _("Placed."),
    )


@console_required
@require_POST
def need_comment(request: HttpRequest, number: str) -> HttpResponse:
    # Asked before the form is read: a leader gets 403 whatever they send (and the service
    # asks needs.access again).
    need = access_need(request.user, number, write=True)
    return _write(
        request,
        need,
        CommentForm(request.POST),
        lambda d: services.need_comment(
            need=need,
            by=_by(request),
            text=d["text"],
            photos=request.FILES.getlist("photos"),
            public=d["public"],
            question=d["question"],
        ),
        lambda d: (
            _("Question sent to the resident.")
            if d["question"]
            else _("Public reply sent.")
            if d["public"]
            else _("Internal note added.")
        ),
    )


@console_required
@require_POST
def need_publish(request: HttpRequest, number: str) -> HttpResponse:
    """Publish the need's text and photos (needs/publication.py), optionally as a summary."""
    need = access_need(request.user, number, write=True)
    return _write(
        request,
        need,
        PublishForm(request.POST),
        lambda d: services.need_publish(need=need, by=_by(request), summary=d["summary"]),
        lambda _d: _("Published."),
    )


@console_required
@require_POST
def need_unpublish(request: HttpRequest, number: str) -> HttpResponse:
    need = access_need(request.user, number, write=True)
    return _write(
        request,
        need,
        None,
        lambda _d: services.need_unpublish(need=need, by=_by(request)),
        lambda _d: _("No longer public."),
    )


@console_required
@require_POST
def phone_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show the full contact phone in place of its mask; every reveal is logged."""
    need = access_need(request.user, number)
    try:
        phone, email = services.contact_reveal(need=need, person=person(request))
    except DomainError as failure:
        return _detail_response(request, need, status=failure.status, error=failure.message)
    if _is_htmx(request):
        context = {"need": need, "phone": phone, "email": email, "revealed": True}
        return render(request, "needs/console/_phone.html", context)
    return _detail_response(request, need, phone=phone, email=email, revealed=True)


@console_required
def need_photo(request: HttpRequest, number: str, photo_id: int) -> FileResponse:
    """A photo of a need the user may see (media files are not served publicly)."""
    need = access_need(request.user, number)
    photo = NeedPhoto.objects.filter(pk=photo_id, need=need).first()
    if photo is None:
        raise Http404(_("No such photo."))
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Entering needs -------------------------------------------------------------------------


def _questions_context(form: OnBehalfForm) -> dict[str, Any]:
    """The chosen category's questions, and its deadlines per priority (shown before saving:
    staff tell the resident when to expect an answer)."""
    category = form.chosen_category()
    answers = form.answers()
    questions = list(category.questions.all()) if category else []
    limits = []
    if category is not None:
        for priority, label in Priority.choices:
            found = deadlines.limits_for(category, priority)
            limits.append(
                (
                    label,
                    duration(found.response_minutes, found.basis),
                    duration(found.resolve_minutes, found.basis),
                )
            )
    return {"questions": [(q, answers.get(q.key, "")) for q in questions], "limits": limits}


@console_required
@enterers_only
def need_new(request: HttpRequest) -> HttpResponse:
    """A need typed in for a resident who phoned, walked in or was visited (代办)."""
    form = OnBehalfForm(request.POST or None, user=request.user)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_raise(
                by=_by(request),
                photos=request.FILES.getlist("photos"),
                **form.service_args(),
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(
                request,
                _("Need %(number)s recorded.") % {"number": format_number(need.number)},
            )
            return redirect("needs:detail", number=need.number)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "error": error, **_questions_context(form)}
    return render(request, "needs/console/new.html", context, status=status)


@console_required
def need_questions(request: HttpRequest) -> HttpResponse:
    """The chosen category's extra questions, swapped into the entry form (htmx)."""
    form = OnBehalfForm(request.GET, user=request.user)
    return render(request, "needs/console/_questions.html", _questions_context(form))


@console_required
@enterers_only
def proactive_new(request: HttpRequest) -> HttpResponse:
    form = ProactiveForm(request.POST or None, user=request.user)
    error = ""
    try:
        key = _idempotency_key(request) if request.method == "POST" else ""
        if key and (earlier := once.result_of(_once_scope(request), key)):
            raise Repeat(earlier)
    except Repeat as repeat:
        messages.success(request, str(ALREADY_DONE))
        return redirect("needs:detail", number=repeat.result)
    except DomainError as failure:
        form.is_valid()
        error = failure.message
    if request.method == "POST" and not error and form.is_valid():
        try:
            # The key's result is the need made, written once it is known: claimed first with
            # a placeholder in the same transaction, then set.
            with _once(request, key, "?"):
                need = services.proactive_record(
                    by=_by(request),
                    photos=request.FILES.getlist("photos"),
                    **form.service_args(),
                )
                if key:
                    once.set_result(_once_scope(request), key, need.number)
        except Repeat as repeat:
            messages.success(request, str(ALREADY_DONE))
            return redirect("needs:detail", number=repeat.result)
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(
                request, _("Recorded as %(number)s.") % {"number": format_number(need.number)}
            )
            return redirect("needs:detail", number=need.number)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "needs/console/proactive.html", {"form": form, "error": error}, status=status
    )
