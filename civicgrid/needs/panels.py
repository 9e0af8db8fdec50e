"""Panels that apps above the needs app add to a need's console page.

The needs app imports nothing above it, so an app that knows more about a need (what the
resident was told: civicgrid/outreach) registers a panel in its `AppConfig.ready()`:

    panels.register(messages_panel)

A panel is called with the request and the need the page shows (already read through
`needs.access`), and returns the HTML of a section, or "" to show nothing. It runs on every
rendering of the page: one small read at most.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from civicgrid.needs.models import Need

Panel = Callable[[HttpRequest, Need], str]

_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def rendered(request: HttpRequest, need: Need) -> list[SafeString]:
    """Each registered panel's section for this need, in the order they were registered."""
    sections = (panel(request, need) for panel in _PANELS)
    # Panels render their own templates, which escape what they print.
    return [mark_safe(html) for html in sections if html]  # noqa: S308
