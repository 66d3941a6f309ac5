from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.coordination.rates import load_rates
from cbcoord.core.reference import LoadReport, ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load annual exchange rates from a CSV with the columns year, currency, units_per_usd "
        "(units of the currency per US dollar) and, optionally, source. The whole file or "
        "nothing; rates of other years and currencies are kept. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        report = LoadReport()
        try:
            load_rates(report, path)
        except ReferenceDataError as error:
            raise CommandError(f"Exchange rates not loaded, nothing changed: {error}") from error
        self.stdout.write(f"Exchange rates loaded ({report.summary()}).")
