"""Provision and instrument titles in Spanish, French and Portuguese, with cbcoord's own
translations marked as unofficial on the pages and in the API."""

from __future__ import annotations

from django.test import Client

from cbcoord.frameworks.models import Instrument, Provision


def test_every_provision_has_a_title_in_each_language(reference: None) -> None:
    for provision in Provision.objects.all():
        for language in ("es", "fr", "pt"):
            assert getattr(provision, f"title_{language}"), (provision.code, language)


def test_the_api_gives_the_titles_and_says_which_are_unofficial(
    reference: None, client: Client
) -> None:
    body = client.get("/api/provisions/TFA-10.4").json()
    assert body["title_es"] and body["title_fr"] and body["title_pt"]
    assert set(body["unofficial_titles"]) == {"es", "fr", "pt"}
    tfa = client.get("/api/instruments").json()
    spanish = next(item for item in tfa if item["code"] == "TFA")
    assert "es" not in spanish["unofficial_titles"]  # the WTO's own Spanish title


def test_pages_mark_unofficial_translations(reference: None, client: Client) -> None:
    client.cookies["django_language"] = "pt"
    html = client.get("/provisions/TFA-10.4/").content.decode()
    provision = Provision.objects.get(code="TFA-10.4")
    assert provision.title_pt in html
    assert 'class="unofficial"' in html
    client.cookies["django_language"] = "en"
    assert 'class="unofficial"' not in client.get("/provisions/TFA-10.4/").content.decode()
    assert Instrument.objects.get(code="TFA").unofficial_titles == ["pt"]
