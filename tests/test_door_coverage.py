"""Every write has a door row: each URL pattern and API route that accepts POST, PUT, PATCH or
DELETE is requested, with that method, by a row of some ``tests/<app>/test_doors.py``. A new
page or route that writes fails here until the permission matrix tests it (tests/doors.py).

The rows' requests are recorded, not sent: each module's ``make_context`` builds the records its
doors act on (in a savepoint, undone after), each row's ``act`` runs against a client that
notes the method and the path, and the path is resolved to its URL pattern. What a route
accepts comes from the view: django-ninja's operations, a class-based view's handlers, or
``require_http_methods`` (``require_POST``, ``require_safe``); a page view that declares none
accepts every method, so it counts as a write (declare ``@require_safe`` on a page that only
reads).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from ninja.operation import PathView

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Routes that accept a write but are no app's door, and why.
NOT_DOORS = {
    "i18n/setlang/": "Django's language switch: sets the language cookie, writes no record",
    "accounts/login/": "Django's sign-in (its throttling: tests/accounts/test_security.py)",
    "accounts/logout/": "Django's sign-out",
    "accounts/password/": "Django's change of one's own password (tests/accounts/test_security.py)",
    "api/": "django-ninja's home of the API, which reads nothing",
    "api/docs": "django-ninja's documentation page",
    "api/openapi.json": "django-ninja's OpenAPI schema",
}
# Route prefixes that are no app's door.
NOT_DOOR_PREFIXES = {
    "admin/": "the Django admin, the secretariat's back office (tests/core/test_admin.py)",
}

TESTS = Path(__file__).resolve().parent


def _patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def accepted_methods(view: Callable[..., Any]) -> set[str] | None:
    """The HTTP methods ``view`` accepts, or None when it declares none (then it takes all)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {name.upper() for name in view_class.http_method_names if hasattr(view_class, name)}
    for cell in getattr(view, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return {method for op in cell.cell_contents.operations for method in op.methods}
    function: Any = view
    while function is not None:  # through the decorators (functools.wraps sets __wrapped__)
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("request_method_list")]
            return {method.upper() for method in cell.cell_contents}
        function = getattr(function, "__wrapped__", None)
    return None


def write_routes() -> set[tuple[str, str]]:
    """(method, route) of every write the URL configuration accepts, but the NOT_DOORS."""
    found = set()
    for route, pattern in _patterns(get_resolver().url_patterns):
        if route in NOT_DOORS or route.startswith(tuple(NOT_DOOR_PREFIXES)):
            continue
        methods = accepted_methods(pattern.callback)
        for method in WRITES if methods is None else methods & WRITES:
            found.add((method, route))
    return found


class RecordingClient(Client):
    """A test client that notes each request instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str]] = []

    def request(self, **request: Any) -> HttpResponse:  # type: ignore[override]
        self.requests.append((request["REQUEST_METHOD"], request["PATH_INFO"]))
        return HttpResponse()


def door_modules() -> list[Any]:
    return [
        importlib.import_module(f"tests.{path.parent.name}.test_doors")
        for path in sorted(TESTS.glob("*/test_doors.py"))
    ]


def requested_by_doors(personas: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(method, route) of every request a door row makes, with the rows that make it."""
    requested: dict[tuple[str, str], list[str]] = {}
    for module in door_modules():
        with transaction.atomic():
            context = module.make_context(personas)
            for door in module.DOORS:
                client = RecordingClient()
                door.act(client, context)
                assert client.requests, f"{module.__name__}: {door} makes no request"
                for method, path in client.requests:
                    route = resolve(path).route
                    requested.setdefault((method, route), []).append(f"{module.__name__}: {door}")
            transaction.set_rollback(True)
    return requested


def test_every_app_with_doors_has_its_module(reference: None) -> None:
    """The modules this test reads are there, each with its rows and their context."""
    modules = door_modules()
    assert {module.__name__.split(".")[1] for module in modules} >= {
        "accounts",
        "activities",
        "imports",
        "meetings",
        "needs",
        "registry",
    }
    for module in modules:
        assert module.DOORS and callable(module.make_context), module.__name__


def test_every_write_has_a_door_row(reference: None, personas: dict[str, Any]) -> None:
    requested = requested_by_doors(personas)
    missing = sorted(write_routes() - set(requested))
    assert not missing, (
        "writes without a row in any tests/<app>/test_doors.py (add one; a page that only "
        "reads declares @require_safe): "
        + ", ".join(f"{method} /{route}" for method, route in missing)
    )


def test_door_rows_request_writes(reference: None, personas: dict[str, Any]) -> None:
    """A row requests a write its route accepts: a row that reads, or names a route that does
    not take its method, tests no door."""
    writes = write_routes()
    not_writes = {
        f"{method} /{route}: {', '.join(rows)}"
        for (method, route), rows in requested_by_doors(personas).items()
        if (method, route) not in writes
    }
    assert not not_writes, sorted(not_writes)


def test_the_exemptions_name_routes_that_exist() -> None:
    routes = {route for route, _pattern in _patterns(get_resolver().url_patterns)}
    assert set(NOT_DOORS) <= routes
    assert all(any(r.startswith(prefix) for r in routes) for prefix in NOT_DOOR_PREFIXES)
