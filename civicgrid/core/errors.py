"""Domain errors with stable machine codes. Views, the API and Open311 map them to responses:
Invalid → 400, NotAllowed → 403, NotFound → 404, Conflict → 409."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: Any, *, code: str | None = None, **details: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.details = details


class Invalid(DomainError):
    status = 400
    code = "validation"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
