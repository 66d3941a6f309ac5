"""Read an IATI file into batches ready for the database, in this process or in a worker.

``Prepared`` is what the database layer needs of an activity: its identifier, its canonical JSON
and hash, the columns and index rows derived from it, its reporting organisation, its warnings.
Reading, validating and deriving is about half the cost of an import and writing the other half,
so for large files a worker process reads while this process proves the file well-formed and then
writes: the two halves overlap on two cores. Nothing here
imports Django; the worker is a fresh interpreter (``spawn``), not a fork of a server process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from cbcoord.iati.narratives import pick
from cbcoord.iati.reading import (
    PIECE_BYTES,
    PIECE_END,
    PieceError,
    PiecePlan,
    iter_activity_content,
    iter_piece_content,
    plan_pieces,
)
from cbcoord.iati.records import ActivityContent, IatiFileError, RefusedActivity

logger = logging.getLogger(__name__)

# Below this size a worker's start-up (a new interpreter, the schema) costs more than it saves.
WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024
# Batches waiting in each worker's queue (about 3 MB each); bounds memory whatever the file's size.
QUEUE_BATCHES = 3
# Reader processes for a large file. Reading is the larger half of an import, so on two cores
# two readers (each reading every other piece of the file) and the writer keep both cores busy
# where one reader left the writer waiting.
DEFAULT_WORKERS = 2
_DONE = "done"
_FALLBACK = "fallback"  # a piece did not parse: read on in the whole file, in this process
_PLAN = "plan"  # each worker's first word: how it cut the file (all must have cut it alike)
_NO_PLAN_YET = object()
# An import allocates millions of short-lived objects and few cycles; collecting the youngest
# generation every 50,000 allocations instead of 700 (and not re-scanning the objects that
# existed before the import) saves about a tenth of its time.
_GC_THRESHOLD = 50_000


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Run the body with rare garbage collections; the settings are restored when the last of
    the imports running in this process (threads of a server) ends."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(_GC_THRESHOLD, *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)
                gc.unfreeze()


class Derivation(NamedTuple):
    """What the caller derives from each activity's content where it is read (in the reader
    process), so that the writing process only writes. ``encode(content)`` returns
    ``(columns, index_rows)`` as JSON types (decimals are sent as text); ``decode(columns,
    index_rows)`` turns them back into what the writer wants. Both must be module-level
    functions: the reader processes receive them by reference (``spawn``)."""

    encode: Callable[[dict[str, Any]], tuple[Any, Any]]
    decode: Callable[[Any, Any], tuple[Any, Any]]


def _nothing(content: dict[str, Any]) -> tuple[Any, Any]:
    return None, None


def _unchanged(columns: Any, index_rows: Any) -> tuple[Any, Any]:
    return columns, index_rows


#: Derives nothing: ``Prepared.columns`` and ``index_rows`` stay None.
NO_DERIVATION = Derivation(_nothing, _unchanged)


class Prepared(NamedTuple):
    """An activity ready for the database: its content as canonical JSON and everything derived
    from it, computed where it is read (the worker), so that the writing process only writes."""

    iati_identifier: str
    content_json: str
    content_hash: str
    columns: Any  # what the Derivation's decode made of its encode's output
    index_rows: Any
    reporting_ref: str | None
    reporting_name: str
    reporting_type: str | None
    warnings: list[dict[str, Any]]
    source_line: int


Item = Prepared | RefusedActivity

# A batch crosses between processes as two byte strings, never as pickled objects: the JSON
# contents end to end, and one orjson array describing each activity (pickling the same objects
# cost more than a tenth of an import).
Encoded = tuple[bytes, bytes]
_ACTIVITY, _REFUSED = 1, 0


def _as_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__}")


def encode(
    items: list[ActivityContent | RefusedActivity], derivation: Derivation = NO_DERIVATION
) -> Encoded:
    """A batch as read, with its JSON, hashes, columns and index rows, as bytes."""
    rows: list[list[Any]] = []
    contents: list[bytes] = []
    for item in items:
        if isinstance(item, RefusedActivity):
            rows.append([_REFUSED, item.identifier, item.line, item.element, item.reason])
            continue
        content = item.content
        content_json = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)  # = canonical_json()
        columns, index = derivation.encode(content)
        reporting = content["reporting_org"]
        rows.append(
            [
                _ACTIVITY,
                content["iati_identifier"],
                len(content_json),
                hashlib.sha256(content_json).hexdigest(),
                columns,
                index,
                reporting["ref"],
                pick(reporting["name"], "en"),
                reporting["type"],
                [warning.to_dict() for warning in item.warnings],
                item.source_line,
            ]
        )
        contents.append(content_json)
    return orjson.dumps(rows, default=_as_text), b"".join(contents)


def decode(encoded: Encoded, derivation: Derivation = NO_DERIVATION) -> list[Item]:
    header, contents = encoded
    items: list[Item] = []
    offset = 0
    for row in orjson.loads(header):
        if row[0] == _REFUSED:
            items.append(RefusedActivity(*row[1:]))
            continue
        _, identifier, size, content_hash, values, index, ref, name, type_, warnings, line = row
        content_json = contents[offset : offset + size].decode()
        offset += size
        columns, index_rows = derivation.decode(values, index)
        items.append(
            Prepared(
                identifier,
                content_json,
                content_hash,
                columns,
                index_rows,
                ref,
                name,
                type_,
                warnings,
                line,
            )
        )
    return items


def _encoded_batches(
    path: Path,
    *,
    strict: bool,
    batch_size: int,
    share: tuple[int, int] = (0, 1),
    skip: int = 0,
    derivation: Derivation = NO_DERIVATION,
) -> Iterator[Encoded]:
    """Encoded batches of ``batch_size`` activities; with ``share=(k, n)``, the k-th of every n;
    ``skip`` activities at the start of the file left out."""
    batch: list[ActivityContent | RefusedActivity] = []
    items = iter_activity_content(
        path, strict=strict, share=share, share_size=batch_size, skip=skip
    )
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield encode(batch, derivation)
            batch = []
    if batch:
        yield encode(batch, derivation)


def _encoded_piece_batches(
    path: Path,
    plan: PiecePlan,
    indexes: range,
    *,
    strict: bool,
    batch_size: int,
    derivation: Derivation = NO_DERIVATION,
) -> Iterator[tuple[Encoded, bool]]:
    """Encoded batches of the pieces ``indexes``, each with whether it ends its piece."""
    batch: list[ActivityContent | RefusedActivity] = []
    items = iter_piece_content(path, plan, indexes, strict=strict, batch_size=batch_size)
    for item in items:
        if item is PIECE_END:
            yield encode(batch, derivation), True
            batch = []
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            yield encode(batch, derivation), False
            batch = []


def _batches(
    path: Path,
    *,
    strict: bool,
    batch_size: int,
    skip: int = 0,
    piece_bytes: int = PIECE_BYTES,
    derivation: Derivation = NO_DERIVATION,
) -> Iterator[list[Item]]:
    """Batches read in this process: piece by piece when the file can be cut (libxml2 counts
    lines past 65,535 one too many for some elements; a piece's lines stay below that), else,
    or from activity ``skip`` on, the whole file."""
    plan = plan_pieces(path, piece_bytes=piece_bytes) if skip == 0 else None
    if plan is not None:
        received = 0
        pieces = _encoded_piece_batches(
            path,
            plan,
            range(len(plan.pieces)),
            strict=strict,
            batch_size=batch_size,
            derivation=derivation,
        )
        try:
            for encoded, _ in pieces:
                items = decode(encoded, derivation)
                received += len(items)
                yield items
            return
        except PieceError:
            skip = received  # a false cut: the rest as one whole
    for encoded in _encoded_batches(
        path, strict=strict, batch_size=batch_size, skip=skip, derivation=derivation
    ):
        yield decode(encoded, derivation)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# How often a reader looks whether its parent is still there, where the kernel cannot be asked
# to tell it (not Linux), or in case the parent died before it asked.
PARENT_CHECK_SECONDS = 1.0


def end_with_parent(parent: int, *, death_signal: bool = True) -> None:
    """Make this process (a reader) end when its parent process ``parent`` does.

    A reader's parent may be killed (SIGKILL, the OOM killer) without a chance to stop it;
    re-parented, the reader would wait for ever on its full queue, holding its memory. On Linux
    the kernel is asked to kill it when the parent ends (``prctl(PR_SET_PDEATHSIG)``; strictly,
    when the parent's thread that started it ends, which is the thread that reads from it and
    stops it anyway). Everywhere, a daemon thread also looks every ``PARENT_CHECK_SECONDS``
    whether the parent is still its parent, and ends the process if not. ``death_signal=False``
    leaves the kernel out (for the tests of the watchdog).
    """
    if death_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl to be had: the watchdog below does it, a second later
    if os.getppid() != parent:  # the parent ended before we asked: nobody will read us
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(1)  # no clean-up to do: what this process holds goes with it


def _worker(
    path: str,
    strict: bool,
    batch_size: int,
    share: tuple[int, int],
    out: Any,
    piece_bytes: int = PIECE_BYTES,
    derivation: Derivation = NO_DERIVATION,
    parent: int | None = None,
) -> None:
    """Read a share of the file into ``out`` as ``(kind, payload, ends_turn)`` messages.

    With several workers each takes every n-th piece of the file (``plan_pieces``) and parses
    only those; a file that cannot be cut is parsed whole by each, which reads every n-th run
    of ``batch_size`` activities. Either way the receiver takes batches from one worker until a
    batch ends its turn, then from the next. Started as a process of ``parent``, it ends when
    that process ends (``end_with_parent``).
    """
    if parent is not None:
        end_with_parent(parent)
    index, count = share
    try:
        with few_collections():
            plan = plan_pieces(path, piece_bytes=piece_bytes) if count > 1 else None
            out.put((_PLAN, plan.digest() if plan is not None else None, False))
            if plan is None:
                for batch in _encoded_batches(
                    Path(path),
                    strict=strict,
                    batch_size=batch_size,
                    share=share,
                    derivation=derivation,
                ):
                    out.put(("batch", batch, True))
            else:
                for batch, ends_piece in _encoded_piece_batches(
                    Path(path),
                    plan,
                    range(index, len(plan.pieces), count),
                    strict=strict,
                    batch_size=batch_size,
                    derivation=derivation,
                ):
                    out.put(("batch", batch, ends_piece))
        out.put((_DONE, "whole" if plan is None else "pieces", True))
    except PieceError as error:
        out.put((_FALLBACK, str(error), True))
    except IatiFileError as error:
        out.put(("file_error", (error.message, error.line), True))
    except BaseException as error:
        out.put(("crash", f"{type(error).__name__}: {error}", True))


class PreparedReader:
    """Batches of a file's activities; ``start()`` before the whole-file check, iterate after.

    In worker mode ``workers`` processes start reading at ``start()`` and overlap whatever the
    caller does next (the well-formedness check). Each reads every ``workers``-th piece of the
    file (see ``_worker``); the caller receives the batches in document order, taking them from
    the workers in turn. If a piece turns out not to parse on its own, the workers stop and the
    rest of the file is read in this process, from the first activity not yet received.
    """

    def __init__(
        self,
        path: Path,
        *,
        strict: bool,
        batch_size: int,
        use_worker: bool | None = None,
        workers: int = DEFAULT_WORKERS,
        piece_bytes: int = PIECE_BYTES,
        derivation: Derivation = NO_DERIVATION,
    ) -> None:
        self.path = path
        self.derivation = derivation
        self.piece_bytes = piece_bytes
        self.read_in_pieces = False  # known at the end: whether the workers cut the file
        self.strict = strict
        self.batch_size = batch_size
        if use_worker is None:
            use_worker = path.stat().st_size >= WORKER_THRESHOLD_BYTES
        self.use_worker = use_worker
        self.workers = max(1, workers)
        self._processes: list[Any] = []
        self._queues: list[Any] = []

    def start(self) -> None:
        if not self.use_worker:
            return
        context = multiprocessing.get_context("spawn")
        try:
            for index in range(self.workers):
                out = context.Queue(maxsize=QUEUE_BATCHES)
                self._queues.append(out)
                process = context.Process(
                    target=_worker,
                    args=(
                        str(self.path),
                        self.strict,
                        self.batch_size,
                        (index, self.workers),
                        out,
                        self.piece_bytes,
                        self.derivation,
                        os.getpid(),
                    ),
                    daemon=True,
                )
                process.start()
                self._processes.append(process)
        except (OSError, RuntimeError):
            # No processes to be had (a locked-down host): read in this process instead.
            logger.warning("could not start the IATI reader processes; reading in-process")
            self.close()
            self.use_worker = False

    def __iter__(self) -> Iterator[list[Item]]:
        """Batches of at least ``batch_size`` (but the last): a piece's batches are joined with
        the next piece's, for a write costs less per activity in larger batches."""
        pending: list[Item] = []
        for items in self._received():
            pending.extend(items)
            if len(pending) >= self.batch_size:
                yield pending
                pending = []
        if pending:
            yield pending

    def _received(self) -> Iterator[list[Item]]:  # noqa: C901 - one receive loop over the reader processes' messages and its shared turn state
        if not self.use_worker:
            yield from _batches(
                self.path,
                strict=self.strict,
                batch_size=self.batch_size,
                piece_bytes=self.piece_bytes,
                derivation=self.derivation,
            )
            return
        received = 0  # activities (and refusals) received, in document order
        index = 0  # the worker whose turn it is
        started = False
        plan: object = _NO_PLAN_YET
        while True:
            try:
                kind, payload, ends_turn = self._queues[index].get(timeout=2)
            except queue_module.Empty:
                if self._processes[index].is_alive():
                    continue
                if started:
                    raise RuntimeError("an IATI reader process stopped without a word") from None
                # It died before sending anything (for example a calling script that re-runs
                # itself on import under "spawn"): nothing was consumed, so read here instead.
                logger.warning("the IATI reader process did not start; reading in-process")
                yield from self._read_here(skip=0)
                return
            started = True
            if kind == _PLAN:
                if plan is _NO_PLAN_YET:
                    plan = payload
                elif payload != plan:
                    # The workers cut the file differently: it changed under them. Whatever was
                    # received came from one consistent reading; the rest is read here.
                    logger.warning("%s changed while it was read; reading on in-process", self.path)
                    yield from self._read_here(skip=received)
                    return
                continue
            if kind == "batch":
                if ends_turn:
                    index = (index + 1) % self.workers
                items = decode(payload, self.derivation)
                received += len(items)
                yield items
            elif kind == _DONE:
                self.read_in_pieces = payload == "pieces"
                return  # the next batch in document order does not exist: none does
            elif kind == _FALLBACK:
                logger.info("%s: %s; reading on in-process", self.path.name, payload)
                yield from self._read_here(skip=received)
                return
            elif kind == "file_error":
                message, line = payload
                raise IatiFileError(message, line=line)
            else:
                raise RuntimeError(f"the IATI reader process failed: {payload}")

    def _read_here(self, *, skip: int) -> Iterator[list[Item]]:
        """Stop the workers and read the file from activity ``skip`` on in this process."""
        self.close()
        self.use_worker = False
        yield from _batches(
            self.path,
            strict=self.strict,
            batch_size=self.batch_size,
            skip=skip,
            piece_bytes=self.piece_bytes,
            derivation=self.derivation,
        )

    def close(self) -> None:
        """Stop the workers (after an error, or when the caller gives up)."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            if process.pid is not None:
                process.join(timeout=5)
        for out in self._queues:
            out.close()
        self._processes = []
        self._queues = []
