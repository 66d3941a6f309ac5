"""Fixtures of the IATI tests: a local HTTP server that serves an IATI file."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import IATI_FILE


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect-to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_error(404)
            return
        body = IATI_FILE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()  # no Content-Length: the cap must hold while streaming
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def iati_server(settings: Any) -> Iterator[str]:
    settings.CBCOORD_URL_IMPORT_ALLOW_PRIVATE = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
