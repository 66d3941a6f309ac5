from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cbcoord.core.reference import LoadReport, ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load the shipped reference data (WCO regions and members, known partners, the "
        "instrument catalogue and its cross-walk, …): each app's loader, in the order of "
        "INSTALLED_APPS, in one transaction. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = LoadReport()
        try:
            with transaction.atomic():
                for config in apps.get_app_configs():
                    loader = getattr(config, "load_reference", None)
                    if loader is not None:
                        loader(report)
        except ReferenceDataError as error:
            raise CommandError(f"Reference data not loaded, nothing changed: {error}") from error
        self.stdout.write(f"Reference data loaded ({report.summary()}).")
