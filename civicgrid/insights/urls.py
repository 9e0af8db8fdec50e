"""The staff dashboard and the monthly report, mounted at /dashboard/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.insights import views

app_name = "dashboard"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="index"),
    path("data.json", views.dashboard_data, name="data"),
    path("report/", views.report, name="report"),
]
