"""The URLs the mailbox's API tests run under: the project's, plus the mailbox router on a
test-local API at /api/mailbox-test/ until the lead registers it in `api/api.py` (a router is
attached to one API only). `API_PREFIX` says where its endpoints answer."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from civicgrid.api import errors
from civicgrid.api.auth import STAFF
from civicgrid.api.endpoints.mailbox import mailbox_router
from civicgrid.urls import urlpatterns as project_urls

if getattr(mailbox_router, "api", None) is None:
    api = NinjaAPI(urls_namespace="mailbox_api_test", auth=STAFF, docs_url=None)
    errors.install(api)
    api.add_router("", mailbox_router)
    API_PREFIX = "/api/mailbox-test"
    urlpatterns = [path("api/mailbox-test/", api.urls), *project_urls]
else:  # pragma: no cover - once the lead has registered the router
    API_PREFIX = "/api/v1"
    urlpatterns = list(project_urls)
