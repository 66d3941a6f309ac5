"""JSON API for IATI imports: start one (file upload or URL) and read its report."""

from __future__ import annotations

import datetime
import json

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError
from cbcoord.imports import selectors
from cbcoord.imports import services as imports
from cbcoord.imports.models import ImportRun

router = Router(tags=["imports"])
REFUSALS_SHOWN = 1000


class RefusalOut(Schema):
    identifier: str
    line: int | None
    element: str
    reason: str


class FileWarningOut(Schema):
    element: str
    line: int | None
    reason: str = Field(..., description="In English.")
    code: str = Field(
        "", description="Stable code of the kind of warning (empty for older warnings)."
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="The values the reason names, by placeholder."
    )


class ImportRunOut(Schema):
    id: int
    source: str
    source_kind: str
    file_name: str
    sha256: str
    byte_size: int
    iati_version: str
    strict: bool
    status: str = Field(
        ...,
        alias="shown_status",
        description="running, completed, refused, failed, or interrupted (its process ended; "
        "importing the same file again completes it)",
    )
    stage: str
    message: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    added: int
    updated: int
    unchanged: int
    refused: int
    withdrawn: int
    held_back: int
    with_warnings: int
    file_warnings: list[FileWarningOut]
    refusals: list[RefusalOut]

    @staticmethod
    def resolve_refusals(run: ImportRun) -> list[object]:
        return list(selectors.import_run_refusals(run)[:REFUSALS_SHOWN])


def _truthy(raw: object) -> bool:
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


@router.post(
    "/imports",
    response={201: ImportRunOut, 400: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    auth=WRITE_AUTH,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "strict": {"type": "boolean"},
                        },
                        "required": ["file"],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"url": {"type": "string"}, "strict": {"type": "boolean"}},
                        "required": ["url"],
                    }
                },
            }
        }
    },
)
def create_import(request: HttpRequest) -> object:
    """Import an IATI file: multipart `file` (+ `strict`), or JSON `{"url": ..., "strict": ...}`.

    The import runs in the background (unless the server is configured otherwise): the answer is
    the run as it starts, `status` "running"; `GET /api/imports/{id}` until it is "completed",
    "refused", "failed" or "interrupted" (its process ended: import the same file again)."""
    user = api_user(request)
    selectors.import_allowed(user)
    if request.content_type == "multipart/form-data":
        try:
            imports.check_declared_size(request.META.get("CONTENT_LENGTH"))
        except ServiceError as error:
            return Status(413, {"detail": error.message, "field": error.field})
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Send the IATI file in the form field “file”."), field="file")
        run = imports.import_upload(
            user=user, upload=upload, strict=_truthy(request.POST.get("strict", ""))
        )
        return Status(201, run)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ServiceError(_("The request body is not JSON."), field=None) from error
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise ServiceError(
            _("Send a file (multipart) or JSON with the address in “url”."), field="url"
        )
    run = imports.import_url(user=user, url=body["url"], strict=_truthy(body.get("strict", False)))
    return Status(201, run)


@router.get("/imports/{int:run_id}", response={200: ImportRunOut, 404: ErrorOut}, auth=READ_AUTH)
def get_import(request: HttpRequest, run_id: int) -> object:
    return Status(200, selectors.import_run_get(user=api_user(request), pk=run_id))
