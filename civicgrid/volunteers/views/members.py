"""Pages of the people-who-serve module: members.

- /serve/me/: the member's phone home (login required; any signed-in person): my community,
  activities near me, my sign-ups and check-ins, my hours, points and stars this year, wishes
  waiting in my community, needs dispatched to my team, and my community's leaderboard.
- /serve/me/report/: the member's own report for a month or a year.
- /console/serve/reports/: the members' report of a place in the staff's scope (page and
  xlsx); /console/serve/leaderboard/: its leaderboard.

A view parses, asks `access`, reads through `reports`/`points`, renders. A place outside the
reader's scope is a 404 (`access.access_report_node`); a period that does not parse is a 400
with what to write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicgrid.core.errors import Invalid
from civicgrid.needs.models import OPEN_STATES, Need, format_number
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    OrgKind,
    Person,
    node_label,
    place_words,
)
from civicgrid.volunteers import access, points, registrations, reports
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    SignUp,
    SignUpState,
    Wish,
    WishState,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPCOMING_DAYS = 14
SHOWN = 20  # at most so many items in each list of the home page


# --- The member's community ---------------------------------------------------------------------


def _team_org_ids(who: Person) -> list[int]:
    return list(
        Membership.objects.filter(person=who, organisation__kind=OrgKind.TEAM).values_list(
            "organisation_id", flat=True
        )
    )


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _upcoming(community: Node, team_orgs: list[int]) -> list[dict[str, Any]]:
    now = timezone.now()
    found = (
        Activity.objects.filter(
            state=ActivityState.OPEN,
            node__path__startswith=community.path,
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=UPCOMING_DAYS),
        )
        .exclude(audience=Audience.TEAM, team__isnull=True)
        .select_related("node", "team")
        .order_by("starts_at", "id")
    )
    rows = []
    for activity in found:
        team = activity.team
        if activity.audience == Audience.TEAM and (
            team is None or team.organisation_id not in team_orgs
        ):
            continue
        rows.append(
            {
                "title": activity.label,
                "when": _when(activity.starts_at),
                "where": " · ".join(
                    part for part in (node_label(activity.node), activity.place_detail) if part
                ),
                "url": reverse("serve:activity", args=[activity.pk]),
            }
        )
        if len(rows) >= SHOWN:
            break
    return rows


def _signups(who: Person) -> list[dict[str, Any]]:
    since = timezone.now() - dt.timedelta(days=60)
    found = (
        SignUp.objects.filter(person=who, activity__starts_at__gte=since)
        .exclude(state=SignUpState.CANCELLED)
        .select_related("activity")
        .order_by("-activity__starts_at", "-id")[:SHOWN]
    )
    return [
        {
            "title": s.activity.label,
            "when": _when(s.activity.starts_at),
            "state": s.get_state_display(),
            "checked_in": _when(s.checked_in_at),
            "hours": s.hours,
            "url": reverse("serve:activity", args=[s.activity_id]),
        }
        for s in found
    ]


def _wishes(community: Node) -> list[dict[str, Any]]:
    found = (
        Wish.objects.filter(
            state=WishState.POSTED,
            community__path__startswith=community.path,
            needed_by__gte=timezone.localdate(),
        )
        .order_by("needed_by", "id")
        .values("pk", "title", "public_name", "needed_by")[:SHOWN]
    )
    wall = reverse("serve:wishes_wall", args=[community.code])  # claimed from the community's wall
    return [
        {
            "title": w["title"],
            "for": w["public_name"],
            "by": w["needed_by"].isoformat(),
            "url": wall,
        }
        for w in found
    ]


def _team_needs(team_orgs: list[int]) -> list[dict[str, Any]]:
    if not team_orgs:
        return []
    found = (
        Need.objects.filter(assignee_org_id__in=team_orgs, state__in=OPEN_STATES)
        .select_related("category", "node", "assignee_org")
        .order_by("created_at", "id")[:SHOWN]
    )
    return [
        {
            "number": format_number(need.number),
            "what": need.category.label,
            "where": node_label(need.node),
            "team": need.assignee_org.name if need.assignee_org else "",
            "state": need.get_state_display(),
            "url": reverse("needs:detail", args=[need.number]),
        }
        for need in found
    ]


def _star_text(stars: int) -> str:
    return "★" * stars


@require_safe
@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    who = person(request)
    community = registrations.home_community(who)
    team_orgs = _team_org_ids(who)
    year = timezone.localdate().year
    this_year = reports.member_report(who, reports.Period(year))
    levels = points.star_levels()
    stars = points.stars_for(this_year.points, levels)
    board = reports.leaderboard(community, year) if community else []
    context = {
        "community": community,
        "community_name": place_words(community) if community else "",
        "register_url": reverse("serve:register"),
        "activities": _upcoming(community, team_orgs) if community else [],
        "signups": _signups(who),
        "year": year,
        "mine": this_year,
        "stars": stars,
        "stars_text": _star_text(stars),
        "next_level": points.next_level(this_year.points, levels),
        "wishes": _wishes(community) if community else [],
        "team_needs": _team_needs(team_orgs),
        "leaderboard": [
            {"name": p.name, "points": p.points, "stars": _star_text(p.stars)} for p in board
        ],
        "report_url": reverse("serve:my_report"),
        "console_url": reverse("console:home") if scope.is_staff_user(who) else "",
        "wishes_url": reverse("serve:wishes_wall", args=[community.code]) if community else "",
        "my_wishes_url": reverse("serve:wishes_mine"),
        "activities_url": reverse("serve:activities"),
    }
    return render(request, "volunteers/members/home.html", context)


@require_safe
@login_required
def member_report(request: HttpRequest) -> HttpResponse:
    who = person(request)
    try:
        period = reports.parse_period(request.GET.get("period"))
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    row = reports.member_report(who, period)
    return render(
        request,
        "volunteers/members/report.html",
        {
            "period": period,
            "row": row,
            "community": registrations.home_community(who),
            "previous": period.previous(),
            "following": period.next(),
            "year_period": reports.Period(period.year),
        },
    )


# --- The console: a place's report and leaderboard ------------------------------------------------


def _choices(user: Any) -> list[Node]:
    """The places a reader may choose: the communities in their scope, else their scope's own
    nodes (a grid worker's grid)."""
    communities = scope.within_scope(Node.objects.filter(kind=NodeKind.COMMUNITY), user)
    found = list(communities.order_by("path")[:500])
    if found:
        return found
    paths = scope.scope_paths(user) or []
    return list(Node.objects.filter(path__in=paths).order_by("path"))


def _place(request: HttpRequest) -> tuple[Node | None, list[Node]]:
    """The chosen place (404 outside the scope) and the choices; 403 without a staff role."""
    user = person(request)
    if not access.may_read_reports(user):
        raise PermissionDenied(_("Members' reports are for staff with an area."))
    choices = _choices(user)
    raw = request.GET.get("node", "").strip()
    if raw:
        try:
            node_id = int(raw)
        except ValueError:
            raise Invalid(_("The place must be a number."), code="validation") from None
        return access.access_report_node(user, node_id), choices
    return (choices[0] if choices else None), choices


def _bad(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_safe
@console_required
def report_page(request: HttpRequest) -> HttpResponseBase:
    try:
        node, choices = _place(request)
        period = reports.parse_period(request.GET.get("period"))
    except Invalid as exc:
        return _bad(exc.message)
    rows = reports.community_report(node, period) if node else []
    query = f"node={node.pk}&period={period.key}" if node else ""
    return render(
        request,
        "volunteers/members/console_report.html",
        {
            "node": node,
            "node_name": node_label(node) if node else "",
            "choices": [(n.pk, node_label(n)) for n in choices],
            "period": period,
            "rows": rows,
            "total": reports.totals(rows),
            "xlsx_url": f"{reverse('volunteers:reports_xlsx')}?{query}" if node else "",
            "leaderboard_url": f"{reverse('volunteers:leaderboard')}?node={node.pk}"
            if node
            else "",
            "this_month": reports.this_month().key,
            "this_year": str(timezone.localdate().year),
        },
    )


@require_safe
@console_required
def report_xlsx(request: HttpRequest) -> HttpResponseBase:
    try:
        node = _place(request)[0]
        period = reports.parse_period(request.GET.get("period"))
    except Invalid as exc:
        return _bad(exc.message)
    if node is None:
        return _bad(_("Choose a place."))
    book = reports.workbook(node, period, reports.community_report(node, period))
    response = HttpResponse(book, content_type=XLSX)
    filename = f"members-{node.code}-{period.key}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@console_required
def leaderboard_page(request: HttpRequest) -> HttpResponseBase:
    try:
        node, choices = _place(request)
    except Invalid as exc:
        return _bad(exc.message)
    year = timezone.localdate().year
    raw_year = request.GET.get("year", "").strip()
    if raw_year:
        if not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2999:
            return _bad(_("Write the year as four digits, such as 2026."))
        year = int(raw_year)
    return render(
        request,
        "volunteers/members/console_leaderboard.html",
        {
            "node": node,
            "node_name": node_label(node) if node else "",
            "choices": [(n.pk, node_label(n)) for n in choices],
            "year": year,
            "places": reports.leaderboard(node, year, limit=50) if node else [],
            "report_url": f"{reverse('volunteers:reports')}?node={node.pk}" if node else "",
        },
    )


console_urls: list[URLPattern] = [
    path("reports/", report_page, name="reports"),
    path("reports/members.xlsx", report_xlsx, name="reports_xlsx"),
    path("leaderboard/", leaderboard_page, name="leaderboard"),
]
public_urls: list[URLPattern] = [
    path("me/", member_home, name="me"),
    path("me/report/", member_report, name="my_report"),
]
