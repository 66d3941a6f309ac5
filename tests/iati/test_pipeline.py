"""Reading in a worker process gives exactly what reading in-process gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cbcoord.iati.corpus import generate_corpus
from cbcoord.iati.pipeline import PreparedReader
from tests.iati.helpers import with_false_cuts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipeline") / "corpus.xml"
    generate_corpus(path, 150, seed=7)
    return path


def _read(
    path: Path, *, use_worker: bool, workers: int = 2, piece_bytes: int | None = None
) -> list[object]:
    return [item for batch in _batches(path, use_worker, workers, piece_bytes) for item in batch]


def _batches(
    path: Path, use_worker: bool, workers: int, piece_bytes: int | None
) -> list[list[object]]:
    return _reader_batches(path, use_worker, workers, piece_bytes)[1]


def _reader_batches(
    path: Path, use_worker: bool, workers: int, piece_bytes: int | None
) -> tuple[PreparedReader, list[list[object]]]:
    options = {} if piece_bytes is None else {"piece_bytes": piece_bytes}
    reader = PreparedReader(
        path, strict=False, batch_size=40, use_worker=use_worker, workers=workers, **options
    )
    reader.start()
    try:
        return reader, list(reader)
    finally:
        reader.close()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_and_in_process_agree(corpus: Path, workers: int) -> None:
    # 150 activities in batches of 40: four batches, shared unevenly between the workers.
    in_process = _read(corpus, use_worker=False)
    in_workers = _read(corpus, use_worker=True, workers=workers)
    assert len(in_process) == 150
    assert [item.iati_identifier for item in in_workers] == [  # type: ignore[attr-defined]
        item.iati_identifier  # type: ignore[attr-defined]
        for item in in_process
    ]
    assert in_workers == in_process


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_reading_pieces_agree(corpus: Path, workers: int) -> None:
    """With small pieces (some 20 kB: 23 of them) each worker parses only its own."""
    in_process = _read(corpus, use_worker=False)
    reader, batches = _reader_batches(corpus, True, workers, 20_000)
    assert reader.read_in_pieces
    assert [item for batch in batches for item in batch] == in_process
    # pieces' batches (some 7 activities) are joined up to the batch size
    assert all(len(batch) >= 40 for batch in batches[:-1])


def test_small_files_are_not_cut(corpus: Path) -> None:
    reader, batches = _reader_batches(corpus, True, 2, None)
    assert not reader.read_in_pieces
    assert [len(batch) for batch in batches] == [40, 40, 40, 30]


def test_a_false_cut_makes_the_reader_read_on_in_process(tmp_path: Path, corpus: Path) -> None:
    path = with_false_cuts(corpus, tmp_path / "comment.xml", repeat=3_000)  # 51 kB > a piece
    in_process = _read(path, use_worker=False)
    reader = PreparedReader(
        path, strict=False, batch_size=40, use_worker=True, workers=2, piece_bytes=20_000
    )
    reader.start()
    try:
        assert [item for batch in reader for item in batch] == in_process
        assert reader.use_worker is False  # the workers were stopped at the false cut
    finally:
        reader.close()
    assert len(in_process) == 150


def test_workers_that_cut_the_file_differently_hand_over_to_this_process(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that changes while it is read gets two different cuts: the reader stops trusting
    the workers and reads on in-process, losing and repeating nothing."""
    from cbcoord.iati import pipeline

    in_process = _read(corpus, use_worker=False)
    monkeypatch.setattr(pipeline, "_worker", _worker_with_another_plan)
    reader = PreparedReader(
        corpus, strict=False, batch_size=40, use_worker=True, workers=2, piece_bytes=20_000
    )
    reader.start()
    try:
        assert [item for batch in reader for item in batch] == in_process
        assert reader.use_worker is False
    finally:
        reader.close()


class _AnotherPlan:
    def __init__(self, out: Any) -> None:
        self.out = out

    def put(self, message: tuple[Any, ...]) -> None:
        if message[0] == "plan":
            message = ("plan", "a plan of another file", False)
        self.out.put(message)


def _worker_with_another_plan(
    path: str, strict: bool, batch_size: int, share: tuple[int, int], out: Any, piece_bytes: int
) -> None:
    from cbcoord.iati import pipeline

    pipeline._worker(
        path, strict, batch_size, share, _AnotherPlan(out) if share[0] else out, piece_bytes
    )


def test_more_workers_than_batches(corpus: Path) -> None:
    reader = PreparedReader(corpus, strict=False, batch_size=100, use_worker=True, workers=3)
    reader.start()
    try:
        assert [len(batch) for batch in reader] == [100, 50]
    finally:
        reader.close()


def test_worker_reports_a_broken_file(tmp_path: Path, corpus: Path) -> None:
    from cbcoord.iati.records import IatiFileError

    broken = tmp_path / "broken.xml"
    broken.write_bytes(corpus.read_bytes()[: corpus.stat().st_size // 2])
    with pytest.raises(IatiFileError, match="broken.xml"):
        _read(broken, use_worker=True)


def test_close_stops_workers_nobody_reads(corpus: Path) -> None:
    reader = PreparedReader(corpus, strict=False, batch_size=5, use_worker=True)
    reader.start()
    processes = list(reader._processes)
    assert len(processes) == 2
    reader.close()
    assert not any(process.is_alive() for process in processes)


def test_falls_back_to_reading_in_process(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing.context

    def refuse(self: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    reader = PreparedReader(corpus, strict=False, batch_size=50, use_worker=True)
    reader.start()
    assert reader.use_worker is False
    assert sum(len(batch) for batch in reader) == 150
    reader.close()


def test_worker_dying_before_a_batch_falls_back(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbcoord.iati import pipeline

    monkeypatch.setattr(pipeline, "_worker", _die_at_once)
    reader = PreparedReader(corpus, strict=False, batch_size=50, use_worker=True)
    reader.start()
    assert sum(len(batch) for batch in reader) == 150
    assert reader.use_worker is False
    reader.close()


def _die_at_once(
    path: str,
    strict: bool,
    batch_size: int,
    share: tuple[int, int],
    out: object,
    piece_bytes: int = 0,
) -> None:
    import os

    os._exit(3)


@pytest.mark.parametrize("piece_bytes", [None, 30_000], ids=["whole", "pieces"])
def test_real_publishers_activities_read_alike_by_two_workers(
    shared_dir: Path, tmp_path: Path, piece_bytes: int | None
) -> None:
    """Real activities (extensions, namespaces, warnings), five times over in batches of two:
    two workers taking alternate batches, or alternate pieces of the file, give exactly what one
    process reading everything gives."""
    from lxml import etree

    activities: list[bytes] = []
    for path in sorted((shared_dir / "reference" / "iati" / "real-publishers").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        if not root.get("version", "").startswith("2."):
            continue
        activities += [etree.tostring(el) for el in root.iterfind("iati-activity")]
    assert len(activities) >= 8
    combined = tmp_path / "combined.xml"
    combined.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
        + b"\n".join(activities * 5)
        + b"\n</iati-activities>\n"
    )
    alone = [
        item
        for batch in PreparedReader(combined, strict=False, batch_size=2, use_worker=False)
        for item in batch
    ]
    options = {} if piece_bytes is None else {"piece_bytes": piece_bytes}
    reader = PreparedReader(
        combined, strict=False, batch_size=2, use_worker=True, workers=2, **options
    )
    reader.start()
    try:
        shared = [item for batch in reader for item in batch]
    finally:
        reader.close()
    assert len(alone) == len(activities) * 5
    assert shared == alone


def test_lines_past_65535_are_the_files_own(tmp_path_factory: pytest.TempPathFactory) -> None:
    """libxml2 keeps 16-bit lines and then takes an element's line from its first text, one
    line late for an indented file; read in pieces, lines stay low and come out right."""
    from lxml import etree

    directory = tmp_path_factory.mktemp("lines")
    raw = directory / "raw.xml"
    generate_corpus(raw, 1_200, seed=3)
    path = directory / "indented.xml"
    tree = etree.parse(str(raw), etree.XMLParser(remove_blank_text=True))
    tree.write(str(path), pretty_print=True, xml_declaration=True, encoding="UTF-8")
    data = path.read_bytes()
    assert data.count(b"\n") > 70_000
    starts = []
    at = data.find(b"<iati-activity ")
    while at >= 0:
        starts.append(data.count(b"\n", 0, at) + 1)
        at = data.find(b"<iati-activity ", at + 1)
    read = _read(path, use_worker=False, piece_bytes=200_000)
    lines = [item.source_line for item in read]  # type: ignore[attr-defined]
    assert lines == starts
    assert lines[-1] > 65_535


# ------------------------------------------------------------------ readers end with their parent

_PARENT = """
import os, sys, time
from pathlib import Path

if __name__ == "__main__":
    if sys.argv[1] == "reader":
        from cbcoord.iati.pipeline import PreparedReader

        reader = PreparedReader(
            Path(sys.argv[2]), strict=False, batch_size=5, use_worker=True, workers=2,
            piece_bytes=4000,
        )
        reader.start()  # nobody reads: the readers fill their queues and wait
        pids = [process.pid for process in reader._processes]
    else:
        import multiprocessing

        from tests.iati.helpers import wait_as_a_reader

        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=wait_as_a_reader, args=(os.getpid(), sys.argv[1] == "signal"), daemon=True
        )
        process.start()
        pids = [process.pid]
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody has reaped yet does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children_outlive_a_killed_parent(tmp_path: Path, *args: str) -> list[int]:
    """Start the parent script with ``args``, kill it once its children run; return those of
    its children still running 10 seconds later."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        text=True,
    )
    try:
        assert parent.stdout is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert pids and all(_alive(pid) for pid in pids)
        time.sleep(3)  # the children have started their interpreters and asked to be told
        assert all(_alive(pid) for pid in pids)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    survivors = [pid for pid in pids if _alive(pid)]
    for pid in survivors:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    return survivors


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_readers_end_when_their_parent_is_killed(corpus: Path, tmp_path: Path) -> None:
    """A SIGKILLed import left its readers waiting for ever, re-parented, ~60 MB each."""
    assert _children_outlive_a_killed_parent(tmp_path, "reader", str(corpus)) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["signal", "watchdog"])
def test_a_reader_ends_with_its_parent_by_signal_or_by_watchdog(tmp_path: Path, how: str) -> None:
    """The kernel's death signal where there is one, the watchdog thread anywhere."""
    assert _children_outlive_a_killed_parent(tmp_path, how) == []
