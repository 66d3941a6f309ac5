"""Organisations named in imported files: matched to the registry, or held for review until
the secretariat matches (merges) or accepts them; never public before that."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity, ActivityParticipant
from cbcoord.imports.importer import iati_import
from cbcoord.registry import services
from cbcoord.registry.matching import normalise_name
from cbcoord.registry.models import Organisation, OrganisationKind

ACTIVITY = """ <iati-activity last-updated-datetime="2019-03-01T00:00:00Z" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{reporting}" type="40"><narrative>{reporting_name}</narrative></reporting-org>
  <title><narrative>Customs reform</narrative></title>
  <description><narrative>Risk management for customs.</narrative></description>
  <participating-org ref="{reporting}" role="1" type="40"><narrative>{reporting_name}</narrative></participating-org>
  {participants}
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2019-01-01"/>
  <recipient-country code="{country}"/>
  <sector code="33120" vocabulary="1"/>
 </iati-activity>"""


def _participant(name: str, ref: str = "", role: str = "4") -> str:
    attribute = f' ref="{ref}"' if ref else ""
    return f'<participating-org{attribute} role="{role}" type="10"><narrative>{name}</narrative></participating-org>'


def _file(tmp_path: Path, *activities: dict[str, str]) -> Path:
    body = "\n".join(
        ACTIVITY.format(
            **{
                "reporting": "XM-DAC-909",
                "reporting_name": "Inter-American Development Bank",
                "country": "DO",
                "participants": "",
                **activity,
            }
        )
        for activity in activities
    )
    path = tmp_path / "file.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" '
        f'generated-datetime="2019-03-01T00:00:00Z">\n{body}\n</iati-activities>\n',
        encoding="utf-8",
    )
    return path


def _import(path: Path, user: Any = SYSTEM) -> Any:
    return iati_import(user=user, path=path, source=str(path), source_kind="path")


def test_names_are_compared_without_accents_case_or_punctuation() -> None:
    assert normalise_name("  Dirección General de ADUANAS. ") == "direccion general de aduanas"
    assert normalise_name("The World Bank") == "world bank"


def test_an_unknown_organisation_is_held_for_review_and_public_nowhere(
    tmp_path: Path, reference: None, client: Client, partner_editor: Any
) -> None:
    _import(
        _file(
            tmp_path,
            {
                "identifier": "XM-DAC-909-R1",
                "participants": _participant("World Bank", "FAKE-WB-1"),
            },
        ),
        user=partner_editor,
    )
    fake = Organisation.objects.get(iati_org_id="FAKE-WB-1")
    assert (fake.is_verified, fake.is_published) == (False, False)
    # The real World Bank (44000) is not taken for it: the identifiers differ.
    assert Organisation.objects.get(key="worldbank").iati_org_id == "44000"
    for browser in (client, Client()):
        assert fake.key not in browser.get("/partners/?q=World").content.decode()
        assert fake.key not in browser.get("/api/organisations?q=World").content.decode()
        assert fake.name not in browser.get("/activities/").content.decode().split("<select")[3]
    assert Client().get(f"/organisations/{fake.key}/").status_code == 404


def test_no_organisation_is_created_for_a_refused_activity(
    tmp_path: Path, reference: None, other_partner_editor: Any
) -> None:
    before = Organisation.objects.count()
    run = _import(
        _file(
            tmp_path,
            {
                "identifier": "XM-DAC-909-R2",
                "reporting": "NEW-PUBLISHER-1",
                "reporting_name": "A new publisher",
                "participants": _participant("Someone unknown", "UNKNOWN-1"),
            },
        ),
        user=other_partner_editor,
    )
    assert run.refused == 1 and run.added == 0
    assert Organisation.objects.count() == before


def test_a_customs_name_is_matched_to_the_recipient_countrys_administration(
    tmp_path: Path, reference: None
) -> None:
    _import(
        _file(
            tmp_path,
            {
                "identifier": "XM-DAC-909-R3",
                "participants": _participant("Dirección General de Aduanas"),
            },
        )
    )
    participant = ActivityParticipant.objects.get(
        activity__iati_identifier="XM-DAC-909-R3", name="Dirección General de Aduanas"
    )
    assert participant.organisation is not None
    assert participant.organisation.key == "customs-do"


def test_merging_moves_every_link_and_later_imports_match_the_old_names(
    tmp_path: Path, reference: None, secretariat: Any
) -> None:
    path = _file(
        tmp_path,
        {
            "identifier": "XM-DAC-909-R4",
            "participants": _participant("Banco Interamericano de Desarrollo", "BID-OLD"),
        },
    )
    _import(path)
    held = Organisation.objects.get(iati_org_id="BID-OLD")
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-R4")
    activity.visible_to.add(held)
    idb = Organisation.objects.get(key="idb")
    services.organisation_merge(user=secretariat, source=held, target=idb)
    assert not Organisation.objects.filter(pk=held.pk).exists()
    idb.refresh_from_db()
    assert "BID-OLD" in idb.iati_org_aliases
    assert "Banco Interamericano de Desarrollo" in idb.name_aliases
    assert set(activity.participants.values_list("organisation__key", flat=True)) == {"idb"}
    assert list(activity.visible_to.values_list("key", flat=True)) == ["idb"]
    assert idb.history.first().history_change_reason.startswith("merged Banco")
    # The next import knows both the identifier and the name.
    count = Organisation.objects.count()
    _import(
        _file(
            tmp_path,
            {
                "identifier": "XM-DAC-909-R5",
                "participants": _participant("banco interamericano de desarrollo"),
            },
        )
    )
    assert Organisation.objects.count() == count


def test_accepting_makes_an_organisation_a_listed_partner(
    tmp_path: Path, reference: None, secretariat: Any, client: Client
) -> None:
    _import(
        _file(
            tmp_path,
            {"identifier": "XM-DAC-909-R6", "participants": _participant("Agency X", "AX-1")},
        )
    )
    held = Organisation.objects.get(iati_org_id="AX-1")
    services.organisation_accept(
        user=secretariat, organisation=held, kind=OrganisationKind.IMPLEMENTER, publish=True
    )
    held.refresh_from_db()
    assert (held.is_verified, held.is_published, held.kind) == (True, True, "implementer")
    assert "Agency X" in client.get("/partners/").content.decode()


def test_two_member_administrations_are_not_merged(reference: None, secretariat: Any) -> None:
    from cbcoord.core.errors import ServiceError

    with pytest.raises(ServiceError):
        services.organisation_merge(
            user=secretariat,
            source=Organisation.objects.get(key="customs-do"),
            target=Organisation.objects.get(key="customs-jm"),
        )


def test_the_queue_page_lists_the_held_organisations_with_suggestions(
    tmp_path: Path, reference: None, secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    _import(
        _file(
            tmp_path,
            {
                "identifier": "XM-DAC-909-R7",
                "participants": _participant("Inter-American Dev. Bank", "IADB-X"),
            },
        )
    )
    html = client_for(secretariat).get("/partners/review/").content.decode()
    assert "Inter-American Dev. Bank" in html
    suggested = html.split('label="Suggested"')[1].split("</optgroup>")[0]
    assert 'value="idb"' in suggested
