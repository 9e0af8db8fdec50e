"""Write the network as spreadsheets that import_network reads back: see docs/import.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicgrid.network.models import Node
from civicgrid.network.spreadsheets import (
    NODE_COLUMNS,
    PEOPLE_COLUMNS,
    SpreadsheetError,
    export_network,
    write_csv,
    write_xlsx,
)


class Command(BaseCommand):
    help = (
        "Export nodes and people to an .xlsx workbook (sheets 'nodes' and 'people') or to "
        "--nodes and --people .csv files; --node CODE limits the export to that subtree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", nargs="?", help="the .xlsx workbook to write")
        parser.add_argument("--nodes", help="write the nodes table to this .csv file")
        parser.add_argument("--people", help="write the people table to this .csv file")
        parser.add_argument("--node", help="export only the subtree under this node code")

    def handle(self, *args: Any, **options: Any) -> None:
        out, nodes_file, people_file = options["out"], options["nodes"], options["people"]
        if bool(out) == bool(nodes_file or people_file):
            raise CommandError(_("Give either an .xlsx file or --nodes/--people .csv files."))
        if out and Path(out).suffix.lower() != ".xlsx":
            raise CommandError(_("The workbook must be an .xlsx file."))
        for path in (nodes_file, people_file):
            if path and Path(path).suffix.lower() != ".csv":
                raise CommandError(_("--nodes and --people take .csv files."))
        root = None
        if options["node"]:
            root = Node.objects.filter(code=options["node"]).first()
            if root is None:
                raise CommandError(_("No node has the code %(code)r.") % {"code": options["node"]})

        export = export_network(root=root)
        try:
            if out:
                write_xlsx(out, export)
        except SpreadsheetError as exc:
            raise CommandError(str(exc)) from exc
        if nodes_file:
            write_csv(nodes_file, NODE_COLUMNS, export.nodes)
        if people_file:
            write_csv(people_file, PEOPLE_COLUMNS, export.people)
        self.stdout.write(
            _("Exported %(nodes)d nodes and %(people)d role bindings.")
            % {"nodes": len(export.nodes), "people": len(export.people)}
        )
        if export.people_without_mobile:
            self.stdout.write(
                _(
                    "Left out %(count)d role bindings of people without a mobile number: "
                    "the mobile is what identifies a person on import."
                )
                % {"count": export.people_without_mobile}
            )
