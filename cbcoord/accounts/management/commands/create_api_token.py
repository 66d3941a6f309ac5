from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.accounts.models import User
from cbcoord.accounts.services import api_token_create
from cbcoord.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create an API bearer token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            owner = User.objects.get(username=options["username"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user {options['username']!r}.") from error
        try:
            # The command runs with the owner's own rights: a token for oneself.
            _token, raw = api_token_create(user=owner, owner=owner, name=options["name"])
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(raw)
