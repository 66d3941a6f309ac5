"""Imports from the web pages and the API run in a background thread; the report follows them."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cbcoord.activities.models import Activity
from cbcoord.imports import jobs
from cbcoord.imports.models import ImportRun
from cbcoord.imports.services import import_upload
from tests.factories import bearer, iati_file_text

FILE = iati_file_text({"identifier": "XM-DAC-909-BG-1"})

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_background() -> Any:
    with override_settings(CBCOORD_IMPORT_IN_BACKGROUND=True):
        yield


def _upload(name: str = "bg.xml", data: str = FILE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data.encode(), content_type="application/xml")


def test_an_upload_returns_at_once_and_the_thread_imports(
    in_background: None, reference: None, secretariat: Any, client_for: Any, tmp_path: Path
) -> None:
    browser = client_for(secretariat)
    response = browser.post(reverse("import-new"), {"file": _upload()})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import-detail", args=[run.pk])
    assert jobs.wait(run.pk, timeout=60)
    run.refresh_from_db()
    assert run.status == "completed" and run.added == 1 and run.stage == "done"
    assert run.progressed_at is not None and run.finished_at is not None
    assert Activity.objects.filter(iati_identifier="XM-DAC-909-BG-1").exists()
    assert run.pk not in jobs.running()
    html = browser.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' not in html  # finished: the page stops following
    assert "run-running" not in html


def test_the_report_of_a_running_import_follows_it_and_a_stalled_one_says_so(
    reference: None, secretariat: Any, client_for: Any
) -> None:
    run = ImportRun.objects.create(source="x.xml", source_kind="upload", user=secretariat)
    url = reverse("import-detail", args=[run.pk])
    browser = client_for(secretariat)
    html = browser.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'id="run-running"' in html
    assert 'id="run-stage"' not in html  # not started yet
    assert not run.stalled
    ImportRun.objects.filter(pk=run.pk).update(stage="checking")
    assert "Checking the whole file" in browser.get(url).content.decode()

    long_ago = timezone.now() - dt.timedelta(hours=1)
    ImportRun.objects.filter(pk=run.pk).update(started_at=long_ago, progressed_at=long_ago)
    run.refresh_from_db()
    assert run.stalled
    html = browser.get(url).content.decode()
    assert 'id="run-stalled"' in html and "Import the same file again" in html
    assert 'hx-trigger="every 2s"' not in html


def test_the_temporary_file_goes_and_a_crash_marks_the_run_failed(
    in_background: None, reference: None, secretariat: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []

    def explode(run: ImportRun, *, user: Any, path: Path) -> ImportRun:
        seen.append(path)
        assert path.exists()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("cbcoord.imports.importer.run_import", explode)
    run = import_upload(user=secretariat, upload=_upload())
    assert jobs.wait(run.pk, timeout=60)
    run.refresh_from_db()
    assert run.status == "failed" and run.message == "RuntimeError: disk on fire"
    assert run.finished_at is not None
    assert seen and not seen[0].exists()


def test_the_api_answers_with_the_running_run(
    in_background: None, reference: None, secretariat: Any, client: Any
) -> None:
    response = client.post("/api/imports", {"file": _upload()}, headers=bearer(secretariat))
    assert response.status_code == 201
    run = response.json()
    assert run["status"] in {"running", "completed"}
    assert jobs.wait(run["id"], timeout=60)
    done = client.get(f"/api/imports/{run['id']}", headers=bearer(secretariat)).json()
    assert done["status"] == "completed" and done["added"] == 1


def test_imports_of_the_same_activities_at_once_take_turns(
    in_background: None, reference: None, secretariat: Any
) -> None:
    """A double submit (or two servers) imports the same activities twice at once: the batches
    take turns, so neither finds the other's new rows missing and inserts them again."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database locks tables instead of waiting for writers")
    data = iati_file_text(*({"identifier": f"XM-DAC-909-TURN-{i}"} for i in range(40)))
    runs = [
        import_upload(user=secretariat, upload=_upload(f"same-{i}.xml", data)) for i in range(3)
    ]
    for run in runs:
        assert jobs.wait(run.pk, timeout=120)
        run.refresh_from_db()
        assert run.status == "completed", run.message
    turn = Activity.objects.filter(iati_identifier__startswith="XM-DAC-909-TURN-")
    assert turn.count() == 40 and not turn.filter(withdrawn_at__isnull=False).exists()
    assert sum(run.added for run in runs) == 40
    assert sum(run.unchanged for run in runs) == 80


def test_an_import_waits_for_the_one_running_and_stays_alive_meanwhile(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One import at a time per database; a waiting run's progress stamp moves, so that its
    page does not call it interrupted."""
    from cbcoord.imports import importer as services

    monkeypatch.setattr(services, "_LOCK_POLL_SECONDS", 0.01)
    monkeypatch.setattr(services, "_HEARTBEAT_SECONDS", 0.05)
    first = ImportRun.objects.create(source="first.xml", source_kind="path")
    second = ImportRun.objects.create(source="second.xml", source_kind="path")
    got_lock = threading.Event()

    def wait_for_the_lock() -> None:
        try:
            with services.import_lock(second):
                got_lock.set()
        finally:
            connection.close()

    with services.import_lock(first):
        waiting = threading.Thread(target=wait_for_the_lock)
        waiting.start()
        time.sleep(0.5)
        assert not got_lock.is_set()
        second.refresh_from_db()
        assert second.progressed_at is not None  # the heartbeat of a waiting run
        assert second.stage == "waiting"
    waiting.join(10)
    assert got_lock.is_set()


def test_a_report_polled_after_the_session_ended_sends_the_browser_to_log_in(
    reference: None, secretariat: Any, client_for: Any
) -> None:
    run = ImportRun.objects.create(source="x.xml", source_kind="upload", user=secretariat)
    url = reverse("import-detail", args=[run.pk])
    anonymous = client_for(None)
    polled = anonymous.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert polled["HX-Redirect"].startswith(reverse("login") + "?next=")
    plain = anonymous.get(url)  # an ordinary request is redirected as before
    assert plain.status_code == 302 and "HX-Redirect" not in plain


def test_a_thread_that_holds_the_lock_may_import_again(reference: None) -> None:
    from cbcoord.imports import importer as services

    run = ImportRun.objects.create(source="outer.xml", source_kind="path")
    entered: list[str] = []

    def nested() -> None:
        try:
            with services.import_lock(run), services.import_lock(run):
                entered.append("inner")
        finally:
            connection.close()

    worker = threading.Thread(target=nested)
    worker.start()
    worker.join(10)
    assert entered == ["inner"] and not worker.is_alive()


def test_inside_a_transaction_the_lock_lasts_until_it_ends(reference: None) -> None:
    """PostgreSQL: taken inside a transaction, the lock is the transaction's, so that the next
    import cannot start on rows not yet committed (and a failed transaction cannot keep it)."""
    from django.db import transaction

    from cbcoord.imports import importer as services

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's advisory locks")
    run = ImportRun.objects.create(source="in-transaction.xml", source_kind="path")
    other_got_it = threading.Event()

    def other() -> None:
        try:
            with services.import_lock(run):
                other_got_it.set()
        finally:
            connection.close()

    with transaction.atomic():
        with services.import_lock(run):
            pass
        waiting = threading.Thread(target=other)
        waiting.start()
        time.sleep(1.5)
        assert not other_got_it.is_set()  # the lock was released, but the transaction has not ended
    waiting.join(10)
    assert other_got_it.is_set()


def test_started_inside_a_transaction_the_import_runs_at_once(
    in_background: None, reference: None, secretariat: Any, tmp_path: Path
) -> None:
    from django.db import transaction

    from cbcoord.imports.importer import create_run

    path = tmp_path / "inside.xml"
    path.write_text(FILE, encoding="utf-8")
    with transaction.atomic():
        run = create_run(user=secretariat, path=path, source="inside.xml", source_kind="upload")
        jobs.start(run, user=secretariat, path=path)
        run.refresh_from_db()
        assert run.status == "completed" and run.added == 1
    assert not path.exists() and run.pk not in jobs.running()


def test_a_url_is_downloaded_in_the_background(
    in_background: None, reference: None, secretariat: Any, iati_server: str
) -> None:
    from cbcoord.imports.services import import_url

    run = import_url(user=secretariat, url=f"{iati_server}/idb/activities.xml")
    assert jobs.wait(run.pk, timeout=60)
    run.refresh_from_db()
    assert run.status == "completed" and run.added == 1 and run.stage == "done"

    missing = import_url(user=secretariat, url=f"{iati_server}/missing")
    assert jobs.wait(missing.pk, timeout=60)
    missing.refresh_from_db()
    assert missing.status == "refused" and "HTTP 404" in missing.message


def test_a_long_download_keeps_its_run_alive(reference: None) -> None:
    run = ImportRun.objects.create(source="slow.xml", source_kind="url")
    beat = jobs._heartbeat(run, every=0.0)
    beat(1024)
    run.refresh_from_db()
    assert run.progressed_at is not None and not run.stalled
