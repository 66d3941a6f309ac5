"""Imports keep to the IATI rule that an identifier begins with its reporting organisation's
identifier: nobody takes another publisher's namespace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity
from cbcoord.imports.importer import iati_import

ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2019-03-01T00:00:00Z">
 <iati-activity last-updated-datetime="2019-03-01T00:00:00Z" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{reporting}" type="40"><narrative>{name}</narrative></reporting-org>
  <title><narrative>Customs</narrative></title>
  <description><narrative>Customs.</narrative></description>
  <participating-org ref="{reporting}" role="1" type="40"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2019-01-01"/>
  <recipient-country code="DO"/>
 </iati-activity>
</iati-activities>
"""


def _import(tmp_path: Path, user: Any, **fields: str) -> Any:
    path = tmp_path / "f.xml"
    path.write_text(ACTIVITY.format(**fields), encoding="utf-8")
    return iati_import(user=user, path=path, source=str(path), source_kind="path")


def test_a_partner_cannot_take_an_identifier_in_another_publishers_namespace(
    tmp_path: Path, reference: None, partner_editor: Any
) -> None:
    run = _import(
        tmp_path, partner_editor, identifier="44000-P999999", reporting="XM-DAC-909", name="IDB"
    )
    assert (run.added, run.refused) == (0, 1)
    assert "another publisher's organisation identifier" in run.refusals.get().reason
    assert not Activity.objects.exists()


def test_the_refusal_does_not_say_whether_the_identifier_exists(
    tmp_path: Path, reference: None, partner_editor: Any
) -> None:
    _import(tmp_path, SYSTEM, identifier="44000-P000001", reporting="44000", name="World Bank")
    taken = _import(
        tmp_path, partner_editor, identifier="44000-P000001", reporting="XM-DAC-909", name="IDB"
    )
    free = _import(
        tmp_path, partner_editor, identifier="44000-P000002", reporting="XM-DAC-909", name="IDB"
    )
    assert taken.refusals.get().reason == free.refusals.get().reason


def test_a_partners_identifier_must_begin_with_its_own_prefix(
    tmp_path: Path, reference: None, partner_editor: Any
) -> None:
    run = _import(
        tmp_path, partner_editor, identifier="ANYTHING-1", reporting="XM-DAC-909", name="IDB"
    )
    assert run.refused == 1 and "your organisation's IATI identifier" in run.refusals.get().reason


def test_an_odd_identifier_in_a_publishers_own_file_is_kept_with_a_warning(
    tmp_path: Path, reference: None
) -> None:
    run = _import(tmp_path, SYSTEM, identifier="LEGACY-77", reporting="XM-DAC-909", name="IDB")
    assert run.added == 1
    activity = Activity.objects.get()
    assert any("does not begin with" in warning["reason"] for warning in activity.warnings)


def test_the_secretariat_cannot_file_one_publishers_activity_under_another(
    tmp_path: Path, reference: None
) -> None:
    run = _import(tmp_path, SYSTEM, identifier="XM-DAC-909-X1", reporting="44000", name="WB")
    assert run.refused == 1
