"""The compact form of evidence (``Evidence.to_data``), as cbcoord stores and sends it: short
JSON arrays without sentences or titles, read back by ``Evidence.from_data``."""

from __future__ import annotations

import orjson
import pytest

from cbcoord.tagging.engine import Evidence, Tagger, TaggingInput, TaggingResult


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.from_data()


def every_evidence(result: TaggingResult) -> list[Evidence]:
    return [*result.relevance_evidence, *(e for p in result.provisions for e in p.evidence)]


CASES = [
    TaggingInput(
        texts=[
            ("es", "Programa de apoyo a la Ventanilla Única de Comercio Exterior"),
            ("es", "Interconexión de las aduanas y gestión de riesgos."),
        ],
        sectors=[("1", "33120"), ("1", "12220")],
    ),
    TaggingInput(
        texts=[("en", "Customs revenue collection"), ("en", "Not disaster risk management.")],
        tags=[("99", "CUSTOMS"), ("3", "17.1")],
        policy_markers=[("4", "2"), ("1", "0"), ("3", "")],
    ),
    TaggingInput(
        texts=[("en", "IPR seminar for judges"), ("fr", "Modernisation des douanes")],
        sectors=[("2", "331")],
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_the_compact_form_round_trips_and_says_the_same(tagger: Tagger, case: TaggingInput) -> None:
    found = every_evidence(tagger.tag(case))
    assert found
    for evidence in found:
        data = evidence.to_data()
        sent = orjson.loads(orjson.dumps(data))  # as the reader processes send it
        assert sent == data
        back = Evidence.from_data(sent)
        assert back.to_data() == data
        assert (back.kind, back.role, back.provision) == (
            evidence.kind,
            evidence.role,
            evidence.provision,
        )
        back.provision_title = evidence.provision_title  # titles are not stored
        assert back.explanation() == evidence.explanation()


def test_each_kind_of_evidence_in_its_compact_form(tagger: Tagger) -> None:
    result = tagger.tag(CASES[0])
    data = [e.to_data() for e in result.relevance_evidence]
    # A term: kind, role, sign, language, term, provision and the form matched, when it
    # differs.
    assert ["t", "r", 1, "es", "aduana", "", "aduanas"] in data
    assert ["s", "r", 1, "33120", "1", "Trade facilitation"] in data
    # A sector matched through its category keeps the code the activity gives.
    assert ["s", "r", -1, "122", "2", "Basic Health", "", "12220"] in data
    window = next(p for p in result.provisions if p.code == "TFA-10.4")
    term = "ventanilla única de comercio exterior"
    assert window.evidence[0].to_data() == ["t", "p", 1, "es", term, "TFA-10.4"]

    marked = tagger.tag(CASES[1])
    data = [e.to_data() for e in marked.relevance_evidence]
    # "=customs" in the data file (matched as a word), "Customs" in the text: neither stored.
    assert ["t", "r", 1, "en", "customs"] in data
    assert ["g", "r", 1, "CUSTOMS", "99", "reporting organisation's own tag"] in data
    assert ["m", "r", 1, "4", "2", "Trade Development"] in data
    # A policy marker without significance: the empty piece stays where a name follows.
    assert ["m", "r", 0, "3", "", "Participatory Development/Good Governance"] in data
    revenue = next(p for p in marked.provisions if p.code == "THEME-REVENUE")
    sdg = "SDG target 17.1 domestic resource mobilisation"
    assert [e.to_data() for e in revenue.evidence if e.kind == "tag"] == [
        ["g", "p", 1, "17.1", "3", sdg, "THEME-REVENUE"]
    ]


def test_the_compact_form_is_a_fraction_of_the_sentence(tagger: Tagger) -> None:
    found = every_evidence(tagger.tag(CASES[0]))
    compact = len(orjson.dumps([e.to_data() for e in found]))
    sentences = len(orjson.dumps([e.explanation() for e in found]))
    assert compact * 2 < sentences


@pytest.mark.parametrize(
    "data",
    [[], ["n"], ["f"], ["x", "r", 1], ["t", "?", 1, "en", "customs"], ["t", "r", "many"]],
)
def test_what_is_not_the_compact_form_of_evidence_is_refused(data: list[object]) -> None:
    with pytest.raises(ValueError, match="evidence|could not convert"):
        Evidence.from_data(data)
