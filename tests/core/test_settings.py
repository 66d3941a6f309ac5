"""Configuration read from the environment fails loudly and safely."""

from __future__ import annotations

import os
import subprocess
import sys

_OURS = {
    "DEBUG",
    "SECRET_KEY",
    "CBCOORD_BEHIND_TLS_PROXY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
}


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in _OURS}
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


# A request claiming https in X-Forwarded-Proto, seen by the settings and by SecurityMiddleware.
_FORWARDED = """
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
response = SecurityMiddleware(lambda r: HttpResponse("ok"))(request)
print(getattr(settings, "SECURE_PROXY_SSL_HEADER", None), request.is_secure(), response.status_code)
"""


def test_forwarded_proto_is_trusted_only_behind_a_tls_proxy() -> None:
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "testserver"}
    direct = _run(_FORWARDED, **production)
    assert direct.returncode == 0, direct.stderr
    # Any client could send the header: without the setting it claims nothing, and plain
    # http is still redirected to https.
    assert direct.stdout.split() == ["None", "False", "301"]
    proxied = _run(_FORWARDED, **production, CBCOORD_BEHIND_TLS_PROXY="1")
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "200"]


def test_session_cookies_are_secure_unless_turned_off_for_plain_http() -> None:
    code = (
        "from django.conf import settings;"
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 50}
    assert _run(code, **production).stdout.split() == ["True", "True"]
    insecure = _run(code, **production, SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")
    assert insecure.stdout.split() == ["False", "False"], insecure.stderr


def test_negative_integer_is_refused_naming_the_variable() -> None:
    code = "from cbcoord.core.env import env_int; env_int('CBCOORD_THREADS', default=4, minimum=1)"
    result = _run(code, CBCOORD_THREADS="0")
    assert result.returncode != 0
    assert "CBCOORD_THREADS must be at least 1; got '0'" in result.stderr


def test_the_wsgi_application_loads_its_views_and_freezes_them() -> None:
    """The server's process imports its views at start and moves what it loaded out of the
    garbage collector's sight (``gc.freeze``), so that full collections during requests do
    not walk it."""
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "testserver"}
    loaded = _run(
        "import gc, sys; import cbcoord.wsgi; "
        "print(gc.get_freeze_count(), 'cbcoord.activities.views' in sys.modules)",
        **production,
    )
    assert loaded.returncode == 0, loaded.stderr
    frozen, views = loaded.stdout.split()
    assert int(frozen) > 10_000 and views == "True"
