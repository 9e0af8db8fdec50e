"""Background work on personal data, run by `civicgrid worker`: the retention period."""

from __future__ import annotations

import logging

from django_tasks import task

from civicgrid.privacy import services

log = logging.getLogger("civicgrid.privacy")


@task()
def anonymise_expired_needs() -> int:
    count = services.anonymise_expired()
    if count:
        log.info("retention: anonymised %d needs", count)
    return count
