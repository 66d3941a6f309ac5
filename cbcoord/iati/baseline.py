"""The cheapest possible pass over an IATI file, as the yardstick for parser throughput.

``bare_iterparse(path)`` iterparses like ``iter_activities`` does (same parser options, same
clearing of each activity and its preceding siblings) but extracts and validates nothing.

Command line, to measure all three passes on one file (best of ``--repeat`` runs, interleaved so
that a busy machine hurts them alike)::

    python -m cbcoord.iati.corpus /tmp/corpus.xml 20000
    python -m cbcoord.iati.baseline /tmp/corpus.xml --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

__all__ = ["bare_iterparse", "main"]


def bare_iterparse(path: str | Path) -> int:
    """Number of ``iati-activity`` elements in ``path``; memory stays flat."""
    count = 0
    context = etree.iterparse(
        str(path),
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for _, el in context:
        count += 1
        el.clear(keep_tail=False)
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
    return count


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main(argv: list[str] | None = None) -> int:
    from cbcoord.iati.reading import check_file, iter_activity_content
    from cbcoord.iati.validation import activity_schema, codelist_checker

    parser = argparse.ArgumentParser(
        prog="python -m cbcoord.iati.baseline",
        description="Throughput of bare iterparse, check_file and iter_activity_content on one file.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path: Path = args.file
    megabytes = path.stat().st_size / 1e6
    activity_schema()
    codelist_checker()  # one-off loading is not throughput

    passes: dict[str, Callable[[], int]] = {
        "bare iterparse": lambda: bare_iterparse(path),
        "check_file": lambda: check_file(path).activity_count or 0,
        # what the importer runs: the same proof without counting
        "check_file (no count)": lambda: (
            check_file(path, count_activities=False).activity_count or 0
        ),
        "iter_activity_content": lambda: sum(1 for _ in iter_activity_content(path)),
    }
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for _ in range(max(1, args.repeat)):
        for name, run in passes.items():
            start = time.perf_counter()
            counts[name] = run()
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, elapsed), elapsed)
    print(f"{path}: {megabytes:.1f} MB, best of {args.repeat}")
    base = best["bare iterparse"]
    for name, seconds in best.items():
        print(
            f"  {name:21s} {counts[name]:>8} activities {seconds:7.2f} s "
            f"{megabytes / seconds:6.1f} MB/s  {base / seconds:5.0%} of bare iterparse"
        )
    print(f"  peak RSS of this process: {_peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
