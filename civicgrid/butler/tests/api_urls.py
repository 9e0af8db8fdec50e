"""The site's URLs with the butler router mounted on a test-local API at /api/v1/ first, so
the REST tests run before (and after) the router is registered in `api/api.py`."""

from django.urls import path

from civicgrid.api import errors
from civicgrid.api.api import CivicGridAPI
from civicgrid.api.auth import STAFF
from civicgrid.api.endpoints.butler import butler_router
from civicgrid.urls import urlpatterns as site

local = CivicGridAPI(urls_namespace="butler_test_api", auth=STAFF, docs_url=None)
errors.install(local)
local.add_router("", butler_router)

urlpatterns = [path("api/v1/", local.urls), *site]
