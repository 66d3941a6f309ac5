from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cbcoord.core.reference import LoadReport, ReferenceDataError
from cbcoord.frameworks import reference as frameworks_reference
from cbcoord.iati import reference as iati_reference
from cbcoord.registry import reference as registry_reference


class Command(BaseCommand):
    help = (
        "Load the shipped reference data: WCO regions and members, known partners, the "
        "instrument catalogue and its cross-walk, and the IATI codelists. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = LoadReport()
        try:
            with transaction.atomic():
                registry_reference.load_regions(report)
                registry_reference.load_members(report)
                registry_reference.load_organisations(report)
                frameworks_reference.load_instruments(report)
                frameworks_reference.load_provisions(report)
                frameworks_reference.load_crosswalk(report)
                iati_reference.load_codelists(report)
        except ReferenceDataError as error:
            raise CommandError(f"Reference data not loaded, nothing changed: {error}") from error
        self.stdout.write(f"Reference data loaded ({report.summary()}).")
