"""Members are named in the reader's language wherever they are chosen or listed, and listed in
that language's order (accents and case aside), not in the order of their English names."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cbcoord.accounts.models import User
from cbcoord.core.i18n import collation_key
from cbcoord.registry.models import Member
from cbcoord.registry.selectors import by_country_name


def _get(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"no select {name}"
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r"<option[^>]*>(.*?)</option>", select[1], re.S)
    ]


def test_accents_and_case_do_not_decide_the_order() -> None:
    names = ["Zambie", "Émirats arabes unis", "équateur", "Espagne", "Érythrée"]
    assert sorted(names, key=collation_key) == [
        "Émirats arabes unis",
        "équateur",
        "Érythrée",
        "Espagne",
        "Zambie",
    ]


def test_the_activity_lists_member_filter_speaks_french(client: Client, reference: None) -> None:
    html = _get(client, reverse("activity-list") + "?region=AMC", "fr")
    options = _options(html, "country")
    assert "République dominicaine" in options
    assert "Dominican Republic" not in options
    # In French order: the United States (États-Unis) among the E, not after Venezuela.
    members = options[1:]  # after "All"
    assert members.index("États-Unis") < members.index("Guatemala")
    assert members == sorted(members, key=collation_key)


def test_the_member_filter_grouped_by_region_is_translated_too(
    client: Client, reference: None
) -> None:
    html = _get(client, reverse("activity-list"), "es")
    assert '<option value="DO">República Dominicana</option>' in html


def test_the_region_page_lists_its_members_in_portuguese_order(
    client: Client, reference: None
) -> None:
    html = _get(client, reverse("region-detail", args=["AMC"]), "pt")
    table = re.search(r'<table class="list" id="members">(.*?)</table>', html, re.S)
    assert table is not None
    names = re.findall(r'<a href="/members/\d+/">([^<]+)</a>', table[1])
    assert "Estados Unidos" in names and "República Dominicana" in names
    assert names == sorted(names, key=collation_key)


def test_the_need_forms_members_are_named_and_ordered_in_spanish(
    client: Client, secretariat: User
) -> None:
    client.force_login(secretariat)
    html = _get(client, reverse("need-create"), "es")
    members = [option for option in _options(html, "member") if option != "---------"]
    assert "República Dominicana" in members and "Dominican Republic" not in members
    assert members == sorted(members, key=collation_key)


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt"])
def test_by_country_name_orders_as_the_reader_reads(reference: None, language: str) -> None:
    with translation.override(language):
        names = [member.country_name for member in by_country_name(Member.objects.all())]
    assert names == sorted(names, key=collation_key)


def test_a_member_whose_code_was_withdrawn_is_named_in_the_language_too(
    reference: None,
) -> None:
    antilles = Member.objects.get(iso_code="AN")
    with translation.override("es"):
        assert antilles.country_name == "Antillas Neerlandesas"
    with translation.override("fr"):
        assert antilles.country_name == "Antilles néerlandaises"


def test_the_kind_of_member_goes_through_the_catalogue(reference: None) -> None:
    member = Member.objects.get(iso_code="DO")
    assert member.member_type == "sovereign state"
    assert member.member_type_display == "sovereign state"
    member.member_type = "something the list does not know"
    assert member.member_type_display == "something the list does not know"
