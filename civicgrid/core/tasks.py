"""Background tasks that belong to no domain."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from civicgrid.core import notifications, once, phonecode, ratelimit


def enqueue_with_transaction(work: Task[Any, Any], *args: Any) -> None:
    """Enqueue `work(*args)` so that it exists exactly when the caller's transaction commits.
    When the queue is a table of this database the task is written in that transaction (it
    commits or rolls back with it, and a process killed just after the commit loses nothing:
    docs/workflow.md, "What a crash can do"); another queue gets it on commit."""
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(work.get_backend(), DatabaseBackend):
        work.enqueue(*args)
    else:
        transaction.on_commit(lambda: work.enqueue(*args))


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
