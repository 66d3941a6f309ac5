"""The matching rules: place (recipient country, covering recipient region), provision (same,
one above, one below, cross-walk), time (overlapping, touching, open), what is never
suggested, ranking, and the same rule read from the activity's side."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity, Visibility
from cbcoord.needs import services
from cbcoord.needs.matching import needs_for_activity, suggestions_for_need
from cbcoord.needs.models import LinkState, Need, NeedStatus
from cbcoord.registry.models import Organisation
from tests.factories import NeedFactory
from tests.needs.helpers import tagged_activity

pytestmark = pytest.mark.django_db

WINDOW = {"window_start": dt.date(2024, 3, 1), "window_end": dt.date(2024, 12, 31)}


def _suggested(need: Need, user: Any = SYSTEM) -> dict[str, Any]:
    return {
        s.activity.iati_identifier: s
        for s in suggestions_for_need(need, user=user, limit=None)
        if s.activity is not None
    }


def _kinds(suggestion: Any) -> list[str]:
    return [reason.kind for reason in suggestion.reasons]


def test_same_member_country(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    tagged_activity("XM-DAC-909-M-DO", idb, ("TFA-7.4",), countries=["DO"])
    tagged_activity("XM-DAC-909-M-JM", idb, ("TFA-7.4",), countries=["JM"])
    found = _suggested(need)
    assert set(found) == {"XM-DAC-909-M-DO"}
    suggestion = found["XM-DAC-909-M-DO"]
    assert _kinds(suggestion) == ["same", "country", "dates"]
    assert suggestion.score == 100
    assert [reason.text for reason in suggestion.reasons][:2] == [
        "Same provision: TFA-7.4",
        "Recipient country: DO",
    ]


def test_regional_activity_whose_region_covers_the_member(
    reference: None, idb: Organisation
) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    tagged_activity("XM-DAC-909-M-WI", idb, ("TFA-7.4",), countries=[], dac_regions=["380"])
    tagged_activity("XM-DAC-909-M-SA", idb, ("TFA-7.4",), countries=[], dac_regions=["489"])
    found = _suggested(need)
    assert set(found) == {"XM-DAC-909-M-WI"}
    assert _kinds(found["XM-DAC-909-M-WI"]) == ["same", "region", "dates"]
    assert found["XM-DAC-909-M-WI"].reasons[1].detail == "380"
    assert found["XM-DAC-909-M-WI"].score == 85


def test_one_above_and_one_below_in_the_hierarchy(reference: None, idb: Organisation) -> None:
    measure_need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    article_need = NeedFactory(
        member="DO", provisions=("TFA-7",), description="Release of goods.", **WINDOW
    )
    tagged_activity("XM-DAC-909-M-ART", idb, ("TFA-7",), countries=["DO"])
    tagged_activity("XM-DAC-909-M-MEAS", idb, ("TFA-7.4",), countries=["DO"])
    tagged_activity("XM-DAC-909-M-SIB", idb, ("TFA-7.5",), countries=["DO"])
    tagged_activity("XM-DAC-909-M-OTHER", idb, ("TFA-1.1",), countries=["DO"])
    above = _suggested(measure_need)
    assert set(above) == {"XM-DAC-909-M-ART", "XM-DAC-909-M-MEAS"}
    assert _kinds(above["XM-DAC-909-M-ART"])[0] == "broader"
    below = _suggested(article_need)
    assert set(below) == {"XM-DAC-909-M-ART", "XM-DAC-909-M-MEAS", "XM-DAC-909-M-SIB"}
    assert _kinds(below["XM-DAC-909-M-MEAS"])[0] == "narrower"
    assert below["XM-DAC-909-M-ART"].score > below["XM-DAC-909-M-MEAS"].score


def test_instrument_cross_walk(reference: None, idb: Organisation) -> None:
    need = NeedFactory(
        member="DO", provisions=("RKC-GA-6.3",), **WINDOW
    )  # linked to TFA-7.4 by the cross-walk
    tagged_activity("XM-DAC-909-M-CW", idb, ("TFA-7.4",), countries=["DO"])
    found = _suggested(need)
    assert _kinds(found["XM-DAC-909-M-CW"])[0] == "crosswalk"
    assert found["XM-DAC-909-M-CW"].reasons[0].activity_code == "TFA-7.4"


@pytest.mark.parametrize(
    ("start", "end", "suggested", "kind"),
    [
        ("2023-01-01", "2024-02-29", False, None),  # ended the day before the window
        ("2023-01-01", "2024-03-01", True, "dates"),  # ends the day the window opens
        ("2024-12-31", "2026-06-30", True, "dates"),  # starts the day the window closes
        ("2025-01-01", "2026-06-30", False, None),  # starts after the window
        ("2024-05-01", "2024-06-01", True, "dates"),  # inside
        ("2020-01-01", None, True, "open"),  # open end
        (None, "2024-06-30", True, "open"),  # open start
        (None, None, True, "open"),  # no dates at all
        ("2025-06-01", None, False, None),  # open end, but starts after the window
    ],
)
def test_dates_overlap_touch_or_are_open(
    reference: None,
    idb: Organisation,
    start: str | None,
    end: str | None,
    suggested: bool,
    kind: str | None,
) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    activity = tagged_activity("XM-DAC-909-M-T", idb, ("TFA-7.4",), countries=["DO"])
    Activity.objects.filter(pk=activity.pk).update(
        start_date=dt.date.fromisoformat(start) if start else None,
        end_date=dt.date.fromisoformat(end) if end else None,
    )
    found = _suggested(need)
    assert ("XM-DAC-909-M-T" in found) is suggested
    if suggested:
        assert _kinds(found["XM-DAC-909-M-T"])[-1] == kind


def test_without_a_window_the_date_identified_opens_it(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), identified_on=dt.date(2024, 3, 1))
    tagged_activity("XM-DAC-909-M-OLD", idb, ("TFA-7.4",), start="2020-01-01", end="2021-12-31")
    tagged_activity("XM-DAC-909-M-NEW", idb, ("TFA-7.4",), start="2026-01-01", end="2027-12-31")
    assert set(_suggested(need)) == {"XM-DAC-909-M-NEW"}


def test_withdrawn_cancelled_and_unreadable_activities_are_not_suggested(
    reference: None, idb: Organisation, imf: Organisation, partner_editor: Any
) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), visibility="public", **WINDOW)
    withdrawn = tagged_activity("XM-DAC-909-M-W", idb, ("TFA-7.4",))
    Activity.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    tagged_activity("XM-DAC-909-M-X", idb, ("TFA-7.4",), status="5")
    tagged_activity("XM-DAC-909-M-OK", idb, ("TFA-7.4",))
    tagged_activity("XM-DAC-43000-M-WCO", imf, ("TFA-7.4",), visibility=Visibility.WCO)
    assert set(_suggested(need)) == {"XM-DAC-909-M-OK", "XM-DAC-43000-M-WCO"}
    assert set(_suggested(need, partner_editor)) == {"XM-DAC-909-M-OK"}


def test_ranked_by_score_then_latest_start(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    tagged_activity("XM-DAC-909-R-REGION", idb, ("TFA-7.4",), countries=[], dac_regions=["389"])
    tagged_activity("XM-DAC-909-R-OLDER", idb, ("TFA-7.4",), start="2023-01-01")
    tagged_activity("XM-DAC-909-R-NEWER", idb, ("TFA-7.4",), start="2024-02-01")
    tagged_activity("XM-DAC-909-R-BROAD", idb, ("TFA-7",))
    order = [s.activity.iati_identifier for s in suggestions_for_need(need, user=SYSTEM)]
    assert order == [
        "XM-DAC-909-R-NEWER",
        "XM-DAC-909-R-OLDER",
        "XM-DAC-909-R-REGION",
        "XM-DAC-909-R-BROAD",
    ]


def test_more_provisions_matched_score_more(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4", "TFA-7.5"), **WINDOW)
    tagged_activity("XM-DAC-909-P-BOTH", idb, ("TFA-7.4", "TFA-7.5"))
    tagged_activity("XM-DAC-909-P-ONE", idb, ("TFA-7.5",))
    found = _suggested(need)
    assert found["XM-DAC-909-P-BOTH"].score == found["XM-DAC-909-P-ONE"].score + 5
    assert _kinds(found["XM-DAC-909-P-BOTH"])[:2] == ["same", "extra"]


def test_decided_activities_leave_the_suggestions(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    confirmed = tagged_activity("XM-DAC-909-D-YES", idb, ("TFA-7.4",))
    rejected = tagged_activity("XM-DAC-909-D-NO", idb, ("TFA-7.4",))
    tagged_activity("XM-DAC-909-D-OPEN", idb, ("TFA-7.4",))
    services.link_decide(user=SYSTEM, need=need, activity=confirmed, state=LinkState.CONFIRMED)
    services.link_decide(user=SYSTEM, need=need, activity=rejected, state=LinkState.REJECTED)
    assert set(_suggested(need)) == {"XM-DAC-909-D-OPEN"}
    everything = suggestions_for_need(need, user=SYSTEM, include_decided=True)
    assert {s.activity.iati_identifier: s.state for s in everything} == {
        "XM-DAC-909-D-YES": "confirmed",
        "XM-DAC-909-D-NO": "rejected",
        "XM-DAC-909-D-OPEN": "suggested",
    }


def test_closed_needs_get_no_suggestions(reference: None, idb: Organisation) -> None:
    need = NeedFactory(member="DO", provisions=("TFA-7.4",), status=NeedStatus.MET, **WINDOW)
    tagged_activity("XM-DAC-909-C-1", idb, ("TFA-7.4",))
    assert suggestions_for_need(need, user=SYSTEM) == []


def test_needs_for_an_activity_read_the_same_rule(reference: None, idb: Organisation) -> None:
    dominican = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    jamaican = NeedFactory(member="JM", provisions=("RKC-GA-6.3",), **WINDOW)
    broader = NeedFactory(
        member="DO", provisions=("TFA-7",), description="Release of goods.", **WINDOW
    )
    NeedFactory(
        member="DO", provisions=("TFA-1.1",), description="Publication.", **WINDOW
    )  # other provision
    NeedFactory(
        member="HN", provisions=("TFA-7.4",), description="Honduras.", **WINDOW
    )  # not covered
    late = NeedFactory(
        member="DO", provisions=("TFA-7.4",), description="Later.", window_start=dt.date(2027, 1, 1)
    )
    activity = tagged_activity(
        "XM-DAC-909-A-1", idb, ("TFA-7.4",), countries=["DO"], dac_regions=["1031"]
    )
    matches = needs_for_activity(activity, user=SYSTEM)
    # 100 (same, country), 85 (narrower, country), 75 (cross-walk, region)
    assert [m.need.key for m in matches] == [dominican.key, broader.key, jamaican.key]
    for match in matches:
        (mirror,) = [
            s
            for s in suggestions_for_need(match.need, user=SYSTEM, limit=None)
            if s.activity_id == activity.pk
        ]
        assert (mirror.score, mirror.reasons) == (match.score, match.reasons)
    assert late.key not in {m.need.key for m in matches}


def test_needs_for_an_activity_respect_need_visibility(
    reference: None, idb: Organisation, partner_editor: Any
) -> None:
    NeedFactory(member="DO", provisions=("TFA-7.4",), visibility="wco", **WINDOW)
    shown = NeedFactory(
        member="DO",
        provisions=("TFA-7.4",),
        description="Public one.",
        visibility="public",
        **WINDOW,
    )
    activity = tagged_activity("XM-DAC-909-A-2", idb, ("TFA-7.4",))
    assert [m.need.key for m in needs_for_activity(activity, user=partner_editor)] == [shown.key]


def test_rejected_tags_and_activities_not_relevant_are_not_suggested(
    reference: None, idb: Organisation
) -> None:
    """A coordinator's rejected tag says the activity does not support the provision; an
    activity decided not relevant is out of the lists, and out of the suggestions."""
    from cbcoord.activities.models import ActivityProvision, TagStatus

    need = NeedFactory(member="DO", provisions=("TFA-7.4",), **WINDOW)
    rejected = tagged_activity("XM-DAC-909-M-REJ", idb, ("TFA-7.4",))
    ActivityProvision.objects.filter(activity=rejected).update(status=TagStatus.REJECTED)
    other = tagged_activity("XM-DAC-909-M-NOT", idb, ("TFA-7.4",))
    Activity.objects.filter(pk=other.pk).update(is_relevant=False)
    tagged_activity("XM-DAC-909-M-OK", idb, ("TFA-7.4",))  # not assessed: counts
    assert set(_suggested(need)) == {"XM-DAC-909-M-OK"}


def test_candidates_are_found_from_the_provisions_index(reference: None, idb: Organisation) -> None:
    """SQLite: the tags of the needs' provisions are read from the provision's index, each
    then looked up among the readable activities; never every readable activity × provision
    pair looked up in the (activity, provision) index (1.1 s for a region's gaps at 100,000
    activities, once status rode along in the activities' order indexes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cbcoord.activities.selectors import activity_visible
    from cbcoord.needs.matching import _provisions_of_activities

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plans")
    activity = tagged_activity("XM-DAC-909-PLAN", idb, ("TFA-7.4", "TFA-10.4"), countries=["DO"])
    provision_ids = set(activity.provision_links.values_list("provision_id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        found = _provisions_of_activities(activity_visible(None), provision_ids)
    assert found == {activity.pk: sorted(provision_ids)}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[-1]["sql"])
        plan = "\n".join(row[-1] for row in cursor.fetchall())
    assert "provision_id" in plan and "(activity_id=? AND provision_id=?)" not in plan, plan


def test_the_crosswalk_is_read_once_for_every_provision(reference: None) -> None:
    """Two queries for the whole catalogue, however many provisions are asked about (it was
    one per provision: 41 of a page of gaps' 61)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cbcoord.frameworks.models import Provision, ProvisionLink
    from cbcoord.needs.matching import _Catalogue

    link = ProvisionLink.objects.select_related("from_provision", "to_provision").first()
    assert link is not None  # the reference cross-walk
    with CaptureQueriesContext(connection) as captured:
        catalogue = _Catalogue.load()
        for pk in Provision.objects.values_list("pk", flat=True)[:50]:
            catalogue.crosswalk(pk)
        # Both ways: each end finds the other.
        assert link.to_provision_id in catalogue.crosswalk(link.from_provision_id)
        assert link.from_provision_id in catalogue.crosswalk(link.to_provision_id)
    assert len(captured.captured_queries) == 3  # provisions, cross-walk, the 50 ids above
