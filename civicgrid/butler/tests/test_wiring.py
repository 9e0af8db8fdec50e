"""What the app hands below at start-up: its notices' texts and its subscription."""

from __future__ import annotations

from civicgrid.butler import matters
from civicgrid.core import notifications
from civicgrid.needs import events as need_events


def test_notices_and_subscription_are_registered() -> None:
    for kind in (matters.NOTICE_NEW, matters.NOTICE_ESCALATED, matters.NOTICE_OVERDUE):
        assert kind in notifications.TEXTS
    for kind in ("escalate", "overdue"):
        assert any(h is matters.on_need_event for h, _when in need_events._handlers[kind])
