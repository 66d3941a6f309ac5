"""Imports from the web pages and the API, run in a background thread of the serving process.

A large file takes longer to import than a WSGI server waits for a response, and nobody should
stare at a spinning page meanwhile: the request creates the run and returns, a thread imports,
and the run's report page follows it until it ends. If the process ends first (a restart),
the run stays "running" without progress and its page says it was interrupted
(``ImportRun.stalled``); importing the same file again completes it, as after any interruption.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cbcoord.iati import services
from cbcoord.iati.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_threads: dict[int, threading.Thread] = {}


def start(run: ImportRun, *, user: Any, path: Path) -> None:
    """Import ``path`` under ``run`` in a new thread, which removes ``path`` when done."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    thread = threading.Thread(
        target=_work, args=(run.pk, user_id, path), name=f"cbcoord-import-{run.pk}", daemon=True
    )
    with _lock:
        _threads[run.pk] = thread
    thread.start()


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


def _work(run_id: int, user_id: int | None, path: Path) -> None:
    try:
        run = ImportRun.objects.get(pk=run_id)
        user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
        services.run_import(run, user=user, path=path)
    except Exception as error:  # the run says what happened; the log has the trace
        logger.exception("background import run %s failed", run_id)
        ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            message=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
    finally:
        path.unlink(missing_ok=True)
        connection.close()  # this thread's own connection
        with _lock:
            _threads.pop(run_id, None)
