"""The staff console's need pages: mounted at /console/needs/."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.needs.views import console as views
from civicgrid.needs.views import offline, posters

app_name = "needs"

urlpatterns: list[URLPattern] = [
    path("", views.need_list, name="list"),
    # The worker's scope is its folder: it looks after these pages (and the manifest's).
    path("sw.js", offline.console_service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("bulk-dispatch/targets/", views.bulk_targets, name="bulk_targets"),
    path("new/", views.need_new, name="new"),
    path("new/questions/", views.need_questions, name="questions"),
    path("proactive/new/", views.proactive_new, name="proactive_new"),
    path("posters/", posters.poster_index, name="posters"),
    path("<str:number>/", views.need_detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.need_action, name="act"),
    path("<str:number>/comment/", views.need_comment, name="comment"),
    path("<str:number>/publish/", views.need_publish, name="publish"),
    path("<str:number>/unpublish/", views.need_unpublish, name="unpublish"),
    path("<str:number>/place/", views.need_place, name="place"),
    path("<str:number>/phone/", views.phone_reveal, name="phone"),
    path("<str:number>/photos/<int:photo_id>/", views.need_photo, name="photo"),
]
