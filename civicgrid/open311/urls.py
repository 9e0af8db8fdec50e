"""Open311 GeoReport v2, mounted at settings.OPEN311_PREFIX (default /open311/v2/). The format
is the extension of each resource: `.xml` or `.json`."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from civicgrid.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns: list[URLPattern] = [
    re_path(r"^$", views.root, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
    # Everything else under the prefix answers with the spec's 404 document.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
