"""Error pages have the site's layout, say what happened in the reader's language and offer a
way on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings


@pytest.fixture
def production_errors() -> Any:
    # With DEBUG on, Django shows its technical pages instead of the site's.
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        yield


@pytest.mark.parametrize(("language", "words"), [("en", "Nothing here")])
def test_not_found(production_errors: None, reference: None, language: str, words: str) -> None:
    browser = Client()
    browser.cookies["django_language"] = language
    response = browser.get("/organisations/no-such-organisation/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in html and words in html
    assert 'href="/accounts/login/?next=' in html and 'href="/"' in html


def test_forbidden_says_why_and_offers_a_way_on(
    production_errors: None, member_editor: Any, client_for: Callable[[Any], Client]
) -> None:
    response = client_for(member_editor).get("/imports/new/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="site-header"' in html
    assert "Only the secretariat and partner editors may import IATI files." in html
    assert "ask the WCO secretariat" in html


def test_server_error_page_renders_on_its_own(production_errors: None) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and 'href="/"' in html
