from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.accounts.actors import SYSTEM, Actor
from cbcoord.accounts.models import User
from cbcoord.imports.importer import iati_import
from cbcoord.imports.models import ImportStatus
from cbcoord.imports.selectors import import_allowed


class Command(BaseCommand):
    help = (
        "Import IATI 2.01-2.03 activity files from paths or http(s) URLs. Safe to re-run: "
        "unchanged activities are skipped and an interrupted run completes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument(
            "--strict", action="store_true", help="Refuse every activity the schema rejects."
        )
        parser.add_argument(
            "--user", help="Import with this user's rights (default: the system, all rights)."
        )
        parser.add_argument(
            "--relevant-only",
            action="store_true",
            help="Keep only customs or border-agency capacity building (the tagger decides); "
            "the others are skipped and counted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user: Actor = SYSTEM
        if options["user"]:
            found = User.objects.filter(username=options["user"]).first()
            if found is None:
                raise CommandError(f"No user {options['user']!r}.")
            user = found
        try:
            import_allowed(user)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        failures = 0
        for source in options["sources"]:
            run = self._import(
                source,
                user=user,
                strict=options["strict"],
                relevant_only=options["relevant_only"],
            )
            skipped = f", not relevant (skipped) {run.not_relevant}" if run.relevant_only else ""
            self.stdout.write(
                f"{source}: {run.get_shown_status_display()} — added {run.added}, updated {run.updated}, "
                f"unchanged {run.unchanged}, refused {run.refused}, withdrawn {run.withdrawn}, "
                f"held back {run.held_back}, with warnings {run.with_warnings}{skipped} (run {run.pk})"
            )
            if run.message:
                self.stderr.write(f"  {run.message}")
            for warning in run.file_warnings:
                line = f" line {warning['line']}" if warning.get("line") else ""
                self.stderr.write(
                    f"  file warning{line} <{warning['element']}>: {warning['reason']}"
                )
            for refusal in run.refusals.all()[:20]:
                self.stderr.write(
                    f"  refused {refusal.identifier or '?'} line {refusal.line} "
                    f"<{refusal.element}>: {refusal.reason}"
                )
            if run.refused > 20:
                self.stderr.write(
                    f"  … and {run.refused - 20} more refusals (see the import report)"
                )
            failures += run.status != ImportStatus.COMPLETED
        if failures:
            raise CommandError(f"{failures} file(s) could not be imported.")

    def _import(self, source: str, *, user: Actor | None, strict: bool, relevant_only: bool) -> Any:
        scheme = urlparse(source).scheme.lower()
        if scheme in {"http", "https"}:
            from cbcoord.imports.fetch import UrlFetchError, fetch_url_to_tempfile

            try:
                path = fetch_url_to_tempfile(source)
            except UrlFetchError as error:
                raise CommandError(f"{source}: {error}") from error
            try:
                return iati_import(
                    user=user,
                    path=Path(path),
                    source=source,
                    source_kind="url",
                    file_name=Path(urlparse(source).path).name or source,
                    strict=strict,
                    relevant_only=relevant_only,
                )
            finally:
                os.unlink(path)
        if scheme and len(scheme) > 1:
            raise CommandError(f"{source}: only local paths and http(s) URLs can be imported.")
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{source}: no such file.")
        return iati_import(
            user=user,
            path=path,
            source=str(path.resolve()),
            source_kind="path",
            file_name=path.name,
            strict=strict,
            relevant_only=relevant_only,
        )
