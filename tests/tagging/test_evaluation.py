"""Evaluation: reading labelled CSVs, hierarchy-aware matching, a worked example, the reach
figures on the development set."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cbcoord.tagging.engine import Tagger, TaggingInput
from cbcoord.tagging.evaluation import (
    LabelledDataError,
    LabelledRow,
    evaluate,
    load_parent_map,
    main,
    match_labels,
    read_labelled,
)

DATA = Path(__file__).parent / "data"
HEADER = "title,description,language,expected_codes,relevant,note\n"


@pytest.fixture(scope="module")
def parents() -> dict[str, str | None]:
    return load_parent_map()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- reading


def test_parent_map_comes_from_provisions_csv(parents: dict[str, str | None]) -> None:
    assert parents["TFA-10.4"] == "TFA-10"
    assert parents["TFA-10"] is None
    assert parents["SAFE-P2-S3"] == "SAFE-P2"


def test_read_labelled_quoting_extra_columns_and_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "partner,title,description,language,expected_codes,relevant\n"
        'IDB,"Aduanas, fase II","Ventanilla única\ny gestión de riesgos",es,TFA-10.4; TFA-7.4,yes\n'
        "WB,Port works,Dredging,en,,no\n",
    )
    rows = read_labelled(path)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].title == "Aduanas, fase II"
    assert rows[0].description == "Ventanilla única\ny gestión de riesgos"
    assert rows[0].expected_codes == ("TFA-10.4", "TFA-7.4")
    assert rows[0].relevant and not rows[1].relevant
    assert rows[1].expected_codes == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "title,description,language,relevant\nA,B,en,yes\n",
            "line 1: missing column 'expected_codes'",
        ),
        (HEADER + 'A,"B\nC",en,,maybe,\n', "line 2, column 'relevant': expected yes or no"),
        (
            HEADER + "A,B,en,,yes,\nA,B,en,TFA-99,yes,\n",
            "line 3, column 'expected_codes': unknown provision code 'TFA-99'",
        ),
        (HEADER + "A,B,en,TFA-3,no,\n", "line 2, column 'expected_codes'"),
        (HEADER + "A,B,english,TFA-3,yes,\n", "line 2, column 'language'"),
        (HEADER + "A,B,en\n", "line 2, column 'expected_codes': missing"),
    ],
)
def test_read_labelled_errors_name_line_and_column(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(LabelledDataError, match=message.replace("(", r"\(")):
        read_labelled(write(tmp_path, body))


def test_shipped_sets_read_cleanly() -> None:
    dev = read_labelled(DATA / "dev_set.csv")
    holdout = read_labelled(DATA / "holdout_set.csv")
    assert len(dev) >= 160 and len(holdout) >= 60
    for lang in ("es", "fr", "pt"):
        assert sum(r.language == lang for r in dev) >= 30
    not_relevant = sum(not r.relevant for r in dev)
    assert 0.25 <= not_relevant / len(dev) <= 0.45
    assert not {(r.title, r.description) for r in dev} & {(r.title, r.description) for r in holdout}


# ----------------------------------------------------------------------------- matching


def test_match_labels_hierarchy(parents: dict[str, str | None]) -> None:
    # A prediction below the label answers it; above it does not.
    assert match_labels(["TFA-7.4"], ["TFA-7"], parents) == [("TFA-7.4", "TFA-7")]
    assert match_labels(["TFA-7"], ["TFA-7.4"], parents) == []
    # Siblings do not answer each other.
    assert match_labels(["TFA-7.5"], ["TFA-7.4"], parents) == []
    # A label is answered once: the second prediction under it stays unmatched.
    assert len(match_labels(["TFA-7.4", "TFA-7.5"], ["TFA-7"], parents)) == 1
    # Exact pairs first, then the remaining prediction takes the parent label.
    pairs = match_labels(["TFA-7.4", "TFA-7.5"], ["TFA-7.4", "TFA-7"], parents)
    assert sorted(pairs) == [("TFA-7.4", "TFA-7.4"), ("TFA-7.5", "TFA-7")]


# ----------------------------------------------------------------------------- worked example


@dataclass
class _Tag:
    code: str


@dataclass
class _Result:
    relevant: bool
    relevance_score: float
    provisions: list[_Tag] = field(default_factory=list)


class StubTagger:
    """Returns fixed predictions keyed by title."""

    def __init__(self, answers: dict[str, tuple[bool, list[str]]]) -> None:
        self.answers = answers

    def tag(self, item: TaggingInput) -> _Result:
        relevant, predicted = self.answers[item.texts[0][1]]
        return _Result(relevant, 0.9 if relevant else 0.1, [_Tag(c) for c in predicted])


def row(title: str, codes: tuple[str, ...], relevant: bool) -> LabelledRow:
    return LabelledRow(1, title, "", "en", codes, relevant)


def test_worked_example(parents: dict[str, str | None]) -> None:
    rows = [
        row("r1", ("TFA-7",), True),  # label at the article level
        row("r2", ("TFA-10.4", "SAFE-P2-S3"), True),
        row("r3", ("THEME-INTEGRITY",), True),
        row("r4", (), False),
        row("r5", (), False),
        row("r6", ("SAFE-P2",), True),  # label at the pillar level
    ]
    tagger = StubTagger(
        {
            "r1": (True, ["TFA-7.4", "TFA-7.5"]),  # TP (7.4 under TFA-7), FP TFA-7.5
            "r2": (True, ["TFA-10.4", "TFA-10"]),  # TP TFA-10.4, FP TFA-10 (above), FN SAFE
            "r3": (False, []),  # relevance FN, FN THEME-INTEGRITY
            "r4": (True, ["TFA-11"]),  # relevance FP, FP TFA-11
            "r5": (False, []),  # true negative
            "r6": (True, ["SAFE-P2-S3"]),  # TP (standard under the pillar)
        }
    )
    report = evaluate(rows, tagger, parents)

    # Relevance: TP r1 r2 r6 = 3, FP r4 = 1, FN r3 = 1 -> P = R = F1 = 3/4.
    assert (report.relevance.tp, report.relevance.fp, report.relevance.fn) == (3, 1, 1)
    assert report.relevance.precision == pytest.approx(0.75)
    assert report.relevance.recall == pytest.approx(0.75)
    assert report.relevance.f1 == pytest.approx(0.75)

    # Provisions: TP 3 (r1, r2, r6), FP 3 (TFA-7.5, TFA-10, TFA-11), FN 2 (SAFE-P2-S3, THEME-INTEGRITY).
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (3, 3, 2)
    assert report.micro.precision == pytest.approx(3 / 6)
    assert report.micro.recall == pytest.approx(3 / 5)
    assert report.micro.f1 == pytest.approx(2 * 0.5 * 0.6 / 1.1)

    # Per provision: TP credited to the label's code, FP to the predicted code.
    per = report.per_provision
    assert set(per) == {
        "TFA-7",
        "TFA-7.5",
        "TFA-10.4",
        "TFA-10",
        "SAFE-P2-S3",
        "THEME-INTEGRITY",
        "TFA-11",
        "SAFE-P2",
    }
    assert (per["TFA-7"].tp, per["TFA-7"].fp, per["TFA-7"].fn) == (1, 0, 0)
    assert "TFA-7.4" not in per
    assert (per["TFA-10"].tp, per["TFA-10"].fp) == (0, 1)
    assert (per["SAFE-P2-S3"].tp, per["SAFE-P2-S3"].fn) == (0, 1)
    assert per["SAFE-P2"].f1 == 1.0

    # Macro: F1 is 1 for TFA-7, TFA-10.4 and SAFE-P2, 0 for the five others -> 3/8.
    assert report.macro_precision == pytest.approx(3 / 8)
    assert report.macro_recall == pytest.approx(3 / 8)
    assert report.macro_f1 == pytest.approx(3 / 8)

    data = report.to_json()
    assert set(data) == {"relevance", "micro", "macro", "per_provision"}
    assert data["per_provision"]["TFA-7"] == {  # type: ignore[index]
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 1,
    }
    assert data["per_provision"]["TFA-11"]["support"] == 0  # type: ignore[index]
    text = report.to_text(errors=True)
    assert "relevance" in text and "provisions (micro)" in text and "TFA-11" in text
    json.dumps(data)


# ----------------------------------------------------------------------------- reach


def test_dev_set_reach(parents: dict[str, str | None]) -> None:
    report = evaluate(read_labelled(DATA / "dev_set.csv"), Tagger.from_data(), parents)
    assert report.relevance.f1 >= 0.90, report.to_text(errors=True)
    assert report.micro.f1 >= 0.75, report.to_text(errors=True)


def test_command_line_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "holdout_set.csv"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == "holdout_set.csv"
    assert 0 <= data["micro"]["f1"] <= 1
