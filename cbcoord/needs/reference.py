"""TFA notifications shipped in ``data/`` (see ``data/SOURCES.md``), as commitments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core.reference import LoadReport, ReferenceDataError, read_csv
from cbcoord.frameworks.models import Provision
from cbcoord.needs.models import TfaCommitment
from cbcoord.needs.services import tfa_commitment_save
from cbcoord.registry.models import Member

DATA_DIR = Path(__file__).resolve().parent / "data"
TFA_NOTIFICATIONS = DATA_DIR / "tfa_notifications.csv"
COLUMNS = ("member_iso2", "measure", "category", "indicative_date", "definitive_date")


@dataclass(frozen=True)
class TfaRow:
    iso_code: str
    measure: str
    category: str
    indicative_date: dt.date | None
    definitive_date: dt.date | None
    source: str = ""
    source_note: str = ""
    ta_requirement: str = ""


def read_tfa_rows(path: Path) -> list[TfaRow]:
    """The rows of a TFA notifications file (the columns of ``tfa_notifications.csv``)."""
    rows = []
    for line, row in read_csv(path, required=COLUMNS):
        try:
            rows.append(
                TfaRow(
                    iso_code=row["member_iso2"].upper(),
                    measure=row["measure"],
                    category=row["category"].upper(),
                    indicative_date=_date(row["indicative_date"]),
                    definitive_date=_date(row["definitive_date"]),
                    source=row.get("source_url", ""),
                    source_note=row.get("source_note", ""),
                    ta_requirement=row.get("ta_requirement", ""),
                )
            )
        except ValueError as error:
            raise ReferenceDataError(f"{path.name}, line {line}: {error}") from error
    return rows


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def load_tfa_rows(
    rows: Iterable[TfaRow], *, is_demo: bool, report: LoadReport
) -> list[TfaCommitment]:
    """Store the rows as commitments (``services.tfa_commitment_save``, which syncs their
    needs); safe to run again."""
    saved = []
    for row in rows:
        member = Member.objects.filter(iso_code=row.iso_code).first()
        measure = Provision.objects.filter(code=f"TFA-{row.measure}").first()
        if member is None or measure is None:
            raise ReferenceDataError(
                f"TFA row {row.iso_code} {row.measure}: unknown member or measure"
            )
        saved.append(
            tfa_commitment_save(
                user=SYSTEM,
                member=member,
                measure=measure,
                category=row.category,
                values={
                    "indicative_date": row.indicative_date,
                    "definitive_date": row.definitive_date,
                    "source": row.source,
                    "source_note": row.source_note,
                    "ta_requirement": row.ta_requirement,
                    "is_demo": is_demo,
                },
                report=report,
            )
        )
    return saved
