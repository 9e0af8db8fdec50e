"""The staff console, mounted at /console/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from civicgrid.network import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("network/", views.network_roots, name="network"),
    path("network/<int:node_id>/", views.node_detail, name="node"),
    path("network/<int:node_id>/children/", views.node_children, name="node_children"),
    path("map/", views.grid_map, name="map"),
    path("map/grids.geojson", views.grids_geojson, name="grids_geojson"),
]
