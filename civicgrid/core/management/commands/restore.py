"""`civicgrid restore PATH`: put a backup's database and photos back. Stop the app and the
worker first: the restore replaces everything they are working on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from civicgrid.core import backup


class Command(BaseCommand):
    help = (
        "Replace the configured database and MEDIA_ROOT with those of a backup written by "
        "`civicgrid backup`. Asks for confirmation unless --yes (or --noinput)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .tar file written by `civicgrid backup`")
        parser.add_argument(
            "--yes", "--noinput", action="store_true", dest="yes", help="do not ask"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            manifest = backup.read_manifest(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        target = connection.settings_dict["NAME"]
        self.stdout.write(
            _(
                "Backup of %(created)s: %(vendor)s database, %(files)d media files.\n"
                "It replaces the database %(target)s and the folder %(media)s.\n"
                "Stop the web processes and `civicgrid worker` first: connections left open "
                "keep working on the data being replaced."
            )
            % {
                "created": manifest.get("created_at"),
                "vendor": manifest.get("vendor"),
                "files": manifest.get("media_files", 0),
                "target": target,
                "media": settings.MEDIA_ROOT,
            }
        )
        if not options["yes"] and options.get("interactive", True):
            answer = input(_("Type yes to restore: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled; nothing was changed."))
        try:
            backup.restore(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored %(path)s. Run `civicgrid migrate` if this version is newer.")
            % {"path": path}
        )
