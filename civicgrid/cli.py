"""The `civicgrid` console command: Django's manage.py under the project's name.

`civicgrid demo` builds and serves the demo; every other word is a Django management command
(`civicgrid migrate`, `civicgrid import_network ...`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None, prog: str = "civicgrid") -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = prog
    if len(argv) > 1 and argv[1] == "demo":
        # Demo mode makes its own secret key, accepts the demo password, serves static from source.
        os.environ.setdefault("CIVICGRID_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
