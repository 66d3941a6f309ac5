"""The list pages' server time on a database of imported activities.

python -m bench.lists DATABASE_URL [--repeat 7] [--explain] [--url /activities/?page=3 ...]

Run it on a database that ``bench.measure import`` (or ``cbcoord import_iati``) filled, for
example with the 100,000-activity corpus. Each URL is asked as the public, a partner editor
(the IDB: the visibility rule's EXISTS conditions) and the secretariat (reads everything),
through Django's test client with ``DEBUG`` off, as in production. Printed per URL and reader:
the median (and the best) server time, the number of queries and their time, and the
template time (the rendering of the page's templates less the queries run while rendering).
On a shared machine the best of the runs is the least disturbed figure. ``--explain`` prints
the plan of each page's slowest query (PostgreSQL: ``EXPLAIN ANALYZE``; SQLite: ``EXPLAIN
QUERY PLAN``).

The script knows no cbcoord internals beyond the URLs and the reference data (the IDB, the
WCO), so that it measures an older checkout the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

URLS = [
    "/activities/",
    "/activities/?page=2",
    "/activities/?page=150",
    "/activities/?region=AMC",
    "/activities/?region=AMC&page=40",
    "/activities/?sort=-budget",
    "/activities/?sort=title&page=10",
    "/activities/?country=DO",
    "/activities/?q=customs",
    "/api/activities",
    "/api/activities?page=150",
    "/api/activities?region=AMC",
]


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("CBCOORD_VAR_DIR", tempfile.mkdtemp(prefix="cbcoord-bench-lists-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django
    from django.conf import settings

    django.setup()
    # No collectstatic for a measurement: {% static %} without the manifest.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def _as_the_server_starts() -> None:
    """What ``cbcoord.wsgi`` does before the first request (``cbcoord.core.startup``: the
    views imported, what is loaded frozen out of the garbage collector's sight), when the
    checkout measured has it."""
    try:
        from cbcoord.core.startup import freeze_what_is_loaded
    except ImportError:
        return
    freeze_what_is_loaded()


def _readers() -> dict[str, Any]:
    from cbcoord.accounts.models import Role, User
    from cbcoord.registry.models import Organisation

    readers: dict[str, Any] = {"public": None}
    for name, role, key in (
        ("partner", Role.PARTNER_EDITOR, "idb"),
        ("secretariat", Role.SECRETARIAT, "wco"),
    ):
        user, _created = User.objects.get_or_create(username=f"bench-lists-{name}")
        user.role = role
        user.organisation = Organisation.objects.get(key=key)
        user.save()
        readers[name] = user
    return readers


class _Timer:
    """Query and template time of one request."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, tuple[Any, ...], float]] = []
        self.template_seconds = 0.0
        self.query_seconds_in_templates = 0.0
        self._rendering = 0

    def query(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.queries.append((sql, tuple(params or ()), elapsed))
            if self._rendering:
                self.query_seconds_in_templates += elapsed

    @contextmanager
    def rendering(self) -> Iterator[None]:
        outermost = self._rendering == 0
        self._rendering += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._rendering -= 1
            if outermost:
                self.template_seconds += time.perf_counter() - started


_current: list[_Timer] = []


def _patch_templates() -> None:
    from django.template.backends.django import Template

    render = Template.render

    def timed_render(self: Any, context: Any = None, request: Any = None) -> Any:
        if not _current:
            return render(self, context, request)
        with _current[-1].rendering():
            return render(self, context, request)

    Template.render = timed_render  # type: ignore[method-assign]


def _one(client: Any, url: str) -> _Timer:
    from django.db import connection

    timer = _Timer()
    _current.append(timer)
    try:
        with connection.execute_wrapper(timer.query):
            started = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            else:
                response.content  # noqa: B018
            timer.total = time.perf_counter() - started  # type: ignore[attr-defined]
    finally:
        _current.pop()
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    return timer


def _explain(sql: str, params: tuple[Any, ...]) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" " * 2 * (row[1] and 1) + str(row[3]) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print each slowest query's plan")
    parser.add_argument("--url", action="append", help="measure these URLs instead")
    parser.add_argument("--readers", default="public,partner,secretariat")
    options = parser.parse_args()
    _setup(options.database_url)
    _patch_templates()
    from django.db import connection
    from django.test import Client

    from cbcoord.activities.models import Activity

    readers = _readers()
    _as_the_server_starts()
    print(
        f"{connection.vendor}: {Activity.objects.count()} activities; median of "
        f"{options.repeat} after one warm-up; DEBUG off",
        flush=True,
    )
    print(
        f"{'URL':<36} {'reader':<12} {'server':>9} {'(best)':>9} {'queries':>8} {'db':>9} "
        f"{'template':>9}"
    )
    for url in options.url or URLS:
        for name in options.readers.split(","):
            client = Client()
            if readers[name] is not None:
                client.force_login(readers[name])
            _one(client, url)
            runs = [_one(client, url) for _ in range(options.repeat)]
            total = statistics.median(run.total for run in runs)  # type: ignore[attr-defined]
            best = min(run.total for run in runs)  # type: ignore[attr-defined]
            db = statistics.median(sum(q[2] for q in run.queries) for run in runs)
            template = statistics.median(
                run.template_seconds - run.query_seconds_in_templates for run in runs
            )
            count = len(runs[-1].queries)
            print(
                f"{url:<36} {name:<12} {total * 1000:7.1f}ms {best * 1000:7.1f}ms {count:8d} "
                f"{db * 1000:7.1f}ms "
                f"{template * 1000:7.1f}ms",
                flush=True,
            )
            if options.explain:
                sql, params, seconds = max(runs[-1].queries, key=lambda q: q[2])
                print(f"    slowest query {seconds * 1000:.1f} ms: {sql[:300]}")
                for line in _explain(sql, params).splitlines():
                    print("      " + line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
