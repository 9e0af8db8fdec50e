"""Downloads of the ledgers (台账), mounted at /dashboard/ledgers/.

Staff only (`console_required`). The needs ledger takes the console list's own filter form and
scope (`visible_needs`, `NeedFilterForm`), so a ledger holds exactly what the list shows; the
other two take a node (checked with `access_node`) and dates or a period. A parameter that
does not parse is a 400 with a message, never a 500; a node outside the user's area is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.dbrouter import replica_reads
from civicgrid.insights import kpis, ledgers, params
from civicgrid.needs import selectors
from civicgrid.needs.forms_console import NeedFilterForm
from civicgrid.needs.reveal import may_read_phones, reveal_log
from civicgrid.network.console import console_required
from civicgrid.network.models import Node
from civicgrid.network.scope import access_node, scope_paths

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadParams(ValueError):
    """A query parameter that does not parse; its message is shown to the user."""


def _download(book: IO[bytes], name: str, code: str) -> FileResponse:
    filename = f"{name}-{code}-{timezone.localdate():%Y%m%d}.xlsx"
    # FileResponse streams the file in blocks and closes it at the end, deleting it.
    return FileResponse(book, as_attachment=True, filename=filename, content_type=XLSX)


def _bad(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _scope_code(user: Any) -> str:
    """The code of the user's area for a filename: their one scope node, or "all"."""
    paths = scope_paths(user)
    if paths and len(paths) == 1:
        node = Node.objects.filter(pk=int(paths[0].rstrip("/").rsplit("/", 1)[-1])).first()
        if node is not None:
            return node.code
    return "all"


def _node(user: Any, raw: str | None, *, required: bool) -> Node | None:
    if not raw:
        if required:
            raise BadParams(_("Choose a node."))
        return None
    try:
        node_id = int(raw)
    except ValueError:
        raise BadParams(_("The node must be a number.")) from None
    return access_node(user, node_id)


def _date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParams(_("%(name)s must be a date such as 2026-11-30.") % {"name": name}) from None


def _log_reveal(user: Any, subject: str, field: str) -> None:
    """A ledger holds phones and names in full for community staff and admins: log it."""
    if may_read_phones(user):
        reveal_log(actor=user, subject=subject, field=field)


def _errors(form: NeedFilterForm) -> str:
    parts = []
    for name, messages in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        parts.append(f"{label}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)


@console_required
@replica_reads()
def needs_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The needs ledger: the console list's filters (and inbox tab, if given) and scope."""
    user = request.user
    params: QueryDict = request.GET.copy()
    tab = params.pop("tab", [""])[-1]
    params.pop("page", None)
    if tab and tab != "all" and tab not in selectors.INBOXES:
        return _bad(_("No such list."))
    form = NeedFilterForm(params or None, user=user)
    if params and not form.is_valid():
        return _bad(_errors(form))
    base = selectors.inbox(user, tab) if tab and tab != "all" else selectors.visible_needs(user)
    chosen = form.to_filter()
    needs = selectors.filtered(base, chosen, user=user)
    code = chosen.node.code if chosen.node is not None else _scope_code(user)
    _log_reveal(user, f"ledger:needs:{code}", "contact_phone")
    return _download(ledgers.needs_ledger(needs, user), "needs", code)


@console_required
@replica_reads()
def proactive_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The proactive-work ledger: ?node=&from=&to= (every parameter optional)."""
    user = request.user
    try:
        node = _node(user, request.GET.get("node"), required=False)
        since = _date(request.GET.get("from"), _("From"))
        until = _date(request.GET.get("to"), _("To"))
    except BadParams as error:
        return _bad(str(error))
    if since and until and since > until:
        return _bad(_("The start date is after the end date."))
    f = selectors.NeedFilter(node=node, since=since, until=until)
    needs = selectors.filtered(selectors.visible_needs(user), f)
    code = node.code if node is not None else _scope_code(user)
    _log_reveal(user, f"ledger:proactive:{code}", "contact_name")
    return _download(ledgers.proactive_ledger(needs, user), "proactive", code)


@console_required
@replica_reads()
def kpis_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The KPI table by child node, for the dashboard's own node and period parameters
    (?node=<id>&period=month:2026-11|year:2026|days:30|custom&from=&to=); without a node, the
    area the dashboard opens on."""
    try:
        chosen = params.parse_dashboard(request.user, request.GET)
    except params.BadParam as error:
        return _bad(str(error))
    if chosen is None:
        return _bad(_("Your roles give you no area to count."))
    period = chosen.choice.period
    book = ledgers.kpi_ledger(kpis.Scope(node=chosen.node, period=period))
    return _download(book, f"kpis-{period.start:%Y%m%d}-{period.end:%Y%m%d}", chosen.node.code)


@console_required
@replica_reads()
def activities_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The activities of people who serve, for the dashboard's node and period parameters
    (as the KPI ledger); without a node, the area the dashboard opens on."""
    try:
        chosen = params.parse_dashboard(request.user, request.GET)
    except params.BadParam as error:
        return _bad(str(error))
    if chosen is None:
        return _bad(_("Your roles give you no area to count."))
    period = chosen.choice.period
    book = ledgers.activities_ledger(paths=[chosen.node.path], period=period)
    return _download(
        book, f"activities-{period.start:%Y%m%d}-{period.end:%Y%m%d}", chosen.node.code
    )
