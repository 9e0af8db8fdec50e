"""A site that mounts Open311 somewhere else, as OPEN311_PREFIX allows."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("georeport/", include("civicgrid.open311.urls")),
    path("", include("civicgrid.needs.urls_public")),
]
