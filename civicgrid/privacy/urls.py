"""Personal data requests: mounted at /console/privacy/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern] = [
    path("", views.requests_page, name="requests"),
    path("export/", views.export, name="export"),
    path("anonymise/", views.anonymise, name="anonymise"),
]
