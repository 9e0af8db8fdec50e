"""What the butler module hands below when the app is loaded: its notices' texts and its
subscription to the need's events (escalations and overdue matters reach the district
leader). Called from `ButlerConfig.ready()`."""

from __future__ import annotations


def ready() -> None:
    from civicgrid.butler import matters

    matters.wire()
