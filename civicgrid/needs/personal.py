"""Personal data that apps above the needs app keep about a need's resident, for the resident's
data export (privacy/services.py: PIPL's right to a copy).

The needs app imports nothing above it, so such an app registers a section in its
`AppConfig.ready()`:

    personal.register(what_outreach_keeps)

A section is called once per export with all the needs exported (one read for all of them, not
one per need), and returns, per need id, the keys it adds to that need's export row: plain
JSON-ready values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from civicgrid.needs.models import Need

Section = Callable[[Sequence[Need]], dict[int, dict[str, Any]]]

_SECTIONS: list[Section] = []


def register(section: Section) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def kept_about(needs: Sequence[Need]) -> dict[int, dict[str, Any]]:
    """What every registered section keeps about each of `needs`, by need id."""
    kept: dict[int, dict[str, Any]] = {need.pk: {} for need in needs}
    if not needs:
        return kept
    for section in _SECTIONS:
        for need_id, rows in section(needs).items():
            kept.setdefault(need_id, {}).update(rows)
    return kept
