"""The import pages: upload, URL fetch, size limits, strict mode, who sees which runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cbcoord.activities.models import Activity
from cbcoord.core.errors import ServiceError
from cbcoord.imports.fetch import fetch_url_to_tempfile
from cbcoord.imports.models import ImportRun
from tests.factories import IATI_FILE

# Schema-invalid (activity-status before participating-org) but readable.
OUT_OF_ORDER = IATI_FILE.replace(
    '  <participating-org ref="XM-DAC-909" role="1" type="40"/>\n  <activity-status code="2"/>',
    '  <activity-status code="2"/>\n  <participating-org ref="XM-DAC-909" role="1" type="40"/>',
)


def _upload(client: Client, content: str, *, strict: bool = False, name: str = "idb.xml") -> Any:
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content.encode(), "application/xml")}
    if strict:
        data["strict"] = "on"
    return client.post(reverse("import-new"), data)


def test_partner_editor_uploads_and_reads_the_report(
    client_for: Callable[[Any], Client], partner_editor: Any
) -> None:
    client = client_for(partner_editor)
    response = _upload(client, IATI_FILE)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import-detail", args=[run.pk])
    assert run.user == partner_editor and run.source_kind == "upload" and run.added == 1
    html = client.get(response["Location"]).content.decode()
    assert run.sha256 in html
    assert '<td class="num" data-count="added">1</td>' in html
    assert Activity.objects.get().import_run == run


def test_strict_checkbox_refuses_schema_deviations(
    client_for: Callable[[Any], Client], partner_editor: Any
) -> None:
    client = client_for(partner_editor)
    _upload(client, OUT_OF_ORDER)
    lenient = ImportRun.objects.latest("pk")
    assert lenient.added == 1 and lenient.with_warnings == 1 and not lenient.strict
    html = client.get(reverse("import-detail", args=[lenient.pk])).content.decode()
    assert 'id="warned"' in html and "XM-DAC-909-MATRIX-1" in html
    Activity.objects.all().delete()
    _upload(client, OUT_OF_ORDER, strict=True)
    strict = ImportRun.objects.latest("pk")
    assert strict.strict and strict.added == 0 and strict.refused == 1
    html = client.get(reverse("import-detail", args=[strict.pk])).content.decode()
    assert 'id="refusals"' in html and "XM-DAC-909-MATRIX-1" in html


def test_refusals_of_other_organisations_activities_are_reported(
    client_for: Callable[[Any], Client], other_partner_editor: Any
) -> None:
    client = client_for(other_partner_editor)
    _upload(client, IATI_FILE)
    run = ImportRun.objects.get()
    assert run.refused == 1 and run.added == 0
    html = client.get(reverse("import-detail", args=[run.pk])).content.decode()
    assert "not your organisation" in html


def test_upload_over_the_limit_is_refused(
    client_for: Callable[[Any], Client], partner_editor: Any, settings: Any
) -> None:
    settings.CBCOORD_MAX_UPLOAD_BYTES = 100
    client = client_for(partner_editor)
    big = IATI_FILE + "<!--" + "x" * 70_000 + "-->\n"
    response = _upload(client, big)
    assert response.status_code == 413  # refused from the declared size, before reading it
    assert "larger than the 100" in response.content.decode()
    assert not ImportRun.objects.exists()
    # A file over the limit in a request within the slack for the other fields: refused too.
    response = _upload(client, IATI_FILE)
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("role", ["member_editor", "viewer", "anonymous"])
def test_who_may_not_import(
    personas: dict[str, Any], client_for: Callable[[Any], Client], role: str
) -> None:
    client = client_for(personas[role])
    expected = 302 if role == "anonymous" else 403  # anonymous: to the login page
    assert client.get(reverse("import-new")).status_code == expected
    assert _upload(client, IATI_FILE).status_code == expected
    assert client.get(reverse("import-list")).status_code == expected
    assert not ImportRun.objects.exists()


def test_runs_are_seen_by_their_user_and_the_secretariat(
    client_for: Callable[[Any], Client],
    partner_editor: Any,
    other_partner_editor: Any,
    secretariat: Any,
) -> None:
    _upload(client_for(partner_editor), IATI_FILE, name="mine.xml")
    run = ImportRun.objects.get()
    url = reverse("import-detail", args=[run.pk])
    assert "mine.xml" in client_for(partner_editor).get(reverse("import-list")).content.decode()
    assert "mine.xml" in client_for(secretariat).get(reverse("import-list")).content.decode()
    assert (
        "mine.xml"
        not in client_for(other_partner_editor).get(reverse("import-list")).content.decode()
    )
    assert client_for(other_partner_editor).get(url).status_code == 404
    assert client_for(secretariat).get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/activities.xml", "gopher://x/", "/etc/passwd"]
)
def test_fetch_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ServiceError, match="Only http and https"):
        fetch_url_to_tempfile(url)


def test_url_form_refuses_ftp_with_a_message(
    client_for: Callable[[Any], Client], partner_editor: Any
) -> None:
    response = client_for(partner_editor).post(
        reverse("import-new"), {"url": "ftp://example.org/activities.xml"}
    )
    assert response.status_code == 200
    assert "Only http and https" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_fetch_refuses_private_addresses_by_default() -> None:
    with pytest.raises(ServiceError, match="private network"):
        fetch_url_to_tempfile("http://127.0.0.1:9/activities.xml")


def test_url_import_end_to_end(
    client_for: Callable[[Any], Client], partner_editor: Any, iati_server: str
) -> None:
    response = client_for(partner_editor).post(
        reverse("import-new"), {"url": f"{iati_server}/idb/activities.xml", "strict": "on"}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.source_kind == "url" and run.strict and run.added == 1
    assert run.file_name == "activities.xml"


def test_fetch_limits(iati_server: str, settings: Any) -> None:
    received: list[int] = []
    path = fetch_url_to_tempfile(f"{iati_server}/ok.xml", progress=received.append)
    try:
        assert Path(path).read_text(encoding="utf-8") == IATI_FILE
        assert received and received[-1] == len(IATI_FILE.encode())
    finally:
        Path(path).unlink()
    with pytest.raises(ServiceError, match="redirected to an address that is not http"):
        fetch_url_to_tempfile(f"{iati_server}/redirect-to-file")
    with pytest.raises(ServiceError, match="HTTP 404"):
        fetch_url_to_tempfile(f"{iati_server}/missing")
    settings.CBCOORD_URL_IMPORT_MAX_BYTES = 100
    with pytest.raises(ServiceError, match="larger than"):
        fetch_url_to_tempfile(f"{iati_server}/big.xml")


def test_a_new_import_removes_files_left_by_imports_that_died(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client_for: Callable[[Any], Client],
    partner_editor: Any,
) -> None:
    """A server restart mid-import leaves its temporary file; the next import removes it once a
    day old, and leaves young files (imports running now) and other programs' files alone."""
    import os
    import tempfile
    import time

    from cbcoord.imports import services as imports

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    day_old = time.time() - imports.LEFTOVER_SECONDS - 60
    old_upload = tmp_path / "cbcoord-upload-abc.xml"
    old_download = tmp_path / "cbcoord-url-def.xml"
    young = tmp_path / "cbcoord-upload-running.xml"
    other = tmp_path / "cbcoord-something-else.xml"
    for path in (old_upload, old_download, young, other):
        path.write_text("<x/>")
    for path in (old_upload, old_download, other):
        os.utime(path, (day_old, day_old))
    assert _upload(client_for(partner_editor), IATI_FILE).status_code == 302
    assert not old_upload.exists() and not old_download.exists()
    assert young.exists() and other.exists()
    assert [p.name for p in tmp_path.glob("cbcoord-upload-*")] == ["cbcoord-upload-running.xml"]
