"""The facts follow every write, whoever makes it: the triggers note it, the next read works
it out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from cbcoord.activities.models import Activity, ActivityProvision, TagStatus
from cbcoord.coordination import facts, triggers
from cbcoord.coordination.models import CoverageFact, FactChange
from cbcoord.registry.models import RecipientRegionCover
from tests.coordination.helpers import activity, provision
from tests.factories import iati_file

pytestmark = pytest.mark.django_db


def _facts(target: Activity) -> set[tuple[str, str | None, int | None]]:
    facts.refresh()
    return set(
        CoverageFact.objects.filter(activity_id=target.pk, primary=True).values_list(
            "member__iso_code", "provision__code", "year"
        )
    )


def test_an_activity_gets_facts_per_member_provision_and_year(reference: None) -> None:
    made = activity(
        "idb",
        countries=("DO", "JM"),
        provisions=("TFA-10.4", "TFA-3"),
        start="2019-06-01",
        end="2020-02-01",
    )
    assert _facts(made) == {
        (iso, code, year)
        for iso in ("DO", "JM")
        for code in ("TFA-10.4", "TFA-3")
        for year in (2019, 2020)
    }


def test_every_kind_of_write_is_followed(reference: None) -> None:
    made = activity("idb", provisions=("TFA-10.4",))
    assert _facts(made) == {("DO", "TFA-10.4", 2019)}

    # A tag added by SQL of its own (as the importer and the tagger write).
    ActivityProvision.objects.bulk_create(
        [ActivityProvision(activity=made, provision=provision("TFA-3"))]
    )
    assert _facts(made) == {("DO", "TFA-10.4", 2019), ("DO", "TFA-3", 2019)}

    # A tag rejected by a coordinator counts no more.
    ActivityProvision.objects.filter(activity=made, provision__code="TFA-3").update(
        status=TagStatus.REJECTED
    )
    assert _facts(made) == {("DO", "TFA-10.4", 2019)}

    # Its dates moved by an import (columns written in bulk).
    Activity.objects.filter(pk=made.pk).update(end_date=dt.date(2020, 3, 1))
    assert _facts(made) == {("DO", "TFA-10.4", 2019), ("DO", "TFA-10.4", 2020)}

    # Withdrawn: no facts.
    Activity.objects.filter(pk=made.pk).update(withdrawn_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert _facts(made) == set()


def test_a_change_of_reference_data_works_everything_out_again(reference: None) -> None:
    made = activity("imf", countries=(), regions=("1031",))
    assert ("DO", "TFA-10.4", 2019) in _facts(made)
    cover = RecipientRegionCover.objects.get(dac_code="1031", member__iso_code="DO")
    cover.delete()
    assert FactChange.objects.filter(activity_id=0).exists()
    assert ("DO", "TFA-10.4", 2019) not in _facts(made)


def test_an_unchanged_update_notes_nothing(reference: None) -> None:
    made = activity("idb")
    facts.refresh()
    Activity.objects.filter(pk=made.pk).update(title_text="Another title", hand_edited=True)
    assert not FactChange.objects.exists()


def test_the_triggers_come_back_after_migrate(reference: None) -> None:
    triggers.uninstall(connection)
    made = activity("idb")
    assert not FactChange.objects.filter(activity_id=made.pk).exists()
    assert triggers.install(connection) is True
    assert FactChange.objects.filter(activity_id=0).exists()  # so everything is worked out again
    assert ("DO", "TFA-10.4", 2019) in _facts(made)
    assert triggers.install(connection) is False


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite finds inserts by their ids")
def test_sqlite_finds_new_rows_past_the_marks_without_insert_triggers(reference: None) -> None:
    """An insert trigger costs SQLite more than the insert: new activities and tags are found
    by the highest ids the facts have seen, and a database from before loses those triggers."""
    first = activity("idb", provisions=("TFA-10.4",))
    assert _facts(first) == {("DO", "TFA-10.4", 2019)}
    # The triggers an earlier version installed go at the next install.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER coordination_activities_activity_insert AFTER INSERT ON "
            "activities_activity BEGIN INSERT INTO coordination_factchange (activity_id) "
            "VALUES (NEW.id); END"
        )
    triggers.install(connection)
    assert "coordination_activities_activity_insert" not in triggers._existing(connection)
    # Rows written by SQL of their own, noted by nothing: the next read finds them.
    second = activity("imf", countries=("JM",), provisions=("TFA-3",))
    assert not FactChange.objects.exists()
    ActivityProvision.objects.bulk_create(
        [ActivityProvision(activity=first, provision=provision("TFA-3"))]
    )
    assert not FactChange.objects.exists()
    assert _facts(second) == {("JM", "TFA-3", 2019)}
    assert _facts(first) == {("DO", "TFA-10.4", 2019), ("DO", "TFA-3", 2019)}
    # Seen once: the next refresh has nothing to do.
    assert facts.refresh() == 0


def test_an_import_run_leaves_the_facts_worked_out(reference: None, tmp_path: Path) -> None:
    """The facts of what a run wrote are worked out when it ends, not by the first page that
    reads an analysis."""
    from cbcoord.imports.importer import iati_import

    path = iati_file(tmp_path / "file.xml", {"identifier": "XM-DAC-909-FACTS-1"})
    run = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert run.status == "completed"
    made = Activity.objects.get(iati_identifier="XM-DAC-909-FACTS-1")
    assert not FactChange.objects.exists()
    assert CoverageFact.objects.filter(activity_id=made.pk).exists()
    assert facts.refresh() == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite finds inserts by their ids")
def test_new_activities_with_tags_are_worked_out_once(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new activity and its new tags are past both marks: it is noted once, not once for
    the activity and again for its tags (which a later batch would work out again)."""
    monkeypatch.setattr(facts, "BATCH", 1)  # batches of 4 changes
    facts.refresh()
    made = [activity("idb", provisions=("TFA-10.4", "TFA-3")) for _ in range(3)]
    assert facts.refresh() == len(made)
    assert _facts(made[0]) == {("DO", "TFA-10.4", 2019), ("DO", "TFA-3", 2019)}


def test_a_rebuild_takes_the_changes_noted_before_it(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change of reference data asks for every activity's facts again; the changes noted
    before it are in what the rebuild reads, those of later batches too: no activity is
    worked out twice."""
    monkeypatch.setattr(facts, "BATCH", 1)  # batches of 4 changes
    made = [activity("idb") for _ in range(6)]
    facts.refresh()
    FactChange.objects.create(activity_id=0)
    Activity.objects.filter(pk__in=[a.pk for a in made]).update(end_date=dt.date(2021, 12, 31))
    assert facts.refresh() == Activity.objects.count()
    assert not FactChange.objects.exists()
