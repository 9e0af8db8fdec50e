"""The care module's front page in the console: where each part lives, with what waits."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from civicgrid.care import access
from civicgrid.care.access_cards import visible_flags
from civicgrid.care.access_visits import visible_plans
from civicgrid.care.models import FlagState
from civicgrid.network.console import console_required


@require_safe
@console_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "care/console/home.html",
        {
            "registered": access.visible_cared(request.user)
            .filter(left_at__isnull=True, forgotten_at__isnull=True)
            .count(),
            "visits_due": visible_plans(request.user)
            .filter(active=True, next_due__lte=today)
            .count(),
            "open_flags": visible_flags(request.user).filter(state=FlagState.OPEN).count(),
        },
    )


console_urls: list[URLPattern] = [path("", home, name="home")]
public_urls: list[URLPattern] = []
