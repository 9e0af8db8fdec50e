"""Refuse a NUL character in the address: PostgreSQL can neither store nor compare one, so a
`%00` in a path argument or a query value would otherwise end as a server error in whichever
lookup it reached. One check for every page, answered by the explained 400 page (handler400).

The REST API and Open311 check their own input and answer in their own error shapes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse


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
