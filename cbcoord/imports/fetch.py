"""Fetch an IATI file from a URL into a temporary file, safely.

Only http and https (also after redirects); a time limit per read
(``CBCOORD_URL_IMPORT_TIMEOUT``) and one for the whole download
(``CBCOORD_URL_IMPORT_DEADLINE``: a server sending a byte now and then cannot hold a thread);
a byte cap (``CBCOORD_URL_IMPORT_MAX_BYTES``) read as the data streams in; at most
``CBCOORD_URL_IMPORT_CONCURRENCY`` downloads at once per process (``download_slot``).

Hosts that resolve to private, loopback, link-local or otherwise non-public addresses are
refused (the server must not be turned against its own network), and so are the ranges that
carry an IPv4 address inside IPv6 (NAT64 ``64:ff9b::/96``, 6to4, Teredo, mapped and compatible
addresses), which would reach a private IPv4 address by the back door. The connection goes to
the very address that was checked (the name is resolved once): a name that resolves to a public
address for the check and to a private one for the connection (DNS rebinding) gets nowhere.
``CBCOORD_URL_IMPORT_ALLOW_PRIVATE`` lifts the address checks (tests, closed networks). The
server fetches directly, never through a proxy from the environment. Every refusal is a
``UrlFetchError`` (a ``ServiceError`` on the field ``url``) with a message for the user.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cbcoord.core.errors import ServiceError

ALLOWED_SCHEMES = frozenset({"http", "https"})


class UrlFetchError(ServiceError):
    """A URL that cannot be fetched; the message says why (field ``url``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


CHUNK = 64 * 1024


def check_url(url: str) -> str:
    """The URL stripped, or a UrlFetchError saying why it cannot be fetched."""
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UrlFetchError(
            _("Only http and https addresses can be imported, not %(scheme)s.")
            % {"scheme": parts.scheme or _("an address without a scheme")}
        )
    if not parts.hostname:
        raise UrlFetchError(_("The address has no host name."))
    _check_host(parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80))
    return url


# IPv6 ranges that carry an IPv4 address (translation and tunnels): an address in them may
# lead to any IPv4 address, private ones included.
_TRANSLATED = tuple(
    ipaddress.ip_network(network)
    for network in (
        "64:ff9b::/96",  # NAT64, well-known prefix (RFC 6052)
        "64:ff9b:1::/48",  # NAT64, local use (RFC 8215)
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
        "::/96",  # IPv4-compatible (deprecated)
    )
)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a URL import may connect to ``address``."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if any(address in network for network in _TRANSLATED):
            return False
    return address.is_global and not address.is_multicast


def _private_host(host: str) -> UrlFetchError:
    return UrlFetchError(
        _("The host %(host)s is on a private network; it cannot be imported from.") % {"host": host}
    )


def resolve_public(host: str, port: int) -> list[tuple[int, str]]:
    """The addresses of ``host`` to connect to, as ``(family, address)``: every one of them
    public, or a UrlFetchError (any private address refuses the host: a name that resolves
    partly inside the network is not trusted)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UrlFetchError(_("The host %(host)s cannot be found.") % {"host": host}) from error
    found: list[tuple[int, str]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%")[0]
        address = ipaddress.ip_address(text)
        if not getattr(settings, "CBCOORD_URL_IMPORT_ALLOW_PRIVATE", False) and not is_public(
            address
        ):
            raise _private_host(host)
        if (family, text) not in found:
            found.append((family, text))
    if not found:
        raise UrlFetchError(_("The host %(host)s cannot be found.") % {"host": host})
    return found


def _check_host(host: str, port: int) -> None:
    resolve_public(host, port)


def _connect_checked(host: str, port: int, timeout: float | None) -> socket.socket:
    """A socket connected to one of the checked addresses of ``host`` (never resolved
    again)."""
    last: OSError | None = None
    for family, address in resolve_public(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            sock.connect((address, port))
        except OSError as error:
            sock.close()
            last = error
            continue
        return sock
    raise last or OSError(f"could not connect to {host}")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect_checked(self.host, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _connect_checked(self.host, self.port, self.timeout)
        # The certificate is checked against the host's name, as without pinning.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req)


_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


@contextlib.contextmanager
def download_slot(on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold one of the process's ``CBCOORD_URL_IMPORT_CONCURRENCY`` download slots for the
    body; ``on_wait`` is called once if the download must wait its turn."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.CBCOORD_URL_IMPORT_CONCURRENCY))
        slots = _slots
    if not slots.acquire(blocking=False):
        if on_wait is not None:
            on_wait()
        slots.acquire()
    try:
        yield
    finally:
        slots.release()


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise UrlFetchError(
                _(
                    "The server redirected to a %(scheme)s address; only http and https are followed."
                )
                % {"scheme": scheme or "?"}
            )
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """Like ``build_opener`` but with no file, ftp or data handlers at all."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.UnknownHandler(),
        _CheckedHTTPHandler(),
        _CheckedHTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _SafeRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch_url_to_tempfile(url: str, *, progress: Callable[[int], None] | None = None) -> Path:
    """Download ``url`` into a new temporary file and return its path (the caller deletes it).
    ``progress`` is called with the bytes received so far after every chunk."""
    url = check_url(url)
    limit: int = settings.CBCOORD_URL_IMPORT_MAX_BYTES
    timeout: int = settings.CBCOORD_URL_IMPORT_TIMEOUT
    deadline_seconds: int = settings.CBCOORD_URL_IMPORT_DEADLINE
    deadline = time.monotonic() + deadline_seconds
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        headers={"User-Agent": "cbcoord IATI importer", "Accept": "application/xml, text/xml, */*"},
    )
    handle, name = tempfile.mkstemp(prefix="cbcoord-url-", suffix=".xml")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            size = _download(
                request,
                out,
                limit=limit,
                timeout=timeout,
                deadline=deadline,
                deadline_seconds=deadline_seconds,
                progress=progress,
            )
        if size == 0:
            raise UrlFetchError(_("The address returned an empty file."))
    except ServiceError:
        path.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as error:
        path.unlink(missing_ok=True)
        raise _fetch_error(error, timeout) from error
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _download(
    request: urllib.request.Request,
    out: IO[bytes],
    *,
    limit: int,
    timeout: int,
    deadline: float,
    deadline_seconds: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Write the body of the answer to ``request`` to ``out``; its size in bytes. A body
    larger than ``limit`` bytes, or still arriving after ``deadline`` (``time.monotonic``),
    is refused."""
    response: Any = _opener().open(request, timeout=timeout)
    with response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        size = 0
        # read1: what has arrived, so that the deadline is checked as bytes trickle in.
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            if time.monotonic() > deadline:
                raise UrlFetchError(
                    _("The download took longer than the %(seconds)s seconds allowed.")
                    % {"seconds": deadline_seconds}
                )
            out.write(chunk)
            if progress is not None:
                progress(size)
    return size


def _fetch_error(error: OSError | ValueError, timeout: int) -> UrlFetchError:
    """Why a download failed, in words: the server's HTTP status, no answer in time, or the
    reason the address could not be reached."""
    if isinstance(error, urllib.error.HTTPError):
        if 300 <= error.code < 400:  # urllib itself refuses redirects to file:, data:, ...
            return UrlFetchError(
                _("The server redirected to an address that is not http or https; not followed.")
            )
        return UrlFetchError(
            _("The server answered HTTP %(code)s for this address.") % {"code": error.code}
        )
    reason = getattr(error, "reason", error)
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError | socket.timeout):
        return UrlFetchError(
            _("The server did not answer within %(seconds)s seconds.") % {"seconds": timeout}
        )
    return UrlFetchError(_("The address could not be fetched: %(reason)s") % {"reason": reason})


def _too_large(limit: int) -> UrlFetchError:
    return UrlFetchError(
        _("The file at this address is larger than the %(size)s allowed.")
        % {"size": filesizeformat(limit)}
    )
