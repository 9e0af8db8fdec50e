"""`civicgrid worker`: run background tasks from the database queue and the periodic sweep, and
follow up the needs raised since the last poll (their dispatchers told, their counts added).

Run it as its own process (several are fine): the web processes only enqueue.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

log = logging.getLogger("civicgrid.worker")


class Command(BaseCommand):
    help = "Run queued tasks, the periodic deadline sweep and the follow-up of new needs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--once", action="store_true", help="Enqueue what is due, run every ready task, exit."
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        from civicgrid.core.scheduler import enqueue_due, poll

        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            log.info("stopping after the current task")
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        self.stdout.write(f"CivicGrid worker {worker_id} started")
        while running:
            close_old_connections()
            # Before the queue: following up new needs (registered by the needs app) notifies,
            # and enqueues the delivery of those messages, which this same poll then runs.
            poll()
            enqueue_due()
            # batch=True: run every ready task, then come back here to check the schedule.
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if once:
                break
            time.sleep(interval)
