"""Views that belong to no domain: the health check, the in-app inbox (the bell), the page
for a request too large or malformed to read, and the page for too many requests."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core import ratelimit
from civicgrid.core.dbrouter import replica_configured, replica_health
from civicgrid.core.models import Notification
from civicgrid.core.notifications import mark_all_read, mark_read
from civicgrid.core.notifications import render as render_text

INBOX_PAGE_SIZE = 50


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE (or with too
    many files or fields). Say so in the reader's language instead of a bare "Bad Request"."""
    too_large = isinstance(exception, RequestDataTooBig | TooManyFilesSent)
    context = {
        "too_large": too_large,
        "max_photo_mb": settings.NEED_PHOTO_MAX_MB,
        "max_photos": settings.NEED_MAX_PHOTOS,
    }
    return render(request, "core/bad_request.html", context, status=413 if too_large else 400)


def _error_page(request: HttpRequest, status: int, heading: str, message: str) -> HttpResponse:
    """An error in the visitor's language, in the site's layout, with ways forward (looking a
    need up, raising one, the console for staff)."""
    user = getattr(request, "user", None)
    context = {
        "heading": heading,
        "message": message,
        "staff": bool(user is not None and user.is_authenticated),
    }
    return render(request, "core/error.html", context, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a mistyped tracking link, a stale QR code, a page that moved."""
    return _error_page(
        request,
        404,
        _("We could not find that page"),
        _(
            "The link may be mistyped or out of date. If you have a tracking number, look "
            "your need up with it."
        ),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: what the visitor may not do, with the reason the check gave if any."""
    reason = str(exception) if exception is not None and str(exception) else ""
    return _error_page(
        request,
        403,
        _("This is not open to you"),
        reason or _("Your account or role does not allow this page."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form whose security token no longer matches (cookies cleared, a
    page left open for days): the visitor's language and the site's layout, not Django's
    English page. The technical reason is not shown."""
    return _error_page(
        request,
        403,
        _("This form has expired"),
        _(
            "For your safety we could not accept it. Please reload the page and send it "
            "again; what you typed may need to be typed again."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: nothing the visitor did; said plainly, in the layout if it can be."""
    heading = _("Something went wrong on our side")
    message = _("It was not your fault. Please try again in a minute.")
    try:
        return _error_page(request, 500, heading, message)
    except Exception:  # the layout itself failed: a page with no dependencies
        return HttpResponse(f"<h1>{heading}</h1><p>{message}</p>", status=500)


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    """429 for a person at a browser (the resident pages): what happened, in their language,
    and how long to wait; Retry-After says the same to software. Nothing was saved."""
    minutes = max(1, math.ceil(wait / 60))
    context = {"wait": wait, "minutes": minutes, "in_seconds": wait < 60}
    response = render(request, "core/too_many_requests.html", context, status=429)
    response["Retry-After"] = str(wait)
    patch_cache_control(response, private=True, no_store=True)
    return response


def limited(request: HttpRequest, scope: str, limit: int, per: int) -> HttpResponse | None:
    """The 429 page when this client address has sent more than `limit` posts of `scope` in
    `per` seconds (core/ratelimit.py); None while it may go on."""
    wait = ratelimit.hit(scope, ratelimit.client_ip(request), limit=limit, per=per)
    return too_many_requests(request, wait) if wait else None


def healthz(request: HttpRequest) -> JsonResponse:
    """200 once the app and its database answer; 503 otherwise (for load balancers). With a
    replica, also its state ("ok", "lagging" or "down") and lag in seconds, as this process
    last measured it: a replica in trouble is left aside for the primary, so the app is still
    healthy, and the 200 stays."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", whatever its class
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    body: dict[str, object] = {"status": "ok", "database": connection.vendor}
    if replica_configured():
        replica = replica_health()
        body["replica"] = replica.state
        body["replica_lag"] = None if replica.lag is None else round(replica.lag, 1)
    return JsonResponse(body)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, worded in the reader's language."""
    rows = Notification.objects.filter(recipient_id=request.user.pk)
    page = Paginator(rows, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(n, render_text(n.kind, n.data)) for n in page]
    return render(request, "core/inbox.html", {"page": page, "items": items})


@login_required
def inbox_open(request: HttpRequest, notification_id: int) -> HttpResponseRedirect:
    """Mark one notification read and follow it to what it is about."""
    notification = mark_read(person=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404(_("No such notification."))
    # Only local paths: a stored URL is never a way off the site.
    target = notification.url
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    return redirect("inbox:list")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponseRedirect:
    mark_all_read(person=request.user)
    return redirect("inbox:list")
