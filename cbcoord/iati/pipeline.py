"""Read an IATI file into batches ready for the database, in this process or in a worker.

``Prepared`` is what the database layer needs of an activity: its identifier, its canonical JSON,
its reporting organisation, its warnings. Reading and validating is about half the cost of an
import and writing the other half, so for large files a worker process reads while this process
proves the file well-formed and then writes: the two halves overlap on two cores. Nothing here
imports Django; the worker is a fresh interpreter (``spawn``), not a fork of a server process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import queue as queue_module
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cbcoord.iati.model import IatiFileError, Narratives, ParsedActivity, RefusedActivity
from cbcoord.iati.parser import iter_activities

logger = logging.getLogger(__name__)

# Below this size a worker's start-up (a new interpreter, the schema) costs more than it saves.
WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024
# Batches waiting in the queue; bounds memory whatever the file's size.
QUEUE_BATCHES = 8
_DONE = "done"
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


@dataclass(slots=True)
class Prepared:
    iati_identifier: str
    content_json: str
    reporting_ref: str | None
    reporting_name: str
    reporting_type: str | None
    warnings: list[dict[str, Any]]
    source_line: int


Item = Prepared | RefusedActivity


def english_or_any(narratives: Narratives | None) -> str:
    """The English text, else the one without a language, else any (as pages pick for "en")."""
    if not narratives:
        return ""
    for language in ("en", ""):
        if narratives.get(language):
            return narratives[language]
    return next((text for text in narratives.values() if text), "")


def prepare(parsed: ParsedActivity) -> Prepared:
    reporting = parsed.reporting_org
    return Prepared(
        iati_identifier=parsed.iati_identifier,
        content_json=parsed.content_json(),
        reporting_ref=reporting.ref,
        reporting_name=english_or_any(reporting.name),
        reporting_type=reporting.type,
        warnings=[warning.to_dict() for warning in parsed.warnings],
        source_line=parsed.source_line,
    )


def _batches(path: Path, *, strict: bool, batch_size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in iter_activities(path, strict=strict):
        batch.append(item if isinstance(item, RefusedActivity) else prepare(item))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _worker(path: str, strict: bool, batch_size: int, out: Any) -> None:
    try:
        with few_collections():
            for batch in _batches(Path(path), strict=strict, batch_size=batch_size):
                out.put(("batch", batch))
        out.put((_DONE, None))
    except IatiFileError as error:
        out.put(("file_error", (error.message, error.line)))
    except BaseException as error:
        out.put(("crash", f"{type(error).__name__}: {error}"))


class PreparedReader:
    """Batches of a file's activities; ``start()`` before the whole-file check, iterate after.

    In worker mode the reading starts at ``start()`` and overlaps whatever the caller does next
    (the well-formedness check); batches are consumed only when the caller iterates.
    """

    def __init__(
        self, path: Path, *, strict: bool, batch_size: int, use_worker: bool | None = None
    ) -> None:
        self.path = path
        self.strict = strict
        self.batch_size = batch_size
        if use_worker is None:
            use_worker = path.stat().st_size >= WORKER_THRESHOLD_BYTES
        self.use_worker = use_worker
        self._process: Any = None
        self._queue: Any = None

    def start(self) -> None:
        if not self.use_worker:
            return
        context = multiprocessing.get_context("spawn")
        self._queue = context.Queue(maxsize=QUEUE_BATCHES)
        self._process = context.Process(
            target=_worker,
            args=(str(self.path), self.strict, self.batch_size, self._queue),
            daemon=True,
        )
        try:
            self._process.start()
        except (OSError, RuntimeError):
            # No processes to be had (a locked-down host): read in this process instead.
            logger.warning("could not start the IATI reader process; reading in-process")
            self._queue.close()
            self._process = self._queue = None
            self.use_worker = False

    def __iter__(self) -> Iterator[list[Item]]:
        if not self.use_worker:
            yield from _batches(self.path, strict=self.strict, batch_size=self.batch_size)
            return
        received = False
        while True:
            try:
                kind, payload = self._queue.get(timeout=2)
            except queue_module.Empty:
                if self._process.is_alive():
                    continue
                if received:
                    raise RuntimeError("the IATI reader process stopped without a word") from None
                # It died before sending anything (for example a calling script that re-runs
                # itself on import under "spawn"): nothing was consumed, so read here instead.
                logger.warning("the IATI reader process did not start; reading in-process")
                self.close()
                self.use_worker = False
                yield from _batches(self.path, strict=self.strict, batch_size=self.batch_size)
                return
            if kind == "batch":
                received = True
                yield payload
            elif kind == _DONE:
                return
            elif kind == "file_error":
                message, line = payload
                raise IatiFileError(message, line=line)
            else:
                raise RuntimeError(f"the IATI reader process failed: {payload}")

    def close(self) -> None:
        """Stop the worker (after an error, or when the caller gives up)."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            if self._process.pid is not None:
                self._process.join(timeout=5)
            self._queue.close()
            self._process = None
