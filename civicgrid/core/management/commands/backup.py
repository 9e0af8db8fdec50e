"""`civicgrid backup [--output PATH]`: the database and the photos in one .tar file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.core import backup


class Command(BaseCommand):
    help = (
        "Back up the configured database (pg_dump -Fc on PostgreSQL, SQLite's online backup "
        "on SQLite) and MEDIA_ROOT into one .tar file (var/backups/ by default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="the .tar file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = backup.backup(Path(options["output"]) if options["output"] else None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Wrote %(path)s (%(size).1f MB): %(vendor)s database %(db).1f MB, "
                "%(files)d media files."
            )
            % {
                "path": written.path,
                "size": written.total_bytes / 1e6,
                "vendor": written.vendor,
                "db": written.database_bytes / 1e6,
                "files": written.media_files,
            }
        )
