"""The liaison module's staff pages, under /console/liaison/ (namespace "liaison")."""

from django.urls import path

from civicgrid.liaison.views import console, counts, posters

app_name = "liaison"
urlpatterns = [
    path("", console.inbox, name="inbox"),
    path("counts/", counts.counts_page, name="counts"),
    path("counts/ledger.xlsx", counts.ledger, name="ledger"),
    path("m/<str:number>/", console.detail, name="detail"),
    path("m/<str:number>/answer/", console.answer, name="answer"),
    path("m/<str:number>/refer/", console.refer, name="refer"),
    path("m/<str:number>/reassign/", console.reassign, name="reassign"),
    path("m/<str:number>/reveal/", console.reveal, name="reveal"),
    path(
        "posters/representative/<int:rep_id>/",
        posters.poster_representative,
        name="poster_representative",
    ),
    path("posters/station/<int:station_id>/", posters.poster_station, name="poster_station"),
    path(
        "posters/representative/<int:rep_id>/qr.<str:fmt>",
        posters.qr_representative,
        name="qr_representative",
    ),
    path("posters/station/<int:station_id>/qr.<str:fmt>", posters.qr_station, name="qr_station"),
]
