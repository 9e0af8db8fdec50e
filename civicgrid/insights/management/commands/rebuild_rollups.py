"""`civicgrid rebuild_rollups`: recompute the figures from the event log."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from civicgrid.insights.rebuild import rebuild


class Command(BaseCommand):
    help = "Recompute every rollup (the dashboards' figures) from the needs' event log."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        daily, handler = rebuild()
        self.stdout.write(
            _("Rebuilt %(daily)d daily rows and %(handler)d handler rows in %(s).1f s.")
            % {"daily": daily, "handler": handler, "s": time.perf_counter() - started}
        )
