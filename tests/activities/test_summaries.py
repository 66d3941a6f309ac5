"""The activities a region, member, organisation or provision page shows: how many, the latest,
the partners active in them, a link to the list filtered the same way; visibility and
relevance held; a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cbcoord.accounts.models import User
from cbcoord.activities import selectors
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.indexing import write_index_rows
from cbcoord.activities.models import Activity, ActivityProvision, Visibility
from cbcoord.activities.selectors import activity_summary
from cbcoord.frameworks.models import Provision
from cbcoord.registry.models import Member, Organisation
from tests.factories import ImportedActivityFactory


def _participant(organisation: Organisation, role: str = "4") -> dict[str, Any]:
    return {
        "ref": organisation.iati_org_id or None,
        "type": "40",
        "role": role,
        "activity_id": None,
        "crs_channel_code": None,
        "name": {"en": organisation.name},
    }


def _rewrite(activity: Activity, **content: Any) -> Activity:
    """Change the activity's IATI content and its index rows, as an edit would."""
    data = dict(activity.data) | content
    Activity.objects.filter(pk=activity.pk).update(data=data)
    activity.refresh_from_db()
    write_index_rows([activity], replace=[activity.pk])
    return activity


def _regional(identifier: str, organisation: Organisation, dac_code: str) -> Activity:
    activity = ImportedActivityFactory(
        iati_identifier=identifier, reporting_org=organisation, countries=[]
    )
    return _rewrite(
        activity,
        recipient_regions=[
            {
                "code": dac_code,
                "vocabulary": "1",
                "vocabulary_uri": None,
                "percentage": None,
                "narrative": {},
            }
        ],
    )


@pytest.fixture
def americas(idb: Organisation, imf: Organisation) -> dict[str, Activity]:
    """An IDB activity in the Dominican Republic, with the IMF implementing it; an IMF
    programme for the West Indies (DAC 380: the Dominican Republic, Jamaica, ...)."""
    national = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-DO-1", reporting_org=idb, title={"en": "Risk management in DO"}
    )
    national = _rewrite(
        national, participating_orgs=[*national.data["participating_orgs"], _participant(imf)]
    )
    regional = _regional("XM-DAC-43000-WI-1", imf, "380")
    return {"national": national, "regional": regional}


def _get(client: Client, url: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _partners(html: str) -> dict[str, str]:
    """The partners-active table: organisation name -> its figure."""
    import re

    table = re.search(r'<table class="list" id="partners-active">(.*?)</table>', html, re.S)
    assert table is not None, "no partners table"
    rows = re.findall(
        r"<tr><td><a [^>]*>([^<]+)</a>.*?<td class=\"num\">(.*?)</td>", table[1], re.S
    )
    return {name: re.sub(r"<[^>]+>", "", figure) for name, figure in rows}


def test_a_region_counts_national_and_regional_activities_and_their_partners(
    client: Client, americas: dict[str, Activity]
) -> None:
    html = _get(client, reverse("region-detail", args=["AMC"]))
    assert "2 activities" in html
    assert "Risk management in DO" in html and "Title of XM-DAC-43000-WI-1" in html
    assert 'href="/activities/?region=AMC"' in html
    partners = _partners(html)
    # The IMF reports one and takes part in the other; the IDB reports one.
    assert partners == {"International Monetary Fund": "2", "Inter-American Development Bank": "1"}
    # Each figure links to the list of the partner's activities in the region.
    assert 'href="/activities/?region=AMC&amp;partner=imf"' in html


@pytest.mark.parametrize("few_holders", [selectors.FEW_HOLDERS, 0], ids=["few", "many"])
def test_a_member_counts_the_regional_activities_covering_it(
    client: Client,
    americas: dict[str, Activity],
    few_holders: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whether the member's activities are found from the codes' rows or by testing each.
    monkeypatch.setattr(selectors, "FEW_HOLDERS", few_holders)
    dominican = Member.objects.get(iso_code="DO")
    html = _get(client, reverse("member-detail", args=[dominican.pk]))
    assert "2 activities" in html
    assert "including 1 regional activity whose recipient region covers it" in html
    # The list's country filter shows those naming it: the link says how many.
    assert 'href="/activities/?country=DO"' in html
    assert "See the 1 activity naming it as a recipient country in the activity list" in html
    assert _partners(html) == {
        "International Monetary Fund": "2",
        "Inter-American Development Bank": "1",
    }
    jamaica = Member.objects.get(iso_code="JM")
    html = _get(client, reverse("member-detail", args=[jamaica.pk]))
    assert "1 activity" in html and "Title of XM-DAC-43000-WI-1" in html
    assert "Risk management in DO" not in html
    brazil = Member.objects.get(iso_code="BR")  # not in the West Indies
    assert "No activity that you may see." in _get(
        client, reverse("member-detail", args=[brazil.pk])
    )


def test_an_organisation_and_a_provision_list_their_activities(
    client: Client, americas: dict[str, Activity]
) -> None:
    html = _get(client, reverse("organisation-detail", args=["imf"]))
    assert "2 activities" in html and 'href="/activities/?partner=imf"' in html
    html = _get(client, reverse("organisation-detail", args=["idb"]))
    assert "1 activity" in html and "Risk management in DO" in html
    provision = Provision.objects.get(code="TFA-7.4")
    ActivityProvision.objects.create(activity=americas["national"], provision=provision)
    html = _get(client, reverse("provision-detail", args=["TFA-7.4"]))
    assert "1 activity" in html and "Risk management in DO" in html
    assert 'href="/activities/?provision=TFA-7.4"' in html
    html = _get(client, reverse("provision-detail", args=["TFA-1.1"]))
    assert "No activity that you may see." in html


def test_activities_decided_not_relevant_are_left_out(
    americas: dict[str, Activity], idb: Organisation
) -> None:
    Activity.objects.filter(pk=americas["regional"].pk).update(is_relevant=False)
    Activity.objects.filter(pk=americas["national"].pk).update(is_relevant=True)
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-DO-2", reporting_org=idb
    )  # not assessed yet: counted
    summary = activity_summary(user=None, filters=ActivityFilters(region="AMC"))
    assert summary.count == 2
    assert {activity.iati_identifier for activity in summary.latest} == {
        "XM-DAC-909-DO-1",
        "XM-DAC-909-DO-2",
    }


@pytest.mark.parametrize("few_holders", [selectors.FEW_HOLDERS, 0], ids=["few", "many"])
def test_the_summary_holds_visibility_and_leaves_withdrawn_out(
    idb: Organisation,
    partner_editor: User,
    other_partner_editor: User,
    few_holders: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.utils import timezone

    monkeypatch.setattr(selectors, "FEW_HOLDERS", few_holders)
    ImportedActivityFactory(iati_identifier="XM-DAC-909-PUB", reporting_org=idb)
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-WCO", reporting_org=idb, visibility=Visibility.WCO
    )
    gone = ImportedActivityFactory(iati_identifier="XM-DAC-909-GONE", reporting_org=idb)
    Activity.objects.filter(pk=gone.pk).update(withdrawn_at=timezone.now())
    filters = ActivityFilters(country="DO")

    def count(user: User | None) -> int:
        return activity_summary(user=user, filters=filters, covering="DO").count

    assert count(None) == 1
    assert count(other_partner_editor) == 1
    assert count(partner_editor) == 2  # its own organisation's, at every level


def test_the_count_stops_at_the_lists_limit(
    idb: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbcoord.core import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)
    for number in range(3):
        ImportedActivityFactory(iati_identifier=f"XM-DAC-909-MANY-{number}", reporting_org=idb)
    summary = activity_summary(user=None, filters=ActivityFilters(region="AMC"), with_partners=True)
    assert (summary.count, summary.count_exact) == (2, False)
    assert summary.partners[0].activities == 2  # among the most recently updated


@pytest.mark.parametrize(
    "url_of",
    [
        lambda: reverse("region-detail", args=["AMC"]),
        lambda: reverse("member-detail", args=[Member.objects.get(iso_code="DO").pk]),
        lambda: reverse("organisation-detail", args=["idb"]),
        lambda: reverse("provision-detail", args=["TFA-7.4"]),
    ],
    ids=["region", "member", "organisation", "provision"],
)
def test_a_page_costs_the_same_queries_whatever_its_activities(
    client: Client, idb: Organisation, imf: Organisation, partner_editor: User, url_of: Any
) -> None:
    provision = Provision.objects.get(code="TFA-7.4")
    client.force_login(partner_editor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _get(client, url_of())
        return len(captured)

    def add(number: int) -> None:
        for index in range(number):
            activity = ImportedActivityFactory(
                iati_identifier=f"XM-DAC-909-Q-{Activity.objects.count()}-{index}",
                reporting_org=idb,
            )
            activity = _rewrite(
                activity,
                participating_orgs=[*activity.data["participating_orgs"], _participant(imf)],
            )
            ActivityProvision.objects.create(activity=activity, provision=provision)

    add(1)
    _get(client, url_of())  # the first request warms the session and the caches
    few = queries()
    add(7)
    assert queries() == few
