"""Reading a file in pieces (``plan_pieces``, ``iter_piece_content``) gives exactly what reading
it whole gives, lines included; a file that cannot be cut safely is not cut."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cbcoord.iati.corpus import generate_corpus
from cbcoord.iati.reading import (
    PIECE_END,
    PieceError,
    iter_activity_content,
    iter_piece_content,
    plan_pieces,
)
from cbcoord.iati.records import ActivityContent, RefusedActivity
from tests.iati.helpers import with_false_cuts

PIECE = 8_000  # bytes: the test file (about 250 kB) makes some thirty pieces


def _pretty_corpus(path: Path, count: int) -> str:
    """A corpus file, indented (so that lines matter), with a schema error, an unknown code
    and an activity without reporting-org in its later activities."""
    raw = path.with_suffix(".raw.xml")
    generate_corpus(raw, count, seed=11)
    text = etree.tostring(
        etree.parse(str(raw)), pretty_print=True, xml_declaration=True, encoding="UTF-8"
    ).decode()
    starts = [i for i in range(len(text)) if text.startswith("<iati-activity ", i)]

    def after_identifier(ordinal: int, insert: str) -> str:
        at = text.index("</iati-identifier>", starts[ordinal]) + len("</iati-identifier>")
        return text[:at] + insert + text[at:]

    # from the last to the first, so that earlier offsets stay right
    cut_at = text.index("<reporting-org", starts[count - 5])
    end = text.index("</reporting-org>", cut_at) + len("</reporting-org>")
    text = text[:cut_at] + text[end:]
    text = after_identifier(count - 10, '\n    <activity-scope code="99"/>')
    text = after_identifier(count - 15, "\n    <not-an-iati-element/>")
    return text


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pieces") / "pieces.xml"
    path.write_text(_pretty_corpus(path, 60), encoding="utf-8")
    return path


def _key(item: ActivityContent | RefusedActivity) -> tuple[Any, ...]:
    if isinstance(item, RefusedActivity):
        return ("refused", item.identifier, item.line, item.element, item.reason)
    warnings = [dataclasses.astuple(w) for w in item.warnings]
    return ("read", item.content, item.source_line, warnings)


@pytest.mark.parametrize("strict", [False, True])
def test_pieces_read_as_the_whole_file(corpus: Path, strict: bool) -> None:
    plan = plan_pieces(corpus, piece_bytes=PIECE)
    assert plan is not None and len(plan.pieces) > 10
    whole = [_key(item) for item in iter_activity_content(corpus, strict=strict)]
    read = list(iter_piece_content(corpus, plan, range(len(plan.pieces)), strict=strict))
    assert read.count(PIECE_END) == len(plan.pieces)
    assert [_key(item) for item in read if item is not PIECE_END] == whole
    # the deviations sit in late pieces, far below the first piece's lines
    flagged = [key for key in whole if key[0] == "refused" or key[3]]
    assert len(flagged) >= 2
    first_piece_lines = plan.pieces[1].line
    assert all(
        (key[2] if key[0] == "refused" else key[3][0][1]) > first_piece_lines for key in flagged
    )


def test_pieces_taken_apart_read_the_same(corpus: Path) -> None:
    """Two readers taking every other piece, put back in order, read the whole file."""
    plan = plan_pieces(corpus, piece_bytes=PIECE)
    assert plan is not None
    turns = [
        _split(list(iter_piece_content(corpus, plan, range(k, len(plan.pieces), 2))))
        for k in (0, 1)
    ]
    merged = [item for i in range(len(plan.pieces)) for item in turns[i % 2][i // 2]]
    assert [_key(item) for item in merged] == [_key(item) for item in iter_activity_content(corpus)]


def _split(items: list[Any]) -> list[list[Any]]:
    pieces: list[list[Any]] = [[]]
    for item in items:
        if item is PIECE_END:
            pieces.append([])
        else:
            pieces[-1].append(item)
    return pieces[:-1]


def test_lines_of_pieces_are_file_lines(corpus: Path) -> None:
    plan = plan_pieces(corpus, piece_bytes=PIECE)
    assert plan is not None
    data = corpus.read_bytes()
    for piece in plan.pieces:
        assert data[piece.start :].startswith(b"<iati-activity ")
        assert piece.line == data.count(b"\n", 0, piece.start) + 1
    assert [p.end for p in plan.pieces[:-1]] == [p.start for p in plan.pieces[1:]]
    assert plan.pieces[-1].end == len(data)


def test_a_false_cut_in_a_comment_stops_the_piece(tmp_path: Path, corpus: Path) -> None:
    """The bytes "<iati-activity" inside a comment are no activity: the piece that ends there
    does not parse, after yielding the true activities before it."""
    path = with_false_cuts(corpus, tmp_path / "comment.xml", repeat=2_000)  # 34 kB > a piece
    plan = plan_pieces(path, piece_bytes=PIECE)
    assert plan is not None
    whole = [_key(item) for item in iter_activity_content(path)]
    read: list[Any] = []
    items = iter_piece_content(path, plan, range(len(plan.pieces)))
    with pytest.raises(PieceError, match="comment.xml"):
        read.extend(_key(item) for item in items if item is not PIECE_END)
    assert 0 < len(read) < len(whole)
    assert read == whole[: len(read)]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r"), id="lone-carriage-returns"),
        pytest.param(
            lambda b: b.replace(b"<iati-activity ", b"<other/><iati-activity ", 1),
            id="element-before-the-first-activity",
        ),
        pytest.param(lambda b: b.replace(b' version="2.03"', b"", 1), id="no-version"),
        pytest.param(
            lambda b: (
                b.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")
            ),
            id="utf-16",
        ),
        pytest.param(lambda b: b[: 2 * PIECE - 1], id="smaller-than-two-pieces"),
    ],
)
def test_files_not_cut(tmp_path: Path, corpus: Path, change: Any) -> None:
    assert plan_pieces(corpus, piece_bytes=PIECE) is not None
    path = _write(tmp_path / "uncut.xml", change(corpus.read_bytes()))
    assert plan_pieces(path, piece_bytes=PIECE) is None


def test_windows_line_ends_are_cut(tmp_path: Path, corpus: Path) -> None:
    path = _write(tmp_path / "crlf.xml", corpus.read_bytes().replace(b"\n", b"\r\n"))
    plan = plan_pieces(path, piece_bytes=PIECE)
    assert plan is not None
    read = iter_piece_content(path, plan, range(len(plan.pieces)))
    assert [_key(item) for item in read if item is not PIECE_END] == [
        _key(item) for item in iter_activity_content(path)
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<title>", '<title xml:lang="fr">'),  # where the fast reading does not look
        ("<narrative xml:lang=", "<narrative\n xml:lang="),  # an unusual spelling
        ("</description>", "<!-- xml:lang --></description>"),  # the words, not an attribute
    ],
)
def test_xml_lang_outside_narratives_read_as_in_the_whole_file(
    tmp_path: Path, corpus: Path, old: str, new: str
) -> None:
    """A piece is searched for xml:lang where the fast reading would miss it only when its
    bytes do not rule that out; either way it reads as the whole file does."""
    text = corpus.read_text(encoding="utf-8")
    late = text.index("<iati-activity ", len(text) // 2)  # far from the activities made faulty
    at = text.index(old, late)
    path = tmp_path / "lang.xml"
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    plan = plan_pieces(path, piece_bytes=PIECE)
    assert plan is not None
    whole = [_key(item) for item in iter_activity_content(path)]
    read = iter_piece_content(path, plan, range(len(plan.pieces)))
    assert [_key(item) for item in read if item is not PIECE_END] == whole
    if old == "<title>":
        kept = [key for key in whole if key[0] == "read" and "XML/1998/namespace}lang" in str(key)]
        assert kept  # the careful reading kept the attribute: the search was made


@pytest.mark.parametrize("strict", [False, True])
def test_an_element_between_activities_leaves_the_next_ones_validated(
    tmp_path: Path, corpus: Path, strict: bool
) -> None:
    """libxml2 stops validating a root's children after one its content model rejects; the
    publisher's own element between activities must not spare the activities after it."""
    text = corpus.read_text(encoding="utf-8")
    starts = [i for i in range(len(text)) if text.startswith("<iati-activity ", i)]
    faulty = text.index("</iati-identifier>", starts[22]) + len("</iati-identifier>")
    text = text[:faulty] + "<not-an-iati-element/>" + text[faulty:]
    text = text[: starts[20]] + "<publisher-note/>\n" + text[starts[20] :]
    path = tmp_path / "between.xml"
    path.write_text(text, encoding="utf-8")
    whole = [_key(item) for item in iter_activity_content(path, strict=strict, batch_size=64)]
    flagged = whole[22]
    if strict:
        assert flagged[0] == "refused" and "not-an-iati-element" in flagged[4]
    else:
        assert any("not-an-iati-element" in warning[0] for warning in flagged[3])
    plan = plan_pieces(path, piece_bytes=PIECE)
    assert plan is not None
    read = iter_piece_content(path, plan, range(len(plan.pieces)), strict=strict)
    assert [_key(item) for item in read if item is not PIECE_END] == whole
