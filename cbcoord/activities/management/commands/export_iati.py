from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.export import write_export
from cbcoord.activities.exporters import IatiExportFilters, iati_queryset
from cbcoord.iati.writer import ExportReport


class Command(BaseCommand):
    help = (
        "Export activities as IATI 2.03 XML (public activities unless --all-visibilities). "
        "The same file as `cbcoord export iati-activities`, which takes every activity filter."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reporting-org", help="IATI identifier (or key) of the reporting organisation"
        )
        parser.add_argument("--country", help="ISO 3166-1 alpha-2 recipient country")
        parser.add_argument("--region", help="WCO region code, e.g. AMC")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--all-visibilities",
            action="store_true",
            help="Include activities that are not public (secretariat use only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The operator at the command line reads as the system (the secretariat and more).
        try:
            filters = IatiExportFilters.from_options(
                {
                    "reporting_org": options["reporting_org"],
                    "country": options["country"],
                    "region": options["region"],
                    "visibility": "all" if options["all_visibilities"] else None,
                },
                user=SYSTEM,
            )
            queryset = iati_queryset(user=SYSTEM, filters=filters)
        except (ValueError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        # Every export is valid IATI 2.03: what the schema does not allow is left out, and the
        # report says what and why (as the comments in the file do).
        report = ExportReport()
        if options["output"]:
            with open(options["output"], "wb") as out:
                write_export(queryset, out, report=report)
            self.stderr.write(f"{options['output']}: {report.summary()}")
        else:
            write_export(queryset, sys.stdout.buffer, report=report)
            self.stderr.write(report.summary())
