"""The review queue of provision tags and the relevance switch of the activity list, by page
and API (who may review at all: ``test_doors``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cbcoord.activities import services
from cbcoord.activities.models import Activity, ActivityProvision, TagStatus
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

HOSTILE = '<script>alert("x")</script> Customs single window'


@pytest.fixture
def tagged(reference: None, idb: Organisation, imf: Organisation) -> dict[str, Activity]:
    """An IDB and an IMF activity, tagged by the rules (each suggests TFA-10.4), and an IDB
    one the rules find not relevant."""
    found = {
        "idb": ImportedActivityFactory(
            iati_identifier="XM-DAC-909-SW", reporting_org=idb, title={"en": HOSTILE}
        ),
        "imf": ImportedActivityFactory(
            iati_identifier="44000-SW", reporting_org=imf, title={"en": "Customs single window"}
        ),
        "health": ImportedActivityFactory(
            iati_identifier="XM-DAC-909-HEALTH",
            reporting_org=idb,
            title={"en": "Rural maternal health clinics"},
        ),
    }
    for activity in found.values():
        activity.data["descriptions"] = [
            {"type": "1", "narratives": {"en": activity.data["title"]["en"]}}
        ]
        activity.save()
    services.activities_retag(activity_ids=[activity.pk for activity in found.values()])
    for activity in found.values():
        activity.refresh_from_db()
    return found


def tag_of(activity: Activity, code: str = "TFA-10.4") -> ActivityProvision:
    return ActivityProvision.objects.get(activity=activity, provision__code=code)


# --------------------------------------------------------------------------- the list


def test_the_list_shows_relevant_and_unassessed_activities_unless_asked_for_all(
    tagged: dict[str, Activity], idb: Organisation, client_for: Callable[[Any], Client]
) -> None:
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-NEW", reporting_org=idb, title={"en": "Not assessed yet"}
    )
    client = client_for(None)
    default = client.get("/activities/").content.decode()
    assert "XM-DAC-909-SW" in default and "XM-DAC-909-NEW" in default
    assert "XM-DAC-909-HEALTH" not in default
    everything = client.get("/activities/?relevance=all").content.decode()
    assert "XM-DAC-909-HEALTH" in everything and "XM-DAC-909-SW" in everything
    only_not = client.get("/activities/?relevance=not_relevant").content.decode()
    assert "XM-DAC-909-HEALTH" in only_not and "XM-DAC-909-SW" not in only_not
    api = client.get("/api/activities").json()
    assert "XM-DAC-909-HEALTH" not in {item["iati_identifier"] for item in api["items"]}
    api_all = client.get("/api/activities?relevance=all").json()
    assert "XM-DAC-909-HEALTH" in {item["iati_identifier"] for item in api_all["items"]}


def test_a_rejected_tag_does_not_count_for_the_provision_filter(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    services.activity_tag_reject(user=secretariat, tag=tag_of(tagged["imf"]))
    html = client_for(None).get("/activities/?provision=TFA-10.4").content.decode()
    assert "XM-DAC-909-SW" in html and "44000-SW" not in html


# --------------------------------------------------------------------------- the queue page


def test_the_queue_lists_suggested_tags_with_their_evidence_escaped(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    response = client_for(secretariat).get("/activities/tags/review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "XM-DAC-909-SW" in html and "44000-SW" in html
    assert "TFA-10.4" in html
    assert "single window" in html  # the evidence
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_a_partner_editor_reviews_only_their_organisations_activities(
    tagged: dict[str, Activity], partner_editor: Any, client_for: Callable[[Any], Client]
) -> None:
    html = client_for(partner_editor).get("/activities/tags/review/").content.decode()
    assert "XM-DAC-909-SW" in html and "44000-SW" not in html
    api = client_for(partner_editor).get("/api/activity-tags/review").json()
    assert [item["iati_identifier"] for item in api["items"]] == ["XM-DAC-909-SW"]


def test_the_queue_filters_by_status_and_instrument(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    services.activity_tag_confirm(user=secretariat, tag=tag_of(tagged["idb"]))
    client = client_for(secretariat)
    suggested = client.get("/activities/tags/review/").content.decode()
    assert "XM-DAC-909-SW" not in suggested and "44000-SW" in suggested
    confirmed = client.get("/activities/tags/review/?status=confirmed").content.decode()
    assert "XM-DAC-909-SW" in confirmed and "44000-SW" not in confirmed
    assert "44000-SW" not in client.get("/activities/tags/review/?instrument=RKC").content.decode()
    unknown = client.get("/activities/tags/review/?provision=NOPE-1").content.decode()
    assert "unknown provision" in unknown


def test_confirm_and_reject_by_htmx_answer_with_the_tags_row(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    tag = tag_of(tagged["idb"])
    response = client.post(f"/activities/tags/{tag.pk}/confirm/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="tag-{tag.pk}"' in response.content.decode()
    tag.refresh_from_db()
    assert (tag.status, tag.reviewed_by) == (TagStatus.CONFIRMED, secretariat)
    assert tag.reviewed_at is not None

    response = client.post(f"/activities/tags/{tag.pk}/reject/")
    assert response.status_code == 302
    assert response["Location"] == "/activities/XM-DAC-909-SW/"
    tag.refresh_from_db()
    assert tag.status == TagStatus.REJECTED


def test_a_form_returns_only_to_a_page_of_this_site(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    tag = tag_of(tagged["idb"])
    response = client_for(secretariat).post(
        f"/activities/tags/{tag.pk}/confirm/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/activities/XM-DAC-909-SW/"
    response = client_for(secretariat).post(
        f"/activities/tags/{tag.pk}/reject/", {"next": "/activities/tags/review/?page=1"}
    )
    assert response["Location"] == "/activities/tags/review/?page=1"


def test_a_manual_tag_and_a_relevance_decision_from_the_activity_page(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    page = client.get("/activities/XM-DAC-909-SW/").content.decode()
    assert 'id="relevance"' in page and "TFA-10.4" in page
    assert "<script>alert" not in page
    response = client.post("/activities/XM-DAC-909-SW/tags/", {"provision": "TFA-7.4 Risk"})
    assert response.status_code == 302
    added = tag_of(tagged["idb"], "TFA-7.4")
    assert (added.status, added.source) == (TagStatus.CONFIRMED, "manual")

    client.post("/activities/XM-DAC-909-SW/tags/", {"provision": "NOPE-1"})
    assert ActivityProvision.objects.filter(activity=tagged["idb"]).count() == 2

    client.post(
        "/activities/XM-DAC-909-HEALTH/relevance/",
        {"relevant": "yes", "reason": "<b>Border</b> health posts"},
    )
    health = Activity.objects.get(pk=tagged["health"].pk)
    assert (health.is_relevant, health.relevance_decided_by) == (True, "person")
    page = client.get("/activities/XM-DAC-909-HEALTH/").content.decode()
    assert "&lt;b&gt;Border&lt;/b&gt; health posts" in page


# --------------------------------------------------------------------------- the API


def test_the_api_reads_reviews_and_adds_tags(
    tagged: dict[str, Activity], secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    read = client.get("/api/activities/XM-DAC-909-SW/tags").json()
    assert read["is_relevant"] is True and read["relevance_decided_by"] == "rules"
    window = next(item for item in read["tags"] if item["provision"] == "TFA-10.4")
    assert window["status"] == "suggested" and window["source"] == "rules"
    assert window["confidence"] > 0 and window["evidence"]

    queue = client.get("/api/activity-tags/review").json()
    assert {item["iati_identifier"] for item in queue["items"]} == {"XM-DAC-909-SW", "44000-SW"}
    assert queue["count"] == 2

    confirmed = client.post(f"/api/activity-tags/{window['id']}/confirm").json()
    assert (confirmed["status"], confirmed["reviewed_by"]) == ("confirmed", secretariat.username)
    rejected = client.post(f"/api/activity-tags/{window['id']}/reject").json()
    assert rejected["status"] == "rejected"

    added = client.post(
        "/api/activities/XM-DAC-909-SW/tags",
        {"provision": "TFA-7.4"},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["source"] == "manual"
    unknown = client.post(
        "/api/activities/XM-DAC-909-SW/tags",
        {"provision": "NOPE-1"},
        content_type="application/json",
    )
    assert unknown.status_code == 400

    decided = client.post(
        "/api/activities/XM-DAC-909-HEALTH/relevance",
        {"relevant": True, "reason": "Border health posts."},
        content_type="application/json",
    ).json()
    assert decided["is_relevant"] is True and decided["relevance_decided_by"] == "person"
    no_reason = client.post(
        "/api/activities/XM-DAC-909-HEALTH/relevance",
        {"relevant": False},
        content_type="application/json",
    )
    assert no_reason.status_code == 400


@pytest.mark.parametrize(
    ("role", "page", "api"),
    [
        ("secretariat", 200, 200),
        ("partner_editor", 200, 200),
        ("other_partner_editor", 200, 200),
        ("member_editor", 403, 403),
        ("viewer", 403, 403),
        ("anonymous", 302, 401),
    ],
)
def test_who_opens_the_queue(
    role: str,
    page: int,
    api: int,
    tagged: dict[str, Activity],
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
) -> None:
    client = client_for(personas[role])
    assert client.get("/activities/tags/review/").status_code == page
    assert client.get("/api/activity-tags/review").status_code == api


def test_an_iati_file_holds_every_activity_unless_the_list_asks(
    tagged: dict[str, Activity], client_for: Callable[[Any], Client]
) -> None:
    client = client_for(None)
    everything = b"".join(client.get("/activities/export.xml").streaming_content).decode()
    assert "XM-DAC-909-HEALTH" in everything and "XM-DAC-909-SW" in everything
    page = client.get("/activities/").content.decode()
    assert "/activities/export.xml?relevance=relevant" in page
    listed = client.get("/activities/export.xml?relevance=relevant")
    listed_xml = b"".join(listed.streaming_content).decode()
    assert "XM-DAC-909-HEALTH" not in listed_xml and "XM-DAC-909-SW" in listed_xml
