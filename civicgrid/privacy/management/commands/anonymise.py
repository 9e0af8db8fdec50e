"""Remove the personal data of closed needs: by phone, by need, or those past retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.privacy import services


class Command(BaseCommand):
    help = (
        "Anonymise the closed needs raised with --phone, or the need --need, or (--expired) "
        "every need closed longer than NEED_RETENTION_DAYS ago. Open needs are refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--phone", help="every closed need with this contact phone")
        which.add_argument("--need", help="one need, by its tracking number")
        which.add_argument(
            "--expired", action="store_true", help="what the worker's retention run would do"
        )
        parser.add_argument("--reason", default="", help="why (kept in the log)")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = options["reason"] or _("Request handled from the command line.")
        try:
            if options["expired"]:
                count = services.anonymise_expired(via="command")
                self.stdout.write(_("Anonymised %(n)d needs past retention.") % {"n": count})
            elif options["need"]:
                need = services.find_need(options["need"])
                services.need_anonymise(need=need, by=None, reason=reason, via="command")
                self.stdout.write(_("Anonymised need %(number)s.") % {"number": need.number})
            else:
                result = services.phone_anonymise(
                    phone=options["phone"], by=None, reason=reason, via="command"
                )
                self.stdout.write(_("Anonymised %(n)d closed needs.") % {"n": len(result.done)})
                if result.still_open:
                    self.stderr.write(
                        _("Left open needs: %(numbers)s.")
                        % {"numbers": ", ".join(result.still_open)}
                    )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
