"""``cbcoord eval_tagging LABELLED.csv [--json]``: the tagger's precision, recall and F1 on a
labelled CSV (``cbcoord.tagging.evaluation``, which says how they are counted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.tagging.engine import Tagger
from cbcoord.tagging.evaluation import LabelledDataError, evaluate, load_parent_map, read_labelled


class Command(BaseCommand):
    help = (
        "Score the tagger against a labelled CSV (UTF-8, a header row; columns title, "
        "description, language, expected_codes separated by ';', relevant yes/no): precision, "
        "recall and F1 for relevance and per provision, micro and macro. A predicted provision "
        "answers an expected one when it is the same or lies below it (TFA-7.4 answers TFA-7)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path, metavar="LABELLED.csv")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object (relevance, micro, macro, per_provision) instead.",
        )
        parser.add_argument(
            "--errors", action="store_true", help="Also list the rows the tagger gets wrong."
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            help="A folder of tagger data files to score instead of the shipped ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            rows = read_labelled(path)
        except LabelledDataError as error:
            raise CommandError(str(error)) from error
        tagger = Tagger.from_data(options["data_dir"])
        report = evaluate(rows, tagger, load_parent_map())
        if options["json"]:
            self.stdout.write(json.dumps(report.to_json(), indent=2))
        else:
            self.stdout.write(f"== {path.name}\n" + report.to_text(errors=options["errors"]))
