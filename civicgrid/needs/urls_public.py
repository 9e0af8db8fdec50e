"""Resident pages, no account needed: mounted at the site root."""

from __future__ import annotations

from django.urls import URLPattern, path

from civicgrid.needs.views import offline, posters, resident

app_name = "resident"

urlpatterns: list[URLPattern] = [
    path("", resident.home, name="home"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("raise/", resident.choose_category, name="choose"),
    path("raise/done/<str:number>/", resident.receipt, name="receipt"),
    path("raise/where/", resident.where, name="where"),
    path("raise/<slug:code>/", resident.raise_need, name="raise"),
    path("track/", resident.track_lookup, name="track_lookup"),
    path("track/phone/", resident.find_by_phone, name="find_by_phone"),
    path("track/<str:number>/", resident.track, name="track"),
    path("track/<str:number>/photo/<int:photo_id>/", resident.photo, name="photo"),
    # QR codes: the short links they hold, their images, and the posters that carry them.
    path("q/n/<str:code>/", posters.go_node, name="go_node"),
    path("q/p/<int:person_id>/", posters.go_person, name="go_person"),
    path("qr/n/<str:code>.svg", posters.qr_node, {"fmt": "svg"}, name="qr_node_svg"),
    path("qr/n/<str:code>.png", posters.qr_node, {"fmt": "png"}, name="qr_node_png"),
    path("qr/p/<int:person_id>.svg", posters.qr_person, {"fmt": "svg"}, name="qr_person_svg"),
    path("qr/p/<int:person_id>.png", posters.qr_person, {"fmt": "png"}, name="qr_person_png"),
    path("poster/n/<str:code>/", posters.poster_node, name="poster_node"),
    path("poster/p/<int:person_id>/", posters.poster_person, name="poster_person"),
    path("q/o/<int:org_id>/", posters.go_org, name="go_org"),
    path("qr/o/<int:org_id>.svg", posters.qr_org, {"fmt": "svg"}, name="qr_org_svg"),
    path("qr/o/<int:org_id>.png", posters.qr_org, {"fmt": "png"}, name="qr_org_png"),
    path("poster/o/<int:org_id>/", posters.poster_org, name="poster_org"),
]
