"""gunicorn's configuration for cbcoord, read from the environment (README.md, "Deployment").

    gunicorn -c python:cbcoord.gunicorn_conf

Like the settings, a malformed value stops start-up with a message naming the variable.

Worker class: gthread, on purpose. Uploads and URL imports run in a background thread of the
worker that took the request (``CBCOORD_IMPORT_IN_BACKGROUND``, ``cbcoord.imports.jobs``), and
the import dies with its process. A sync worker is killed (SIGABRT) when one request runs
longer than ``timeout``: a slow page or a streamed IATI export of a large selection (about
1,300 activities a second) would take down an import running beside it. The background thread
alone does not trip a sync worker's timeout (its main loop still beats between requests), but
a gthread worker's main loop beats whatever its request threads do, so ``timeout`` only
catches a hung worker and the proxy's read timeout bounds slow requests. Threads also serve
other requests while one waits on the database.

Stopping: a stopping worker finishes its requests, then waits for its running imports (the
``worker_exit`` hook below) until gunicorn's ``graceful_timeout`` ends it. A reload (HUP) gives
an old worker ``timeout`` seconds of silence, not ``graceful_timeout``. An import cut short is
shown as interrupted and completed by importing the same file again.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from cbcoord.core.env import env_bool, env_int, env_list, env_str


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _workers() -> int:
    """CBCOORD_WORKERS, else WEB_CONCURRENCY (the name many platforms set), else cores + 1."""
    default = _cores() + 1
    if os.environ.get("CBCOORD_WORKERS", "").strip():
        return env_int("CBCOORD_WORKERS", default=default, minimum=1)
    return env_int("WEB_CONCURRENCY", default=default, minimum=1)


wsgi_app = "cbcoord.wsgi:application"
bind = env_list("CBCOORD_BIND", default=["127.0.0.1:8000"])
workers = _workers()
worker_class = "gthread"
threads = env_int("CBCOORD_THREADS", default=4, minimum=1)
timeout = env_int("CBCOORD_TIMEOUT", default=30, minimum=1)
graceful_timeout = env_int("CBCOORD_GRACEFUL_TIMEOUT", default=60, minimum=1)
keepalive = env_int("CBCOORD_KEEPALIVE", default=5, minimum=0)
# X-Forwarded-Proto is trusted only behind a TLS proxy, as in cbcoord/settings.py. gunicorn
# reads it too, from the addresses in forwarded_allow_ips (by default loopback), into
# wsgi.url_scheme, which Django takes for the scheme when SECURE_PROXY_SSL_HEADER is unset:
# without this, any local client could still claim https.
if env_bool("CBCOORD_BEHIND_TLS_PROXY", default=False):
    forwarded_allow_ips = ",".join(
        env_list("CBCOORD_FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])
    )
else:
    forwarded_allow_ips = ""
    secure_scheme_headers: dict[str, str] = {}
accesslog = env_str("CBCOORD_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "INFO").lower()
# The heartbeat files on tmpfs: a worker on a slow or full disk is not taken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn's control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl): two
# servers of one user would fight over it, and nothing here uses it.
control_socket_disable = True
proc_name = "cbcoord"


def worker_exit(server: Any, worker: Any) -> None:
    """Before a worker process ends, let its background imports finish, up to
    ``graceful_timeout`` (gunicorn kills the process after that anyway)."""
    jobs = sys.modules.get("cbcoord.imports.jobs")  # not imported: this worker started none
    if jobs is None:
        return
    deadline = time.monotonic() + worker.cfg.graceful_timeout
    for run_id in jobs.running():
        server.log.info("worker %s: waiting for import run %s to end", worker.pid, run_id)
        if not jobs.wait(run_id, timeout=max(deadline - time.monotonic(), 0)):
            server.log.warning(
                "worker %s: import run %s still running; it will show as interrupted "
                "(import the same file again to complete it)",
                worker.pid,
                run_id,
            )
