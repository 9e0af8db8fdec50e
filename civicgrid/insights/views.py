"""Insights pages: the staff dashboard and its JSON, the monthly report (HTML and PDF), the
public figures page. Views parse, check access, call the selectors and render.

The dashboard's chart data travel in a `<script type="application/json">` block (or
/dashboard/data.json), never as inline JavaScript: the pages keep working under a
Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from civicgrid.core import pdf
from civicgrid.core.dbrouter import replica_reads
from civicgrid.insights import params as p
from civicgrid.insights import selectors
from civicgrid.insights.councils import council_panel
from civicgrid.insights.report import monthly_report
from civicgrid.insights.serving import serving_panel
from civicgrid.needs.models import Category, Channel
from civicgrid.network.console import console_required
from civicgrid.network.models import node_label
from civicgrid.network.selectors import breadcrumb

PUBLIC_CACHE_SECONDS = 600


def _bad_request(request: HttpRequest, error: p.BadParam) -> HttpResponse:
    return render(request, "insights/bad_request.html", {"message": error.message}, status=400)


def _no_area(request: HttpRequest) -> HttpResponse:
    return render(request, "network/no_role.html", status=403)


def _linker(params: p.DashboardParams, name: str = "dashboard:index") -> selectors.Link:
    def link(**changes: Any) -> str:
        query = QueryDict(mutable=True)
        query.update(params.query(**changes))
        return f"{reverse(name)}?{query.urlencode()}"

    return link


def _period_options(choice: p.PeriodChoice, today: dt.date) -> list[tuple[str, str]]:
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    options = [
        ("days:7", _("Last 7 days")),
        ("days:30", _("Last 30 days")),
        ("days:90", _("Last 90 days")),
        (f"month:{today:%Y-%m}", _("This month")),
        (f"month:{last_month:%Y-%m}", _("Last month")),
        (f"year:{today.year}", _("This year")),
        (f"year:{today.year - 1}", _("Last year")),
    ]
    if choice.spec != "custom" and choice.spec not in dict(options):
        options.append((choice.spec, choice.spec))
    options.append(("custom", _("From … to …")))
    return options


@console_required
@replica_reads()
def dashboard(request: HttpRequest) -> HttpResponseBase:
    try:
        params = p.parse_dashboard(request.user, request.GET)
    except p.BadParam as error:
        return _bad_request(request, error)
    if params is None:
        return _no_area(request)
    link = _linker(params)
    data = selectors.dashboard_data(params.scope, params.choice.step, link)
    report_month = params.choice.period.end
    context = {
        "params": params,
        "node": params.node,
        "node_name": node_label(params.node),
        "data": data,
        "headline": data["headline"],
        "crumbs": [
            (crumb.node, node_label(crumb.node), link(node=crumb.node.pk))
            for crumb in breadcrumb(request.user, params.node)
            if crumb.visible
        ],
        "period_options": _period_options(params.choice, timezone.localdate()),
        "categories": Category.objects.filter(is_active=True).order_by("sort", "code"),
        "groups": selectors.groups(),
        "channels": Channel.choices,
        "data_url": _linker(params, "dashboard:data")(),
        # The ledgers of what is shown: the same node and period.
        "kpis_xlsx_url": _linker(params, "ledgers:kpis")(),
        "activities_xlsx_url": _linker(params, "ledgers:activities")(),
        # People who serve, in the same area and period (the need filters do not apply).
        "serving": serving_panel(params.node, params.choice.period),
        # The joint committees at or under the area, in the same period.
        "councils": council_panel(params.node, params.choice.period),
        "needs_xlsx_url": f"{reverse('ledgers:needs')}?"
        + urlencode(
            {
                "node": params.node.pk,
                "since": params.choice.period.start.isoformat(),
                "until": params.choice.period.end.isoformat(),
            }
        ),
        "report_url": (
            f"{reverse('dashboard:report')}?node={params.node.pk}&month={report_month:%Y-%m}"
        ),
        "chart_text": {
            "received": _("Received"),
            "resolved": _("Resolved"),
            "noNeeds": _("no needs"),
            "mapEmpty": _("No small grid with a boundary in this area yet."),
            "mapError": _("The grid boundaries could not be loaded. Reload the page to try again."),
            "copied": _("Copied."),
            "copyFailed": _("Copying failed: select the sentence and copy it by hand."),
            "tileUrl": settings.MAP_TILE_URL,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        },
    }
    return render(request, "insights/dashboard.html", context)


@console_required
@replica_reads()
def dashboard_data(request: HttpRequest) -> HttpResponseBase:
    try:
        params = p.parse_dashboard(request.user, request.GET)
    except p.BadParam as error:
        return JsonResponse({"error": error.message}, status=400)
    if params is None:
        return JsonResponse({"error": _("You have no area to show.")}, status=403)
    data = selectors.dashboard_data(params.scope, params.choice.step, _linker(params))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@console_required
@replica_reads()
def report(request: HttpRequest) -> HttpResponseBase:
    """The monthly report: ?node=<id>&month=YYYY-MM, HTML or, with &format=pdf, a PDF."""
    today = timezone.localdate()
    output = request.GET.get("format", "html")
    try:
        if output not in ("html", "pdf"):
            raise p.BadParam(_("The format is html or pdf."))
        period = p.parse_month(request.GET.get("month") or f"{today:%Y-%m}")
        node = p.parse_node(request.user, request.GET)
    except p.BadParam as error:
        return _bad_request(request, error)
    if node is None:
        return _no_area(request)
    data = monthly_report(node, period)
    context = {
        "report": data,
        "pdf": output == "pdf",
        "generated": timezone.localtime(),
        "pdf_url": f"{reverse('dashboard:report')}?node={node.pk}&month={period.start:%Y-%m}"
        "&format=pdf",
        "dashboard_url": f"{reverse('dashboard:index')}?node={node.pk}"
        f"&period=month:{period.start:%Y-%m}",
    }
    if output == "html":
        return render(request, "insights/report.html", context)
    html = render_to_string("insights/report.html", context, request=request)
    try:
        document = pdf.render_pdf(html)
    except pdf.PdfUnavailable as error:
        message = _(
            "PDF export is not available on this server: WeasyPrint or its system libraries "
            "(Pango, the Noto CJK fonts) are missing. The HTML report works; print it from "
            "the browser, or ask the operator to run scripts/install-system.sh."
        )
        return render(
            request,
            "insights/bad_request.html",
            {"message": message, "detail": str(error), "title": _("PDF not available")},
            status=503,
        )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{data.filename}"'
    return response


@replica_reads()
def public(request: HttpRequest) -> HttpResponse:
    """Headline figures without login: the region and each town, or with ?at= one area (down
    to a community: `selectors.PUBLIC_AREA_KINDS`) and the areas under it. The figures are
    cached per language, period and area in the shared cache: a busy public page costs one
    cache read."""
    language = request.GET.get("lang") or translation.get_language() or "zh-hans"
    if language not in selectors.LANGUAGES:
        language = "zh-hans"
    today = timezone.localdate()
    # One period at a time (this year, or the last 30 days): a page a phone can read.
    offered = selectors.today_and_year(today)
    chosen = request.GET.get("period", "")
    name, period = next((pair for pair in offered if pair[0] == chosen), offered[0])
    at = request.GET.get("at", "")[:40]
    prefix = f"insights:public:v2:{language}:{period.start}:{period.end}:"
    status = 200
    with translation.override(language):
        # Cached under the code of a public area once it is known to be one: an unknown code
        # is answered 404 with the whole region's page and caches nothing of its own, so
        # nobody can fill the cache with made-up codes.
        cached = cache.get(prefix + at)
        if cached is None:
            area = selectors.public_area(at)
            if at and area is None:
                status, at = 404, ""
                cached = cache.get(prefix)
            if cached is None:
                cached = {
                    "area": area is not None,
                    "figures": (
                        selectors.public_area_figures(area, period, language)
                        if area
                        else selectors.public_figures(period, language)
                    ),
                    "choices": selectors.public_area_choices(language),
                }
                cache.set(prefix + at, cached, PUBLIC_CACHE_SECONDS)
        figures = cached["figures"]

        def link(**changes: str) -> str:
            query = {"period": name, "lang": language, "at": at}
            query.update(changes)
            if query["lang"] == "zh-hans":
                del query["lang"]
            return "?" + urlencode({k: v for k, v in query.items() if v})

        response = render(
            request,
            "insights/public.html",
            {
                "area": figures if cached["area"] else None,
                "regions": None if cached["area"] else figures,
                "period": period,
                "period_name": name,
                "today": today,
                "language": language,
                "unknown_area": status == 404,
                "choices": cached["choices"],
                "year_url": link(period="year"),
                "days30_url": link(period="days30"),
                "other_languages": [
                    (code, translation.get_language_info(code)["name_local"], link(lang=code))
                    for code in selectors.LANGUAGES
                    if code != language
                ],
            },
            status=status,
        )
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response
