"""What apps above the needs app add to a need's other surfaces.

The needs app imports nothing above it, so an app that knows more about a need (what the
resident was told: civicgrid/outreach) registers here in its `AppConfig.ready()`:

- `add_panel(panel)`: a section of a need's console page. Called with the request and the
  need the page shows (already read through `needs.access`) on every rendering of the page;
  returns the section's HTML, or "" for none. One small read at most: the page is one of the
  reads issue 13 measures.
- `add_personal(section)`: what the app keeps about needs, for the resident's data export
  (privacy/services.py, PIPL's right to a copy). Called once per export with every need
  exported (one read for all of them); returns, per need id, the keys it adds to that need's
  row: plain JSON-ready values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from civicgrid.needs.models import Need

Panel = Callable[[HttpRequest, Need], str]
Personal = Callable[[Sequence[Need]], dict[int, dict[str, Any]]]

PANELS: list[Panel] = []
PERSONAL: list[Personal] = []


def add_panel(panel: Panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def add_personal(section: Personal) -> None:
    if section not in PERSONAL:
        PERSONAL.append(section)


def panels(request: HttpRequest, need: Need) -> list[SafeString]:
    """Each registered panel's section for this need, in the order they were registered."""
    sections = (panel(request, need) for panel in PANELS)
    # Panels render their own templates, which escape what they print.
    return [mark_safe(html) for html in sections if html]  # noqa: S308


def personal(needs: Sequence[Need]) -> dict[int, dict[str, Any]]:
    """What every registered section keeps about each of `needs`, by need id."""
    kept: dict[int, dict[str, Any]] = {need.pk: {} for need in needs}
    if not needs:
        return kept
    for section in PERSONAL:
        for need_id, rows in section(needs).items():
            kept.setdefault(need_id, {}).update(rows)
    return kept
