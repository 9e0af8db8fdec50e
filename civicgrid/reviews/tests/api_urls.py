"""The site's URLs with the reviews router mounted on a test-local API at /api/v1/ (before
the project's own), so the endpoints are tested whether or not the lead has registered the
router in `api/api.py` yet."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from civicgrid.api import errors
from civicgrid.api.auth import STAFF
from civicgrid.api.endpoints.reviews import reviews_router
from civicgrid.urls import urlpatterns as site

api = NinjaAPI(
    title="reviews (test)", version="test", urls_namespace="reviews_test_api", auth=STAFF
)
errors.install(api)
api.add_router("", reviews_router)

urlpatterns = [path("api/v1/", api.urls), *site]
