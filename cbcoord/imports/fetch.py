"""Fetch an IATI file from a URL into a temporary file, safely.

Only http and https (also after redirects), a time limit (``CBCOORD_URL_IMPORT_TIMEOUT``) and a
byte cap (``CBCOORD_URL_IMPORT_MAX_BYTES``) read as the data streams in. Hosts that resolve to
private, loopback or link-local addresses are refused (the server must not be turned against
its own network) unless ``CBCOORD_URL_IMPORT_ALLOW_PRIVATE`` is set (tests, closed networks).
Every refusal is a ``UrlFetchError`` (a ``ServiceError`` on the field ``url``) with a message for the user.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
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


def _check_host(host: str, port: int) -> None:
    if getattr(settings, "CBCOORD_URL_IMPORT_ALLOW_PRIVATE", False):
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UrlFetchError(_("The host %(host)s cannot be found.") % {"host": host}) from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise UrlFetchError(
                _("The host %(host)s is on a private network; it cannot be imported from.")
                % {"host": host}
            )


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
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
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
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        headers={"User-Agent": "cbcoord IATI importer", "Accept": "application/xml, text/xml, */*"},
    )
    handle, name = tempfile.mkstemp(prefix="cbcoord-url-", suffix=".xml")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            response: Any = _opener().open(request, timeout=timeout)
            with response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise _too_large(limit)
                size = 0
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    out.write(chunk)
                    if progress is not None:
                        progress(size)
        if size == 0:
            raise UrlFetchError(_("The address returned an empty file."))
    except ServiceError:
        path.unlink(missing_ok=True)
        raise
    except urllib.error.HTTPError as error:
        path.unlink(missing_ok=True)
        if 300 <= error.code < 400:  # urllib itself refuses redirects to file:, data:, ...
            raise UrlFetchError(
                _("The server redirected to an address that is not http or https; not followed.")
            ) from error
        raise UrlFetchError(
            _("The server answered HTTP %(code)s for this address.") % {"code": error.code}
        ) from error
    except TimeoutError as error:
        path.unlink(missing_ok=True)
        raise UrlFetchError(
            _("The server did not answer within %(seconds)s seconds.") % {"seconds": timeout}
        ) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        path.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError | socket.timeout):
            raise UrlFetchError(
                _("The server did not answer within %(seconds)s seconds.") % {"seconds": timeout}
            ) from error
        raise UrlFetchError(
            _("The address could not be fetched: %(reason)s") % {"reason": reason}
        ) from error
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _too_large(limit: int) -> UrlFetchError:
    return UrlFetchError(
        _("The file at this address is larger than the %(size)s allowed.")
        % {"size": filesizeformat(limit)}
    )
