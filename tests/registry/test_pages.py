"""Every registry page renders in each language, with the data on it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cbcoord.registry.models import Member, Organisation

LANGUAGES = ["en", "es", "fr", "pt"]


def _get(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, language, response.status_code)
    assert response["Content-Language"] == language
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_registry_pages_render_in_each_language(
    client: Client, reference: None, language: str
) -> None:
    member = Member.objects.get(iso_code="DO")
    partner = Organisation.objects.get(key="idb")
    urls = [
        reverse("region-list"),
        reverse("region-detail", args=["AMC"]),
        reverse("member-detail", args=[member.pk]),
        reverse("partner-list"),
        reverse("organisation-detail", args=[partner.key]),
        reverse("login"),
    ]
    for url in urls:
        _get(client, url, language)


@pytest.mark.parametrize(
    ("language", "regions_word", "country"),
    [
        ("en", "Regions", "Dominican Republic"),
        ("es", "Regiones", "República Dominicana"),
        ("fr", "Régions", "dominicaine"),
        ("pt", "Regiões", "Dominicana"),
    ],
)
def test_region_page_speaks_the_language(
    client: Client, reference: None, language: str, regions_word: str, country: str
) -> None:
    html = _get(client, reverse("region-detail", args=["AMC"]), language)
    assert regions_word in html
    assert country in html


def test_region_page_lists_members_and_marks_vice_chair(client: Client, reference: None) -> None:
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    html = _get(client, reverse("region-detail", args=["AMC"]), "en")
    assert "Jamaica" in html
    assert "Vice-Chair" in html
    assert "demo" in html  # the illustrative term is flagged


def test_unknown_region_is_404(client: Client, reference: None) -> None:
    assert client.get(reverse("region-detail", args=["XYZ"])).status_code == 404


def test_imported_text_is_escaped(client: Client, reference: None) -> None:
    Organisation.objects.filter(key="idb").update(description="<script>alert(1)</script>")
    html = _get(client, reverse("organisation-detail", args=["idb"]), "en")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_history_visible_to_secretariat_only(
    client_for, secretariat, partner_editor, reference: None
) -> None:  # type: ignore[no-untyped-def]
    from cbcoord.registry import services

    services.organisation_update(
        user=partner_editor,
        organisation=Organisation.objects.get(key="idb"),
        data={"website": "https://www.iadb.org/en"},
    )
    url = reverse("organisation-detail", args=["idb"])
    secretariat_html = client_for(secretariat).get(url).content.decode()
    assert "History" in secretariat_html
    assert partner_editor.username in secretariat_html
    assert "History" not in client_for(partner_editor).get(url).content.decode()


def test_partner_edits_own_profile_through_the_form(
    client_for, partner_editor, reference: None
) -> None:  # type: ignore[no-untyped-def]
    browser = client_for(partner_editor)
    url = reverse("organisation-edit", args=["idb"])
    response = browser.post(
        url,
        {
            "name": "Inter-American Development Bank",
            "acronym": "IDB",
            "website": "https://www.iadb.org",
            "description": "Regional bank",
        },
    )
    assert response.status_code == 302
    assert Organisation.objects.get(key="idb").description == "Regional bank"
    assert browser.get(reverse("organisation-edit", args=["imf"])).status_code == 403


def test_names_an_iati_file_cannot_hold_are_refused(partner_editor, reference: None) -> None:  # type: ignore[no-untyped-def]
    """An organisation's name goes into the activities it enters, and from there into exports."""
    from cbcoord.core.errors import ServiceError
    from cbcoord.registry import services

    idb = Organisation.objects.get(key="idb")
    with pytest.raises(ServiceError, match=r"cannot hold \(U\+000B\)"):
        services.organisation_update(
            user=partner_editor, organisation=idb, data={"name": "Inter-American\x0bBank"}
        )
    idb.refresh_from_db()
    assert "\x0b" not in idb.name


def test_identifiers_an_iati_file_cannot_hold_are_refused(secretariat, reference: None) -> None:  # type: ignore[no-untyped-def]
    """The organisation identifier prefixes every activity it enters, and is its reporting-org."""
    from cbcoord.core.errors import ServiceError
    from cbcoord.registry import services

    idb = Organisation.objects.get(key="idb")
    with pytest.raises(ServiceError, match=r"cannot hold \(U\+000B\)"):
        services.organisation_update(
            user=secretariat, organisation=idb, data={"iati_org_id": "XM-DAC\x0b-909"}
        )
