"""`make loadtest`: serve a throwaway cbcoord with gunicorn and measure it under locust.

1. a throwaway directory and database: SQLite, or with ``--postgres`` a throwaway PostgreSQL
   cluster (``.ci/pg-cluster.sh``);
2. migrate, reference and demo data, two accounts with passwords chosen here, a generated IATI
   corpus of ``--activities`` activities, imported;
3. gunicorn as in production (``cbcoord.gunicorn_conf``, DEBUG off, a fresh SECRET_KEY) on a
   free port of 127.0.0.1; plain http there, so the https redirect and the secure-cookie flags
   are turned off in this environment only;
4. locust, headless, ``--users`` users (60 % anonymous, 20 % secretariat, 20 % partner
   editors; ``loadtest/locustfile.py``) for ``--duration``;
5. prints requests/s, failures and p50/p95/p99 per endpoint and overall, then stops all it
   started (gunicorn, PostgreSQL) and removes the directory, on error and Ctrl-C too.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from loadtest import stats
from loadtest.users import ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PG_CLUSTER = ROOT / ".ci" / "pg-cluster.sh"
SPAWN_RATE = 10
HOST = "127.0.0.1"

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class LoadTestError(Exception):
    """A step failed; the message says which, with the end of its output."""


def parse_duration(text: str) -> int:
    """Seconds in ``90``, ``30s``, ``2m``, ``1m30s`` or ``1h``; at least one."""
    text = text.strip().lower()
    if text.isdigit():
        seconds = int(text)
    else:
        match = _DURATION.fullmatch(text)
        if not text or match is None:
            raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90, 30s, 2m, 1m30s)")
        hours, minutes, secs = (int(group or 0) for group in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"the duration must be at least one second: {text!r}")
    return seconds


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


@dataclass(frozen=True)
class Options:
    activities: int
    users: int
    duration: int  # seconds
    postgres: bool
    workers: int
    keep: bool


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest",
        description="Serve a throwaway cbcoord with gunicorn and measure it under locust.",
    )
    parser.add_argument(
        "--activities", type=_positive, default=100_000, help="activities imported (100000)"
    )
    parser.add_argument("--users", type=_positive, default=50, help="simulated users (50)")
    parser.add_argument(
        "--duration", type=parse_duration, default=120, help="load time: 90, 30s, 2m (2m)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL cluster, not SQLite"
    )
    parser.add_argument("--workers", type=_positive, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the directory (database, logs, CSV) afterwards"
    )
    namespace = parser.parse_args(argv)
    return Options(**vars(namespace))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def base_environment(directory: Path, database_url: str) -> dict[str, str]:
    """This run's environment: the caller's, less any cbcoord or Django configuration, plus
    production settings (DEBUG off, a fresh key) relaxed for plain http on loopback."""
    inherited = {
        "DATABASE_URL",
        "DATABASE_CONN_MAX_AGE",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "WEB_CONCURRENCY",
        "DJANGO_SETTINGS_MODULE",
        "LOG_LEVEL",
    }
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in inherited
        and not key.startswith(("CBCOORD_", "SECURE_", "SESSION_", "CSRF_", "LOADTEST_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="cbcoord.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        # As README.md's deployment section advises: a connection kept per request thread,
        # not one opened for each request (PostgreSQL forks a process for each).
        DATABASE_CONN_MAX_AGE="60",
        CBCOORD_VAR_DIR=str(directory / "var"),
        # Plain http on loopback: no redirect to https, cookies sent over http, no HSTS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return environment


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


def step(
    label: str, command: list[str], environment: dict[str, str], log: Path, timeout: float = 3600
) -> float:
    """Run one preparation step, its output to ``log``; its duration in seconds."""
    print(f"  {label} …", end=" ", flush=True)
    started = time.monotonic()
    with log.open("w") as output:
        completed = subprocess.run(
            command,
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        print("failed")
        raise LoadTestError(f"{label} failed (exit {completed.returncode}):\n{_tail(log)}")
    print(f"{seconds:.1f} s", flush=True)
    return seconds


def start_postgres(stack: ExitStack) -> str:
    """A throwaway cluster, stopped when ``stack`` closes; its DATABASE_URL."""
    print("  starting a throwaway PostgreSQL cluster …", end=" ", flush=True)
    completed = subprocess.run(
        ["bash", str(PG_CLUSTER), "start"],
        capture_output=True,
        text=True,
        check=False,
    )
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in completed.stdout.splitlines()
        if line.startswith("export ")
    )
    if "PG_CLUSTER_DIR" in exports:
        stack.callback(stop_postgres, exports["PG_CLUSTER_DIR"])
    if completed.returncode != 0 or "DATABASE_URL" not in exports:
        print("failed")
        raise LoadTestError(f"PostgreSQL did not start:\n{completed.stderr[-3000:]}")
    print("ok", flush=True)
    return exports["DATABASE_URL"]


def stop_postgres(directory: str) -> None:
    print("stopping PostgreSQL", flush=True)
    subprocess.run(
        ["bash", str(PG_CLUSTER), "stop", directory],
        capture_output=True,
        check=False,
        timeout=120,
    )


def stop_process(
    process: subprocess.Popen[bytes], label: str, grace: float = 30, *, group: bool = False
) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL: to the process group it leads if
    ``group`` (gunicorn's workers and import readers with it)."""
    if process.poll() is not None:
        return
    print(f"stopping {label}", flush=True)
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadTestError(f"gunicorn ended (exit {process.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise LoadTestError(f"gunicorn did not answer {url} within 120 s:\n{_tail(log)}")


def machine_load() -> str:
    """The machine's load average against its cores: the figures mean little on a machine
    busy with other work."""
    one_minute = os.getloadavg()[0]
    return f"machine load average {one_minute:.1f} on {os.cpu_count()} cores"


WARM_UP = ("/", "/activities/", "/activities/?region=AMC", "/api/activities", "/regions/")


def warm_up(base: str, workers: int) -> None:
    """A few requests per worker before measuring: a worker's first requests load code,
    templates and codelists, which a server that has been up a while has done long ago."""
    print("  warm-up …", end=" ", flush=True)
    started = time.monotonic()
    for _ in range(2 * workers):
        for path in WARM_UP:
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, OSError) as error:
                raise LoadTestError(f"warm-up request {path} failed: {error}") from error
    print(f"{time.monotonic() - started:.1f} s", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: the clean-up below runs either way


def run(options: Options) -> int:
    python = sys.executable
    cbcoord = str(Path(python).with_name("cbcoord"))
    with ExitStack() as stack:
        directory = Path(tempfile.mkdtemp(prefix="cbcoord-loadtest-"))
        if options.keep:
            stack.callback(print, f"kept {directory}")
        else:
            stack.callback(shutil.rmtree, directory, ignore_errors=True)
        logs = directory / "logs"
        logs.mkdir()
        database = "PostgreSQL" if options.postgres else "SQLite"
        print(
            f"load test: {options.activities:,} activities on {database}, {options.workers} "
            f"gunicorn workers, {options.users} users for {options.duration} s"
        )
        print("preparing:")
        if options.postgres:
            database_url = start_postgres(stack)
        else:
            database_url = f"sqlite:///{directory / 'cbcoord.sqlite3'}"
        environment = base_environment(directory, database_url)
        passwords = {variable: secrets.token_urlsafe(16) for *_, variable in ACCOUNTS}
        environment.update(passwords)

        step("migrate", [cbcoord, "migrate", "--noinput"], environment, logs / "migrate.log")
        step("load_reference", [cbcoord, "load_reference"], environment, logs / "reference.log")
        step("load_demo", [cbcoord, "load_demo"], environment, logs / "demo.log")
        step("accounts", [python, "-m", "loadtest.users"], environment, logs / "users.log")
        corpus = directory / "corpus.xml"
        step(
            f"generate {options.activities:,} activities",
            [python, "-m", "cbcoord.iati.corpus", str(corpus), str(options.activities)],
            environment,
            logs / "corpus.log",
        )
        seconds = step(
            f"import_iati ({corpus.stat().st_size / 1e6:.0f} MB)",
            [cbcoord, "import_iati", str(corpus)],
            environment,
            logs / "import.log",
        )
        print(f"    {options.activities / seconds:,.0f} activities/s")
        step(
            "collectstatic",
            [cbcoord, "collectstatic", "--noinput"],
            environment,
            logs / "collectstatic.log",
        )

        port = free_port()
        server_log = logs / "gunicorn.log"
        server_environment = {
            **environment,
            "CBCOORD_BIND": f"{HOST}:{port}",
            "CBCOORD_WORKERS": str(options.workers),
            "CBCOORD_ACCESS_LOG": "",
        }
        print(f"  gunicorn on http://{HOST}:{port}/ …", end=" ", flush=True)
        with server_log.open("w") as output:
            # Its own session: Ctrl-C reaches locust, and gunicorn is stopped in order below.
            server = subprocess.Popen(
                [str(Path(python).with_name("gunicorn")), "-c", "python:cbcoord.gunicorn_conf"],
                cwd=ROOT,
                env=server_environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(stop_process, server, "gunicorn", group=True)
        wait_until_serving(server, f"http://{HOST}:{port}/healthz", server_log)
        print("serving", flush=True)
        warm_up(f"http://{HOST}:{port}", options.workers)

        usernames = {
            "LOADTEST_SECRETARIAT_USER": ACCOUNTS[0][0],
            "LOADTEST_PARTNER_USER": ACCOUNTS[1][0],
        }
        locust_environment = {
            **environment,
            **usernames,
            "LOADTEST_ACTIVITIES": str(options.activities),
        }
        csv_prefix = directory / "locust"
        print(
            f"load: {options.users} users for {options.duration} s ({machine_load()}) …", flush=True
        )
        with (logs / "locust.log").open("w") as output:
            locust = subprocess.Popen(
                [
                    python,
                    "-m",
                    "locust",
                    "--locustfile",
                    str(LOCUSTFILE),
                    "--headless",
                    "--host",
                    f"http://{HOST}:{port}",
                    "--users",
                    str(options.users),
                    "--spawn-rate",
                    str(SPAWN_RATE),
                    "--run-time",
                    f"{options.duration}s",
                    "--stop-timeout",
                    "10",
                    "--csv",
                    str(csv_prefix),
                    "--json-file",
                    str(csv_prefix),
                    "--only-summary",
                ],
                cwd=ROOT,
                env=locust_environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            stack.callback(stop_process, locust, "locust", 15)
            try:
                locust.wait(options.duration + 120)
            except subprocess.TimeoutExpired:
                raise LoadTestError("locust did not end in time") from None
            except KeyboardInterrupt:
                stop_process(locust, "locust", 15)  # it writes its figures as it stops
                if Path(f"{csv_prefix}.json").exists():
                    print("\ninterrupted: the figures so far")
                    report(csv_prefix, logs / "locust.log")
                raise
        if not Path(f"{csv_prefix}.json").exists():
            raise LoadTestError(f"locust wrote no statistics:\n{_tail(logs / 'locust.log')}")
        report(csv_prefix, logs / "locust.log")
        print(f"after the load: {machine_load()}")
        server_errors = [
            line
            for line in server_log.read_text(errors="replace").splitlines()
            if "ERROR" in line or "CRITICAL" in line or "Traceback" in line
        ]
        if server_errors:
            print(f"\ngunicorn logged {len(server_errors)} error lines; first: {server_errors[0]}")
        return 0


def report(csv_prefix: Path, locust_log: Path) -> None:
    # The final figures: the CSV files are written every two seconds and may miss the end.
    rows, total = stats.read_stats(Path(f"{csv_prefix}.json"))
    failures = stats.read_failures(Path(f"{csv_prefix}_failures.csv"))
    print()
    print(stats.format_table(rows, total))
    print()
    print(stats.summary(rows, total))
    print(stats.format_failures(failures))
    exceptions = Path(f"{csv_prefix}_exceptions.csv")
    if exceptions.exists() and len(exceptions.read_text().splitlines()) > 1:
        print(f"locust users raised exceptions; see the end of {locust_log.name}:")
        print(_tail(locust_log, 15))


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        status = run(options)
    except KeyboardInterrupt:
        print("\ninterrupted; everything it started is stopped", file=sys.stderr)
        status = 130
    except (LoadTestError, subprocess.TimeoutExpired) as error:
        print(f"\nload test failed: {error}", file=sys.stderr)
        status = 1
    sys.exit(status)
