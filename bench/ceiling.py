"""The read ceiling: bare Django views in the same serving set-up as the app.

`bench/run.py` serves the app with `DJANGO_SETTINGS_MODULE=bench.settings`, which is the
app's settings with three views (one row, a hundred, a thousand) added under /bench/. Each
runs one plain `.values()` query with no join beyond what an Open311 answer prints (the need
and its category) and returns JSON, through the same middleware as every other page. What
the app's reads reach is measured against them, as intakes are against pgbench.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from civicgrid.needs.models import Need

FIELDS = (
    "number",
    "state",
    "category__code",
    "category__name",
    "description",
    "created_at",
    "updated_at",
    "resolve_due",
    "lat",
    "lon",
)


def one(request: HttpRequest, number: str) -> JsonResponse:
    row = Need.objects.filter(number=number).values(*FIELDS).first()
    if row is None:
        raise Http404(number)
    return JsonResponse([row], safe=False)


def hundred(request: HttpRequest) -> JsonResponse:
    """The 100 newest needs raised in [start, end], as Open311's list of 100 asks."""
    needs = Need.objects.all()
    # The same window as the Open311 list it is compared to (bench/run.py sends both the same
    # query string); it read `start`/`end` before, so it ran unfiltered.
    start, end = request.GET.get("start_date"), request.GET.get("end_date")
    if start and end:
        needs = needs.filter(
            created_at__gte=parse_datetime(start), created_at__lte=parse_datetime(end)
        )
    rows = list(needs.order_by("-created_at", "-id").values(*FIELDS)[:100])
    return JsonResponse(rows, safe=False)


def thousand(request: HttpRequest) -> JsonResponse:
    """The 1,000 newest needs of the last 90 days: what Open311's list without parameters
    reads (its default window and its most), as plain values."""
    since = timezone.now() - dt.timedelta(days=90)
    rows = list(
        Need.objects.filter(created_at__gte=since)
        .order_by("-created_at", "-id")
        .values(*FIELDS)[:1000]
    )
    return JsonResponse(rows, safe=False)


urlpatterns = [
    path("one/<str:number>", one, name="bench-one"),
    path("hundred", hundred, name="bench-hundred"),
    path("thousand", thousand, name="bench-thousand"),
]
