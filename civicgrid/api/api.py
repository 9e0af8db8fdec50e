"""The REST API, version 1, mounted at /api/v1/: the OpenAPI document at openapi.json and its
interactive page at docs (Swagger UI served from ninja's own static files: works offline).

A façade: every endpoint calls the same services and selectors as the console.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger
from ninja.operation import Operation

from civicgrid.api import errors
from civicgrid.api.auth import STAFF
from civicgrid.api.endpoints import (
    butler,
    committees,
    liaison,
    mailbox,
    me,
    needs,
    network,
    representatives,
    reviews,
    services,
    volunteers,
)
from civicgrid.api.rendering import RENDERER

DESCRIPTION = """\
CivicGrid (党群服务一张网): raise needs, follow them down the service network and through
their workflow, read the network, your notifications and the people in your scope.

**Auth**: a personal token (create one at /console/tokens/) as `Authorization: Bearer <token>`;
it acts with your roles and scope. The site's own pages use the session (with the CSRF token).
Raising a need, the categories and locating a point also work without credentials, limited
per address.

**Errors** always look like `{"error": {"code": "…", "message": "…", "details": {…}}}`; the
code is stable (validation, unauthenticated, forbidden, not_found, already_taken, wrong_state,
reason_required, rate_limited, …), the message is in the request's language.

Lists are paged with cursors: pass the `next` of one page as `cursor` for the next.
See docs/api.md for examples.
"""


class CivicGridAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (list_needs, act_on_need): short, stable, and what client
        # generators turn into method names.
        return operation.view_func.__name__


api = CivicGridAPI(
    title="CivicGrid API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=RENDERER,
    auth=STAFF,
    # The validator badge would fetch from swagger.io: nothing on the page leaves the site.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("", network.router)
api.add_router("", needs.router)
api.add_router("", me.router)
api.add_router("", volunteers.router)
api.add_router("", committees.router)
api.add_router("", services.router)
api.add_router("", representatives.representatives_router)
api.add_router("", liaison.liaison_router)
api.add_router("", mailbox.mailbox_router)
api.add_router("", reviews.reviews_router)
api.add_router("", butler.butler_router)

# Last: any other path under /api/v1/ (a mistyped path, an id that is not a number) answers
# with the API's 404 in its error shape, not with the site's HTML page.
fallback = Router(auth=None)


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise Http404(_("There is no such path in the API."))


api.add_router("", fallback)
