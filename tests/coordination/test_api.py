"""The API of the analyses: the pages' filters, published data for the public, a fixed number
of queries whatever the data."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pydantic import TypeAdapter

from cbcoord.activities.models import Visibility
from cbcoord.coordination import facts
from cbcoord.coordination.api import MatrixOut, SupportOut, SynergyOut
from tests.coordination.helpers import activity, need

pytestmark = pytest.mark.django_db

ANALYSES = [
    "/api/coordination/matrix",
    "/api/coordination/gaps",
    "/api/coordination/overlaps",
    "/api/coordination/synergies",
    "/api/coordination/who-supports-whom",
    "/api/coordination/funding",
    "/api/coordination/indicators",
    "/api/coordination/missions",
    "/api/coordination/mission-clashes",
    "/api/coordination/projects/suggestions",
]


def _scenario(size: int) -> None:
    partners = ["idb", "imf", "usaid", "eu", "gac", "oas"]
    members = ["DO", "JM", "HT", "GT", "CR", "PA"]
    codes = ["TFA-10.4", "TFA-7.4", "TFA-3", "TFA-10", "TFA-7.5"]
    for index in range(size):
        activity(
            partners[index % len(partners)],
            countries=(members[index % len(members)],),
            provisions=(codes[index % len(codes)], codes[(index + 2) % len(codes)]),
            currency=["USD", "EUR", "CAD"][index % 3],
            transactions=(("2", "1000", "2019-02-01", None),),
        )
        if index % 2 == 0:
            need(
                members[index % len(members)],
                (codes[index % len(codes)],),
                description=f"Need {index}",
            )
    activity("imf", countries=(), regions=("1031",), visibility=Visibility.COORDINATION)
    facts.refresh()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:500])
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        *[path for path in ANALYSES if not path.endswith("/synergies")],
        "/api/coordination/gaps?suggestions=0",
        # k=2, so that the small scenario has synergies too: the count then compares two
        # answers with rows (an empty answer skips the queries that read the rows).
        "/api/coordination/synergies?k=2",
        "/api/coordination/funding?by=member",
        "/api/coordination/funding?by=instrument",
        "/api/coordination/funding?by=year",
    ],
)
def test_the_query_count_does_not_grow_with_the_data(
    reference: None, client_for: object, secretariat: object, path: str
) -> None:
    browser = client_for(secretariat)  # type: ignore[operator]
    separator = "&" if "?" in path else "?"
    url = f"{path}{separator}region=AMC&year_from=2019"
    _scenario(12)
    small = _queries(browser, url)
    _scenario(36)
    assert _queries(browser, url) == small


def test_every_analysis_answers_the_public_and_refuses_unknown_filters(reference: None) -> None:
    _scenario(6)
    public = Client()
    for path in ANALYSES:
        assert public.get(f"{path}?region=AMC&year_from=2019").status_code == 200, path
        refused = public.get(f"{path}?region=ZZZ")
        assert refused.status_code == 400, path
        assert "region=ZZZ" in refused.json()["detail"]
        assert public.get(path).status_code == 400  # neither a region nor a member


def test_the_public_reads_published_data_only(
    reference: None, client_for: object, secretariat: object
) -> None:
    activity("idb")
    activity("imf", visibility=Visibility.COORDINATION)
    url = "/api/coordination/matrix?region=AMC&year_from=2019"
    public = Client().get(url).json()
    inside = client_for(secretariat).get(url).json()  # type: ignore[operator]
    assert [(c["member"], c["area"], c["activities"], c["partners"]) for c in public["cells"]] == [
        ("DO", "TFA-10.4", 1, ["idb"])
    ]
    assert [(c["member"], c["activities"], c["partners"]) for c in inside["cells"]] == [
        ("DO", 2, ["idb", "imf"])
    ]


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/coordination/matrix", MatrixOut),
        ("/api/coordination/who-supports-whom", SupportOut),
        ("/api/coordination/synergies?k=2", list[SynergyOut]),
    ],
)
def test_answers_written_without_validation_keep_the_documented_schema(
    reference: None, client_for: object, secretariat: object, path: str, schema: object
) -> None:
    """These routes write their JSON directly (orjson), not through django-ninja's
    validation: each answer must still be what /api/docs declares, amounts as strings."""
    _scenario(12)
    separator = "&" if "?" in path else "?"
    answer = client_for(secretariat).get(f"{path}{separator}region=AMC&year_from=2019")  # type: ignore[operator]
    assert answer.status_code == 200
    data = answer.json()
    adapter: TypeAdapter[object] = TypeAdapter(schema)
    assert adapter.dump_python(adapter.validate_python(data), mode="json") == data
    assert data, path
    documented = Client().get("/api/openapi.json").json()
    declared = documented["paths"][path.split("?")[0]]["get"]["responses"]["200"]
    assert "application/json" in declared["content"]


def test_the_docs_list_the_analyses(reference: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    for path in ANALYSES:
        assert path in schema["paths"], path


def test_gaps_download_as_xlsx_with_the_filters_written_in(reference: None) -> None:
    first = need("DO", ("TFA-10.4",), description="Single window for all agencies.")
    response = Client().get("/exports/gaps.xlsx?region=AMC&year_from=2019")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert ("Filter: Region", "AMC") in [row[:2] for row in rows]
    assert ("Filter: From year", "2019") in [row[:2] for row in rows]
    header = next(index for index, row in enumerate(rows) if row[0] == "Need")
    assert [row[0] for row in rows[header + 1 :]] == [first.key]
