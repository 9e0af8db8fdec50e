"""Periodic tasks for `civicgrid worker`: which task, how often, and who enqueues it.

Core names no app above it: each app registers its own periodic tasks and the work the worker
does on every poll in its `AppConfig.ready()` (`register_periodic`, `register_poll`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from civicgrid.core.models import Schedule

# name → (import path of the task, interval: seconds, or the name of the setting holding them)
_PERIODIC: dict[str, tuple[str, int | str]] = {}
# Import paths of functions the worker calls on every poll, before the queue.
_POLLS: list[str] = []


def register_periodic(name: str, task: str, every: int | str) -> None:
    """Run the task at `task` (an import path) every `every` seconds; a string names the
    setting that holds them, read when the worker asks (tests may change it)."""
    _PERIODIC[name] = (task, every)


def register_poll(function: str) -> None:
    """Call the function at this import path on every poll of the worker."""
    if function not in _POLLS:
        _POLLS.append(function)


def periodic_tasks() -> dict[str, tuple[Any, int]]:
    """name → (task, interval in seconds)."""
    return {
        name: (import_string(task), every if isinstance(every, int) else getattr(settings, every))
        for name, (task, every) in _PERIODIC.items()
    }


def poll() -> None:
    """What the worker does on every poll before running the queue."""
    for function in _POLLS:
        import_string(function)()


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue each periodic task whose time has come, once across all workers."""
    now = now or timezone.now()
    enqueued = []
    for name, (task, every) in periodic_tasks().items():
        try:
            with transaction.atomic():
                Schedule.objects.get_or_create(name=name, defaults={"next_run_at": now})
        except IntegrityError:
            pass  # another worker created it at the same moment
        claimed = Schedule.objects.filter(name=name, next_run_at__lte=now).update(
            next_run_at=now + dt.timedelta(seconds=every)
        )
        if claimed:
            task.enqueue()
            enqueued.append(name)
    return enqueued
