"""Streaming, safe, tolerant reading of IATI 2.01-2.03 activity files, stage by stage.

* ``filecheck``: ``check_file(path)``, the pre-pass over the whole file (well-formed, in its
  declared encoding, no DOCTYPE, an activity file of a supported version, 1.x refused), run
  before anything is written;
* ``values``: the numbers, dates, date-times and booleans of attributes and texts;
* ``reader``: the per-element reader, one ``iati-activity`` into its stored content;
* ``batches``: a batch of activities validated against the 2.03 schema in one libxml2 call,
  then read;
* ``stream``: ``iter_activity_content(path)`` and ``iter_activities(path)``, the activities of a
  file in document order, in flat memory;
* ``pieces``: ``plan_pieces(path)`` and ``iter_piece_content``, a large file cut at activity start
  tags so that reader processes can share it.

What cannot be read faithfully refuses its activity (``RefusedActivity``: no identifier, no usable
reporting-org). A value that does not parse (a date, a number, a boolean) is a data-quality
warning naming the element, line and value, and the activity is read without it: its field
stays empty (an attribute's value is kept as published in the extra content); with
``strict=True`` it refuses the activity, as any schema error does.
"""

from __future__ import annotations

from cbcoord.iati.reading.common import XML_LANG
from cbcoord.iati.reading.filecheck import SUPPORTED_VERSIONS, check_file
from cbcoord.iati.reading.pieces import (
    PIECE_BYTES,
    PIECE_END,
    Piece,
    PieceError,
    PiecePlan,
    iter_piece_content,
    plan_pieces,
)
from cbcoord.iati.reading.reader import SINGLE_CHILDREN
from cbcoord.iati.reading.stream import iter_activities, iter_activity_content

__all__ = [
    "PIECE_BYTES",
    "PIECE_END",
    "SINGLE_CHILDREN",
    "SUPPORTED_VERSIONS",
    "XML_LANG",
    "Piece",
    "PieceError",
    "PiecePlan",
    "check_file",
    "iter_activities",
    "iter_activity_content",
    "iter_piece_content",
    "plan_pieces",
]
