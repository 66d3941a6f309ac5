"""One measurement in a fresh process, so its peak resident memory is its own.

python -m bench.measure baseline CORPUS
python -m bench.measure import CORPUS DATABASE_URL
Prints one JSON line: {"seconds": ..., "activities": ..., "peak_rss_mb": ...}.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    """Peak resident memory of this process plus the largest child (the import's reader)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def baseline(corpus: Path) -> dict[str, float]:
    from cbcoord.iati.baseline import bare_iterparse

    started = time.perf_counter()
    count = bare_iterparse(corpus)
    return {"seconds": time.perf_counter() - started, "activities": count}


def import_into(corpus: Path, database_url: str) -> dict[str, float]:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from cbcoord.iati.services import iati_import

    started = time.perf_counter()
    run = iati_import(user=None, path=corpus, source=str(corpus), source_kind="path")
    seconds = time.perf_counter() - started
    if run.status != "completed" or run.refused:
        raise SystemExit(
            f"import did not complete cleanly: {run.status} {run.message} refused={run.refused}"
        )
    return {
        "seconds": seconds,
        "activities": run.added + run.updated + run.unchanged,
        "with_warnings": run.with_warnings,
    }


def main() -> None:
    kind, corpus = sys.argv[1], Path(sys.argv[2])
    result = baseline(corpus) if kind == "baseline" else import_into(corpus, sys.argv[3])
    result["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
