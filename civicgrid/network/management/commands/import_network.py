"""Build or update the network from spreadsheets: see docs/import.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.network.spreadsheets import (
    NODES,
    PEOPLE,
    SpreadsheetError,
    Table,
    format_result,
    import_network,
    read_book,
    read_table,
)


class Command(BaseCommand):
    help = (
        "Import nodes and people from a workbook with sheets 'nodes' and 'people', or from "
        "--nodes and --people files (.csv or .xlsx). All or nothing: any error writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("book", nargs="?", help="an .xlsx workbook with both sheets")
        parser.add_argument("--nodes", help="the nodes table, .csv or .xlsx")
        parser.add_argument("--people", help="the people table, .csv or .xlsx")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, then roll back"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        book, nodes_file, people_file = options["book"], options["nodes"], options["people"]
        if bool(book) == bool(nodes_file or people_file):
            raise CommandError(_("Give either a workbook or --nodes/--people files."))
        errors = []
        nodes: Table | None = None
        people: Table | None = None
        # Read every file before giving up, so one run reports every problem.
        if book:
            try:
                nodes, people = read_book(book)
            except SpreadsheetError as exc:
                errors.extend(exc.errors)
        for kind, path in ((NODES, nodes_file), (PEOPLE, people_file)):
            if not path:
                continue
            try:
                table = read_table(path, kind)
            except SpreadsheetError as exc:
                errors.extend(exc.errors)
                continue
            if kind == NODES:
                nodes = table
            else:
                people = table
        if not errors:
            try:
                result = import_network(nodes=nodes, people=people, dry_run=options["dry_run"])
            except SpreadsheetError as exc:
                errors.extend(exc.errors)
        if errors:
            lines = [str(error) for error in errors]
            lines.append(
                _("%(count)d problem(s) found; nothing was imported.") % {"count": len(errors)}
            )
            raise CommandError("\n".join(lines))
        self.stdout.write(format_result(result))
