"""Imports from the web pages and the API, run in a background thread of the serving process.

A large file takes longer to import (or to download) than a WSGI server waits for a response, and
nobody should stare at a spinning page meanwhile: the request creates the run and returns, a
thread downloads (URL imports) and imports, and the run's report page follows it until it ends.
If the process ends first (a restart), the run stays "running" without progress and its page says
it was interrupted (``ImportRun.stalled``); importing the same file again completes it, as after
any interruption. Imports into one database run one at a time (``importer.import_lock``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cbcoord.accounts.actors import Actor
from cbcoord.core.errors import ServiceError
from cbcoord.imports import importer as services
from cbcoord.imports.fetch import download_slot, fetch_url_to_tempfile
from cbcoord.imports.models import ImportRun, ImportStage, ImportStatus

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_threads: dict[int, threading.Thread] = {}


def start(
    run: ImportRun, *, user: Actor | None, path: Path | None = None, url: str | None = None
) -> None:
    """Import ``path`` (a temporary file, removed when done) or the file at ``url`` under
    ``run``, in a new thread. Called inside a transaction (which may yet roll back, and whose
    run a new thread could not see), it imports here and now instead."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    if connection.in_atomic_block:
        used: Path | None = None
        try:
            used = _import(run.pk, user_id, path, url)
        finally:
            for leftover in (path, used):
                if leftover is not None:
                    leftover.unlink(missing_ok=True)
        return
    thread = threading.Thread(
        target=_work,
        args=(run.pk, user_id, path, url),
        name=f"cbcoord-import-{run.pk}",
        daemon=True,
    )
    with _lock:  # registered before it runs, so that its own clean-up finds it
        _threads[run.pk] = thread
        try:
            thread.start()
        except RuntimeError as error:  # no more threads to be had
            del _threads[run.pk]
            _record_failure(run.pk, f"the import could not start: {error}")
            if path is not None:
                path.unlink(missing_ok=True)


def wait(run_id: int, timeout: float | None = None) -> bool:
    """Wait for the background import of ``run_id`` to end (tests, shutdown); whether it has."""
    with _lock:
        thread = _threads.get(run_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


def running() -> list[int]:
    """The runs this process is importing now."""
    with _lock:
        return sorted(_threads)


def _work(run_id: int, user_id: int | None, path: Path | None, url: str | None) -> None:
    try:
        path = _import(run_id, user_id, path, url)
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
        connection.close()  # this thread's own connection
        with _lock:
            _threads.pop(run_id, None)


def _import(run_id: int, user_id: int | None, path: Path | None, url: str | None) -> Path | None:
    """Download (``url``) and import; return the file to remove. Records every failure."""
    try:
        run = ImportRun.objects.get(pk=run_id)
        user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
        if path is None:
            assert url is not None
            with download_slot(on_wait=lambda: services.set_stage(run, ImportStage.WAITING)):
                services.set_stage(run, ImportStage.DOWNLOADING)
                try:
                    path = fetch_url_to_tempfile(url, progress=_heartbeat(run))
                except ServiceError as error:  # unreachable, too large, too slow, ...
                    services.finish_run(run, ImportStatus.REFUSED, error.message)
                    return None
        services.run_import(run, user=user, path=path)
    except Exception as error:
        # run_import records (and logs) what fails while it writes; this is the rest.
        if _record_failure(run_id, f"{type(error).__name__}: {error}"):
            logger.exception("background import run %s failed", run_id)
    return path


def _heartbeat(run: ImportRun, every: float = 30.0) -> Callable[[int], None]:
    """A download's progress callback that moves the run's progress stamp now and then, so
    that a long download is not taken for an interrupted run."""
    last = time.monotonic()

    def beat(_received: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            run.progressed_at = timezone.now()
            run.save(update_fields=["progressed_at"])

    return beat


def _record_failure(run_id: int, message: str) -> bool:
    """Mark a run that is still running as failed; whether it was still running."""
    try:
        changed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, message=message[:2000], finished_at=timezone.now()
        )
    except Exception:  # the database itself is gone: the run will show as interrupted
        logger.exception("could not record the failure of import run %s", run_id)
        return True
    return bool(changed)
