"""The importer end to end: idempotent upserts, replacement rules, withdrawal, hand edits,
permissions, organisations, and files that must be refused with nothing written."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from cbcoord.activities.models import Activity, ActivityCountry, ActivityParticipant
from cbcoord.imports.importer import iati_import
from cbcoord.imports.models import ImportRun
from cbcoord.registry.models import Organisation
from tests.factories import iati_file


def run_import(path: Path, user: Any = None, **kwargs: Any) -> ImportRun:
    return iati_import(user=user, path=path, source=str(path), source_kind="path", **kwargs)


def test_import_then_reimport_changes_nothing(tmp_path: Path, reference: None) -> None:
    path = iati_file(
        tmp_path / "idb.xml", {"identifier": "XM-DAC-909-A"}, {"identifier": "XM-DAC-909-B"}
    )
    first = run_import(path)
    assert (first.status, first.added, first.refused) == ("completed", 2, 0)
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-A")
    assert activity.reporting_org.key == "idb"
    assert activity.visibility == "public"
    assert activity.total_budget == 1000 and activity.total_spend == 250
    assert list(activity.regions.values_list("code", flat=True)) == ["AMC"]
    assert activity.data["title"] == {"en": "Customs", "es": "Título Customs"}
    rows = (
        Activity.objects.count(),
        ActivityCountry.objects.count(),
        ActivityParticipant.objects.count(),
    )
    second = run_import(path)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert (
        Activity.objects.count(),
        ActivityCountry.objects.count(),
        ActivityParticipant.objects.count(),
    ) == rows


def test_replaced_only_by_newer_or_same_stamp_with_new_content(
    tmp_path: Path, reference: None
) -> None:
    run_import(iati_file(tmp_path / "f.xml", {"identifier": "XM-DAC-909-A", "title": "One"}))
    older = run_import(
        iati_file(
            tmp_path / "f.xml",
            {"identifier": "XM-DAC-909-A", "title": "Old", "updated": "2018-01-01T00:00:00Z"},
        )
    )
    assert older.unchanged == 1
    assert Activity.objects.get().title_text == "One"
    same_stamp = run_import(
        iati_file(tmp_path / "f.xml", {"identifier": "XM-DAC-909-A", "title": "Two"})
    )
    assert same_stamp.updated == 1
    newer = run_import(
        iati_file(
            tmp_path / "f.xml",
            {"identifier": "XM-DAC-909-A", "title": "Three", "updated": "2020-01-01T00:00:00Z"},
        )
    )
    assert newer.updated == 1
    assert Activity.objects.get().title_text == "Three"


def test_activity_missing_from_later_version_is_withdrawn_not_deleted(
    tmp_path: Path, reference: None
) -> None:
    run_import(
        iati_file(
            tmp_path / "f.xml", {"identifier": "XM-DAC-909-A"}, {"identifier": "XM-DAC-909-B"}
        )
    )
    run = run_import(iati_file(tmp_path / "f.xml", {"identifier": "XM-DAC-909-A"}))
    assert run.withdrawn == 1
    gone = Activity.objects.get(iati_identifier="XM-DAC-909-B")
    assert gone.withdrawn_at is not None
    # A file of another name is another source: it withdraws nothing.
    other = run_import(iati_file(tmp_path / "g.xml", {"identifier": "XM-DAC-909-C"}))
    assert other.withdrawn == 0
    assert Activity.objects.get(iati_identifier="XM-DAC-909-A").withdrawn_at is None
    back = run_import(
        iati_file(
            tmp_path / "f.xml", {"identifier": "XM-DAC-909-A"}, {"identifier": "XM-DAC-909-B"}
        )
    )
    assert back.updated == 1
    assert Activity.objects.get(iati_identifier="XM-DAC-909-B").withdrawn_at is None


def test_hand_edits_survive_a_newer_publisher_version(tmp_path: Path, reference: None) -> None:
    run_import(iati_file(tmp_path / "f.xml", {"identifier": "XM-DAC-909-A", "title": "Publisher"}))
    Activity.objects.filter(iati_identifier="XM-DAC-909-A").update(
        hand_edited=True, title_text="Hand edit"
    )
    run = run_import(
        iati_file(
            tmp_path / "f.xml",
            {"identifier": "XM-DAC-909-A", "title": "Newer", "updated": "2021-01-01T00:00:00Z"},
        )
    )
    assert run.held_back == 1
    activity = Activity.objects.get()
    assert activity.title_text == "Hand edit"
    assert activity.publisher_data["title"]["en"] == "Newer"


def test_unknown_organisations_are_created_unverified(tmp_path: Path, reference: None) -> None:
    run_import(iati_file(tmp_path / "f.xml", {"identifier": "XX-NEW-1", "org": "XX-NEW"}))
    reporter = Organisation.objects.get(iati_org_id="XX-NEW")
    assert reporter.is_verified is False
    implementer = Organisation.objects.get(name="Brand New Implementer")
    assert implementer.is_verified is False and implementer.kind == "implementer"
    # Matching by identifier alias: IDB publishes as XI-IATI-IADB too.
    run_import(
        iati_file(tmp_path / "g.xml", {"identifier": "XI-IATI-IADB-1", "org": "XI-IATI-IADB"})
    )
    assert Activity.objects.get(iati_identifier="XI-IATI-IADB-1").reporting_org.key == "idb"


def test_partner_editor_imports_only_own_activities(tmp_path: Path, partner_editor: Any) -> None:
    path = iati_file(
        tmp_path / "mixed.xml",
        {"identifier": "XM-DAC-909-A"},
        {"identifier": "44000-P1", "org": "44000"},
    )
    run = run_import(path, user=partner_editor)
    assert (run.added, run.refused) == (1, 1)
    refusal = run.refusals.get()
    assert refusal.identifier == "44000-P1" and "not your organisation" in refusal.reason
    assert not Activity.objects.filter(iati_identifier="44000-P1").exists()


HOSTILE = {
    "billion-laughs.xml": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><iati-activities version="2.03"><iati-activity><iati-identifier>&lol2;</iati-identifier></iati-activity></iati-activities>',
    "xxe.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><iati-activities version="2.03">&e;</iati-activities>',
    "empty.xml": b"",
    "not-xml.xml": b"\x89PNG\r\n\x1a\n\x00\x00binary",
    "truncated.xml": b'<?xml version="1.0"?><iati-activities version="2.03"><iati-activity><iati-identifier>X-1</iati-identifier><reporting-org ref="X"',
    "bad-encoding.xml": '<?xml version="1.0" encoding="UTF-8"?><iati-activities version="2.03"><iati-activity><title><narrative>Caf\u00e9</narrative></title></iati-activity></iati-activities>'.encode(
        "latin-1"
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_refused_with_nothing_written(
    tmp_path: Path, reference: None, name: str
) -> None:
    import time

    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    started = time.monotonic()
    run = run_import(path)
    assert time.monotonic() - started < 1.0
    assert run.status == "refused"
    assert name in run.message
    assert not Activity.objects.exists()


def test_truncated_large_file_writes_nothing(tmp_path: Path, reference: None) -> None:
    path = iati_file(tmp_path / "big.xml", *({"identifier": f"XM-DAC-909-{n}"} for n in range(30)))
    path.write_bytes(path.read_bytes()[:-200])
    run = run_import(path, batch_size=5)
    assert run.status == "refused"
    assert not Activity.objects.exists()


def test_interrupted_run_is_completed_by_the_next(
    tmp_path: Path, reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbcoord.activities import indexing

    path = iati_file(tmp_path / "f.xml", *({"identifier": f"XM-DAC-909-{n}"} for n in range(12)))
    calls = {"n": 0}
    original = indexing.write_rows

    def dying(rows: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("process killed")
        original(rows, **kwargs)

    monkeypatch.setattr(indexing, "write_rows", dying)
    with pytest.raises(RuntimeError):
        run_import(path, batch_size=5)
    # The first batch committed whole; the second rolled back whole.
    assert Activity.objects.count() == 5
    assert ActivityCountry.objects.count() == 5
    monkeypatch.setattr(indexing, "write_rows", original)
    run = run_import(path, batch_size=5)
    assert (run.added, run.unchanged) == (7, 5)
    assert ActivityCountry.objects.count() == 12


def test_command_reports_and_export_round_trips(
    tmp_path: Path, reference: None, shared_dir: Path
) -> None:
    from lxml import etree

    from cbcoord.iati.reading import iter_activities

    source = shared_dir / "reference/iati/real-publishers/usaid-activity.xml"
    out = io.StringIO()
    call_command("import_iati", str(source), stdout=out)
    assert "added 1" in out.getvalue()
    exported = tmp_path / "out.xml"
    said = io.StringIO()
    call_command("export_iati", "--country", "MX", "-o", str(exported), stderr=said)
    assert said.getvalue().strip() == (
        f"{exported}: 1 activities written as valid IATI 2.03; nothing had to be left out."
    )
    schema = etree.XMLSchema(
        etree.parse(str(Path("cbcoord/iati/schemas/iati-activities-schema.xsd").resolve()))
    )
    assert schema.validate(etree.parse(str(exported))), schema.error_log
    original = [a.content_dict() for a in iter_activities(source)]
    again = [a.content_dict() for a in iter_activities(exported)]
    assert again == original


def test_the_export_command_says_what_it_left_out(
    tmp_path: Path, reference: None, shared_dir: Path
) -> None:
    """A real publisher's document-links without url are imported (with warnings), kept in the
    content, and left out of the export, which says so per activity."""
    from lxml import etree

    source = shared_dir / "reference/iati/real-publishers/unops-at-activity.xml"
    call_command("import_iati", str(source), stdout=io.StringIO())
    assert Activity.objects.count() == 3
    assert all(a.data["document_links"] for a in Activity.objects.all())  # as published
    exported = tmp_path / "out.xml"
    said = io.StringIO()
    call_command("export_iati", "-o", str(exported), stderr=said)
    lines = said.getvalue().strip().splitlines()
    assert lines[0] == (
        f"{exported}: 3 activities written as valid IATI 2.03; 3 of them without what the "
        "schema does not allow:"
    )
    assert len(lines) == 4
    assert all(
        "left out what IATI 2.03 does not allow: iati-activity/document-link[1] (document-link "
        "is missing its required attribute 'url'" in line
        for line in lines[1:]
    )
    schema = etree.XMLSchema(
        etree.parse(str(Path("cbcoord/iati/schemas/iati-activities-schema.xsd").resolve()))
    )
    assert schema.validate(etree.parse(str(exported))), schema.error_log


def test_index_row_percentages_are_numbers_in_the_database(tmp_path: Path, reference: None) -> None:
    """The reader sends percentages as decimal text; the database must hold numbers that
    compare as numbers (9.5 < 10 as numbers, not as text)."""
    from decimal import Decimal

    path = tmp_path / "split.xml"
    path.write_text(
        iati_file(tmp_path / "base.xml", {"identifier": "XM-DAC-909-P"})
        .read_text(encoding="utf-8")
        .replace(
            '<recipient-country code="DO" percentage="100"/>',
            '<recipient-country code="DO" percentage="90.5"/>'
            '<recipient-country code="HT" percentage="9.5"/>',
        ),
        encoding="utf-8",
    )
    assert run_import(path).added == 1
    rows = dict(ActivityCountry.objects.values_list("code", "percentage"))
    assert rows == {"DO": Decimal("90.5"), "HT": Decimal("9.5")}
    assert list(
        ActivityCountry.objects.filter(percentage__lt=10).values_list("code", flat=True)
    ) == ["HT"]


@pytest.mark.parametrize("batch_size", [1, 500])
def test_an_identifier_twice_in_a_file_keeps_the_newer_copy_whatever_the_batches(
    tmp_path: Path, reference: None, batch_size: int
) -> None:
    """Within a batch as across batches: a later copy replaces an earlier one only if it is no
    older; so where batches (or the readers' pieces) end does not change the result."""
    path = iati_file(
        tmp_path / "twice.xml",
        {"identifier": "XM-DAC-909-A", "title": "Newer", "updated": "2020-01-01T00:00:00Z"},
        {"identifier": "XM-DAC-909-B"},
        {"identifier": "XM-DAC-909-A", "title": "Older", "updated": "2019-01-01T00:00:00Z"},
        {"identifier": "XM-DAC-909-C", "title": "First"},
        {"identifier": "XM-DAC-909-C", "title": "Same stamp, read later"},
    )
    run = run_import(path, batch_size=batch_size, use_worker=False)
    assert run.status == "completed"
    titles = dict(Activity.objects.values_list("iati_identifier", "title_text"))
    assert titles == {
        "XM-DAC-909-A": "Newer",
        "XM-DAC-909-B": "Customs",
        "XM-DAC-909-C": "Same stamp, read later",
    }


def test_warnings_about_the_file_itself_are_in_the_report(
    tmp_path: Path, reference: None, client_for: Any, secretariat: Any
) -> None:
    """A root without a version is read as 2.03, and a file without activities imports
    nothing: both are said in the import report, not only in the log."""
    no_version = iati_file(tmp_path / "old.xml", {"identifier": "XM-DAC-909-FW-1"})
    no_version.write_text(no_version.read_text().replace(' version="2.03"', ""))
    run = run_import(no_version)
    assert run.status == "completed" and run.added == 1
    assert [w["reason"] for w in run.file_warnings] == ["no version attribute, read as 2.03"]
    assert run.file_warnings[0]["element"] == "iati-activities"
    assert run.file_warnings[0]["line"] == 2

    empty = iati_file(tmp_path / "empty.xml")
    run = run_import(empty)
    assert run.status == "completed" and run.added == 0
    assert [w["reason"] for w in ImportRun.objects.get(pk=run.pk).file_warnings] == [
        "the file has no iati-activity"
    ]
    html = client_for(secretariat).get(reverse("import-detail", args=[run.pk])).content.decode()
    assert 'id="file-warnings"' in html and "the file has no iati-activity" in html

    full = run_import(iati_file(tmp_path / "full.xml", {"identifier": "XM-DAC-909-FW-2"}))
    assert full.file_warnings == []
    html = client_for(secretariat).get(reverse("import-detail", args=[full.pk])).content.decode()
    assert 'id="file-warnings"' not in html


def test_a_long_organisation_identifier_met_twice_is_one_organisation(
    tmp_path: Path, reference: None
) -> None:
    """Identifiers are stored cut to 150 characters; the second meeting finds the first."""
    ref = "XM-" + "X" * 200
    run = run_import(
        iati_file(
            tmp_path / "long.xml",
            {"identifier": "XM-LONG-1", "org": ref},
            {"identifier": "XM-LONG-2", "org": ref},
        )
    )
    assert run.status == "completed" and run.added == 2, run.message
    assert Organisation.objects.filter(iati_org_id=ref[:150]).count() == 1


def _odd_file(path: Path, *bodies: tuple[str, str, str]) -> Path:
    """Activities ``(identifier, attributes of iati-activity, children)`` of XM-DAC-909."""
    activities = "\n".join(
        f"<iati-activity {attributes}><iati-identifier>{identifier}</iati-identifier>"
        '<reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>'
        f"<title><narrative>{identifier[:40]}</narrative></title>{children}</iati-activity>"
        for identifier, attributes, children in bodies
    )
    path.write_text(
        f'<iati-activities version="2.03">{activities}</iati-activities>', encoding="utf-8"
    )
    return path


def _budget(value: str) -> str:
    return (
        '<budget type="1" status="1"><period-start iso-date="2020-01-01"/>'
        '<period-end iso-date="2020-12-31"/>'
        f'<value currency="USD" value-date="2020-01-01">{value}</value></budget>'
    )


def test_values_past_what_the_columns_hold_stay_in_the_content(
    tmp_path: Path, reference: None, client: Any
) -> None:
    """One value a column cannot hold used to fail its whole batch (PostgreSQL), fail the run
    on a CHECK (SQLite, a negative hierarchy), or every page reading the column back."""
    path = _odd_file(
        tmp_path / "odd.xml",
        ("XM-DAC-909-HIER-NEG", 'hierarchy="-1"', ""),
        ("XM-DAC-909-HIER-BIG", 'hierarchy="100000"', ""),
        ("XM-DAC-909-STATUS", "", '<activity-status code="ABCDEFGHIJKLMNOP"/>'),
        (
            "XM-DAC-909-PCT",
            "",
            '<recipient-country code="MX" percentage="123456.5"/>'
            '<sector code="33120" percentage="999.9999996"/>',
        ),
        ("XM-DAC-909-HUGE", 'default-currency="USD"', _budget("1" + "0" * 29)),
        ("XM-DAC-909-" + "X" * 300, "", ""),
        ("XM-DAC-909-STAMP", 'last-updated-datetime="9999-12-31T23:00:00-05:00"', ""),
        # SQLite reads decimals back through a float: these came back past their fields
        ("XM-DAC-909-NEAR", 'default-currency="USD"', _budget("999999999999999999")),
        ("XM-DAC-909-ROUND", "", '<recipient-country code="MX" percentage="999.99999949999999"/>'),
        # more digits than Python turns into an int
        ("XM-DAC-909-LONG", 'default-currency="USD"', _budget("0" + "9" * 5000)),
        ("XM-DAC-909-DEEP", 'hierarchy="' + "9" * 5000 + '"', ""),
    )
    run = run_import(path)
    assert (run.status, run.added, run.refused) == ("completed", 10, 1), run.message
    (reason,) = run.refusals.values_list("reason", flat=True)
    assert reason.startswith("iati-identifier is 311 characters long; at most 255")
    stored = {a.iati_identifier.rsplit("-", 1)[-1]: a for a in Activity.objects.all()}
    # values that do not parse are warnings; the activity is imported without them
    assert stored["DEEP"].hierarchy is None and stored["DEEP"].data["hierarchy"] is None
    assert "value.not-a-whole-number" in [w["code"] for w in stored["DEEP"].warnings]
    assert stored["STAMP"].last_updated_datetime is None
    assert "value.not-a-datetime" in [w["code"] for w in stored["STAMP"].warnings]
    assert stored["NEG"].hierarchy is None and stored["NEG"].data["hierarchy"] == -1
    assert stored["BIG"].hierarchy is None and stored["BIG"].data["hierarchy"] == 100000
    assert stored["STATUS"].status == "ABCDEFGHIJ"
    assert stored["STATUS"].data["activity_status"] == "ABCDEFGHIJKLMNOP"
    assert stored["HUGE"].total_budget is None
    assert stored["NEAR"].total_budget is None
    assert stored["LONG"].total_budget is None
    assert stored["LONG"].data["budgets"][0]["value"] == "9" * 5000
    assert ActivityCountry.objects.get(activity=stored["ROUND"]).percentage == Decimal("999.999999")
    assert ActivityCountry.objects.get(activity=stored["PCT"]).percentage is None
    assert stored["PCT"].sectors.get().percentage is None  # rounds to 1000.000000
    assert client.get(reverse("activity-list")).status_code == 200
    for activity in stored.values():
        url = reverse("activity-detail", args=[activity.iati_identifier])
        assert client.get(url).status_code == 200
    assert client.get("/api/activities?limit=50").status_code == 200


def test_unreadable_values_are_warnings_and_left_out_of_the_columns(
    tmp_path: Path, reference: None, client: Any
) -> None:
    """Tolerantly, one unreadable value no longer refuses the activity: it is a warning naming
    the element, line and value, and the columns and index rows are derived without it."""
    path = _odd_file(
        tmp_path / "odd.xml",
        (
            "XM-DAC-909-VALUES",
            'hierarchy="x"',
            '<activity-date type="2" iso-date="31/12/2021"/>'
            '<activity-date type="3" iso-date="2022-06-30"/>'
            '<recipient-country code="MX" percentage="50"/>'
            '<sector vocabulary="1" code="33120" percentage="abc"/>',
        ),
    )
    run = run_import(path)
    assert (run.status, run.added, run.refused) == ("completed", 1, 0), run.message
    activity = Activity.objects.get()
    assert (activity.hierarchy, activity.actual_start, activity.planned_end) == (
        None,
        None,
        dt.date(2022, 6, 30),
    )
    assert activity.sectors.get().percentage is None
    assert activity.countries.get().percentage == Decimal(50)
    found = {w["code"]: w for w in activity.warnings if w["code"].startswith("value.")}
    assert set(found) == {"value.not-a-whole-number", "value.not-a-date", "value.not-a-number"}
    assert found["value.not-a-date"]["element"] == "iati-activity/activity-date[1]"
    assert found["value.not-a-date"]["params"] == {"name": "iso-date", "value": "31/12/2021"}
    assert found["value.not-a-date"]["line"] == 1
    # the published values stay in the content, beside the fields they did not fill
    extras = {e["path"]: e["attributes"] for e in activity.data["extra_content"]}
    assert extras["activity-date[1]"] == {"iso-date": "31/12/2021"}
    assert extras["sector[1]"] == {"percentage": "abc"}
    page = client.get(reverse("activity-detail", args=[activity.iati_identifier]))
    assert page.status_code == 200
    assert run_import(path).unchanged == 1


def test_a_batch_the_database_refuses_is_written_activity_by_activity(
    tmp_path: Path, reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value no check foresaw costs its own activity, with the database's reason, not the
    batch or the run (simulated: the hierarchy column's bound is switched off)."""
    from cbcoord.activities import derive

    monkeypatch.setattr(derive, "_hierarchy", lambda raw: raw)
    path = _odd_file(
        tmp_path / "odd.xml",
        (
            "XM-DAC-909-ONE",
            'hierarchy="1"',
            '<participating-org role="4"><narrative>New A</narrative></participating-org>',
        ),
        (
            "XM-DAC-909-TWO",
            'hierarchy="-1"',
            '<participating-org role="4"><narrative>New B</narrative></participating-org>',
        ),
        ("XM-DAC-909-THREE", 'hierarchy="2"', ""),
    )
    run = run_import(path)
    assert (run.status, run.added, run.refused) == ("completed", 2, 1), run.message
    (refusal,) = run.refusals.all()
    assert refusal.identifier == "XM-DAC-909-TWO"
    assert refusal.reason.startswith("the database could not store this activity: ")
    assert sorted(Activity.objects.values_list("iati_identifier", flat=True)) == [
        "XM-DAC-909-ONE",
        "XM-DAC-909-THREE",
    ]
    # the organisation met only in the refused activity was taken back with it
    assert Organisation.objects.filter(name="New A").exists()
    assert not Organisation.objects.filter(name="New B").exists()
    again = run_import(path)
    assert (again.added, again.unchanged, again.refused) == (0, 2, 1)


def test_an_activity_refused_in_a_later_version_of_its_source_is_not_withdrawn(
    tmp_path: Path, reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is still in the file: refused (unreadable, or not storable) is not gone."""
    from cbcoord.activities import derive

    path = tmp_path / "idb.xml"
    _odd_file(
        path,
        ("XM-DAC-909-ONE", 'hierarchy="1"', ""),
        ("XM-DAC-909-TWO", 'hierarchy="1"', ""),
        ("XM-DAC-909-THREE", 'hierarchy="1"', ""),
    )
    assert run_import(path).added == 3
    _odd_file(
        path,
        ("XM-DAC-909-ONE", 'hierarchy="1"', ""),
        ("XM-DAC-909-TWO", 'hierarchy="-1"', ""),  # the database refuses it (below)
        ("XM-DAC-909-THREE", 'hierarchy="1"', ""),
    )
    text = path.read_text(encoding="utf-8")  # THREE's reporting-org unreadable: no ref, no name
    three = text.index("XM-DAC-909-THREE</iati-identifier>")
    org = '<reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>'
    at = text.index(org, three)
    path.write_text(text[:at] + '<reporting-org type="40"/>' + text[at + len(org) :])
    monkeypatch.setattr(derive, "_hierarchy", lambda raw: raw)
    run = run_import(path)
    assert (run.status, run.refused, run.withdrawn) == ("completed", 2, 0), run.message
    assert not Activity.objects.filter(withdrawn_at__isnull=False).exists()
    _odd_file(path, ("XM-DAC-909-ONE", 'hierarchy="1"', ""))
    assert run_import(path).withdrawn == 2  # gone from the file now


def test_activities_refused_to_a_partner_editor_are_not_withdrawn(
    tmp_path: Path, partner_editor: Any
) -> None:
    """A later version of the file names another reporting organisation for one activity: the
    editor may not import it, but it is still in the file."""
    path = iati_file(
        tmp_path / "idb.xml", {"identifier": "XM-DAC-909-A"}, {"identifier": "XM-DAC-909-B"}
    )
    assert run_import(path, user=partner_editor).added == 2
    iati_file(
        path,
        {"identifier": "XM-DAC-909-A"},
        {"identifier": "XM-DAC-909-B", "org": "XM-DAC-43000", "updated": "2020-01-01T00:00:00Z"},
    )
    run = run_import(path, user=partner_editor)
    assert (run.refused, run.withdrawn) == (1, 0)
    assert not Activity.objects.filter(withdrawn_at__isnull=False).exists()


def test_a_refused_activity_is_named_as_it_is_stored(tmp_path: Path, reference: None) -> None:
    """An identifier with a comment inside was named by its text before the comment when
    refused, so the stored activity it names was withdrawn."""
    path = _odd_file(tmp_path / "idb.xml", ("XM-DAC-909-<!-- c -->C", "", ""))
    assert run_import(path).added == 1
    assert Activity.objects.get().iati_identifier == "XM-DAC-909-C"
    _odd_file(path, ("XM-DAC-909-<!-- c -->C", 'hierarchy="x"', ""))
    run = run_import(path, strict=True)  # the schema refuses it
    assert run.refused == 1 and run.withdrawn == 0
    assert run.refusals.get().identifier == "XM-DAC-909-C"
