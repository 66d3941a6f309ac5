"""Idempotent loading of shipped reference data (CSV files inside the package)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


class ReferenceDataError(Exception):
    """A shipped data file is malformed; the message names the file, the row and the column."""


def read_csv(path: Path, *, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with whitespace stripped; check the header has ``required``."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}


class LoadReport(Counter[str]):
    """Counts of created / updated / unchanged rows per model."""

    def record(self, label: str, outcome: str) -> None:
        self[f"{label} {outcome}"] += 1

    def summary(self) -> str:
        return ", ".join(f"{key}: {value}" for key, value in sorted(self.items()))


def upsert(
    model: type[M],
    *,
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    report: LoadReport,
    create_only: Mapping[str, Any] | None = None,
) -> M:
    """Create or update one row, saving only when a value differs.

    Saving nothing when nothing changed keeps re-runs from adding history entries.
    ``create_only`` values are set on creation and never overwritten (users may edit them).
    """
    label = model._meta.model_name or model.__name__
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values, **(create_only or {}))
        instance.save()
        report.record(label, "created")
        return instance
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    if changed:
        instance.save()
        report.record(label, "updated")
    else:
        report.record(label, "unchanged")
    return instance
