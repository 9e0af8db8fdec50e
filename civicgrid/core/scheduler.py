"""Periodic tasks for `civicgrid worker`: which task, how often, and who enqueues it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from civicgrid.core.models import Schedule


def periodic_tasks() -> dict[str, tuple[Any, int]]:
    """name → (task, interval in seconds)."""
    return {
        "needs.sweep_deadlines": (
            import_string("civicgrid.needs.tasks.sweep_deadlines"),
            settings.SWEEP_INTERVAL_SECONDS,
        ),
        # Deletes the request counters of rate-limit windows that ended over an hour ago.
        "core.prune_rate_counters": (
            import_string("civicgrid.core.tasks.prune_rate_counters"),
            3600,
        ),
        # Deletes one-time form keys older than a day (core/once.py).
        "core.prune_once_keys": (
            import_string("civicgrid.core.tasks.prune_once_keys"),
            3600,
        ),
        # Removes personal data from needs closed longer than NEED_RETENTION_DAYS ago.
        "privacy.anonymise_expired": (
            import_string("civicgrid.privacy.tasks.anonymise_expired_needs"),
            settings.RETENTION_INTERVAL_SECONDS,
        ),
    }


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
