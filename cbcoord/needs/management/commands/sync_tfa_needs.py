from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cbcoord.accounts.actors import SYSTEM
from cbcoord.needs.services import tfa_needs_sync


class Command(BaseCommand):
    help = (
        "Make the need of every WTO TFA category C commitment (source 'WTO TFA category C "
        "notification'), drop those whose commitment left category C without support, reopen "
        "those back in it. Safe to run again: a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = tfa_needs_sync(user=SYSTEM)
        self.stdout.write(f"TFA needs synced ({report.summary() or 'no commitment'}).")
