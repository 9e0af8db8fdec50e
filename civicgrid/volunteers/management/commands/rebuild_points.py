"""`civicgrid rebuild_points`: recompute the members' months (points) from the event log."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.network.models import Person
from civicgrid.volunteers.points import rebuild


class Command(BaseCommand):
    help = (
        "Recompute every member's months (activities, hours, needs, wishes, points) from the "
        "activities', wishes' and needs' events, with the current point rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", type=int, help="Only this person (their id).")

    def handle(self, *args: Any, **options: Any) -> None:
        person = None
        if options.get("person") is not None:
            person = Person.objects.filter(pk=options["person"]).first()
            if person is None:
                raise CommandError(_("No person with the id %(id)s.") % {"id": options["person"]})
        started = time.perf_counter()
        rows = rebuild(person)
        self.stdout.write(
            _("Rebuilt %(rows)d member months in %(s).1f s.")
            % {"rows": rows, "s": time.perf_counter() - started}
        )
