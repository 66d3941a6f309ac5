"""The importer with its reader processes: the same activities read in a reader process or in
the importing one, nothing written from a file cut short, no process when none is configured."""

from __future__ import annotations

import multiprocessing.context
from pathlib import Path

import pytest

from cbcoord.activities.models import Activity
from cbcoord.iati.corpus import generate_corpus
from cbcoord.imports.importer import iati_import


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readers") / "corpus.xml"
    generate_corpus(path, 150, seed=7)
    return path


def test_import_through_the_worker(corpus: Path, reference: None) -> None:
    first = iati_import(
        user=None, path=corpus, source=str(corpus), source_kind="path", use_worker=True
    )
    assert (first.status, first.added, first.refused) == ("completed", 150, 0)
    again = iati_import(
        user=None, path=corpus, source=str(corpus), source_kind="path", use_worker=False
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 150)
    assert Activity.objects.count() == 150


def test_truncated_file_refused_before_the_worker_writes_anything(
    tmp_path: Path, corpus: Path, reference: None
) -> None:
    broken = tmp_path / "cut.xml"
    broken.write_bytes(corpus.read_bytes()[:-300])
    run = iati_import(
        user=None, path=broken, source=str(broken), source_kind="path", use_worker=True
    )
    assert run.status == "refused"
    assert not Activity.objects.exists()


def test_no_reader_processes_when_configured_so(
    corpus: Path, reference: None, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    def forbidden(self: object) -> None:
        raise AssertionError("no reader process should start")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", forbidden)
    settings.CBCOORD_IMPORT_READERS = 0  # type: ignore[attr-defined]
    run = iati_import(
        user=None, path=corpus, source=str(corpus), source_kind="path", use_worker=True
    )
    assert (run.status, run.added) == ("completed", 150)
