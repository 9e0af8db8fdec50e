"""Template context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicgrid.core.notifications import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's count: one query, for a logged-in user on a full page (an htmx fragment
    has no header to show it in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    return {"unread_notifications": unread_count(user)}
