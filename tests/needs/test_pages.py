"""The needs pages and API: list with filters and htmx, detail with the three voices and the
suggestions, forms with every error at once, the member and activity pages, the TFA matrix,
and the API's answers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from cbcoord.accounts.actors import SYSTEM
from cbcoord.frameworks.models import Provision
from cbcoord.needs import services
from cbcoord.needs.models import LinkState, Need
from cbcoord.registry.models import Organisation
from tests.factories import NeedFactory, member
from tests.needs.helpers import tagged_activity

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def scene(reference: None, idb: Organisation) -> dict[str, Any]:
    need = NeedFactory(
        member="DO",
        provisions=("TFA-10.4",),
        visibility="public",
        window_start=dt.date(2024, 1, 1),
        recorded_by_organisation=idb,
    )
    other = NeedFactory(
        member="JM", provisions=("TFA-7.4",), description="Risk in Jamaica.", visibility="public"
    )
    activity = tagged_activity("XM-DAC-909-P-SW", idb, ("TFA-10.4",), title={"en": "Window"})
    return {"need": need, "other": other, "activity": activity}


def test_list_filters_and_htmx(scene: dict[str, Any]) -> None:
    client = _client()
    page = client.get("/needs/?member=DO").content.decode()
    assert scene["need"].key in page and scene["other"].key not in page
    assert 'href="/exports/needs.csv?member=DO"' in page
    partial = client.get(
        "/needs/?member=JM", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="need-results"
    ).content.decode()
    assert "<form" not in partial and scene["other"].key in partial


def test_list_names_what_it_cannot_use(scene: dict[str, Any]) -> None:
    page = _client().get("/needs/?region=ZZZ&priority=urgent&provision=TFA-99").content.decode()
    problems = re.search(r'id="filter-problems">(.*?)</ul>', page, re.S)
    assert problems is not None
    assert "region=ZZZ" in problems.group(1)
    assert "priority=urgent" in problems.group(1)
    assert "provision=TFA-99" in problems.group(1)


def test_detail_shows_the_three_voices_and_ranked_suggestions(
    scene: dict[str, Any], partner_editor: Any, other_partner_editor: Any
) -> None:
    need = scene["need"]
    page = _client(partner_editor).get(f"/needs/{need.key}/").content.decode()
    assert 'id="voice-partner"' in page and 'id="voice-member"' in page
    assert 'id="voice-wco"' in page
    assert "Inter-American Development Bank reported this need." in page
    assert "has not yet confirmed or disputed this need" in page
    assert "XM-DAC-909-P-SW" in page and "Same provision: TFA-10.4" in page
    assert 'name="state" value="confirmed"' in page  # IDB reports the activity
    other = _client(other_partner_editor).get(f"/needs/{need.key}/").content.decode()
    assert "XM-DAC-909-P-SW" in other and 'value="confirmed"' not in other


def test_confirming_shows_on_every_side(
    scene: dict[str, Any], partner_editor: Any, member_editor: Any, secretariat: Any
) -> None:
    need = scene["need"]
    response = _client(partner_editor).post(
        f"/needs/{need.key}/links/", {"activity": "XM-DAC-909-P-SW", "state": "confirmed"}
    )
    assert response.status_code == 302
    page = _client(member_editor).get(f"/needs/{need.key}/").content.decode()
    assert "confirms that its activity XM-DAC-909-P-SW supports this need" in page
    assert 'id="need-status">Supported' in page
    assert f'action="/needs/{need.key}/delivery/"' in page
    assert 'id="position-form"' in page
    history = _client(secretariat).get(f"/needs/{need.key}/").content.decode()
    assert 'class="history"' in history
    assert 'class="history"' not in page
    activity_page = _client(member_editor).get("/activities/XM-DAC-909-P-SW/").content.decode()
    assert 'id="activity-needs"' in activity_page and need.key in activity_page


def test_form_shows_every_error_at_once(reference: None, secretariat: Any) -> None:
    response = _client(secretariat).post(
        "/needs/new/",
        {
            "member": str(member("DO").pk),
            "provisions": [],
            "description": "",
            "priority": "high",
            "source": "",
            "identified_on": "2024-13-45",
            "status": "identified",
            "estimated_cost": "100",
            "evidence_links": "ftp://example.org/report",
            "window_start": "2025-01-01",
            "window_end": "2024-01-01",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {
        "provisions",
        "description",
        "source",
        "identified_on",
        "currency",
        "evidence_links",
        "window_end",
    }
    assert not Need.objects.exists()


def test_member_editor_form_offers_only_their_member(reference: None, member_editor: Any) -> None:
    response = _client(member_editor).get("/needs/new/")
    choices = list(response.context["form"].fields["member"].queryset)
    assert [m.iso_code for m in choices] == ["DO"]
    assert "wco_comment" not in response.context["form"].fields


def test_member_page_has_a_needs_section(scene: dict[str, Any]) -> None:
    page = _client().get(f"/members/{scene['need'].member_id}/").content.decode()
    section = re.search(r'id="member-needs">(.*?)</section>', page, re.S)
    assert section is not None and scene["need"].key in section.group(1)
    assert scene["other"].key not in section.group(1)


def test_tfa_matrix_highlights_unsupported_category_c(reference: None, idb: Any) -> None:
    for iso, measure, category in (("DO", "10.2", "C"), ("DO", "7.4", "C"), ("JM", "1.1", "B")):
        services.tfa_commitment_save(
            user=SYSTEM,
            member=member(iso),
            measure=Provision.objects.get(code=f"TFA-{measure}"),
            category=category,
            values={
                "indicative_date": dt.date(2021, 12, 31),
                "definitive_date": dt.date(2023, 6, 1),
            },
        )
    supported = Need.objects.get(tfa_commitment__measure__code="TFA-7.4")
    activity = tagged_activity("XM-DAC-909-P-RM", idb, ("TFA-7.4",))
    services.link_decide(user=SYSTEM, need=supported, activity=activity, state=LinkState.CONFIRMED)
    page = _client().get("/needs/tfa/?region=AMC").content.decode()
    cells = dict(re.findall(r'<td class="([^"]*)" data-measure="(TFA-[\d.]+)"', page))
    flipped = {measure: classes for classes, measure in cells.items()}
    assert "unsupported" in flipped["TFA-10.2"]
    assert "unsupported" not in flipped["TFA-7.4"]
    assert flipped["TFA-1.1"] == "cat-B"
    assert "2021-12 → 2023-06" in page
    assert "has not been checked" in page


def test_api_lists_reads_and_refuses_with_every_field(
    scene: dict[str, Any], secretariat: Any
) -> None:
    client = _client(secretariat)
    listed = client.get("/api/needs?member=JM").json()
    assert [item["key"] for item in listed["items"]] == [scene["other"].key]
    assert client.get("/api/needs?region=ZZZ").status_code == 400
    detail = client.get(f"/api/needs/{scene['need'].key}").json()
    assert detail["provisions"] == ["TFA-10.4"] and detail["member"] == "DO"
    assert detail["status_history"][0]["status"] == "identified"
    suggestions = client.get(f"/api/needs/{scene['need'].key}/suggestions").json()
    assert suggestions[0]["activity"] == "XM-DAC-909-P-SW" and suggestions[0]["score"] == 100
    assert [r["kind"] for r in suggestions[0]["reasons"]] == ["same", "country", "dates"]
    matches = client.get("/api/need-matches?activity=XM-DAC-909-P-SW").json()
    assert [m["need"] for m in matches] == [scene["need"].key]
    refused = client.post(
        "/api/needs",
        {"member": "DO", "provisions": ["TFA-99"], "description": "", "source": "rumour"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    detail_text = refused.json()["detail"]
    for field in ("provisions", "description", "source"):
        assert field in detail_text


def test_openapi_documents_the_needs_routes(reference: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    for path in (
        "/api/needs",
        "/api/needs/{key}",
        "/api/needs/{key}/position",
        "/api/needs/{key}/suggestions",
        "/api/needs/{key}/links",
        "/api/needs/{key}/delivery",
        "/api/need-matches",
        "/api/tfa-commitments",
    ):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/needs"]["get"]["parameters"]}
    assert {"region", "member", "provision", "instrument", "priority", "status"} <= parameters
