"""The activity form: every problem at once beside its field, regions, rows added and removed,
the reporting organisation preselected, the identifier's prefix."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cbcoord.activities.models import Activity, Visibility
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def entry(identifier: str = "XM-DAC-909-FORM-1", **fields: str) -> dict[str, str]:
    """A valid entry of the form, with one country and one sector; ``fields`` replace or
    add to it."""
    post = {
        "iati_identifier": identifier,
        "title_en": "Post-clearance audit",
        "description_en": "Coaching auditors.",
        "activity_status": "2",
        "default_currency": "USD",
        "planned_start": "2025-03-01",
        "planned_end": "2025-09-30",
        "visibility": "coordination",
        **_management("countries", 1),
        "countries-0-code": "DO",
        "countries-0-percentage": "100",
        **_management("regions", 1),
        **_management("sectors", 1),
        "sectors-0-code": "33120",
        "sectors-0-vocabulary": "1",
        **_management("budgets", 1),
        **_management("transactions", 1),
        **_management("participants", 1),
    }
    post.update(fields)
    return post


def _errors(html: str) -> list[str]:
    """The messages of every error list on the page, in page order."""
    found = []
    for listing in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S):
        found += re.findall(r"<li>(.*?)</li>", listing, re.S)
    return found


def _cell(html: str, name: str) -> str:
    """The table cell (or form div) holding the input ``name`` and its errors."""
    position = html.index(f'name="{name}"')
    start = max(html.rfind("<td>", 0, position), html.rfind("<div>", 0, position))
    end = html.find("</td>", position)
    end_div = html.find("</div>", position)
    return html[start : end if 0 < end < end_div or end_div < 0 else end_div + 6]


def test_three_bad_fields_give_three_messages_at_their_fields_and_store_nothing(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    client = client_for(partner_editor)
    post = entry(
        default_currency="XXY",
        **{
            "sectors-0-code": "99999",
            "budgets-0-period_start": "2025-01-01",
            "budgets-0-period_end": "2025-12-31",
            "budgets-0-value": "-5000",
        },
    )
    response = client.post(reverse("activity-create"), post)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Activity.objects.exists()
    assert _errors(html) == [
        "XXY is not a currency code (ISO 4217, such as USD or EUR).",
        "99999 is not a sector code (DAC, five digits).",
        "A budget cannot be negative.",
    ]
    # Each beside its own field, the form's or its row's.
    assert "XXY is not a currency code" in html[html.index('for="id_default_currency"') :][:600]
    assert "is not a sector code" in _cell(html, "sectors-0-code")
    assert "cannot be negative" in _cell(html, "budgets-0-value")
    assert "correct the 3 problems shown below" in html
    # No internal field name prefixes the messages.
    assert "default_currency:" not in html and "budgets:" not in html


def test_a_negative_budget_is_refused(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    post = entry(
        **{
            "budgets-0-period_start": "2025-01-01",
            "budgets-0-period_end": "2025-12-31",
            "budgets-0-value": "-1",
        }
    )
    html = client_for(partner_editor).post(reverse("activity-create"), post).content.decode()
    assert _errors(html) == ["A budget cannot be negative."]
    assert not Activity.objects.exists()


def test_missing_and_malformed_values_are_said_in_words(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    post = entry(
        activity_status="",
        title_en="",
        planned_start="",
        **{
            "transactions-0-type": "3",
            "transactions-0-value": "12,5",
            "countries-0-percentage": "60",
        },
    )
    html = client_for(partner_editor).post(reverse("activity-create"), post).content.decode()
    assert sorted(_errors(html)) == sorted(
        [
            "Give a title in at least one language.",
            "This field is required.",  # the status
            "Give a planned or an actual start date.",
            "The percentages add up to 60; they must add up to 100.",
            "This field is required.",  # the transaction's date
            "Enter a number.",
        ]
    )


def test_regions_are_entered_stored_and_shown(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    client = client_for(partner_editor)
    post = entry(
        **{
            "countries-0-percentage": "60",
            "regions-0-code": "489",
            "regions-0-vocabulary": "1",
            "regions-0-percentage": "40",
        }
    )
    response = client.post(reverse("activity-create"), post)
    assert response.status_code == 302, _errors(response.content.decode())
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-FORM-1")
    assert [
        (r["code"], r["vocabulary"], r["percentage"]) for r in activity.data["recipient_regions"]
    ] == [("489", "1", "40")]
    assert list(activity.recipient_regions.values_list("code", flat=True)) == ["489"]
    html = client.get(response["Location"]).content.decode()
    assert "489 · South America, regional" in html
    # The edit form shows the region again, in its row.
    edit = client.get(reverse("activity-edit", args=[activity.iati_identifier])).content.decode()
    assert '<option value="489" selected>' in edit


def test_a_partner_editor_has_their_organisation_preselected_and_the_prefix_filled_in(
    client_for: Callable[[Any], Client], partner_editor: Any, secretariat: Any, idb: Organisation
) -> None:
    html = client_for(partner_editor).get(reverse("activity-create")).content.decode()
    select = re.search(r'<select name="reporting_org"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    assert "disabled" in select.group(0)
    assert re.findall(r"<option[^>]*>", select.group(1)) == [f'<option value="{idb.pk}" selected>']
    assert 'name="iati_identifier" value="XM-DAC-909-"' in html
    # The organisation need not be posted: it is the only one.
    post = entry()
    response = client_for(partner_editor).post(reverse("activity-create"), post)
    assert response.status_code == 302
    assert Activity.objects.get().reporting_org == idb
    # The secretariat chooses among the partners.
    html = client_for(secretariat).get(reverse("activity-create")).content.decode()
    select = re.search(r'<select name="reporting_org"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None and len(re.findall("<option", select.group(1))) > 5


@pytest.mark.parametrize("taken", [True, False])
def test_an_identifier_in_another_publishers_namespace_is_refused_alike(
    client_for: Callable[[Any], Client],
    partner_editor: Any,
    idb: Organisation,
    taken: bool,
) -> None:
    worldbank = Organisation.objects.get(key="worldbank")
    if taken:
        ImportedActivityFactory(
            iati_identifier="44000-P123", reporting_org=worldbank, visibility=Visibility.WCO
        )
    before = Activity.objects.count()
    html = (
        client_for(partner_editor)
        .post(reverse("activity-create"), entry("44000-P123"))
        .content.decode()
    )
    assert _errors(html) == [
        "IATI identifiers begin with the reporting organisation&#x27;s identifier: "
        "XM-DAC-909-… / XI-IATI-IADB-… for Inter-American Development Bank."
    ]
    assert "already exists" not in html
    assert Activity.objects.count() == before


def test_add_a_row_without_javascript_and_with_htmx(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    client = client_for(partner_editor)
    post = entry(add_row="countries", **{"countries-1-code": "JM"})
    html = client.post(reverse("activity-create"), post).content.decode()
    assert 'name="countries-1-code"' in html  # a second country row
    assert 'name="countries-2-code"' not in html
    assert 'name="countries-TOTAL_FORMS" value="2"' in html
    assert _errors(html) == [] and "form-problems" not in html
    assert not Activity.objects.exists()  # nothing saved
    # htmx posts the same and takes the list out of the page.
    response = client.post(reverse("activity-create"), post, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="rows-countries"' in response.content.decode()
    # Each list offers the button.
    for prefix in ("countries", "regions", "sectors", "budgets", "transactions", "participants"):
        assert f'name="add_row" value="{prefix}"' in html


def test_rows_are_removed_with_their_box(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-ROWS",
        reporting_org=idb,
        countries=[
            {"code": "DO", "percentage": "50", "narrative": {}},
            {"code": "JM", "percentage": "50", "narrative": {}},
        ],
    )
    client = client_for(partner_editor)
    url = reverse("activity-edit", args=[activity.iati_identifier])
    html = client.get(url).content.decode()
    assert html.count("Remove</label>") >= 3  # two countries and the blank row, at least
    post = {
        "title_en": "Title of XM-DAC-909-ROWS",
        "description_en": "A customs modernisation activity.",
        "activity_status": "2",
        "default_currency": "USD",
        "planned_start": "2024-01-15",
        "planned_end": "2025-12-31",
        "visibility": "public",
        **_management("countries", 3, 2),
        "countries-0-index": "0",
        "countries-0-code": "DO",
        "countries-0-percentage": "100",
        "countries-1-index": "1",
        "countries-1-code": "JM",
        "countries-1-percentage": "50",
        "countries-1-DELETE": "on",
        **_management("regions", 1),
    }
    response = client.post(url, post)
    assert response.status_code == 302, _errors(response.content.decode())
    activity.refresh_from_db()
    assert [c["code"] for c in activity.data["recipient_countries"]] == ["DO"]
    assert list(activity.countries.values_list("code", flat=True)) == ["DO"]


def test_an_edit_page_from_before_the_regions_still_saves(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    """A list the post does not carry at all is left as it is."""
    post = entry()
    for key in [key for key in post if key.startswith("regions-")]:
        del post[key]
    response = client_for(partner_editor).post(reverse("activity-create"), post)
    assert response.status_code == 302


def test_the_prefix_in_the_help_text_is_escaped(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    """An organisation's identifier may come from a publisher's file."""
    Organisation.objects.filter(pk=idb.pk).update(iati_org_id="XM-<b>bold</b>")
    html = client_for(partner_editor).get(reverse("activity-create")).content.decode()
    assert "<b>bold</b>" not in html
    assert "XM-&lt;b&gt;bold&lt;/b&gt;-" in html


@pytest.mark.parametrize(
    ("language", "germany", "dominican"),
    [
        ("es", "DE · Alemania", "DO · República Dominicana"),
        ("fr", "DE · Allemagne", "DO · République dominicaine"),
        ("pt", "DE · Alemanha", "DO · República Dominicana"),
    ],
)
def test_countries_are_named_in_the_readers_language(
    client_for: Callable[[Any], Client],
    partner_editor: Any,
    idb: Organisation,
    language: str,
    germany: str,
    dominican: str,
) -> None:
    client = client_for(partner_editor)
    client.cookies["django_language"] = language
    html = client.get(reverse("activity-create")).content.decode()
    assert f">{germany}</option>" in html and f">{dominican}</option>" in html
    assert ">DE · Germany</option>" not in html
