"""Imports started from the web pages and the API: an uploaded file or a URL.

Callers have passed the door (``selectors.import_allowed``). Both bring the file to a
temporary path (in chunks, never whole in memory) and hand it to the importer
(``cbcoord.imports.importer.run_import``), in a background thread unless
``CBCOORD_IMPORT_IN_BACKGROUND`` is off (see ``cbcoord.imports.jobs``).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.core.errors import ServiceError
from cbcoord.imports import jobs
from cbcoord.imports.fetch import check_url, fetch_url_to_tempfile
from cbcoord.imports.importer import create_run, run_import
from cbcoord.imports.models import ImportRun


def too_large_message(limit: int | None = None) -> str:
    limit = settings.CBCOORD_MAX_UPLOAD_BYTES if limit is None else limit
    return _("The file is larger than the %(size)s allowed.") % {"size": filesizeformat(limit)}


def check_declared_size(content_length: str | None) -> None:
    """Refuse a request whose declared body is over the limit, before reading any of it.

    The body also holds the other form fields and the multipart boundaries: 64 KiB of slack.
    """
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > settings.CBCOORD_MAX_UPLOAD_BYTES + 64 * 1024:
        raise ServiceError(too_large_message(), field="file")


# Temporary files of imports: removed when their import ends, or, if the process ended first (a
# crash, a restart of the server), by a later import once they are this old.
TEMP_PREFIXES = ("cbcoord-upload-", "cbcoord-url-")
LEFTOVER_SECONDS = 24 * 3600


def remove_leftover_files(*, now: float | None = None) -> int:
    """Remove the temporary files of imports that ended with their process; how many."""
    now = time.time() if now is None else now
    removed = 0
    directory = Path(tempfile.gettempdir())
    for path in directory.glob("cbcoord-*.xml"):
        if not path.name.startswith(TEMP_PREFIXES):
            continue
        try:
            if now - path.stat().st_mtime > LEFTOVER_SECONDS:
                path.unlink()
                removed += 1
        except OSError:  # removed meanwhile, or not ours to remove
            continue
    return removed


def import_upload(*, user: Actor | None, upload: UploadedFile, strict: bool = False) -> ImportRun:
    remove_leftover_files()
    limit: int = settings.CBCOORD_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ServiceError(too_large_message(limit), field="file")
    name = os.path.basename(upload.name or "upload.xml")[:300] or "upload.xml"
    handle, temp_name = tempfile.mkstemp(prefix="cbcoord-upload-", suffix=".xml")
    path = Path(temp_name)
    try:
        size = 0
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise ServiceError(too_large_message(limit), field="file")
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _import(
        user=user, path=path, source=name, source_kind="upload", name=name, strict=strict
    )


def import_url(*, user: Actor | None, url: str, strict: bool = False) -> ImportRun:
    remove_leftover_files()
    url = check_url(url)  # a refusal the user can act on at once; the download comes later
    name = (os.path.basename(url.split("?", 1)[0].rstrip("/")) or "download.xml")[:300]
    if settings.CBCOORD_IMPORT_IN_BACKGROUND:
        run = create_run(
            user=user, path=Path(name), source=url, source_kind="url", file_name=name, strict=strict
        )
        jobs.start(run, user=user, url=url)  # downloads, then imports
        return run
    path = fetch_url_to_tempfile(url)
    return _import(user=user, path=path, source=url, source_kind="url", name=name, strict=strict)


def _import(
    *, user: Actor | None, path: Path, source: str, source_kind: str, name: str, strict: bool
) -> ImportRun:
    """Import the temporary file ``path`` (removed afterwards): in a background thread when so
    configured (the run is returned still running), else before returning."""
    try:
        run = create_run(
            user=user,
            path=path,
            source=source,
            source_kind=source_kind,
            file_name=name,
            strict=strict,
        )
        if settings.CBCOORD_IMPORT_IN_BACKGROUND:
            jobs.start(run, user=user, path=path)  # the thread removes the file
            return run
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    try:
        return run_import(run, user=user, path=path)
    finally:
        path.unlink(missing_ok=True)
