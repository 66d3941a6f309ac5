"""Regional activities (IATI recipient regions, OECD DAC codes) count for the WCO regions and
members their region covers."""

from __future__ import annotations

from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import covering_country_q
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory


def _regional(identifier: str, codes: list[str], vocabulary: str = "1") -> Activity:
    activity = ImportedActivityFactory(
        iati_identifier=identifier, reporting_org=Organisation.objects.get(key="idb"), countries=[]
    )
    data = dict(activity.data)
    data["recipient_regions"] = [
        {
            "code": code,
            "vocabulary": vocabulary,
            "vocabulary_uri": None,
            "percentage": None,
            "narrative": {},
        }
        for code in codes
    ]
    Activity.objects.filter(pk=activity.pk).update(data=data)
    from cbcoord.activities.indexing import write_index_rows

    activity.refresh_from_db()
    write_index_rows([activity], replace=[activity.pk])
    return activity


def test_a_south_american_programme_is_in_the_americas(reference: None) -> None:
    activity = _regional("XM-DAC-909-REG-SA", ["489"])
    assert list(activity.regions.values_list("code", flat=True)) == ["AMC"]


def test_an_african_programme_is_in_every_african_wco_region(reference: None) -> None:
    activity = _regional("XM-DAC-909-REG-AF", ["298"])
    assert set(activity.regions.values_list("code", flat=True)) == {"ESA", "WCA", "MENA"}


def test_another_vocabulary_is_not_read_as_dac_codes(reference: None) -> None:
    activity = _regional("XM-DAC-909-REG-UN", ["489"], vocabulary="2")
    assert not activity.regions.exists()


def test_a_regional_programme_covers_the_members_of_its_region(reference: None) -> None:
    regional = _regional("XM-DAC-909-REG-SA2", ["489"])
    national = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-NAT-DO", reporting_org=Organisation.objects.get(key="idb")
    )
    covering_brazil = set(Activity.objects.filter(covering_country_q("br")))
    assert regional in covering_brazil and national not in covering_brazil
    covering_dominican = set(Activity.objects.filter(covering_country_q("DO")))
    assert national in covering_dominican and regional not in covering_dominican
