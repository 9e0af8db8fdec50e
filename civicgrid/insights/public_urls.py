"""The public figures page, without login, mounted at /public/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.insights import views

app_name = "public"

urlpatterns: list[URLPattern] = [
    path("", views.public, name="index"),
]
