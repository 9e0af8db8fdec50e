"""`civicgrid demo`: migrate, build the demo region if it is missing, print the logins, serve.

`civicgrid.cli` sets CIVICGRID_DEMO=1 before Django starts, which allows an empty SECRET_KEY
(a random one is kept in the data folder) and lets the demo password log in. Static files are
collected as in production (hashed, precompressed: core/staticstorage.py) by a second process
while the region is built, and only when their sources changed since the last collection.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.core.serving import gunicorn_argv, gunicorn_path
from civicgrid.demo.region import ROOT_CODE, demo_exists, login_table


class Command(BaseCommand):
    help = "Build the demo region if needed, print the demo logins and serve on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")
        parser.add_argument(
            "--reset", action="store_true", help="Empty the database and rebuild the demo."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Build and print the logins, do not serve."
        )

    def print_api_keys(self) -> None:
        open311_key, token = _demo_keys()
        self.stdout.write(_("Open311 api_key: %(key)s") % {"key": open311_key})
        self.stdout.write(_("REST API token of the demo dispatcher: %(token)s") % {"token": token})
        self.stdout.write("")

    def handle(self, *args: Any, **options: Any) -> None:
        port: int = options["port"]
        if not 0 < port < 65536:
            raise CommandError(_("The port must be between 1 and 65535."))
        if not settings.DEMO_MODE:
            # The demo publishes its passwords and keys; it must never run on real settings.
            raise CommandError(_("Run the demo as `civicgrid demo`, which turns on demo mode."))
        verbosity: int = options["verbosity"]
        collecting = None if options["no_serve"] else start_collecting()
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
        if options["reset"] or not demo_exists():
            call_command(
                "seed_demo", reset=options["reset"], verbosity=verbosity, stdout=self.stdout
            )
        else:
            self.stdout.write(_("The demo region is already built; --reset rebuilds it."))
            self.stdout.write("")
            self.stdout.write(login_table())
            self.stdout.write("")
        self.print_api_keys()
        if options["no_serve"]:
            return
        finish_collecting(collecting)
        gunicorn = gunicorn_path()
        if gunicorn is None:
            raise CommandError(_("gunicorn is not installed; run `make demo` or pip install it."))
        self.stdout.write(
            _("Serving on http://127.0.0.1:%(port)d/ (staff log in at /console/). Ctrl-C stops.")
            % {"port": port}
        )
        self.stdout.flush()
        # Reports no grid holds wait at the demo's root, whose admin is a demo login.
        env = {"UNPLACED_AT": ROOT_CODE, **os.environ, "CIVICGRID_DEMO": "1"}
        # Two processes, as in production: the web server and the worker that runs the
        # deadline sweep and notifications. Either stopping stops the demo.
        serve(
            [
                [sys.executable, "-m", "civicgrid", "worker"],
                # Bound to 127.0.0.1 only: the demo has a public password.
                gunicorn_argv(gunicorn, bind=f"127.0.0.1:{port}", workers=2),
            ],
            env,
        )


# Written beside the collected files: the fingerprint of the sources they were collected from.
SOURCES_STAMP = ".civicgrid-sources"
COLLECT = [sys.executable, "-m", "civicgrid", "collectstatic", "--noinput", "--clear", "-v0"]


def static_fingerprint() -> str:
    """A digest of every static source file's name, size and modification time (each app's
    and ours), as the finders see them: it changes when any file is added, removed or edited."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def start_collecting() -> tuple[subprocess.Popen[bytes], str] | None:
    """Collect the static files in another process (the build runs on the other core), or
    None when the last collection was made from these very sources."""
    fingerprint = static_fingerprint()
    stamp = Path(str(settings.STATIC_ROOT)) / SOURCES_STAMP
    if stamp.exists() and stamp.read_text() == fingerprint:
        return None
    process = subprocess.Popen(  # noqa: S603  (our own command, no shell)
        COLLECT, env={**os.environ, "CIVICGRID_DEMO": "1"}, stderr=subprocess.PIPE
    )
    return process, fingerprint


def finish_collecting(collecting: tuple[subprocess.Popen[bytes], str] | None) -> None:
    if collecting is None:
        return
    process, fingerprint = collecting
    _out, errors = process.communicate()
    if process.returncode != 0:
        raise CommandError(
            _("Collecting the static files failed:\n%(errors)s")
            % {"errors": errors.decode(errors="replace")}
        )
    (Path(str(settings.STATIC_ROOT)) / SOURCES_STAMP).write_text(fingerprint)


def _demo_keys() -> tuple[str, str]:
    """The demo's published Open311 key and REST token (demo mode only)."""
    from civicgrid.api.services import ensure_demo_token
    from civicgrid.demo.region import DEMO_LOGINS
    from civicgrid.network.models import Person, Role
    from civicgrid.open311.services import DEMO_KEY, ensure_demo_application

    ensure_demo_application()
    mobile = next(x.mobile for x in DEMO_LOGINS if x.role == Role.COMMUNITY_STAFF)
    token = ensure_demo_token(person=Person.objects.get(mobile=mobile))
    return DEMO_KEY, token


def serve(commands: list[list[str]], env: dict[str, str]) -> None:
    """Run the commands side by side until one exits, Ctrl-C or SIGTERM; then stop them all."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    procs = [subprocess.Popen(argv, env=env) for argv in commands]  # noqa: S603
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
