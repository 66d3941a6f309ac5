"""One measurement in a fresh process, so its peak resident memory is its own.

python -m bench.measure baseline CORPUS
python -m bench.measure import CORPUS DATABASE_URL
python -m bench.measure import-untagged CORPUS DATABASE_URL   (the same without the tagger)
python -m bench.measure tagging CORPUS
python -m bench.measure matching DATABASE_URL
Prints one JSON line: {"seconds": ..., "activities": ..., "own_peak_rss_mb": ...}.

The memory of the process and its reader processes together is sampled from outside, by the
caller (``tree_rss_kib``): a sampling thread in here would take the interpreter lock from the
work being measured fifty times a second.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (Linux /proc), KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # the process ended while we looked
    return total


def baseline(corpus: Path) -> dict[str, float]:
    from cbcoord.iati.baseline import bare_iterparse

    started = time.perf_counter()
    count = bare_iterparse(corpus)
    return {"seconds": time.perf_counter() - started, "activities": count}


def import_into(corpus: Path, database_url: str, *, tagging: bool = True) -> dict[str, float]:
    os.environ["DATABASE_URL"] = database_url
    # As in production: with DEBUG on, Django would keep the text of every query in memory.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from cbcoord.coordination import facts
    from cbcoord.imports.importer import iati_import
    from cbcoord.imports.signals import run_finished

    # The coordination facts of what the run wrote are worked out after it (the app's
    # receiver of ``run_finished``): timed on their own, not as the import's.
    run_finished.disconnect(dispatch_uid="coordination-after-import")
    started = time.perf_counter()
    run = iati_import(
        user=None, path=corpus, source=str(corpus), source_kind="path", tagging=tagging
    )
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    facts.refresh()
    facts_seconds = time.perf_counter() - started
    if run.status != "completed" or run.refused:
        raise SystemExit(
            f"import did not complete cleanly: {run.status} {run.message} refused={run.refused}"
        )
    return {
        "seconds": seconds,
        "facts_seconds": facts_seconds,
        "activities": run.added + run.updated + run.unchanged,
        "with_warnings": run.with_warnings,
    }


def tagging(corpus: Path) -> dict[str, float]:
    """The tagger alone (``activities.derive.tagged``: relevance, provisions, the catalogue's
    tags read back) on every activity of ``corpus``, as the importer's readers call it, with
    a fresh tagger (its memory of texts starts empty). Only the tagging is timed; reading the
    file into content is not."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    from cbcoord.activities import derive
    from cbcoord.iati.reading.stream import iter_activity_content

    derive.reload_tagger()
    derive.tagger()  # the data files are loaded once per process, before the clock starts
    seconds = 0.0
    count = relevant = tags = 0
    for item in iter_activity_content(corpus):
        content = getattr(item, "content", None)
        if content is None:
            continue
        started = time.perf_counter()
        found = derive.tagged(content)
        seconds += time.perf_counter() - started
        count += 1
        relevant += found.relevant
        tags += len(found.suggested)
    return {"seconds": seconds, "activities": count, "relevant": relevant, "tags": tags}


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def matching(database_url: str) -> dict[str, float]:
    """Needs matched against activities (``bench.matching``)."""
    _setup(database_url)
    from bench.matching import measure

    return measure()


def main() -> None:
    kind = sys.argv[1]
    if kind == "matching":
        result = matching(sys.argv[2])
    else:
        corpus = Path(sys.argv[2])
        if kind == "baseline":
            result = baseline(corpus)
        elif kind == "tagging":
            result = tagging(corpus)
        else:
            result = import_into(corpus, sys.argv[3], tagging=kind != "import-untagged")
    # This process's own peak, which a sample of the whole tree (taken by the caller) may miss.
    result["own_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
