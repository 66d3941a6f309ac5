"""`make bench`: IATI import throughput (tagging included) against a bare lxml iterparse of the
same file, the tagger's own throughput, and matching needs with activities (`--only matching`
measures that alone; `bench/matching.py`); `--only coordination [--coordination-activities N]`
measures the coordination analyses (`bench/coordination.py`).

For each corpus size: the baseline (iterparse, clear each activity, extract nothing), then the
full import (check, parse, validate against the schema and codelists, upsert) into a fresh
SQLite database and, when PostgreSQL 15 binaries are available, a throwaway PostgreSQL cluster;
then the same SQLite import without the tagger (what tagging costs it) and the tagger alone on
every activity of the corpus (activities/s). Reach (issue 12): the import with tagging at 12 % or more of the baseline.
The baseline is measured before and after the imports; ratios are against the fastest. Each
measurement runs in its own process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import tree_rss_kib

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _measure(*args: str) -> dict[str, float]:
    """Run ``bench.measure`` with ``args``; sample the resident memory of its process tree (it
    and its reader processes) every 20 ms while it runs, from here, so that sampling takes
    nothing from the measured process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.measure", *args],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            text=True,
        )
        peak_kib = 0
        while process.poll() is None:
            peak_kib = max(peak_kib, tree_rss_kib(process.pid))
            time.sleep(0.02)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"measurement {args[0]} failed:\n{err.read()[-3000:]}")
        result: dict[str, float] = json.loads(out.read().strip().splitlines()[-1])
    result["peak_rss_mb"] = max(peak_kib / 1024, result.pop("own_peak_rss_mb"))
    return result


def _corpus(size: int) -> Path:
    from cbcoord.iati.corpus import generate_corpus

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"corpus-{size}.xml"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        generate_corpus(path, size, seed=0)
    return path


def _start_postgres() -> tuple[str, str] | None:
    script = ROOT / ".ci" / "pg-cluster.sh"
    completed = subprocess.run(
        ["bash", str(script), "start"], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        print(f"PostgreSQL not measured: {completed.stderr.strip().splitlines()[-1:]}")
        return None
    env = dict(line.removeprefix("export ").split("=", 1) for line in completed.stdout.splitlines())
    return env["PG_CLUSTER_DIR"], env["DATABASE_URL"]


def _stop_postgres(directory: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "pg-cluster.sh"), "stop", directory],
        check=False,
        capture_output=True,
    )


def _row(
    label: str, result: dict[str, float], size_mb: float, baseline: dict[str, float] | None
) -> str:
    rate = result["activities"] / result["seconds"]
    mb_s = size_mb / result["seconds"]
    ratio = f"{baseline['seconds'] / result['seconds']:6.1%}" if baseline else "  (base)"
    return (
        f"{label:<36} {result['seconds']:8.2f} s {rate:10.0f} act/s {mb_s:7.2f} MB/s "
        f"{ratio} of baseline   peak RSS {result['peak_rss_mb']:6.0f} MB"
    )


def _matching() -> None:
    """Matching 2,000 needs of 200 members against 100,000 activities, on SQLite."""
    print("\nmatching: 200 members, 2,000 needs, 100,000 activities (SQLite)", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        result = _measure("matching", f"sqlite:///{scratch}/matching.sqlite3")
    print(f"{'data written (bulk inserts)':<36} {result['populate_seconds']:8.2f} s", flush=True)
    print(
        f"{'all needs matched (top 20 each)':<36} {result['seconds']:8.2f} s "
        f"{result['needs'] / result['seconds']:10.0f} needs/s   "
        f"{result['suggestions']:.0f} suggestions for {result['needs_with_suggestions']:.0f} "
        f"needs   peak RSS {result['peak_rss_mb']:6.0f} MB",
        flush=True,
    )
    print(
        f"{'one need (its page)':<36} {result['one_need_seconds']:8.2f} s "
        f"({result['one_need_suggestions']:.0f} suggestions)\n"
        f"{'one activity (its page)':<36} {result['one_activity_seconds']:8.2f} s "
        f"({result['one_activity_needs']:.0f} needs)",
        flush=True,
    )


def _brief() -> None:
    """The meeting brief for a region of 5,000 activities, 60 partners and 300 action items
    (``bench/brief.py``); the issue asks for the PDF under 10 s and the XLSX under 5 s."""
    with tempfile.TemporaryDirectory() as scratch:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.brief", f"sqlite:///{scratch}/brief.sqlite3"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise SystemExit(f"brief bench failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    print(f"data built in {result['build_seconds']:.1f} s")
    print(
        f"brief PDF   {result['pdf_seconds']:6.2f} s  ({result['pdf_bytes'] / 1e3:.0f} kB; reach: < 10 s)"
    )
    print(
        f"brief XLSX  {result['xlsx_seconds']:6.2f} s  ({result['xlsx_bytes'] / 1e3:.0f} kB; reach: < 5 s)"
    )


def _coordination(activities: int, postgres: bool) -> None:
    """The coordination analyses on generated data (``bench/coordination.py``): the matrix,
    gaps, overlaps and synergies API calls and the region page, on SQLite and, when PostgreSQL
    15 binaries are present, PostgreSQL; the issue asks for each call's 95th percentile under
    500 ms (SQLite) and 200 ms (PostgreSQL), the page under 1 s."""
    command = [sys.executable, "-m", "bench.coordination", "--activities", str(activities)]
    with tempfile.TemporaryDirectory() as scratch:
        print(f"\ncoordination: {activities:,} activities (SQLite)", flush=True)
        subprocess.run(
            [*command, f"sqlite:///{scratch}/coordination.sqlite3"], cwd=ROOT, check=True
        )
    cluster = _start_postgres() if postgres else None
    if cluster is None:
        return
    try:
        database = "bench_coordination"
        subprocess.run(
            ["psql", cluster[1], "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True
        )
        subprocess.run(["psql", cluster[1], "-qc", f"CREATE DATABASE {database}"], check=True)
        url = cluster[1].rsplit("/", 1)[0] + f"/{database}"
        print(f"\ncoordination: {activities:,} activities (PostgreSQL)", flush=True)
        subprocess.run([*command, url], cwd=ROOT, check=True)
    finally:
        _stop_postgres(cluster[0])


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000", help="corpus sizes, activities (comma-separated)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument(
        "--only",
        choices=["import", "brief", "matching", "coordination"],
        help="one benchmark: the IATI import, the brief, matching needs and activities, or the "
        "coordination analyses",
    )
    parser.add_argument(
        "--coordination-activities",
        type=int,
        default=1_000_000,
        help="activities generated for the coordination benchmark (default 1,000,000)",
    )
    options = parser.parse_args()
    if options.only == "brief":
        _brief()
        return
    if options.only == "matching":
        _matching()
        return
    if options.only == "coordination":
        _coordination(options.coordination_activities, postgres=not options.no_postgres)
        return
    sizes = [int(size) for size in options.sizes.split(",")]
    cluster = None if options.no_postgres else _start_postgres()
    try:
        for size in sizes:
            corpus = _corpus(size)
            size_mb = corpus.stat().st_size / 1e6
            print(f"\ncorpus: {size} activities, {size_mb:.0f} MB ({corpus.name})", flush=True)
            # The baseline is measured twice before the imports and once after each, and the
            # fastest counts: on a shared machine a slow moment during the baseline would
            # otherwise flatter the import's ratio.
            baselines = [_measure("baseline", str(corpus)) for _ in range(2)]
            imports: list[tuple[str, dict[str, float]]] = []
            with tempfile.TemporaryDirectory() as scratch:
                imports.append(
                    (
                        "import (tagging included) → SQLite",
                        _measure("import", str(corpus), f"sqlite:///{scratch}/bench.sqlite3"),
                    )
                )
            baselines.append(_measure("baseline", str(corpus)))
            # The same import without the tagger, for what tagging costs it in this run.
            with tempfile.TemporaryDirectory() as scratch:
                untagged = _measure(
                    "import-untagged", str(corpus), f"sqlite:///{scratch}/bench.sqlite3"
                )
            imports.append(("import without tagging → SQLite", untagged))
            baselines.append(_measure("baseline", str(corpus)))
            if cluster is not None:
                database = f"bench_{size}"
                subprocess.run(
                    ["psql", cluster[1], "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True
                )
                subprocess.run(
                    ["psql", cluster[1], "-qc", f"CREATE DATABASE {database}"], check=True
                )
                url = cluster[1].rsplit("/", 1)[0] + f"/{database}"
                imports.append(
                    ("import (tagging included) → PostgreSQL", _measure("import", str(corpus), url))
                )
                baselines.append(_measure("baseline", str(corpus)))
            tagging = _measure("tagging", str(corpus))
            base = min(baselines, key=lambda r: r["seconds"])
            label = f"baseline lxml iterparse (best of {len(baselines)})"
            print(_row(label, base, size_mb, None), flush=True)
            for label, result in imports:
                print(_row(label, result, size_mb, base), flush=True)
                print(
                    f"{'':<36} (then the coordination facts of what it wrote: "
                    f"{result['facts_seconds']:.2f} s, after the run, not counted in it)",
                    flush=True,
                )
            print(_row("tagging alone (rules, in-process)", tagging, size_mb, base), flush=True)
            cost = imports[0][1]["seconds"] / untagged["seconds"] - 1
            print(f"{'':<36} (tagging adds {cost:+.0%} to the SQLite import's time)", flush=True)
            print(
                f"{'':<36} ({tagging['relevant']:.0f} relevant, {tagging['tags']:.0f} tags "
                f"suggested; reach: import with tagging ≥ 12 % of baseline)",
                flush=True,
            )
            spread = ", ".join(f"{r['seconds']:.2f}" for r in baselines)
            print(f"{'':<36} (baselines measured: {spread} s)", flush=True)
    finally:
        if cluster is not None:
            _stop_postgres(cluster[0])
    os.environ.pop("DATABASE_URL", None)


if __name__ == "__main__":
    main()
