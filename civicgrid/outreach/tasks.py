"""The worker's part of messages to residents."""

from __future__ import annotations

from django_tasks import task

from civicgrid.outreach import sending


@task()
def send_message(message_id: int) -> str:
    """Send one message, queued with the event that made it (outreach/consumers.py)."""
    return sending.send(message_id)


@task()
def send_due() -> int:
    """Every `OUTREACH_POLL_SECONDS`: retries and postponed messages whose time has come."""
    return sending.send_due()
