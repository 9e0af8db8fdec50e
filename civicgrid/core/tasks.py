"""Background tasks that belong to no domain."""

from __future__ import annotations

from django_tasks import task

from civicgrid.core import notifications, once, phonecode, ratelimit


@task()
def deliver_notifications(ids: list[int]) -> None:
    notifications.deliver(ids)


@task()
def deliver_text(mobile: str, text: str) -> None:
    notifications.deliver_text(mobile, text)


@task()
def prune_rate_counters() -> int:
    return ratelimit.prune()


@task()
def prune_once_keys() -> int:
    return once.prune()


@task()
def prune_phone_codes() -> int:
    return phonecode.prune()
