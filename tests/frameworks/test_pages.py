"""The catalogue's pages: each in every language, search (whole page and htmx partial), a
provision's cross-walk, unverified rows flagged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cbcoord.frameworks.models import Provision

LANGUAGES = ["en", "es", "fr", "pt"]


def _get(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, language, response.status_code)
    assert response["Content-Language"] == language
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_pages_render_in_each_language(
    client: Client, reference: None, language: str
) -> None:
    urls = [
        reverse("catalogue"),
        reverse("catalogue") + "?q=risk",
        reverse("instrument-detail", args=["TFA"]),
        reverse("provision-detail", args=["TFA-7.4"]),
    ]
    for url in urls:
        _get(client, url, language)


def test_catalogue_search_finds_risk_management(client: Client, reference: None) -> None:
    response = client.get(reverse("catalogue"), {"q": "TFA-7.4"})
    assert "TFA-7.4" in response.content.decode()
    partial = client.get(
        reverse("catalogue"),
        {"q": "single window"},
        headers={"HX-Request": "true", "HX-Target": "provision-results"},
    )
    body = partial.content.decode()
    assert "TFA-10.4" in body
    assert "<html" not in body  # htmx gets the partial only


def test_provision_page_shows_crosswalk(client: Client, reference: None) -> None:
    html = _get(client, reverse("provision-detail", args=["TFA-7.4"]), "en")
    assert "RKC-GA-6" in html


def test_unverified_rows_are_flagged(client: Client, reference: None) -> None:
    unverified = Provision.objects.filter(verification__icontains="UNVERIFIED").first()
    assert unverified is not None, "the shipped catalogue keeps UNVERIFIED flags"
    html = _get(client, reverse("provision-detail", args=[unverified.code]), "en")
    assert "UNVERIFIED" in html
