from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.meetings import notices


class Command(BaseCommand):
    help = (
        "E-mail each owner their open action items due within --days days or overdue, and "
        "remind the partners that have not answered a data call closing within --days days. "
        "At most once per item and address a day: safe to run again (cron runs it daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="look this many days ahead (7)")
        parser.add_argument("--date", help="act as on this day, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 0:
            raise CommandError("--days cannot be negative.")
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        actions = notices.send_action_reminders(today=today, days=options["days"])
        data_calls = notices.send_data_call_reminders(today=today, days=options["days"])
        self.stdout.write(f"action items: {actions}")
        self.stdout.write(f"data calls: {data_calls}")
