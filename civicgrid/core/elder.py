"""Elder mode (长辈版): every resident page in larger type with larger targets, one column, and
nothing that pops up. A resident's own choice, kept in a cookie for a year (no account needed),
switched by a button on every resident page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from civicgrid.core.redirects import this_site

COOKIE = "civicgrid_elder"
KEPT_FOR = 365 * 24 * 60 * 60  # a year, in seconds


def is_elder(request: HttpRequest) -> bool:
    return request.COOKIES.get(COOKIE) == "1"


def elder_mode(request: HttpRequest) -> dict[str, Any]:
    """Template context: whether the page is drawn in elder mode."""
    return {"elder_mode": is_elder(request)}


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Turns elder mode on (`elder=1`) or off, then back to the page the switch was on. Only a
    page of this site: a `next` pointing elsewhere goes home instead (no open redirect)."""
    target = request.POST.get("next", "")
    if not this_site(request, target):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("elder") == "1":
        response.set_cookie(
            COOKIE,
            "1",
            max_age=KEPT_FOR,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
