"""The app's URL map and, under /bench/, the ceiling views (bench/ceiling.py)."""

from django.urls import include, path

from civicgrid.urls import urlpatterns as app

urlpatterns = [path("bench/", include("bench.ceiling")), *app]
