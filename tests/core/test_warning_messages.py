"""Data-quality warnings in the reader's language: one translatable message per code, with the
placeholders of its English template; older warnings (no code) keep their English reason; the
API gives the code and its parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cbcoord.accounts.models import User
from cbcoord.activities.models import Activity
from cbcoord.core.diagnostics import MESSAGES, warning_text
from cbcoord.iati import diagnostics
from cbcoord.imports.models import ImportRun
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

_PARAMS = {"attribute": "@code", "code": "99999", "codelist": "Sector"}
UNKNOWN_CODE = {
    "element": "iati-activity/sector",
    "line": 12,
    "reason": diagnostics.reason_of("codelist.unknown-code", _PARAMS),
    "code": "codelist.unknown-code",
    "params": _PARAMS,
}
OLD = {"element": "iati-activity", "line": 3, "reason": "an old sentence, stored in English"}
SPANISH = "{attribute} «{code}» no figura en la lista de códigos {codelist}"


@pytest.fixture
def spanish() -> Iterator[None]:
    """A Spanish translation of the unknown-code message, whatever the catalogue holds yet."""
    catalogue = translation.trans_real.translation("es")._catalog  # type: ignore[attr-defined]
    msgid = diagnostics.TEMPLATES["codelist.unknown-code"]
    first = catalogue._catalogs[0]
    before = first.get(msgid)
    first[msgid] = SPANISH
    yield
    if before is None:
        first.pop(msgid, None)
    else:
        first[msgid] = before


def test_every_code_has_a_translatable_message_worded_as_its_english_template() -> None:
    assert MESSAGES.keys() == diagnostics.TEMPLATES.keys()
    with translation.override("en"):
        for code, template in diagnostics.TEMPLATES.items():
            assert str(MESSAGES[code]) == template, code


def test_a_warning_is_written_in_the_active_language(spanish: None) -> None:
    with translation.override("es"):
        assert warning_text(UNKNOWN_CODE) == "@code «99999» no figura en la lista de códigos Sector"
    with translation.override("en"):
        assert warning_text(UNKNOWN_CODE) == "@code '99999' is not in the Sector codelist"


@pytest.mark.parametrize(
    "warning",
    [
        OLD,
        OLD | {"code": "no.such-code", "params": {}},
        OLD | {"code": "codelist.unknown-code", "params": {"attribute": "@code"}},  # too few
        OLD | {"code": "codelist.unknown-code", "params": "not a mapping"},
    ],
    ids=["before-codes", "unknown-code", "missing-param", "bad-params"],
)
def test_the_english_reason_is_kept_when_the_code_cannot_say_it(warning: Any) -> None:
    with translation.override("es"):
        assert warning_text(warning) == OLD["reason"]


def test_the_activity_page_shows_its_warnings_in_spanish(
    client: Client, idb: Organisation, spanish: None
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-WARN-1", reporting_org=idb)
    Activity.objects.filter(pk=activity.pk).update(warnings=[UNKNOWN_CODE, OLD])
    client.cookies["django_language"] = "es"
    html = client.get(reverse("activity-detail", args=[activity.iati_identifier])).content.decode()
    assert "@code «99999» no figura en la lista de códigos Sector" in html
    assert "is not in the Sector codelist" not in html
    assert OLD["reason"] in html


def test_the_import_report_shows_its_warnings_in_spanish(
    client: Client, secretariat: User, idb: Organisation, spanish: None
) -> None:
    run = ImportRun.objects.create(
        source="upload.xml", source_kind="upload", status="completed", file_warnings=[UNKNOWN_CODE]
    )
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-WARN-2", reporting_org=idb)
    Activity.objects.filter(pk=activity.pk).update(warnings=[UNKNOWN_CODE], import_run=run)
    client.force_login(secretariat)
    client.cookies["django_language"] = "es"
    html = client.get(reverse("import-detail", args=[run.pk])).content.decode()
    assert html.count("@code «99999» no figura en la lista de códigos Sector") >= 1
    assert "is not in the Sector codelist" not in html


def test_the_api_gives_each_warnings_code_and_parameters(
    client: Client, idb: Organisation, secretariat: User
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-WARN-3", reporting_org=idb)
    Activity.objects.filter(pk=activity.pk).update(warnings=[UNKNOWN_CODE, OLD])
    warnings = client.get(f"/api/activities/{activity.iati_identifier}").json()["warnings"]
    assert warnings[0] == {
        "element": "iati-activity/sector",
        "line": 12,
        "reason": "@code '99999' is not in the Sector codelist",
        "code": "codelist.unknown-code",
        "params": {"attribute": "@code", "code": "99999", "codelist": "Sector"},
    }
    assert warnings[1] == OLD | {"code": "", "params": {}}
    run = ImportRun.objects.create(
        source="upload.xml", source_kind="upload", status="completed", file_warnings=[UNKNOWN_CODE]
    )
    client.force_login(secretariat)
    found = client.get(f"/api/imports/{run.pk}").json()["file_warnings"]
    assert found[0]["code"] == "codelist.unknown-code"
    assert found[0]["params"]["codelist"] == "Sector"
