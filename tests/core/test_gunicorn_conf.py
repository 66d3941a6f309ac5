"""The production server's configuration (cbcoord/gunicorn_conf.py), read from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from typing import Any

import pytest

_OURS = ("CBCOORD_", "WEB_CONCURRENCY", "LOG_LEVEL")

_PRINT = """
import cbcoord.gunicorn_conf as c
print(c.workers, c.threads, c.worker_class, c.timeout, c.graceful_timeout, c.bind,
      repr(c.forwarded_allow_ips), getattr(c, "secure_scheme_headers", "gunicorn's"))
"""


def _conf(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", _PRINT], capture_output=True, text=True, env=environment, check=False
    )


def test_values_come_from_the_environment() -> None:
    result = _conf(
        CBCOORD_WORKERS="5",
        WEB_CONCURRENCY="9",
        CBCOORD_THREADS="2",
        CBCOORD_TIMEOUT="40",
        CBCOORD_GRACEFUL_TIMEOUT="90",
        CBCOORD_BIND="127.0.0.1:9000,unix:/run/cbcoord.sock",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=5)[:5] == ["5", "2", "gthread", "40", "90"]
    assert "['127.0.0.1:9000', 'unix:/run/cbcoord.sock']" in result.stdout


def test_web_concurrency_stands_in_for_cbcoord_workers() -> None:
    result = _conf(WEB_CONCURRENCY="7")
    assert result.stdout.split()[0] == "7", result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CBCOORD_WORKERS", "many", "CBCOORD_WORKERS must be an integer; got 'many'"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be at least 1; got '0'"),
        ("CBCOORD_THREADS", "-1", "CBCOORD_THREADS must be at least 1"),
        ("CBCOORD_TIMEOUT", "30s", "CBCOORD_TIMEOUT must be an integer"),
        ("CBCOORD_BEHIND_TLS_PROXY", "maybe", "CBCOORD_BEHIND_TLS_PROXY must be one of"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    result = _conf(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_forwarded_proto_is_ignored_unless_behind_a_tls_proxy() -> None:
    # gunicorn would otherwise take X-Forwarded-Proto from loopback clients for the scheme.
    direct = _conf()
    assert direct.stdout.split()[-2:] == ["''", "{}"], direct.stderr
    proxied = _conf(CBCOORD_BEHIND_TLS_PROXY="1")
    assert proxied.stdout.split()[-2:] == ["'127.0.0.1,::1'", "gunicorn's"], proxied.stderr


def test_a_stopping_worker_waits_for_its_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    from cbcoord import gunicorn_conf

    waited: list[tuple[int, float]] = []
    jobs = types.SimpleNamespace(
        running=lambda: [3, 4],
        wait=lambda run_id, timeout: waited.append((run_id, timeout)) or run_id == 3,
    )
    monkeypatch.setitem(sys.modules, "cbcoord.imports.jobs", jobs)
    logged: list[Any] = []
    log = types.SimpleNamespace(
        info=lambda *args: logged.append(("info", *args)),
        warning=lambda *args: logged.append(("warning", *args)),
    )
    worker = types.SimpleNamespace(pid=99, cfg=types.SimpleNamespace(graceful_timeout=60))
    gunicorn_conf.worker_exit(types.SimpleNamespace(log=log), worker)
    assert [run_id for run_id, _ in waited] == [3, 4]
    assert all(0 < timeout <= 60 for _, timeout in waited)
    assert [entry[0] for entry in logged] == ["info", "info", "warning"]
    assert logged[-1][-1] == 4


def test_a_worker_that_imported_nothing_exits_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from cbcoord import gunicorn_conf

    monkeypatch.delitem(sys.modules, "cbcoord.imports.jobs", raising=False)
    gunicorn_conf.worker_exit(None, None)  # touches neither
