"""The load test's report: locust's final statistics as one table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loadtest import stats


def _entry(method: str, name: str, times: dict[int, int], failures: int = 0) -> dict[str, Any]:
    return {
        "method": method,
        "name": name,
        "num_requests": sum(times.values()),
        "num_failures": failures,
        "response_times": {str(ms): count for ms, count in times.items()},  # as in JSON
        "max_response_time": max(times),
        "start_time": 1000.0,
        "last_request_timestamp": 1010.0,
    }


def test_percentiles_as_locust_computes_them() -> None:
    # locust's rule: the time within which the fraction finished, counting down from the
    # slowest, so a bucket straddling the rank counts (one slow request in 100 is the p99).
    times = {10: 50, 20: 45, 300: 4, 900: 1}  # 100 requests
    assert stats.percentile(times, 0.50) == 20
    assert stats.percentile(times, 0.95) == 300
    assert stats.percentile(times, 0.99) == 900
    assert stats.percentile(times, 1.0) == 900
    assert stats.percentile({}, 0.5) is None


def test_rows_grouped_by_endpoint_slowest_first_with_the_whole_run() -> None:
    rows, total = stats.rows_from(
        [
            _entry("GET", "/", {10: 90, 20: 10}),
            _entry("GET", "/activities/[id]/", {50: 19, 800: 1}, failures=2),
            _entry("PATCH", "/api/activities/[id]", {40: 5}),
        ]
    )
    assert [row.label for row in rows] == [
        "GET /activities/[id]/",
        "PATCH /api/activities/[id]",
        "GET /",
    ]
    slow = rows[0]
    assert (slow.requests, slow.failures, slow.p50, slow.p95, slow.max_ms) == (20, 2, 50, 800, 800)
    assert slow.rps == 2.0  # 20 requests in the run's 10 seconds
    assert total is not None
    assert total.label == "all requests"
    assert (total.requests, total.failures, total.rps) == (125, 2, 12.5)
    assert (total.p50, total.p95, total.p99, total.max_ms) == (10, 50, 50, 800)


def test_no_requests() -> None:
    assert stats.rows_from([]) == ([], None)
    assert stats.summary([], None) == "no request was made"


def test_table_and_summary() -> None:
    rows, total = stats.rows_from(
        [_entry("GET", "/", {10: 99, 2000: 1}), _entry("GET", "/regions/", {30: 3}, failures=1)]
    )
    table = stats.format_table(rows, total).splitlines()
    assert table[0].split() == [
        "endpoint",
        "requests",
        "failures",
        "req/s",
        "p50",
        "ms",
        "p95",
        "ms",
        "p99",
        "ms",
        "max",
        "ms",
    ]
    assert table[2].split() == [
        "GET",
        "/regions/",
        "3",
        "1",
        "(33.3%)",
        "0.3",
        "30",
        "30",
        "30",
        "30",
    ]
    assert table[3].split() == ["GET", "/", "100", "0", "10.0", "10", "10", "2,000", "2,000"]
    assert table[-1].split()[:4] == ["all", "requests", "103", "1"]
    assert len({len(line) for line in table}) == 1  # one width
    text = stats.summary(rows, total)
    assert "103 requests, 10.3 req/s, 1 failures (0.97%)" in text
    assert text.endswith("slowest p95: GET /regions/ (30 ms)")


def test_read_stats_and_failures(tmp_path: Path) -> None:
    (tmp_path / "locust.json").write_text(json.dumps([_entry("GET", "/", {12: 4})]))
    rows, total = stats.read_stats(tmp_path / "locust.json")
    assert [row.p50 for row in rows] == [12]
    assert total is not None
    (tmp_path / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        "GET,/,HTTPError('500'),2,,\n"
        'PATCH,/api/activities/[id],"HTTP 400: b\'{""detail"": ""x""}\'",7,,\n'
    )
    failures = stats.read_failures(tmp_path / "locust_failures.csv")
    assert [(f.method, f.occurrences) for f in failures] == [("PATCH", 7), ("GET", 2)]
    report = stats.format_failures(failures).splitlines()
    assert report[0] == "failures (9):"
    assert report[1].startswith("       7 × PATCH /api/activities/[id]: HTTP 400")
    assert stats.read_failures(tmp_path / "missing.csv") == []
    assert stats.format_failures([]) == "no failures"
