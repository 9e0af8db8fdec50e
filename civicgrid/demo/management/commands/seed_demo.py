"""`seed_demo`: build the demo region, or with `--scale` the benchmark city.

manage.py seed_demo                 the demo region (fails if it exists)
manage.py seed_demo --reset         empty the database first, then build it
manage.py seed_demo --scale         the benchmark city instead: 10,000 grids, 100,000 people
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.demo.butler import build_butler
from civicgrid.demo.care import build_care
from civicgrid.demo.committees import build_demo_committees
from civicgrid.demo.liaison import build_liaison
from civicgrid.demo.mailbox import build_mailbox
from civicgrid.demo.names import SCALE_RANGE
from civicgrid.demo.needs import build_demo_needs, report_sentences
from civicgrid.demo.region import build_demo_region, demo_exists, login_table
from civicgrid.demo.representatives import build_representatives
from civicgrid.demo.reviews import build_reviews
from civicgrid.demo.scale import DEFAULT_GRIDS, DEFAULT_PEOPLE, build_scale_city, scale_exists
from civicgrid.demo.services import build_services
from civicgrid.demo.volunteers import build_demo_volunteers
from civicgrid.needs.models import Kind, Need, NeedEvent
from civicgrid.network.geo import forget_grid_index
from civicgrid.seed import seed_everything


class Command(BaseCommand):
    help = "Build the demo region (or, with --scale, a city-size network for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database before building.",
        )
        parser.add_argument(
            "--scale",
            action="store_true",
            help=(
                "Build the benchmark city (10,000 small grids, 100,000 people) instead of the "
                "demo region."
            ),
        )
        # Smaller benchmark cities for tests; not something a user needs to see.
        parser.add_argument(
            "--scale-grids", type=int, default=DEFAULT_GRIDS, help=argparse.SUPPRESS
        )
        parser.add_argument(
            "--scale-people", type=int, default=DEFAULT_PEOPLE, help=argparse.SUPPRESS
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["reset"]:
            # Start again from an empty database with the seed data every installation
            # starts with (categories, the calendar).
            call_command("flush", interactive=False, verbosity=0)
            seed_everything()
            self.stdout.write(_("Emptied the database."))
        # One transaction: a failed build leaves no half-built region behind.
        with transaction.atomic():
            if options["scale"]:
                self.build_scale(options["scale_grids"], options["scale_people"])
            else:
                self.build_region()
        forget_grid_index()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(_("Done in %(seconds).1f seconds.") % {"seconds": seconds})
        )

    def build_region(self) -> None:
        if demo_exists():
            raise CommandError(_("The demo region already exists; use --reset to rebuild it."))
        result = build_demo_region()
        forget_grid_index()
        lived = build_demo_needs(
            days=settings.DEMO_HISTORY_DAYS, scale=settings.DEMO_HISTORY_PERCENT / 100
        )
        self.stdout.write(
            _("Built the demo region: %(nodes)d nodes, %(people)d people.")
            % {"nodes": result.nodes, "people": result.people}
        )
        self.stdout.write(
            _(
                "Lived %(days)d days in it: %(needs)d needs raised, %(records)d pieces of "
                "proactive work, %(events)d events, %(sweeps)d deadline sweeps."
            )
            % {
                "days": settings.DEMO_HISTORY_DAYS,
                "needs": Need.objects.filter(kind=Kind.REQUEST).count(),
                "records": lived.proactive,
                "events": NeedEvent.objects.count(),
                "sweeps": lived.sweeps,
            }
        )
        served = build_demo_volunteers(days=settings.DEMO_HISTORY_DAYS)
        self.stdout.write(
            _(
                "People who serve: %(teams)d teams, %(activities)d activities with "
                "%(signups)d sign-ups, %(registrations)d registrations, %(wishes)d micro-wishes."
            )
            % {
                "teams": served.teams,
                "activities": served.activities,
                "signups": served.signups,
                "registrations": served.registrations,
                "wishes": served.wishes,
            }
        )
        worked = build_demo_committees(days=settings.DEMO_HISTORY_DAYS)
        self.stdout.write(
            _(
                "Joint committee at work: %(meetings)d joint meetings recorded with "
                "%(decisions)d decisions, %(tasks)d tasks, %(consultations)d consultations, "
                "%(scores)d peer scores in its assessment."
            )
            % {
                "meetings": worked.meetings,
                "decisions": worked.decisions,
                "tasks": worked.tasks,
                "consultations": worked.consultations,
                "scores": worked.scores,
            }
        )
        build_services(days=settings.DEMO_HISTORY_DAYS)
        build_care(days=settings.DEMO_HISTORY_DAYS)
        # Hongxing: the representatives' home and stations, then the messages left for them;
        # its mailbox for livelihood projects and its department reviews; 龙马重工's butler.
        build_representatives(days=settings.DEMO_HISTORY_DAYS)
        build_liaison(days=settings.DEMO_HISTORY_DAYS)
        build_mailbox(days=settings.DEMO_HISTORY_DAYS)
        build_reviews(days=settings.DEMO_HISTORY_DAYS)
        build_butler(days=settings.DEMO_HISTORY_DAYS)
        for region, words in report_sentences(
            settings.DEMO_HISTORY_DAYS, translation.get_language() or settings.LANGUAGE_CODE
        ):
            self.stdout.write(f"  {region}：{words}")
        self.stdout.write("")
        self.stdout.write(login_table())
        self.stdout.write("")

    def build_scale(self, grids: int, people: int) -> None:
        capacity = SCALE_RANGE[1] - SCALE_RANGE[0] + 1
        if grids < 1 or not 0 <= people <= capacity:
            raise CommandError(
                _("--scale needs at least one grid and at most %(max)d people.") % {"max": capacity}
            )
        if scale_exists():
            raise CommandError(_("The benchmark city already exists; use --reset to rebuild it."))
        result = build_scale_city(grids=grids, people=people)
        self.stdout.write(
            _("Built the benchmark city: %(nodes)d nodes, %(grids)d grids, %(people)d people.")
            % {"nodes": result.nodes, "grids": result.small_grids, "people": result.people}
        )
