"""The ledgers' downloads: mounted at /dashboard/ledgers/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.insights import ledger_views as views

app_name = "ledgers"

urlpatterns: list[URLPattern] = [
    path("needs.xlsx", views.needs_xlsx, name="needs"),
    path("proactive.xlsx", views.proactive_xlsx, name="proactive"),
    path("kpis.xlsx", views.kpis_xlsx, name="kpis"),
    path("activities.xlsx", views.activities_xlsx, name="activities"),
]
