"""The liaison module's public pages, under /liaison/ (namespace "liaison_public")."""

from django.urls import path

from civicgrid.liaison.views import public

app_name = "liaison_public"
urlpatterns = [
    path("r/<int:rep_id>/", public.write_to_representative, name="write_to_representative"),
    path("s/<int:station_id>/", public.write_to_station, name="write_to_station"),
    path("t/<str:number>/<str:key>/", public.track, name="track"),
]
