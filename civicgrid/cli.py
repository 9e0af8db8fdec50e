"""The `civicgrid` console command: Django's manage.py under the project's name.

`civicgrid demo` builds and serves the demo; every other word is a Django management command
(`civicgrid migrate`, `civicgrid import_network ...`).

Help (`civicgrid`, `civicgrid --help`, `civicgrid help serve`, `civicgrid serve --help`) works on
a machine with no configuration, and a setting missing or wrong stops any other command with one
line saying what to set (`--traceback` shows where it was raised).
"""

from __future__ import annotations

import os
import sys

# Stands in for SECRET_KEY while only help is printed: help signs nothing and reads no data.
HELP_ONLY_SECRET_KEY = "help-only-not-a-secret"  # noqa: S105  (not a secret: signs nothing)


def asks_for_help(argv: list[str]) -> bool:
    """Whether the command line only asks for help: no subcommand, `help …`, or -h/--help
    anywhere before `--` (argparse prints the help and exits before any command runs)."""
    words = argv[1:]
    if "--" in words:
        words = words[: words.index("--")]
    return not words or words[0] == "help" or any(w in ("-h", "--help") for w in words)


def main(argv: list[str] | None = None, prog: str = "civicgrid") -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = prog
    if len(argv) > 1 and argv[1] == "demo":
        # Demo mode makes its own secret key, accepts the demo password, serves static from source.
        os.environ.setdefault("CIVICGRID_DEMO", "1")
    if asks_for_help(argv):
        os.environ.setdefault("SECRET_KEY", HELP_ONLY_SECRET_KEY)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings: fails here if one is missing)
    except ImproperlyConfigured as exc:
        if "--traceback" in argv:
            raise
        sys.stderr.write(f"{prog}: {exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(argv)
