"""Two small middlewares.

- `RefuseNulCharacters`: refuse a NUL character in the address. PostgreSQL can neither store
  nor compare one, so a `%00` in a path argument or a query value would otherwise end as a
  server error in whichever lookup it reached. One check for every page, answered by the
  explained 400 page (handler400). The REST API and Open311 check their own input and answer
  in their own error shapes.
- `LanguageFromLink`: a link may name the language its page opens in (`?lang=mn-mong`). A text
  message in Mongolian links to the tracking page in Mongolian, whatever the language of the
  phone's browser (often a messaging app's own, set to Chinese); the choice is remembered
  like the language switch's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class NulCharacter(SuspiciousOperation):
    """A NUL character in the path or the query string."""


class RefuseNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(("/api/", f"/{settings.OPEN311_PREFIX}")):
            query = request.GET
            if "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in query.getlist(key))
                for key in query
            ):
                raise NulCharacter("NUL character in the request's address")
        return self.get_response(request)


class LanguageFromLink:
    """`?lang=<code>` on a GET, for a language the site offers: the page in that language, and
    the language cookie set so the next pages follow. Runs after LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.offered = {code.lower(): code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The query is parsed only when it names a language: a query Django refuses to parse
        # (too many fields) stays for the page to answer in its own way (Open311's errors).
        if request.method != "GET" or "lang=" not in request.META.get("QUERY_STRING", ""):
            return self.get_response(request)
        try:
            asked = request.GET.get("lang", "")
        except SuspiciousOperation:
            return self.get_response(request)
        code = self.offered.get(asked.lower()) if asked else None
        if code is None:
            return self.get_response(request)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
