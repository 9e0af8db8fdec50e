"""The site's URLs with the liaison router mounted at /api/v1/ before the site's API, for
the tests, until (or unless) the lead has registered `liaison_router` in api/api.py."""

from django.urls import path
from ninja import NinjaAPI

from civicgrid import urls as root
from civicgrid.api import errors
from civicgrid.api.auth import STAFF
from civicgrid.api.endpoints.liaison import liaison_router

if getattr(liaison_router, "api", None) is None:
    local = NinjaAPI(urls_namespace="liaison_test_api", auth=STAFF)
    errors.install(local)
    local.add_router("", liaison_router)
    urlpatterns = [path("api/v1/", local.urls), *root.urlpatterns]
else:  # registered in the site's API
    urlpatterns = list(root.urlpatterns)
