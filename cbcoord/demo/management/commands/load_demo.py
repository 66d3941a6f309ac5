from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.demo.loader import DEMO_ACCOUNTS, DemoDataError, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo: the 2019 Americas and Caribbean coordination meeting and one account per "
        "role. Prints the demo passwords; they are stored nowhere else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep-passwords",
            action="store_true",
            help="Do not reset the passwords of demo accounts that already exist.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_load(reset_passwords=not options["keep_passwords"])
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Demo data loaded ({result.report.summary()}).")
        if result.passwords:
            self.stdout.write("Demo accounts (username / password / role):")
            roles = {account.username: account.role for account in DEMO_ACCOUNTS}
            for username, password in result.passwords.items():
                self.stdout.write(f"  {username:<18} {password:<20} {roles[username]}")
