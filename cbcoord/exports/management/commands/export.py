from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core import exporters


class Command(BaseCommand):
    help = (
        "Write an export to a file: cbcoord export NAME [--FILTER VALUE ...] -o FILE "
        "(.csv or .xlsx, or --format). `cbcoord export --list` names the exports and their "
        "filters. The command line reads as the system (everything)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the export's identifier (see --list)")
        parser.add_argument("-o", "--output", help="file to write; standard output if omitted")
        parser.add_argument("--format", help="csv, xlsx or the export's own (default: from -o)")
        parser.add_argument("--list", action="store_true", help="list the exports and stop")
        parser.add_argument(
            "filters",
            nargs=argparse.REMAINDER,
            help="the export's filters as --name value (see --list)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"] or not options["name"]:
            for cls in exporters.exporters():
                names = ", ".join(
                    "--" + name.replace("_", "-") for name in cls.filters.model_fields
                )
                self.stdout.write(
                    f"{cls.identifier:<18} {cls.title} [{', '.join(cls.formats)}] {names}"
                )
            return
        try:
            exporter = exporters.exporter_for(options["name"])
        except Http404 as error:
            raise CommandError(str(error)) from error
        # After the export's name everything is gathered for the filters, -o and --format
        # too when they follow the filters (cbcoord export activities --region AMC -o a.xlsx).
        trailing = argparse.ArgumentParser(add_help=False)
        trailing.add_argument("-o", "--output")
        trailing.add_argument("--format")
        late, rest = trailing.parse_known_args(options["filters"] or [])
        filter_parser = argparse.ArgumentParser(prog=f"cbcoord export {exporter.identifier}")
        exporter.filters.add_arguments(filter_parser)
        try:
            given = vars(filter_parser.parse_args(rest))
        except SystemExit as error:
            raise CommandError(f"Bad filters for {exporter.identifier}.") from error
        output = late.output or options["output"]
        try:
            fmt = exporters.format_of(
                output or "", late.format or options["format"], exporter.formats
            )
            filters = exporter.filters.from_options(given, user=SYSTEM)
            exporter.allowed(SYSTEM)
        except (exporters.ExportError, ValueError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        if output:
            with open(output, "wb") as out:
                exporters.write_file(exporter, fmt, out, user=SYSTEM, filters=filters)
            self.stderr.write(f"{exporter.identifier} written to {output} ({fmt})")
        else:
            exporters.write_file(exporter, fmt, sys.stdout.buffer, user=SYSTEM, filters=filters)
