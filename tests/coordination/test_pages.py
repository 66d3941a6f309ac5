"""The region page answers with the heat map and the filters; the open tab's analysis and the
matrix's table come by their own (htmx) requests."""

from __future__ import annotations

import pytest
from django.test import Client

from cbcoord.coordination import facts
from tests.coordination.helpers import activity, need

pytestmark = pytest.mark.django_db

PAGE = "/coordination/regions/AMC/?year_from=2019&year_to=2019"


def test_the_region_page_leaves_the_tab_and_the_table_to_htmx(reference: None) -> None:
    activity("idb", countries=("JM",), provisions=("TFA-3",))
    need("JM", ("TFA-3",), description="Advance rulings for exporters.")
    facts.refresh()
    client = Client()

    page = client.get(PAGE).content.decode()
    assert 'id="chart-matrix"' in page
    assert 'hx-trigger="load"' in page and "Advance rulings" not in page
    assert 'id="matrix"' not in page and "/coordination/regions/AMC/matrix-table/?" in page

    tab = client.get(PAGE + "&tab=gaps", headers={"HX-Request": "true", "HX-Target": "tab-panel"})
    assert "Advance rulings" in tab.content.decode()
    assert "<html" not in tab.content.decode()

    table = client.get("/coordination/regions/AMC/matrix-table/?year_from=2019&year_to=2019")
    assert table.status_code == 200
    assert 'data-cell="JM-TFA-3"' in table.content.decode()
