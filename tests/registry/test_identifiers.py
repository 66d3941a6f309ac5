"""Whose namespace an activity identifier lies in (``registry.identifiers``)."""

from __future__ import annotations

from cbcoord.registry.identifiers import (
    ASSIGNED_PREFIX,
    assigned_prefix,
    identifier_prefixes,
    prefix_owners,
)
from cbcoord.registry.models import Organisation, OrganisationKind


def test_prefixes_are_the_identifier_and_its_aliases_or_an_assigned_one(reference: None) -> None:
    idb = Organisation.objects.get(key="idb")
    cbsa = Organisation.objects.get(key="cbsa")
    assert identifier_prefixes(idb) == ("XM-DAC-909", "XI-IATI-IADB")
    assert identifier_prefixes(cbsa) == (f"{ASSIGNED_PREFIX}cbsa",) == (assigned_prefix(cbsa),)


def test_the_longest_prefix_owns_the_identifier(reference: None) -> None:
    idb = Organisation.objects.get(key="idb")
    mif = Organisation.objects.create(
        key="mif",
        name="Multilateral Investment Fund",
        kind=OrganisationKind.DEVELOPMENT_PARTNER,
        iati_org_id="XM-DAC-909-5",
    )
    assert prefix_owners("XM-DAC-909-1") == ("XM-DAC-909", [idb])
    assert prefix_owners("XM-DAC-909-5-1") == ("XM-DAC-909-5", [mif])
    assert prefix_owners("XI-IATI-IADB-3") == ("XI-IATI-IADB", [idb])
    assert prefix_owners("ZZ-NOBODY-1") == ("", [])


def test_assigned_prefixes_belong_to_organisations_without_an_identifier(
    reference: None,
) -> None:
    cbsa = Organisation.objects.get(key="cbsa")
    idb = Organisation.objects.get(key="idb")
    assert prefix_owners("XC-CBCOORD-cbsa-1") == ("XC-CBCOORD-cbsa", [cbsa])
    # An organisation with an IATI identifier has no assigned prefix to use.
    assert prefix_owners("XC-CBCOORD-idb-1") == ("", [])
    assert idb not in prefix_owners("XC-CBCOORD-idb-1")[1]
