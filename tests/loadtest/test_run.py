"""The load test's options and environment (the run itself is `make loadtest`, not a test)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from loadtest.run import Options, base_environment, parse_args, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("30s", 30),
        ("2m", 120),
        ("1m30s", 90),
        ("1h", 3600),
        ("1h2m3s", 3723),
        (" 2M ", 120),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "2 minutes", "1.5m", "m", "-5", "30s2m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_defaults() -> None:
    assert parse_args([]) == Options(
        activities=100_000, users=50, duration=120, postgres=False, workers=3, keep=False
    )


def test_options() -> None:
    options = parse_args(
        [
            "--activities",
            "2000",
            "--users",
            "10",
            "--duration",
            "30s",
            "--postgres",
            "--workers",
            "2",
            "--keep",
        ]
    )
    assert options == Options(
        activities=2000, users=10, duration=30, postgres=True, workers=2, keep=True
    )


@pytest.mark.parametrize(
    "argv",
    [["--users", "0"], ["--activities", "many"], ["--duration", "soon"], ["--workers", "-1"]],
)
def test_bad_options_stop_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_environment_is_production_relaxed_for_loopback_http(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("CBCOORD_BEHIND_TLS_PROXY", "1")
    monkeypatch.setenv("SECRET_KEY", "the-real-one")
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("PATH", "/usr/bin")
    environment = base_environment(tmp_path, "sqlite:///x.sqlite3")
    assert environment["DATABASE_URL"] == "sqlite:///x.sqlite3"
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_CONN_MAX_AGE"] == "60"  # as the deployment section advises
    assert environment["SECRET_KEY"] not in {"the-real-one", ""}
    assert len(environment["SECRET_KEY"]) >= 50
    assert environment["ALLOWED_HOSTS"] == "127.0.0.1"
    assert environment["CBCOORD_VAR_DIR"] == str(tmp_path / "var")
    for relaxed in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert environment[relaxed] == "0"
    assert "CBCOORD_BEHIND_TLS_PROXY" not in environment
    assert environment["PATH"] == "/usr/bin"
