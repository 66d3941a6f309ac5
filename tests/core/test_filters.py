"""cbcoord.core.filters: one filter set read from a query string, the API, the command line,
and written into links and files."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any, Literal

import pytest
from django.utils.translation import gettext_lazy

from cbcoord.core.errors import ServiceError
from cbcoord.core.filters import FilterProblem, FilterSet, choices_of, filter_field
from cbcoord.registry.visibility import Visibility


class Things(FilterSet):
    passthrough = ("sort",)

    q: str | None = filter_field(None, title=gettext_lazy("Search"), description="Words.")
    region: str | None = filter_field(None, title=gettext_lazy("Region"), description="Code.")
    start: dt.date | None = filter_field(None, title=gettext_lazy("From"), description="Day.")
    verified: bool | None = filter_field(None, title=gettext_lazy("Verified"), description="")
    include_withdrawn: bool = filter_field(
        False, title=gettext_lazy("Include withdrawn"), description="Also withdrawn."
    )
    sort: Literal["name", "-name"] = filter_field(
        "name", title=gettext_lazy("Order"), description="name or -name."
    )

    def problems(self, user: Any = None) -> list[FilterProblem]:
        if self.region == "ZZZ":
            return [FilterProblem("region", self.region, "unknown region ZZZ")]
        return []


def test_from_query_reads_types_and_keeps_the_raw_text() -> None:
    filters, raw, problems = Things.from_query(
        {"q": "  risk ", "start": "2024-01-31", "verified": "no", "include_withdrawn": "1"}
    )
    assert problems == []
    assert filters.q == "risk"
    assert filters.start == dt.date(2024, 1, 31)
    assert filters.verified is False
    assert filters.include_withdrawn is True
    assert filters.sort == "name"
    assert raw["q"] == "risk" and raw["start"] == "2024-01-31" and raw["region"] == ""


def test_unreadable_values_are_left_out_and_named() -> None:
    filters, raw, problems = Things.from_query(
        {"start": "2024-13-01", "sort": "colour", "verified": "perhaps"}
    )
    assert filters.start is None and filters.sort == "name" and filters.verified is None
    assert {problem.name: problem.value for problem in problems} == {
        "start": "2024-13-01",
        "sort": "colour",
        "verified": "perhaps",
    }
    sort = next(problem for problem in problems if problem.name == "sort")
    assert "name, -name" in sort.message  # the values it may take
    assert raw["start"] == "2024-13-01"  # put back in the form as typed


def test_a_query_dict_gives_its_last_value_and_long_text_is_cut() -> None:
    from django.http import QueryDict

    filters, _raw, _problems = Things.from_query(QueryDict("q=a&q=b"))
    assert filters.q == "b"
    filters, _raw, _problems = Things.from_query({"q": "x" * 500})
    assert filters.q is not None and len(filters.q) == 200


def test_query_keeps_passthrough_fields_applied_and_described_do_not() -> None:
    filters = Things(q="risk", sort="-name", verified=False, start=dt.date(2024, 1, 2))
    assert filters.query() == {
        "q": "risk",
        "start": "2024-01-02",
        "verified": "0",
        "sort": "-name",
    }
    assert filters.applied() == {"q": "risk", "start": "2024-01-02", "verified": "0"}
    assert filters.described() == [("Search", "risk"), ("From", "2024-01-02"), ("Verified", "no")]
    # Defaults are not "set": no sort=name, no include_withdrawn=0 in links.
    assert Things().query() == {}
    # What query() writes, from_query reads back the same.
    again, _raw, problems = Things.from_query(filters.query())
    assert problems == [] and again == filters


def test_described_titles_follow_the_language() -> None:
    from django.utils import translation

    with translation.override("es"):
        assert Things(q="x").described() == [("Buscar", "x")]


def test_command_line_options() -> None:
    parser = argparse.ArgumentParser()
    Things.add_arguments(parser)
    options = vars(
        parser.parse_args(["--region", "AMC", "--include-withdrawn", "--verified", "yes"])
    )
    filters = Things.from_options(options)
    assert filters.region == "AMC" and filters.include_withdrawn and filters.verified is True
    with pytest.raises(SystemExit):
        parser.parse_args(["--verified", "maybe"])  # yes or no only
    assert "(name, -name)" in parser.format_help()
    with pytest.raises(ValueError, match="unknown region ZZZ"):
        Things.from_options({"region": "ZZZ"})
    with pytest.raises(ValueError, match="start=someday"):
        Things.from_options({"start": "someday"})


def test_require_known_is_a_400_naming_the_value() -> None:
    Things(region="AMC").require_known()
    with pytest.raises(ServiceError) as error:
        Things(region="ZZZ").require_known()
    assert error.value.field == "region"
    assert "unknown region ZZZ" in error.value.message


class Levels(FilterSet):
    level: Visibility | None = None


def test_choices_of() -> None:
    fields = Things.model_fields
    assert choices_of(fields["sort"]) == ["name", "-name"]
    assert choices_of(fields["q"]) == []

    assert choices_of(Levels.model_fields["level"]) == ["public", "coordination", "named", "wco"]
    filters, _raw, problems = Levels.from_query({"level": "secret"})
    assert problems and "public, coordination, named, wco" in problems[0].message
    assert Levels.from_query({"level": "named"})[0].query() == {"level": "named"}


def test_the_api_documents_each_filter() -> None:
    from cbcoord.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/activities"]["get"]["parameters"]
    }
    assert {"region", "country", "partner", "status", "sector", "instrument", "provision"} <= set(
        parameters
    )
    assert parameters["region"]["description"].startswith("WCO region code")
    assert parameters["sort"]["schema"]["default"] == "-updated"
    assert "-budget" in parameters["sort"]["schema"]["enum"]
