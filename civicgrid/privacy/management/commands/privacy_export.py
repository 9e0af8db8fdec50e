"""Write what is held about a mobile number to a JSON or .xlsx file: see docs/privacy.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.privacy import exports, services


class Command(BaseCommand):
    help = (
        "Export everything held about a mobile number (needs, timelines, ratings, photo list, "
        "account and inbox) to --output (.json or .xlsx; standard output if absent). Logged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="the resident's mobile number")
        parser.add_argument("--output", help="the .json or .xlsx file to write")
        parser.add_argument("--reason", default="", help="who asked and how (kept in the log)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        suffix = Path(output).suffix.lower() if output else ".json"
        if suffix not in (".json", ".xlsx"):
            raise CommandError(_("The output must be a .json or an .xlsx file."))
        try:
            data = services.personal_data_export(
                phone=options["phone"], by=None, via="command", reason=options["reason"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        body = exports.as_xlsx(data) if suffix == ".xlsx" else exports.as_json(data)
        if not output:
            self.stdout.write(body.decode("utf-8"))
            return
        Path(output).write_bytes(body)
        self.stdout.write(
            _("Wrote %(path)s: %(n)d needs.") % {"path": output, "n": len(data["needs"])}
        )
