"""What an import run records and reports: the file as the user named it, every activity that
carries warnings, runs left by a dead process, the file's own warnings, history rows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity
from cbcoord.imports.importer import iati_import
from cbcoord.imports.models import ImportRun, ImportStatus

LEGACY = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="1.01"><iati-activity><iati-identifier>X-1</iati-identifier></iati-activity></iati-activities>
"""

FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities{version} generated-datetime="2019-03-01T00:00:00Z">
 <iati-activity last-updated-datetime="2019-03-01T00:00:00Z" default-currency="USD">
  <iati-identifier>XM-DAC-909-RUN-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>
  <title><narrative>Customs</narrative></title>
  <description><narrative>Customs.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2019-01-01"/>
  <recipient-country code="DO"/>
  <sector code="99999" vocabulary="1"/>
 </iati-activity>
</iati-activities>
"""


def test_a_refused_upload_is_named_as_the_user_named_it_with_size_and_hash(
    secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client_for(secretariat).post(
        "/imports/new/", {"file": SimpleUploadedFile("old-publisher.xml", LEGACY)}
    )
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REFUSED
    assert run.message.startswith("old-publisher.xml"), run.message
    assert "cbcoord-upload" not in run.message
    assert run.byte_size == len(LEGACY)
    assert len(run.sha256) == 64


def test_a_reimport_counts_the_activities_that_still_carry_warnings(
    tmp_path: Path, reference: None
) -> None:
    path = tmp_path / "warned.xml"
    path.write_text(FILE.format(version=' version="2.03"'), encoding="utf-8")
    first = iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path")
    second = iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path")
    assert first.with_warnings == 1
    assert (second.unchanged, second.with_warnings) == (1, 1)


def test_a_completed_import_closes_a_run_of_the_same_file_left_by_a_dead_process(
    tmp_path: Path, reference: None, client: Client, settings: Any
) -> None:
    path = tmp_path / "f.xml"
    path.write_text(FILE.format(version=' version="2.03"'), encoding="utf-8")
    dead = ImportRun.objects.create(source=str(path), source_kind="path")
    ImportRun.objects.filter(pk=dead.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=2),
        progressed_at=timezone.now() - dt.timedelta(hours=2),
    )
    dead.refresh_from_db()
    assert dead.shown_status == "interrupted"  # what the API and the list say meanwhile
    run = iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path")
    dead.refresh_from_db()
    assert dead.status == ImportStatus.INTERRUPTED
    assert f"#{run.pk}" in dead.message


def test_the_command_prints_file_warnings_and_records_the_version_read(
    tmp_path: Path, reference: None
) -> None:
    path = tmp_path / "no-version.xml"
    path.write_text(FILE.format(version=""), encoding="utf-8")
    errors = io.StringIO()
    call_command("import_iati", str(path), stdout=io.StringIO(), stderr=errors)
    assert "file warning" in errors.getvalue() and "version" in errors.getvalue()
    assert ImportRun.objects.get().iati_version == "2.03"


def test_imports_and_withdrawals_are_in_the_activitys_history(
    tmp_path: Path, reference: None
) -> None:
    path = tmp_path / "h.xml"
    path.write_text(FILE.format(version=' version="2.03"'), encoding="utf-8")
    run = iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path")
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-RUN-1")
    entries = list(activity.history.order_by("history_id"))
    assert [(entry.history_type, entry.history_change_reason) for entry in entries] == [
        ("+", f"IATI import run #{run.pk}")
    ]
    # The next version of the file no longer holds it.
    path.write_text(
        FILE.format(version=' version="2.03"').replace("RUN-1", "RUN-2"), encoding="utf-8"
    )
    emptied = iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path")
    latest = activity.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"withdrawn: not in IATI import run #{emptied.pk}"
    assert latest.withdrawn_at is not None
