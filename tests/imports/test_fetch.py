"""URL imports: only public addresses, the one that was checked; a deadline for the whole
download; a cap on downloads at once."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cbcoord.core.errors import ServiceError
from cbcoord.imports import fetch
from cbcoord.imports.fetch import fetch_url_to_tempfile, is_public


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("10.0.0.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::5db8:d822", False),  # NAT64 of a public address: the whole range is refused
        ("64:ff9b:1::a00:1", False),
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("224.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        if self.path == "/slow.xml":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"<" * 10)
                self.wfile.flush()
                time.sleep(0.1)
            return
        body = b'<?xml version="1.0"?><iati-activities version="2.03"/>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    _Counting.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_name_that_rebinds_to_a_private_address_is_never_connected(
    local_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public for the check, loopback for the connection: the connection goes to the address
    checked or nowhere; the local server never hears of it."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1", "127.0.0.1"])

    def rebinding(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", rebinding)
    with pytest.raises(ServiceError, match="private network"):
        fetch_url_to_tempfile(f"http://rebind.example:{local_server}/activities.xml")
    assert _Counting.requests == []


def test_the_connection_goes_to_the_checked_address(
    local_server: int, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CBCOORD_URL_IMPORT_ALLOW_PRIVATE = True
    calls: list[str] = []
    real = socket.getaddrinfo

    def counted(host: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(fetch.socket, "getaddrinfo", counted)
    path = fetch_url_to_tempfile(f"http://files.example:{local_server}/a.xml")
    path.unlink()
    assert _Counting.requests == ["/a.xml"]
    assert set(calls) == {"files.example"}


def test_a_download_has_a_deadline_however_slowly_the_server_sends(
    local_server: int, settings: Any
) -> None:
    settings.CBCOORD_URL_IMPORT_ALLOW_PRIVATE = True
    settings.CBCOORD_URL_IMPORT_DEADLINE = 1
    settings.CBCOORD_URL_IMPORT_TIMEOUT = 5
    started = time.monotonic()
    with pytest.raises(ServiceError, match="longer than the 1 seconds allowed"):
        fetch_url_to_tempfile(f"http://127.0.0.1:{local_server}/slow.xml")
    assert time.monotonic() - started < 4


def test_downloads_wait_for_a_free_slot(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CBCOORD_URL_IMPORT_CONCURRENCY = 1
    monkeypatch.setattr(fetch, "_slots", None)
    waited: list[str] = []
    order: list[str] = []
    first_in = threading.Event()
    release = threading.Event()

    def first() -> None:
        with fetch.download_slot():
            order.append("first in")
            first_in.set()
            release.wait(5)
            order.append("first out")

    def second() -> None:
        with fetch.download_slot(on_wait=lambda: waited.append("second")):
            order.append("second in")

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(5)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.2)
    assert order == ["first in"] and waited == ["second"]
    release.set()
    one.join(5)
    two.join(5)
    assert order == ["first in", "first out", "second in"]
