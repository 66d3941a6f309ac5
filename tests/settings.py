"""Settings of the test runs: the project's settings in development mode, a fast hasher.

Named in pyproject.toml (pytest-django's DJANGO_SETTINGS_MODULE), so that they hold however
pytest is started: the whole suite, one folder or one test.
"""

import os
from pathlib import Path

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("CBCOORD_VAR_DIR", str(Path(__file__).resolve().parents[1] / "var" / "test"))

from cbcoord.settings import *  # noqa: F403

# Hashing cost buys nothing in tests and dominates fixtures that create users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling counts failed logins per test run; the tests of it turn it on.
AXES_ENABLED = False
