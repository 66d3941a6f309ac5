"""Evaluating the tagger against a labelled CSV.

Input: a UTF-8 CSV (RFC 4180 quoting) with a header row and the columns ``title``,
``description``, ``language`` (ISO 639-1, may be empty), ``expected_codes`` (provision codes
separated by ``;``, empty for non-relevant rows) and ``relevant`` (``yes``/``no``); other columns
are ignored.

How predictions are scored
--------------------------
**Relevance** is a binary decision per row; the positive class is "relevant". Precision, recall
and F1 are computed over all rows.

**Provisions.** For each row, the expected labels ``E`` (the row's codes; none when the row is not
relevant) are compared with the predicted codes ``P`` (the tagger's provisions; none when it
judges the row not relevant). A prediction ``p`` *answers* a label ``e`` when ``p == e`` or ``p``
lies below ``e`` in the hierarchy (``e`` is an ancestor of ``p``): TFA-7.4 answers TFA-7. The
pairs are chosen as a maximum matching between ``P`` and ``E`` over that relation, exact pairs
first, so that each label is answered by at most one prediction and each prediction answers at
most one label. Then:

* each matched pair is a true positive (TP), credited to the label's code;
* each label left unmatched is a false negative (FN) of its code;
* each prediction left unmatched is a false positive (FP) of its code: a prediction above a label
  (TFA-7 for TFA-7.4), a sibling (TFA-7.5 for TFA-7.4), a second prediction under a label that is
  already answered, or a code with no label at all.

**Micro** precision/recall/F1 add up TP, FP and FN over all rows. **Per provision**, precision is
TP/(TP+FP) and recall TP/(TP+FN) for the code (TP and FN keyed by the label's code, FP by the
predicted code); ``support`` is the number of labels with that code. **Macro** precision, recall
and F1 are the unweighted means of the per-provision figures over every code that has support or
was predicted (a ratio with a zero denominator counts as 0).

Run ``python -m cbcoord.tagging.evaluation FILE.csv`` to print the table (``--json`` for JSON).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .data import DEFAULT_PROVISIONS_CSV, load_provisions
from .engine import Tagger, TaggingInput

__all__ = [
    "LabelledDataError",
    "LabelledRow",
    "Report",
    "Scores",
    "evaluate",
    "load_parent_map",
    "match_labels",
    "read_labelled",
]

REQUIRED_COLUMNS = ("title", "description", "language", "expected_codes", "relevant")


class LabelledDataError(ValueError):
    """A labelled CSV that cannot be read; the message names the line and the column."""


@dataclass(frozen=True)
class LabelledRow:
    line: int
    title: str
    description: str
    language: str
    expected_codes: tuple[str, ...]
    relevant: bool
    note: str = ""


def load_parent_map(path: str | Path | None = None) -> dict[str, str | None]:
    """Provision code -> parent code (None at the top), straight from provisions.csv."""
    catalogue = load_provisions(Path(path) if path else DEFAULT_PROVISIONS_CSV)
    return {code: p.parent_code for code, p in catalogue.items()}


def read_labelled(path: str | Path, known_codes: Iterable[str] | None = None) -> list[LabelledRow]:
    """Rows of a labelled CSV (see the module docstring). ``known_codes`` defaults to the codes
    of provisions.csv; a code outside it is an error."""
    path = Path(path)
    codes = set(known_codes) if known_codes is not None else set(load_parent_map())
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelledDataError(f"{path.name}: not UTF-8 ({exc})") from exc
    rows: list[LabelledRow] = []
    header: list[str] | None = None
    for line, record in _records(path.name, text):
        where = f"{path.name} line {line}"
        if header is None:
            header = _header(where, record)
        elif record and any(f.strip() for f in record):
            values = _row_values(where, header, record)
            rows.append(_labelled_row(where, line, values, codes))
    if header is None:
        raise LabelledDataError(f"{path.name}: empty file (no header row)")
    return rows


def _records(name: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``text``, with the line where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        line = reader.line_num + 1  # the line where the next record starts
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LabelledDataError(f"{name} line {line}: {exc}") from exc
        yield line, record


def _header(where: str, record: list[str]) -> list[str]:
    header = [h.strip() for h in record]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise LabelledDataError(f"{where}: missing column {column!r}")
    return header


def _row_values(where: str, header: list[str], record: list[str]) -> dict[str, str]:
    """A record's values by column (the required ones, and the note when there is one)."""
    if len(record) > len(header):
        raise LabelledDataError(f"{where}: {len(record)} fields, the header has {len(header)}")
    values: dict[str, str] = {}
    for column in REQUIRED_COLUMNS + ("note",):
        if column not in header:
            continue
        index = header.index(column)
        if index >= len(record):
            if column == "note":
                continue
            raise LabelledDataError(f"{where}, column {column!r}: missing")
        values[column] = record[index].strip()
    return values


def _labelled_row(where: str, line: int, values: dict[str, str], codes: set[str]) -> LabelledRow:
    relevant_text = values["relevant"].lower()
    if relevant_text not in {"yes", "no"}:
        raise LabelledDataError(
            f"{where}, column 'relevant': expected yes or no, got {values['relevant']!r}"
        )
    language = values["language"].lower()
    if language and (len(language) != 2 or not language.isalpha()):
        raise LabelledDataError(
            f"{where}, column 'language': {values['language']!r} is not an ISO 639-1 code"
        )
    expected = _expected_codes(where, values["expected_codes"], codes)
    relevant = relevant_text == "yes"
    if expected and not relevant:
        raise LabelledDataError(
            f"{where}, column 'expected_codes': a row that is not relevant has no provision codes"
        )
    if not values["title"] and not values["description"]:
        raise LabelledDataError(f"{where}, column 'title': title and description are both empty")
    return LabelledRow(
        line=line,
        title=values["title"],
        description=values["description"],
        language=language,
        expected_codes=tuple(expected),
        relevant=relevant,
        note=values.get("note", ""),
    )


def _expected_codes(where: str, text: str, codes: set[str]) -> list[str]:
    """The provision codes of ``text`` (separated by ";"), each once, in their order."""
    expected: list[str] = []
    for code in (c.strip() for c in text.split(";")):
        if not code:
            continue
        if code not in codes:
            raise LabelledDataError(
                f"{where}, column 'expected_codes': unknown provision code {code!r}"
            )
        if code not in expected:
            expected.append(code)
    return expected


# ---------------------------------------------------------------------------- matching


def _is_ancestor(ancestor: str, code: str, parents: Mapping[str, str | None]) -> bool:
    seen: set[str] = set()
    parent = parents.get(code)
    while parent and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def match_labels(
    predicted: Sequence[str], expected: Sequence[str], parents: Mapping[str, str | None]
) -> list[tuple[str, str]]:
    """A maximum set of (prediction, label) pairs where the prediction equals the label or lies
    below it; exact pairs are taken first. Each code is used at most once on each side."""
    preds = list(dict.fromkeys(predicted))
    labels = list(dict.fromkeys(expected))
    pairs: list[tuple[str, str]] = []
    exact = set(preds) & set(labels)
    pairs.extend((c, c) for c in sorted(exact))
    preds = [p for p in preds if p not in exact]
    labels = [e for e in labels if e not in exact]
    edges = {p: [e for e in labels if _is_ancestor(e, p, parents)] for p in preds}
    owner: dict[str, str] = {}  # label -> prediction

    def augment(p: str, visited: set[str]) -> bool:
        for e in edges[p]:
            if e in visited:
                continue
            visited.add(e)
            if e not in owner or augment(owner[e], visited):
                owner[e] = p
                return True
        return False

    for p in sorted(preds, key=lambda c: (len(edges[c]), c)):
        augment(p, set())
    pairs.extend((p, e) for e, p in sorted(owner.items()))
    return pairs


# ---------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class RowOutcome:
    row: LabelledRow
    predicted_relevant: bool
    relevance_score: float
    predicted_codes: tuple[str, ...]
    matched: tuple[tuple[str, str], ...]
    false_positives: tuple[str, ...]
    false_negatives: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    relevance: Scores
    micro: Scores
    macro_precision: float
    macro_recall: float
    macro_f1: float
    per_provision: dict[str, Scores]
    outcomes: list[RowOutcome] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "relevance": self.relevance.as_dict(),
            "micro": self.micro.as_dict(),
            "macro": {
                "precision": round(self.macro_precision, 4),
                "recall": round(self.macro_recall, 4),
                "f1": round(self.macro_f1, 4),
            },
            "per_provision": {
                code: {**s.as_dict(), "support": s.tp + s.fn}
                for code, s in sorted(self.per_provision.items())
            },
        }

    def to_text(self, errors: bool = False) -> str:
        out = io.StringIO()
        rows = len(self.outcomes)
        out.write(f"Rows: {rows}\n\n")
        out.write(f"{'':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'TP':>6}{'FP':>6}{'FN':>6}\n")

        def line(name: str, p: float, r: float, f: float, s: Scores | None) -> None:
            counts = f"{s.tp:>6}{s.fp:>6}{s.fn:>6}" if s else ""
            out.write(f"{name:<22}{p:>10.3f}{r:>10.3f}{f:>10.3f}{counts}\n")

        rel, mic = self.relevance, self.micro
        line("relevance", rel.precision, rel.recall, rel.f1, rel)
        line("provisions (micro)", mic.precision, mic.recall, mic.f1, mic)
        line("provisions (macro)", self.macro_precision, self.macro_recall, self.macro_f1, None)
        out.write(f"\n{'provision':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}\n")
        for code, s in sorted(self.per_provision.items()):
            out.write(
                f"{code:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.tp + s.fn:>9}\n"
            )
        if errors:
            out.write("\nRows with a wrong decision:\n")
            for o in self.outcomes:
                wrong_relevance = o.predicted_relevant != o.row.relevant
                if not (wrong_relevance or o.false_positives or o.false_negatives):
                    continue
                head = f"line {o.row.line} [{o.row.language}] {o.row.title[:60]}"
                out.write(f"- {head}\n")
                if wrong_relevance:
                    out.write(
                        f"    relevance: expected {'yes' if o.row.relevant else 'no'}, "
                        f"score {o.relevance_score:.2f}\n"
                    )
                if o.false_positives:
                    out.write(f"    false positives: {', '.join(o.false_positives)}\n")
                if o.false_negatives:
                    out.write(f"    missed: {', '.join(o.false_negatives)}\n")
        return out.getvalue()


class _Tag(Protocol):
    @property
    def code(self) -> str: ...


class _Result(Protocol):
    @property
    def relevant(self) -> bool: ...

    @property
    def relevance_score(self) -> float: ...

    @property
    def provisions(self) -> Sequence[_Tag]: ...


class _Tagger(Protocol):
    def tag(self, item: TaggingInput) -> _Result: ...


def evaluate(
    rows: Sequence[LabelledRow], tagger: _Tagger, parents: Mapping[str, str | None]
) -> Report:
    """Run ``tagger`` on every row and score it (see the module docstring)."""
    relevance = {"tp": 0, "fp": 0, "fn": 0}
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    outcomes: list[RowOutcome] = []
    for row in rows:
        result = tagger.tag(
            TaggingInput(texts=[(row.language, row.title), (row.language, row.description)])
        )
        if result.relevant and row.relevant:
            relevance["tp"] += 1
        elif result.relevant:
            relevance["fp"] += 1
        elif row.relevant:
            relevance["fn"] += 1
        predicted = [t.code for t in result.provisions] if result.relevant else []
        expected = list(row.expected_codes) if row.relevant else []
        pairs = match_labels(predicted, expected, parents)
        used_p = {p for p, _ in pairs}
        used_e = {e for _, e in pairs}
        for _, e in pairs:
            tp[e] += 1
        false_pos = tuple(p for p in dict.fromkeys(predicted) if p not in used_p)
        false_neg = tuple(e for e in expected if e not in used_e)
        for p in false_pos:
            fp[p] += 1
        for e in false_neg:
            fn[e] += 1
        outcomes.append(
            RowOutcome(
                row=row,
                predicted_relevant=result.relevant,
                relevance_score=result.relevance_score,
                predicted_codes=tuple(predicted),
                matched=tuple(pairs),
                false_positives=false_pos,
                false_negatives=false_neg,
            )
        )
    codes = set(tp) | set(fp) | set(fn)
    per = {c: Scores(tp[c], fp[c], fn[c]) for c in codes}
    micro = Scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    n = len(per)
    return Report(
        relevance=Scores(**relevance),
        micro=micro,
        macro_precision=sum(s.precision for s in per.values()) / n if n else 0.0,
        macro_recall=sum(s.recall for s in per.values()) / n if n else 0.0,
        macro_f1=sum(s.f1 for s in per.values()) / n if n else 0.0,
        per_provision=per,
        outcomes=outcomes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cbcoord.tagging.evaluation",
        description="Score the tagger against a labelled CSV.",
    )
    parser.add_argument("csv", nargs="+", type=Path, help="labelled CSV file(s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--errors", action="store_true", help="list the rows it got wrong")
    parser.add_argument("--data-dir", type=Path, default=None, help="tagger data folder")
    args = parser.parse_args(argv)
    tagger = Tagger.from_data(args.data_dir)
    parents = load_parent_map()
    for path in args.csv:
        try:
            rows = read_labelled(path)
        except LabelledDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        report = evaluate(rows, tagger, parents)
        if args.json:
            print(json.dumps({"file": path.name, **report.to_json()}, indent=2))
        else:
            print(f"== {path.name}")
            print(report.to_text(errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
