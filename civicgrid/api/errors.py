"""One error shape for every failure, with a stable machine code:

    {"error": {"code": "already_taken", "message": "Already taken by 张三.", "details": {...}}}

Domain errors (core/errors.py) keep the status and code the services gave them; Django's and
ninja's own exceptions are mapped here. The message is in the request's language (the
services translate when they raise; LocaleMiddleware picks the language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civicgrid.api.auth import caller, client_of
from civicgrid.api.schemas import ErrorOut
from civicgrid.core.errors import DomainError
from civicgrid.core.ratelimit import client_ip, hit

log = logging.getLogger("django.request")

# What every operation may answer besides its success, declared in the OpenAPI document.
COMMON_ERRORS = (400, 401, 403, 404, 413, 429)

CODES = {
    400: "validation",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def responses(ok: dict[int, Any], *extra: int) -> dict[int, Any]:
    """`ok` (status → schema) plus the error statuses, each with the error shape."""
    return {**ok, **{status: ErrorOut for status in (*COMMON_ERRORS, *extra)}}


def limit_anonymous(request: HttpRequest, scope: str, per_minute: int) -> None:
    """Count an anonymous call against its address; RateLimited once over `per_minute`.
    Callers with a token or a session are people the site knows: not limited here."""
    if caller(request) is not None:
        return
    wait = hit(f"api-{scope}", client_ip(request), limit=per_minute, per=60)
    if wait:
        raise RateLimited(wait)


def limit_known_caller(request: HttpRequest, scope: str, per_minute: int) -> None:
    """Count a call with a token (per token) or a session (per person); RateLimited once over
    `per_minute`. A leaked or runaway token floods no more than this."""
    wait = hit(f"api-{scope}", client_of(request), limit=per_minute, per=60)
    if wait:
        raise RateLimited(wait)


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **details: Any
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return api.create_response(request, body, status=status)


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's validation errors without the parts that are not JSON (exceptions in ctx)."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def install(api: NinjaAPI) -> None:
    """Register the handlers; the most specific class wins (ninja walks the MRO)."""

    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, **exc.details)

    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            400,
            "validation",
            _("The request is not valid: see details."),
            fields=_field_errors(exc.errors),
        )

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = str(exc) if isinstance(exc, Http404) and str(exc) else _("Not found.")
        return error_response(api, request, 404, "not_found", message)

    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", str(exc) or _("You may not do this."))

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else ""
        response = error_response(
            api,
            request,
            401,
            "unauthenticated",
            message or _("Send an API token: Authorization: Bearer <token>."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:
            # ninja's only 400 of its own: a body that is not JSON (its text is English only).
            return error_response(
                api,
                request,
                400,
                "validation",
                _("The request body cannot be read: send valid JSON."),
                reason=str(exc),
            )
        return error_response(api, request, status, CODES.get(status, "error"), str(exc))

    def unreadable(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE, or with too many
        # fields or files: the client's fault, not a server error.
        if isinstance(exc, RequestDataTooBig):
            return error_response(
                api,
                request,
                413,
                "too_large",
                _("The request body is too large: at most %(mb)d MB.")
                % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
            )
        return error_response(
            api, request, 400, "validation", _("The request is too large or malformed.")
        )

    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = error_response(
            api,
            request,
            429,
            "rate_limited",
            _("Too many requests from your address: try again in %(seconds)d seconds.")
            % {"seconds": exc.retry_after},
            retry_after=exc.retry_after,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response

    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A bug. Logged with its traceback like Django's own handler does, answered in the
        # same shape as every other error, with nothing of the internals in it.
        log.error("API error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(
            api, request, 500, "server_error", _("Something went wrong on our side.")
        )

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, domain),
        (ValidationError, validation),
        (Http404, not_found),
        (ObjectDoesNotExist, not_found),
        (PermissionDenied, forbidden),
        (AuthenticationError, unauthenticated),
        (HttpError, http_error),
        (RateLimited, rate_limited),
        (SuspiciousOperation, unreadable),
        (Exception, server_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
