"""The URL map. Kept stable (issue 2): `/` resident home, `/track/<number>/` a need's public
page, `/console/` staff, `/dashboard/` insights, `/public/` public figures, `/api/v1/` REST,
`/open311/v2/` Open311, `/admin/` set-up. Parts not built yet are simply absent (404)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicgrid.api.api import api
from civicgrid.core import elder
from civicgrid.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("elder/", elder.switch, name="elder"),
    path("console/needs/", include("civicgrid.needs.urls_console")),
    path("console/inbox/", include("civicgrid.core.urls")),
    path("console/tokens/", include("civicgrid.api.urls")),
    path("console/privacy/", include("civicgrid.privacy.urls")),
    path("console/serve/", include("civicgrid.volunteers.urls_console")),
    path("console/committees/", include("civicgrid.committees.urls_console")),
    path("console/services/", include("civicgrid.services.urls_console")),
    path("console/care/", include("civicgrid.care.urls_console")),
    path("console/representatives/", include("civicgrid.representatives.urls_console")),
    path("console/liaison/", include("civicgrid.liaison.urls_console")),
    path("console/mailbox/", include("civicgrid.mailbox.urls_console")),
    path("console/reviews/", include("civicgrid.reviews.urls_console")),
    path("console/butler/", include("civicgrid.butler.urls_console")),
    path("console/", include("civicgrid.network.urls")),
    path("dashboard/", include("civicgrid.insights.urls")),
    path("public/", include("civicgrid.insights.public_urls")),
    path("dashboard/ledgers/", include("civicgrid.insights.ledger_urls")),
    path("wechat/", include("civicgrid.outreach.urls")),
    path("serve/", include("civicgrid.volunteers.urls_public")),
    path("near/", include("civicgrid.services.urls_public")),
    path("care/", include("civicgrid.care.urls_public")),
    path("representatives/", include("civicgrid.representatives.urls_public")),
    path("liaison/", include("civicgrid.liaison.urls_public")),
    path("mailbox/", include("civicgrid.mailbox.urls_public")),
    path("reviews/", include("civicgrid.reviews.urls_public")),
    path("butler/", include("civicgrid.butler.urls_public")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path(settings.OPEN311_PREFIX, include("civicgrid.open311.urls")),
    path("", include("civicgrid.needs.urls_public")),
]

# A body too large or malformed to read: an explained page, not a bare "Bad Request".
handler400 = "civicgrid.core.views.bad_request"
# Every other error in the visitor's language and the site's layout, with ways forward.
handler403 = "civicgrid.core.views.forbidden"
handler404 = "civicgrid.core.views.not_found"
handler500 = "civicgrid.core.views.server_error"
