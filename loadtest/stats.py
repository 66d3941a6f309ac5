"""Reading locust's final statistics and printing them as one table (no I/O but files)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGGREGATED = "Aggregated"


@dataclass(frozen=True)
class Row:
    """One endpoint (locust's method and grouped name), or the whole run (``method`` empty)."""

    method: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: int | None
    p95: int | None
    p99: int | None
    max_ms: float

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}" if self.method else "all requests"


@dataclass(frozen=True)
class Failure:
    method: str
    name: str
    error: str
    occurrences: int


def percentile(response_times: dict[int, int], fraction: float) -> int | None:
    """The response time (ms) within which ``fraction`` of the requests finished, from
    locust's histogram {rounded ms: count}, as locust computes it; None without requests."""
    total = sum(response_times.values())
    if not total:
        return None
    within = int(total * fraction)
    counted = 0
    for milliseconds in sorted(response_times, reverse=True):
        counted += response_times[milliseconds]
        if total - counted <= within:
            return milliseconds
    return 0


def _row(method: str, name: str, entries: list[dict[str, Any]], seconds: float) -> Row:
    times: dict[int, int] = {}
    for entry in entries:
        for milliseconds, count in entry["response_times"].items():
            key = round(float(milliseconds))  # JSON keys are strings
            times[key] = times.get(key, 0) + count
    requests = sum(entry["num_requests"] for entry in entries)
    return Row(
        method=method,
        name=name,
        requests=requests,
        failures=sum(entry["num_failures"] for entry in entries),
        rps=requests / seconds if seconds > 0 else 0.0,
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        max_ms=max((entry["max_response_time"] or 0 for entry in entries), default=0),
    )


def rows_from(entries: list[dict[str, Any]]) -> tuple[list[Row], Row | None]:
    """The endpoints, slowest p95 first, and the whole run, from locust's final statistics
    (``--json-file``: one entry per method and name). Requests/s are over the whole run."""
    if not entries:
        return [], None
    started = min(entry["start_time"] for entry in entries)
    ended = max(entry["last_request_timestamp"] or started for entry in entries)
    seconds = ended - started
    rows = [_row(entry["method"], entry["name"], [entry], seconds) for entry in entries]
    rows.sort(key=lambda row: (-(row.p95 or 0), row.name, row.method))
    return rows, _row("", AGGREGATED, entries, seconds)


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """``rows_from`` the JSON file locust writes with ``--json-file`` (PREFIX.json)."""
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows_from(entries)


def read_failures(path: Path) -> list[Failure]:
    """The distinct failures, most frequent first, from ``PREFIX_failures.csv``."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        failures = [
            Failure(
                method=record["Method"],
                name=record["Name"],
                error=record["Error"],
                occurrences=int(record["Occurrences"]),
            )
            for record in csv.DictReader(handle)
        ]
    return sorted(failures, key=lambda failure: -failure.occurrences)


def _ms(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def format_table(rows: list[Row], total: Row | None) -> str:
    """A fixed-width table: requests, failures, requests/s and p50/p95/p99/max in ms."""
    width = max([len(row.label) for row in rows] + [len("endpoint"), len("all requests")])
    header = (
        f"{'endpoint':<{width}}  {'requests':>8}  {'failures':>13}  {'req/s':>7}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  {'max ms':>7}"
    )
    lines = [header, "-" * len(header)]

    def line(row: Row) -> str:
        failed = f"{row.failures} ({row.failures / row.requests:.1%})" if row.failures else "0"
        return (
            f"{row.label:<{width}}  {row.requests:>8,}  {failed:>13}  {row.rps:>7.1f}  "
            f"{_ms(row.p50):>7}  {_ms(row.p95):>7}  {_ms(row.p99):>7}  {_ms(row.max_ms):>7}"
        )

    lines.extend(line(row) for row in rows)
    if total is not None:
        lines.append("-" * len(header))
        lines.append(line(total))
    return "\n".join(lines)


def format_failures(failures: list[Failure], limit: int = 10) -> str:
    if not failures:
        return "no failures"
    lines = [f"failures ({sum(f.occurrences for f in failures):,}):"]
    for failure in failures[:limit]:
        error = failure.error if len(failure.error) <= 160 else failure.error[:157] + "..."
        lines.append(f"  {failure.occurrences:>6,} × {failure.method} {failure.name}: {error}")
    if len(failures) > limit:
        lines.append(f"  … and {len(failures) - limit} other kinds")
    return "\n".join(lines)


def summary(rows: list[Row], total: Row | None) -> str:
    """The one-line verdict: overall throughput and failures, and the slowest endpoint."""
    if total is None or not total.requests:
        return "no request was made"
    text = (
        f"{total.requests:,} requests, {total.rps:.1f} req/s, "
        f"{total.failures:,} failures ({total.failures / total.requests:.2%}); "
        f"overall p50 {_ms(total.p50)} ms, p95 {_ms(total.p95)} ms, p99 {_ms(total.p99)} ms"
    )
    if rows:
        worst = rows[0]
        text += f"\nslowest p95: {worst.label} ({_ms(worst.p95)} ms)"
    return text
