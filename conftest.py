"""Test-run defaults, set before Django reads its settings."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("CBCOORD_VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))


def pytest_configure() -> None:
    from django.conf import settings

    # Hashing cost buys nothing in tests and dominates fixtures that create users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
