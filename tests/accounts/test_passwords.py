"""Passwords: stored with Argon2 in production, and older PBKDF2 hashes still sign in (and are
rehashed with Argon2 when they do). The test settings use a fast hasher; these tests put the
production list back."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import Client, override_settings

from cbcoord import settings as production
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_a_new_password_is_stored_with_argon2(reference: None) -> None:
    user: Any = UserFactory(username="ana")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("pw-ana")
    assert not user.check_password("pw-someone-else")


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_a_pbkdf2_password_signs_in_and_is_rehashed_with_argon2(reference: None) -> None:
    user: Any = UserFactory(username="ben")
    user.password = make_password("pw-ben", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = Client().post("/accounts/login/", {"username": "ben", "password": "pw-ben"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_new_hashes_carry_owasps_argon2id_parameters(reference: None) -> None:
    user: Any = UserFactory(username="cora")
    # argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash
    parameters = user.password.split("$")[3]
    assert parameters == "m=19456,t=2,p=1"


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_a_hash_with_djangos_default_argon2_parameters_is_rewritten_at_sign_in(
    reference: None,
) -> None:
    user: Any = UserFactory(username="dan")
    # Django's own Argon2 hasher wrote hashes like this one until now.
    user.password = Argon2PasswordHasher().encode("pw-dan", Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password

    response = Client().post("/accounts/login/", {"username": "dan", "password": "pw-dan"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in user.password
    assert user.check_password("pw-dan")
