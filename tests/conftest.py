"""Shared fixtures: reference data loaded once per database, and one persona per role."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from cbcoord.accounts.models import Role, User
from cbcoord.registry.models import Organisation
from tests.factories import UserFactory
from tests.shared import SHARED, require


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.postgres_only`` tests run on PostgreSQL only (DATABASE_URL, as CI's second
    run sets it); elsewhere they are skipped, saying why."""
    if item.get_closest_marker("postgres_only"):
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            pytest.skip("needs PostgreSQL (set DATABASE_URL, see .ci/pg-cluster.sh)")


@pytest.fixture(scope="session", autouse=True)
def _imports_in_the_request() -> Iterator[None]:
    """Tests import before the response, so that they can read the result at once; the tests of
    background imports (tests/imports/test_jobs.py, the browser journey) turn it back on."""
    from django.test import override_settings

    with override_settings(CBCOORD_IMPORT_IN_BACKGROUND=False):
        yield


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A request in another language leaves that language active in the thread (Django's
    LocaleMiddleware does not switch back): the next test would read its messages in it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference material (tests/shared.py): skipped without it, failed without it when
    CBCOORD_REQUIRE_SHARED=1."""
    return require(SHARED)


def _ensure_reference() -> None:
    from cbcoord.registry.models import Region

    if not Region.objects.exists():
        call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        _ensure_reference()


@pytest.fixture
def reference(db: None) -> None:
    """Reference data (regions, members, partners, instruments, codelists).

    Loaded once per session; reloaded after a browser test flushed the tables.
    """
    _ensure_reference()


@pytest.fixture
def wco(reference: None) -> Organisation:
    return Organisation.objects.get(key="wco")


@pytest.fixture
def idb(reference: None) -> Organisation:
    return Organisation.objects.get(key="idb")


@pytest.fixture
def imf(reference: None) -> Organisation:
    return Organisation.objects.get(key="imf")


@pytest.fixture
def dominican_customs(reference: None) -> Organisation:
    return Organisation.objects.get(key="customs-do")


@pytest.fixture
def jamaica_customs(reference: None) -> Organisation:
    return Organisation.objects.get(key="customs-jm")


@pytest.fixture
def secretariat(wco: Organisation) -> User:
    return UserFactory(username="alice-secretariat", role=Role.SECRETARIAT, organisation=wco)


@pytest.fixture
def partner_editor(idb: Organisation) -> User:
    return UserFactory(username="bob-idb", role=Role.PARTNER_EDITOR, organisation=idb)


@pytest.fixture
def other_partner_editor(imf: Organisation) -> User:
    return UserFactory(username="carol-imf", role=Role.PARTNER_EDITOR, organisation=imf)


@pytest.fixture
def member_editor(dominican_customs: Organisation) -> User:
    return UserFactory(username="dora-dga", role=Role.MEMBER_EDITOR, organisation=dominican_customs)


@pytest.fixture
def viewer(idb: Organisation) -> User:
    return UserFactory(username="victor-viewer", role=Role.VIEWER, organisation=idb)


@pytest.fixture
def personas(
    secretariat: User,
    partner_editor: User,
    other_partner_editor: User,
    member_editor: User,
    viewer: User,
) -> dict[str, User | None]:
    return {
        "secretariat": secretariat,
        "partner_editor": partner_editor,
        "other_partner_editor": other_partner_editor,
        "member_editor": member_editor,
        "viewer": viewer,
        "anonymous": None,
    }


@pytest.fixture
def client_for() -> Callable[[User | None], object]:
    from django.test import Client

    def make(user: User | None) -> Client:
        browser = Client()
        if user is not None:
            browser.force_login(user)
        return browser

    return make
