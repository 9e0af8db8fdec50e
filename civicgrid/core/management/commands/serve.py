"""`civicgrid serve`: serve the site with gunicorn (production; docs/deploy.md).

    civicgrid serve --bind 127.0.0.1:8000 --workers 5

The command replaces itself with gunicorn (exec), so the service manager's signals reach
gunicorn directly: SIGTERM stops gracefully, SIGHUP reloads the workers. Defaults come from
the environment (BIND, WEB_CONCURRENCY, WEB_THREADS, WEB_TIMEOUT, WEB_GRACEFUL_TIMEOUT,
ACCESS_LOG), so a systemd unit can keep them in its environment file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from civicgrid.core.serving import gunicorn_argv, gunicorn_path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise CommandError(
            _("%(name)s must be a whole number, not %(value)r.") % {"name": name, "value": value}
        ) from exc


def default_workers() -> int:
    """gunicorn's rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def static_not_collected() -> bool:
    """True when production storage needs `collectstatic`'s manifest and it is not there:
    every page would then fail to render, so the server should not start."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or settings.STATIC_ROOT is None:
        return False
    return not (Path(settings.STATIC_ROOT) / storage.manifest_name).exists()


def holds_demo_region() -> bool:
    """True when the database holds the region `civicgrid demo` builds, whose passwords, API
    token and Open311 key are published. A database not migrated yet holds nothing."""
    from civicgrid.core.demoguard import demo_exists

    try:
        return demo_exists()
    except DatabaseError:
        return False


class Command(BaseCommand):
    help = "Serve the site with gunicorn (replaces this process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("BIND") or "127.0.0.1:8000",
            help="Address to listen on, host:port or unix:/path (env BIND; 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (env WEB_CONCURRENCY; two per core plus one).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Threads per worker (env WEB_THREADS; 1).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=None,
            help="Seconds before a silent worker is killed and restarted (env WEB_TIMEOUT; 30).",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=None,
            help="Seconds workers get to finish their requests on stop or reload "
            "(env WEB_GRACEFUL_TIMEOUT; 30).",
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("ACCESS_LOG", ""),
            help="Write an access log line per request to this file, '-' for standard output "
            "(env ACCESS_LOG; none).",
        )

        parser.add_argument(
            "--without-static",
            action="store_true",
            help="Start even though static files were not collected: the APIs and the health "
            "check work, pages do not (tests and benchmarks of the APIs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["without_static"] and static_not_collected():
            raise CommandError(
                _(
                    "Static files are not collected in %(root)s, so no page could be shown. "
                    "Run `civicgrid collectstatic --noinput` first (docs/deploy.md)."
                )
                % {"root": settings.STATIC_ROOT}
            )
        workers = options["workers"] or _env_int("WEB_CONCURRENCY", default_workers())
        threads = options["threads"] or _env_int("WEB_THREADS", 1)
        timeout = options["timeout"] or _env_int("WEB_TIMEOUT", 30)
        graceful = options["graceful_timeout"] or _env_int("WEB_GRACEFUL_TIMEOUT", 30)
        if min(workers, threads, timeout, graceful) < 1:
            raise CommandError(_("Workers, threads and timeouts must be at least 1."))
        gunicorn = gunicorn_path()
        if gunicorn is None:
            raise CommandError(_("gunicorn is not installed; install the project's requirements."))
        argv = gunicorn_argv(
            gunicorn,
            bind=options["bind"],
            workers=workers,
            threads=threads,
            timeout=timeout,
            graceful_timeout=graceful,
            access_log=options["access_log"],
        )
        if holds_demo_region():
            self.stderr.write(
                _(
                    "WARNING: this database holds the demo region, whose logins and keys are "
                    "published. Outside demo mode its accounts cannot log in with the demo "
                    "password, its API token and Open311 key are refused; do not serve it to "
                    "the public. Start from an empty database for real use (docs/deploy.md)."
                )
            )
        self.stdout.write(" ".join(argv[1:]))
        self.stdout.flush()
        # Django was started with DJANGO_SETTINGS_MODULE set by `civicgrid`; the workers
        # inherit the environment and load the same settings.
        os.execv(argv[0], argv)  # noqa: S606
