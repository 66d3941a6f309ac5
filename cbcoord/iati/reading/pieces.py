"""Piece cutting: a large file cut at activity start tags, each piece read on its own.

``plan_pieces(path)`` cuts a file at activity start tags and ``iter_piece_content`` reads chosen
pieces on their own (each behind the file's prefix), exactly as the whole file reads, line
numbers included: the importer's reader processes share a file this way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from lxml import etree

from cbcoord.iati.reading.common import CUTTABLE_ENCODING, SAFE, PathLike
from cbcoord.iati.reading.filecheck import probe_header
from cbcoord.iati.reading.stream import ActivityStream
from cbcoord.iati.records import ActivityContent, IatiFileError, RefusedActivity

__all__ = [
    "PIECE_BYTES",
    "PIECE_END",
    "Piece",
    "PieceError",
    "PiecePlan",
    "iter_piece_content",
    "plan_pieces",
]


# A piece of a file that a reader process parses on its own: about this many bytes of whole
# activities (some 300 of a typical publisher's, one batch). Larger pieces cost the reader more
# memory than they save time: 3 MB ones took each reader from 53 to 62 MB.
PIECE_BYTES = 1024 * 1024
_RE_ACTIVITY_START = re.compile(rb"<iati-activity[ \t\r\n/>]")
_ROOT_END = b"</iati-activities>"


@dataclasses.dataclass(frozen=True, slots=True)
class Piece:
    """Bytes ``start`` to ``end`` of a file: whole activities (and what lies between them).
    ``line`` is the line of ``start``."""

    start: int
    end: int
    line: int


@dataclasses.dataclass(frozen=True, slots=True)
class PiecePlan:
    """A file cut into pieces: each is parsed as ``prefix`` (the file up to its first activity:
    the XML declaration and the root start tag) + the piece + the root's end tag."""

    prefix: bytes
    pieces: list[Piece]

    def digest(self) -> str:
        """Tells two plans of a file apart (readers that cut the file at different times)."""
        digest = hashlib.sha256(self.prefix)
        for piece in self.pieces:
            digest.update(f"{piece.start},{piece.end},{piece.line};".encode())
        return digest.hexdigest()


class _RootCounter:
    """Parser target that counts elements and keeps the first one's tag."""

    def __init__(self) -> None:
        self.tags: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.tags.append(tag)

    def close(self) -> list[str]:
        return self.tags


def plan_pieces(path: PathLike, *, piece_bytes: int = PIECE_BYTES) -> PiecePlan | None:
    """Cut a well-formed activity file into pieces at activity start tags, or None when this
    file cannot be cut safely (then it is read whole).

    A cut is found by looking for the bytes ``<iati-activity``, which may also sit in a comment
    or a CDATA section. A piece whose end cut is such a false one does not parse (the comment is
    not closed, or the element is not), so ``iter_piece_content`` raises ``PieceError`` and its
    caller reads on from there in the whole file; a piece that parses proves that the next cut
    is a true one. The first cut is proven here: the prefix alone must be the root start tag.
    """
    header, _ = probe_header(path)
    if (
        header.version is None  # the 1.x shape is looked for in the first activity only
        or header.root_tag != "iati-activities"
        or not CUTTABLE_ENCODING.match(header.encoding)
    ):
        return None
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 2 * piece_bytes:
            return None  # one piece: nothing to share
        first = _find_cut(f, 0)
        if first is None:
            return None
        f.seek(0)
        prefix = f.read(first)
        if not _is_bare_root(prefix):
            return None
        pieces: list[Piece] = []
        start, line = first, prefix.count(b"\n") + 1
        while start < size:
            end = _find_cut(f, start + piece_bytes)
            end = size if end is None else end
            f.seek(start)
            body = f.read(end - start)
            if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
                return None  # a lone CR ends a line for libxml2 as well: not counted here
            pieces.append(Piece(start, end, line))
            line += body.count(b"\n")
            start = end
    return PiecePlan(prefix, pieces)


def _find_cut(f: BinaryIO, position: int) -> int | None:
    """The offset of the first activity start tag at or after ``position``."""
    window = 64 * 1024
    carry = b""
    f.seek(position)
    offset = position
    while True:
        data = f.read(window)
        if not data:
            return None
        block = carry + data
        m = _RE_ACTIVITY_START.search(block)
        if m:
            return offset - len(carry) + m.start()
        carry = block[-16:]
        offset += len(data)


def _is_bare_root(prefix: bytes) -> bool:
    """Whether ``prefix`` is the start of an activity file up to inside its root element and no
    further: the XML declaration, comments, and the root start tag, with no other element."""
    parser = etree.XMLParser(target=_RootCounter(), **SAFE)
    try:
        tags = etree.fromstring(prefix + _ROOT_END, parser)
    except etree.XMLSyntaxError:
        return False
    return bool(tags == ["iati-activities"])


class _PieceSource:
    """A file object for the parser: ``prefix``, the piece, then ``suffix``, handed over in the
    sizes the parser asks for."""

    def __init__(self, *parts: bytes) -> None:
        self._parts = [memoryview(part) for part in parts if part]

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            part = self._parts[0]
            if size < 0 or size >= len(part):
                self._parts.pop(0)
                return bytes(part)
            self._parts[0] = part[size:]
            return bytes(part[:size])
        return b""


def _no_stray_lang(body: bytes) -> bool:
    """True when every ``xml:lang`` in ``body`` opens a ``narrative`` or ``iati-activity`` start
    tag (the usual way of writing them): then none sits where the fast reading does not look.
    Anything else (another element, another spelling, the words in a text) says "perhaps"."""
    found = body.count(b"xml:lang")
    return found == body.count(b"<narrative xml:lang") + body.count(b"<iati-activity xml:lang")


class PieceError(Exception):
    """A piece of a file did not parse: its end was not a true cut. Read on in the whole file."""


PIECE_END = None  # yielded by iter_piece_content after the last activity of each piece


def iter_piece_content(
    path: PathLike,
    plan: PiecePlan,
    indexes: Iterable[int],
    *,
    strict: bool = False,
    codelists: bool = True,
    batch_size: int = 64,
) -> Iterator[ActivityContent | RefusedActivity | None]:
    """The activities of the pieces ``indexes`` of ``plan``, each piece followed by
    ``PIECE_END``; exactly what ``iter_activity_content`` yields for them, lines included.

    Raises ``PieceError`` when a piece does not parse (see ``plan_pieces``), after yielding the
    activities of that piece before the point where it failed, which are true ones."""
    stream = ActivityStream(path, strict=strict, codelists=codelists, batch_size=batch_size)
    prefix_lines = plan.prefix.count(b"\n")
    last = len(plan.pieces) - 1
    with open(path, "rb") as f:
        for index in indexes:
            piece = plan.pieces[index]
            f.seek(piece.start)
            body = f.read(piece.end - piece.start)
            source = _PieceSource(plan.prefix, body, b"" if index == last else _ROOT_END)
            # the first piece follows the prefix in the file too: its offset is 0
            offset = piece.line - prefix_lines - 1
            try:
                yield from stream.read(
                    source, line_offset=offset, stray_lang_possible=not _no_stray_lang(body)
                )
            except IatiFileError as error:
                raise PieceError(f"piece {index}: {error.message}") from None
            yield PIECE_END
