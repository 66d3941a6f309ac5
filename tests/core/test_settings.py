"""Configuration read from the environment fails loudly and safely."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="cbcoord.settings")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )


def test_commands_run_without_a_secret_but_the_server_refuses() -> None:
    commands = _run("import django; django.setup(); print('ok')", DEBUG="0")
    assert commands.returncode == 0, commands.stderr
    server = _run("import cbcoord.wsgi", DEBUG="0")
    assert server.returncode != 0
    assert "SECRET_KEY must be set" in server.stderr


def test_malformed_boolean_is_refused_naming_the_variable() -> None:
    result = _run("import django; django.setup()", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr
