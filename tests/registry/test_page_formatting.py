"""Money, dates and numbers on the pages beyond the activity's, in the reader's locale; the IATI
organisation type by its name; a source's addresses as links and never a file path."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbcoord.accounts.models import User
from cbcoord.core.sources import source_parts
from cbcoord.imports.models import ImportRun
from cbcoord.registry.models import Member, Organisation
from tests.factories import NeedFactory

NBSP = "\u00a0"
PATHS = re.compile(r"shared/|\.csv|\.xml|\.txt|/work/")


def _get(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _source(html: str) -> str:
    found = re.search(r'<dd class="source">(.*?)</dd>', html, re.S)
    assert found is not None, "no source"
    return found[1]


def test_a_needs_cost_and_dates_are_written_in_portuguese(
    client: Client, secretariat: User
) -> None:
    need = NeedFactory(estimated_cost=Decimal("2500000.00"), currency="USD")
    client.force_login(secretariat)
    html = _get(client, reverse("need-detail", args=[need.key]), "pt")
    assert f"2.500.000{NBSP}USD" in html
    assert "2500000.00" not in html
    today = timezone.localdate()
    assert f"{today.day} de " in html and str(today.year) in html
    assert not re.search(r"\d\d/\d\d/\d{4}", html)  # no short numeric dates


def test_the_import_pages_write_dates_and_figures_in_portuguese(
    client: Client, secretariat: User
) -> None:
    run = ImportRun.objects.create(
        source="upload.xml", source_kind="upload", status="completed", byte_size=1234567, added=2500
    )
    ImportRun.objects.filter(pk=run.pk).update(
        started_at=dt.datetime(2019, 3, 1, 0, 0, tzinfo=dt.UTC),
        finished_at=dt.datetime(2019, 3, 1, 0, 5, tzinfo=dt.UTC),
    )
    client.force_login(secretariat)
    html = _get(client, reverse("import-detail", args=[run.pk]), "pt")
    assert "1 de março de 2019, 00:00" in html and "1 de março de 2019, 00:05" in html
    assert "1.234.567" in html and '<td class="num" data-count="added">2.500</td>' in html
    assert "midnight" not in html and "meia-noite" not in html
    listing = _get(client, reverse("import-list"), "pt")
    assert "1 de março de 2019, 00:00" in listing and "2.500" in listing


def test_the_member_page_writes_its_membership_date_in_french(
    client: Client, reference: None
) -> None:
    member = Member.objects.get(iso_code="DO")
    Member.objects.filter(pk=member.pk).update(membership_date="1985-06-01")
    html = _get(client, reverse("member-detail", args=[member.pk]), "fr")
    assert "1 juin 1985" in html or "1er juin 1985" in html


def test_an_organisation_shows_its_type_by_name_and_its_source_without_paths(
    client: Client, reference: None
) -> None:
    idb = Organisation.objects.get(key="idb")
    assert "shared/" in idb.source  # the reference data name the files they were read from
    html = _get(client, reverse("organisation-detail", args=["idb"]), "en")
    assert re.search(r"<dd>40 · Multilateral</dd>", html)
    source = _source(html)
    assert not PATHS.search(source), source
    assert "co-organiser" in source


def test_the_organisation_type_in_french_is_the_official_label(
    client: Client, reference: None
) -> None:
    html = _get(client, reverse("organisation-detail", args=["idb"]), "fr")
    assert re.search(r"<dd>40 · Multilatéral", html)


def test_a_members_source_links_its_addresses(client: Client, reference: None) -> None:
    member = Member.objects.get(iso_code="DO")
    Member.objects.filter(pk=member.pk).update(
        source="shared/reference/wco/members.csv; https://www.wcoomd.org/en/about-us.aspx "
        "(the WCO's list) ; javascript:alert(1)"
    )
    source = _source(_get(client, reverse("member-detail", args=[member.pk]), "es"))
    assert (
        '<a href="https://www.wcoomd.org/en/about-us.aspx" rel="noopener noreferrer nofollow"'
        in (source)
    )
    assert "(the WCO&#x27;s list)" in source
    assert not PATHS.search(source)
    assert 'href="javascript' not in source


def test_source_parts_keep_words_and_addresses_and_drop_paths() -> None:
    def shown(text: str) -> list[list[tuple[str, str]]]:
        return [[(part.text, part.url) for part in piece] for piece in source_parts(text)]

    assert shown(
        "shared/seed/000_a3.txt (co-organiser of the 2019 meeting); "
        "type: shared/reference/iati/codelists/OrganisationType.xml; "
        "https://example.org/page (as cited in shared/reference/wco/SOURCES.md); "
        "region: https://example.org/about-us (lists Palau)"
    ) == [
        [("co-organiser of the 2019 meeting", "")],
        [("example.org/page", "https://example.org/page")],
        [
            ("region:", ""),
            ("example.org/about-us", "https://example.org/about-us"),
            ("(lists Palau)", ""),
        ],
    ]
    assert shown("mapping based on the titles in shared/reference/wco/fos.csv") == [
        [("mapping based on the titles", "")]
    ]
    assert shown("/srv/x/cbcoord/var/upload.xml; ../shared/y.csv") == []
    assert shown("") == []
    assert shown("https://en.wikipedia.org/wiki/Foo_(bar).") == [
        [("en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"), (".", "")]
    ]


def test_the_import_report_names_where_the_file_came_from(
    client: Client, secretariat: User
) -> None:
    run = ImportRun.objects.create(source="x.xml", source_kind="upload", status="completed")
    client.force_login(secretariat)
    html = _get(client, reverse("import-detail", args=[run.pk]), "en")
    assert "<dd>Uploaded file</dd>" in html


def test_a_provisions_kind_is_a_word_of_the_page(client: Client, reference: None) -> None:
    html = _get(client, reverse("provision-detail", args=["TFA-7.4"]), "en")
    assert "<dd>Measure</dd>" in html
    html = _get(client, reverse("provision-detail", args=["RKC-GA-3.1"]), "en")
    assert "<dd>Standard</dd>" in html
