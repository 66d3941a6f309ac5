"""Tagging activities with provisions where they are stored: on import (and what a person
decided surviving re-imports and re-tagging), ``import_iati --relevant-only``,
``tag_activities`` and ``eval_tagging``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities import catalogue_tags, derive, evidence, services
from cbcoord.activities.models import Activity, ActivityProvision, DecidedBy, TagSource, TagStatus
from cbcoord.imports.importer import iati_import
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

SINGLE_WINDOW = (
    "National single window and authorized economic operator programme",
    "Supports the customs administration in launching the national single window for "
    "import and export permits and an authorized economic operator programme.",
)
AEO_ONLY = (
    "Authorized economic operator programme",
    "Supports the customs administration with an authorized economic operator programme.",
)
HEALTH = (
    "Rural maternal health clinics",
    "Builds rural clinics for maternal health and vaccination campaigns.",
)
ACTIVITY = """
 <iati-activity last-updated-datetime="{stamp}" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <description><narrative>{description}</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <recipient-country code="DO"/>
 </iati-activity>"""


def write_file(
    path: Path, activities: dict[str, tuple[str, str]], stamp: str = "2024-03-01"
) -> Path:
    """An IATI file of IDB activities: identifier -> (title, description)."""
    body = "".join(
        ACTIVITY.format(
            identifier=identifier,
            title=title,
            description=description,
            stamp=f"{stamp}T00:00:00Z",
        )
        for identifier, (title, description) in activities.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<iati-activities version="2.03" generated-datetime="2024-03-01T00:00:00Z">'
        f"{body}\n</iati-activities>\n",
        encoding="utf-8",
    )
    return path


def run_import(path: Path, **options: Any) -> Any:
    return iati_import(user=SYSTEM, path=path, source=str(path), source_kind="path", **options)


def tags_of(identifier: str) -> dict[str, tuple[str, str]]:
    """Provision code -> (status, source) of an activity's tags."""
    return {
        code: (status, source)
        for code, status, source in ActivityProvision.objects.filter(
            activity__iati_identifier=identifier
        ).values_list("provision__code", "status", "source")
    }


def tag(identifier: str, code: str) -> ActivityProvision:
    return ActivityProvision.objects.get(activity__iati_identifier=identifier, provision__code=code)


# --------------------------------------------------------------------------- on import


def test_an_import_tags_each_activity_with_its_relevance_and_provisions(
    tmp_path: Path, reference: None
) -> None:
    path = write_file(
        tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW, "XM-DAC-909-HEALTH": HEALTH}
    )
    run = run_import(path)
    assert (run.added, run.not_relevant) == (2, 0)

    single_window = Activity.objects.get(iati_identifier="XM-DAC-909-SW")
    assert single_window.is_relevant is True
    assert single_window.relevance_decided_by == DecidedBy.RULES
    assert single_window.relevance_score is not None and single_window.relevance_score > 0.5
    assert (
        'The English term "customs administration" occurs in the text, a sign of customs or '
        "border-agency work." in evidence.relevance_sentences(single_window)
    )
    assert tags_of("XM-DAC-909-SW") == {
        "TFA-10.4": (TagStatus.SUGGESTED, TagSource.RULES),
        "SAFE-P2-S3": (TagStatus.SUGGESTED, TagSource.RULES),
    }
    window = tag("XM-DAC-909-SW", "TFA-10.4")
    assert window.confidence is not None and 0 < window.confidence <= 1
    sentences = evidence.tag_sentences(window)
    assert any("single window" in sentence for sentence in sentences)
    assert all("=" not in sentence.split('"')[1] for sentence in sentences)

    health = Activity.objects.get(iati_identifier="XM-DAC-909-HEALTH")
    assert health.is_relevant is False
    assert evidence.relevance_sentences(health)  # says why: the text is about something else
    assert tags_of("XM-DAC-909-HEALTH") == {}


def _stored(sql: str, *params: str) -> Any:
    """One row's JSON column as the database holds it (its text, parsed here)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def _relevance_json(identifier: str) -> Any:
    table = Activity._meta.db_table
    return _stored(
        f"SELECT relevance_evidence FROM {table} WHERE iati_identifier = %s",  # noqa: S608
        identifier,
    )


def _tag_json(identifier: str, code: str) -> Any:
    return _stored(
        f"SELECT evidence FROM {ActivityProvision._meta.db_table} WHERE id = %s",  # noqa: S608
        str(tag(identifier, code).pk),
    )


def test_an_import_stores_the_evidence_as_compact_items(tmp_path: Path, reference: None) -> None:
    """What the reader processes send and the writer stores: short arrays, not sentences."""
    catalogue_tag = (
        f'<tag vocabulary="99" vocabulary-uri="{catalogue_tags.CATALOGUE_URI}" code="TFA-7.4">'
        "<narrative>Risk management</narrative></tag>"
    )
    activities = {
        "XM-DAC-909-SW": SINGLE_WINDOW,
        "XM-DAC-909-HEALTH": HEALTH,
        "XM-DAC-909-NONE": ("Annual report", "The annual report of the programme."),
    }
    path = write_file(tmp_path / "f.xml", activities)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</title>", "</title>" + catalogue_tag, 1), encoding="utf-8")
    assert run_import(path, use_worker=True).added == 3

    relevance = {identifier: _relevance_json(identifier) for identifier in activities}
    assert ["t", "r", 1, "en", "customs administration"] in relevance["XM-DAC-909-SW"]
    assert all(type(item) is list for items in relevance.values() for item in items)
    assert relevance["XM-DAC-909-NONE"] == [derive.NO_EVIDENCE]
    window = _tag_json("XM-DAC-909-SW", "TFA-10.4")
    assert ["t", "p", 1, "en", "national single window", "TFA-10.4"] in window
    assert all(type(item) is list for item in window)
    assert _tag_json("XM-DAC-909-SW", "TFA-7.4") == [[derive.READ_FROM_FILE]]


def test_relevant_only_keeps_only_customs_capacity_building(
    tmp_path: Path, reference: None
) -> None:
    path = write_file(
        tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW, "XM-DAC-909-HEALTH": HEALTH}
    )
    run = run_import(path, relevant_only=True)
    assert (run.relevant_only, run.added, run.not_relevant, run.refused) == (True, 1, 1, 0)
    assert list(Activity.objects.values_list("iati_identifier", flat=True)) == ["XM-DAC-909-SW"]
    # Not withdrawn by a later import of the same file either: it was never stored.
    again = run_import(path, relevant_only=True)
    assert (again.unchanged, again.not_relevant, again.withdrawn) == (1, 1, 0)


def test_the_import_command_says_how_many_it_skipped(tmp_path: Path, reference: None) -> None:
    path = write_file(
        tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW, "XM-DAC-909-HEALTH": HEALTH}
    )
    out = io.StringIO()
    call_command("import_iati", str(path), "--relevant-only", stdout=out)
    assert "added 1," in out.getvalue()
    assert "not relevant (skipped) 1" in out.getvalue()
    assert Activity.objects.count() == 1


# --------------------------------------------------------------------------- what survives


def test_reviewed_tags_and_a_persons_relevance_survive_reimport_and_retagging(
    tmp_path: Path, reference: None, secretariat: Any
) -> None:
    run_import(write_file(tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW}))
    services.activity_tag_confirm(user=secretariat, tag=tag("XM-DAC-909-SW", "TFA-10.4"))
    services.activity_tag_reject(user=secretariat, tag=tag("XM-DAC-909-SW", "SAFE-P2-S3"))
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-SW")
    services.activity_tag_add(user=secretariat, activity=activity, provision_code="TFA-7.4")
    expected = {
        "TFA-10.4": (TagStatus.CONFIRMED, TagSource.RULES),
        "SAFE-P2-S3": (TagStatus.REJECTED, TagSource.RULES),
        "TFA-7.4": (TagStatus.CONFIRMED, TagSource.MANUAL),
    }
    assert tags_of("XM-DAC-909-SW") == expected

    # The publisher's next version changes the text: the activity is tagged again.
    newer = (SINGLE_WINDOW[0] + " (phase 2)", SINGLE_WINDOW[1])
    second = run_import(
        write_file(tmp_path / "g.xml", {"XM-DAC-909-SW": newer}, stamp="2024-06-01")
    )
    assert second.updated == 1
    assert tags_of("XM-DAC-909-SW") == expected
    assert tag("XM-DAC-909-SW", "TFA-10.4").reviewed_by == secretariat

    call_command("tag_activities", "--all", stdout=io.StringIO())
    assert tags_of("XM-DAC-909-SW") == expected


def test_an_unreviewed_suggestion_goes_when_the_text_no_longer_supports_it(
    tmp_path: Path, reference: None
) -> None:
    run_import(write_file(tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW}))
    assert set(tags_of("XM-DAC-909-SW")) == {"TFA-10.4", "SAFE-P2-S3"}
    run_import(write_file(tmp_path / "g.xml", {"XM-DAC-909-SW": AEO_ONLY}, stamp="2024-06-01"))
    assert tags_of("XM-DAC-909-SW") == {"SAFE-P2-S3": (TagStatus.SUGGESTED, TagSource.RULES)}


def test_a_persons_relevance_decision_survives_reimport_and_retagging(
    tmp_path: Path, reference: None, secretariat: Any
) -> None:
    run_import(write_file(tmp_path / "f.xml", {"XM-DAC-909-HEALTH": HEALTH}))
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-HEALTH")
    assert activity.is_relevant is False
    services.activity_relevance_decide(
        user=secretariat, activity=activity, relevant=True, reason="Border health checks."
    )
    newer = (HEALTH[0] + " and border posts", HEALTH[1])
    run_import(write_file(tmp_path / "g.xml", {"XM-DAC-909-HEALTH": newer}, stamp="2024-06-01"))
    call_command("tag_activities", "--all", stdout=io.StringIO())
    activity.refresh_from_db()
    assert (activity.is_relevant, activity.relevance_decided_by) == (True, DecidedBy.PERSON)
    assert activity.relevance_evidence[0][:3] == [
        derive.DECIDED,
        "Border health checks.",
        secretariat.username,
    ]
    (said,) = evidence.relevance_sentences(activity)
    assert said.startswith(f"Border health checks. (decided by {secretariat.username} on ")
    # Handed back to the rules, the rules decide again.
    services.activity_relevance_decide(user=secretariat, activity=activity, relevant=None)
    activity.refresh_from_db()
    assert (activity.is_relevant, activity.relevance_decided_by) == (False, DecidedBy.RULES)


def test_a_decision_needs_a_reason(reference: None, idb: Organisation, secretariat: Any) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-R", reporting_org=idb)
    with pytest.raises(services.ServiceError, match="Say why"):
        services.activity_relevance_decide(
            user=secretariat, activity=activity, relevant=False, reason="  "
        )
    activity.refresh_from_db()
    assert activity.relevance_decided_by != DecidedBy.PERSON


def test_a_manual_tag_of_an_unknown_code_is_refused(
    reference: None, idb: Organisation, secretariat: Any
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-R", reporting_org=idb)
    with pytest.raises(services.ServiceError, match="not a provision"):
        services.activity_tag_add(user=secretariat, activity=activity, provision_code="TFA-99.9")
    assert not ActivityProvision.objects.exists()


# --------------------------------------------------------------------------- tag_activities


def test_tag_activities_tags_the_unassessed_and_says_what_it_did(
    reference: None, idb: Organisation
) -> None:
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-OLD",
        reporting_org=idb,
        title={"en": "Customs single window and risk management"},
    )
    assert Activity.objects.get().is_relevant is None  # stored before tagging existed
    out = io.StringIO()
    call_command("tag_activities", "--unassessed", stdout=out)
    activity = Activity.objects.get()
    assert (activity.is_relevant, activity.relevance_decided_by) == (True, DecidedBy.RULES)
    assert "TFA-10.4" in tags_of("XM-DAC-909-OLD")
    assert "Tagged 1 activities: 1 relevant, 0 not relevant" in out.getvalue()


def test_tag_activities_takes_a_filter_and_refuses_no_scope(
    reference: None, idb: Organisation, imf: Organisation
) -> None:
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-A", reporting_org=idb, title={"en": "Customs single window"}
    )
    ImportedActivityFactory(
        iati_identifier="44000-B", reporting_org=imf, title={"en": "Customs single window"}
    )
    call_command("tag_activities", "--partner", "idb", stdout=io.StringIO())
    assessed = dict(Activity.objects.values_list("iati_identifier", "is_relevant"))
    assert assessed == {"XM-DAC-909-A": True, "44000-B": None}
    with pytest.raises(CommandError, match="Say which activities"):
        call_command("tag_activities", stdout=io.StringIO())


# --------------------------------------------------------------------------- eval_tagging

LABELLED = """title,description,language,expected_codes,relevant,note
"Single window","Implementing the national single window for trade, with customs.",en,TFA-10,yes,hierarchy
"Operador económico autorizado","Programa de operador económico autorizado de la aduana.",es,SAFE-P2-S3,yes,
"Santé maternelle","Construction de cliniques rurales de santé maternelle.",fr,,no,
"""


def test_eval_tagging_prints_precision_recall_and_f1(tmp_path: Path, reference: None) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED, encoding="utf-8")
    out = io.StringIO()
    call_command("eval_tagging", str(path), stdout=out)
    text = out.getvalue()
    assert "Rows: 3" in text
    for line in ("relevance", "provisions (micro)", "provisions (macro)", "TFA-10 ", "SAFE-P2-S3"):
        assert line in text


def test_eval_tagging_json_counts_a_narrower_provision_as_an_answer(
    tmp_path: Path, reference: None
) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED, encoding="utf-8")
    out = io.StringIO()
    call_command("eval_tagging", str(path), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report) == {"relevance", "micro", "macro", "per_provision"}
    for key in ("relevance", "micro", "macro"):
        assert set(report[key]) >= {"precision", "recall", "f1"}
    assert report["relevance"]["f1"] == 1.0
    # TFA-10.4 (predicted) answers TFA-10 (expected).
    assert report["per_provision"]["TFA-10"]["recall"] == 1.0
    assert report["micro"]["recall"] == 1.0


def test_eval_tagging_refuses_a_file_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("eval_tagging", str(tmp_path / "nothing.csv"), stdout=io.StringIO())


def test_an_import_without_tagging_leaves_relevance_and_tags_alone(
    tmp_path: Path, reference: None
) -> None:
    """The benchmark's yardstick (``iati_import(tagging=False)``): new activities unassessed,
    the others' relevance and tags as they were."""
    run_import(write_file(tmp_path / "f.xml", {"XM-DAC-909-SW": SINGLE_WINDOW}), tagging=False)
    assert Activity.objects.get().is_relevant is None
    assert not ActivityProvision.objects.exists()
    run_import(write_file(tmp_path / "g.xml", {"XM-DAC-909-SW": SINGLE_WINDOW}, stamp="2024-04-01"))
    tagged = tags_of("XM-DAC-909-SW")
    assert tagged and Activity.objects.get().is_relevant is True
    newer = (SINGLE_WINDOW[0], "Health clinics.")
    run_import(
        write_file(tmp_path / "h.xml", {"XM-DAC-909-SW": newer}, stamp="2024-05-01"),
        tagging=False,
    )
    assert tags_of("XM-DAC-909-SW") == tagged
    assert Activity.objects.get().is_relevant is True
    with pytest.raises(ValueError, match="needs tagging"):
        run_import(tmp_path / "h.xml", tagging=False, relevant_only=True)
