"""Template context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicgrid.core.notifications import unread_count

# The bell shows up to this many, then "99+": a count of thousands says no more, and every
# page would read every unread row to make it.
BELL_MOST = 99


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's count: one query, for a logged-in user on a full page (an htmx fragment
    has no header to show it in), counting no further than it shows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    # Counted once a request: a page whose panels render their own templates with the
    # request (a need's console page) would count again for each.
    count = getattr(request, "_civicgrid_unread", None)
    if count is None:
        count = unread_count(user, up_to=BELL_MOST + 1)
        request._civicgrid_unread = count  # type: ignore[attr-defined]
    return {"unread_notifications": count, "unread_past_most": count > BELL_MOST}
