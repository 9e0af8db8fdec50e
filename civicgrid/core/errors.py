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


def onto_form(form: Any, error: DomainError) -> None:
    """Put a domain error on the form's fields it names (`fields={"name": [message]}`), else
    on the form as a whole, so a page shows it where the input is to fix."""
    placed = False
    for name, problems in (error.details.get("fields") or {}).items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, error.message)
