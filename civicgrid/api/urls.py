"""The console's API token page, mounted at /console/tokens/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.api import views

app_name = "tokens"

urlpatterns: list[URLPattern] = [
    path("", views.token_list, name="list"),
    path("<int:token_id>/revoke/", views.token_revoke, name="revoke"),
]
