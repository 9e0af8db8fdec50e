"""The in-app inbox (the bell): mounted at /console/inbox/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.core import views

app_name = "inbox"

urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="list"),
    path("read-all/", views.inbox_read_all, name="read_all"),
    path("<int:notification_id>/", views.inbox_open, name="open"),
]
