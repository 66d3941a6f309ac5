"""The IATI building blocks default every field, so callers name only what they have."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from cbcoord.iati import records


@pytest.mark.parametrize(
    "record",
    [
        records.OrgRef,
        records.ParticipatingOrg,
        records.Description,
        records.CodeVocabulary,
        records.ActivityDate,
        records.RecipientCountry,
        records.RecipientRegion,
        records.Sector,
        records.Tag,
        records.PolicyMarker,
        records.Budget,
        records.TransactionOrg,
        records.Transaction,
        records.Administrative,
        records.Point,
        records.Location,
        records.RelatedActivity,
        records.DocumentLink,
    ],
)
def test_every_field_has_a_default(record: type) -> None:
    empty = record()
    for field in dataclasses.fields(empty):
        value = getattr(empty, field.name)
        assert value is None or value == {} or value == [], (record.__name__, field.name)
    # Mutable defaults are not shared between instances.
    assert record().to_dict() == empty.to_dict()


def test_a_transaction_names_only_what_it_has() -> None:
    transaction = records.Transaction(type="3", date=dt.date(2025, 1, 2), value=Decimal("10"))
    assert transaction.sectors == [] and transaction.description == {}
    assert transaction.provider_org is None
    again = records.Transaction.from_dict(transaction.to_dict())
    assert again == transaction
    transaction.sectors.append(records.Sector(code="33120"))
    assert records.Transaction().sectors == []
