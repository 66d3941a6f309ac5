"""``cbcoord refresh_coordination``: work out the coordination facts of every activity changed
since the last analysis, now rather than on the next page (after a large import, say)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cbcoord.coordination import facts


class Command(BaseCommand):
    help = "Work out the coordination facts of the activities changed since the last analysis."

    def handle(self, *args: Any, **options: Any) -> None:
        count = facts.refresh()
        self.stdout.write(f"{count} activities' facts worked out.")
