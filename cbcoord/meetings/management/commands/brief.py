from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from cbcoord.accounts.actors import SYSTEM
from cbcoord.meetings import selectors
from cbcoord.meetings.brief import render


class Command(BaseCommand):
    help = (
        "Write a meeting's brief: cbcoord brief MEETING_ID --format pdf|xlsx -o FILE "
        "[--language en|es|fr|pt]. The command line reads as the system (everything)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("meeting_id", type=int)
        parser.add_argument("--format", choices=render.FORMATS, help="default: from -o's extension")
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--language", default="en", help="en, es, fr or pt (default en)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lstrip(".").lower()
        if fmt not in render.FORMATS:
            raise CommandError("Say --format pdf or xlsx, or name a .pdf or .xlsx file.")
        try:
            meeting = selectors.meeting_get(user=SYSTEM, pk=options["meeting_id"])
        except Http404 as error:
            raise CommandError(str(error)) from error
        body = render.render(meeting=meeting, user=SYSTEM, fmt=fmt, language=options["language"])
        output.write_bytes(body)
        self.stderr.write(
            f"brief of meeting {meeting.pk} written to {output} ({fmt}, {len(body)} bytes)"
        )
