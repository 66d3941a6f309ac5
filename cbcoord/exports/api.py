"""The API of every export (``cbcoord.core.exporters``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from cbcoord.accounts.api_auth import READ_AUTH, api_user
from cbcoord.core import exporters
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError

router = Router(tags=["exports"])


class ExportFilterOut(Schema):
    name: str
    title: str
    description: str


class ExportOut(Schema):
    identifier: str
    title: str
    description: str
    formats: list[str]
    filters: list[ExportFilterOut]


@router.get("/exports", response=list[ExportOut], auth=READ_AUTH)
def list_exports(request: HttpRequest) -> list[dict[str, object]]:
    """Every export: its identifier, formats and filters (query parameters)."""
    return [
        {
            "identifier": cls.identifier,
            "title": str(cls.title),
            "description": str(cls.description),
            "formats": list(cls.formats),
            "filters": [
                {
                    "name": name,
                    "title": str(info.title or name),
                    "description": str(info.description or ""),
                }
                for name, info in cls.filters.model_fields.items()
            ],
        }
        for cls in exporters.exporters()
    ]


@router.get(
    "/exports/{identifier}",
    auth=READ_AUTH,
    response={200: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def get_export(request: HttpRequest, identifier: str, format: str = "csv") -> object:
    """The export as a file (`format`: csv, xlsx, or the export's own); the filters are the
    other query parameters, as listed by `GET /api/exports`."""
    params = {key: value for key, value in request.GET.items() if key != "format"}
    user = api_user(request)
    try:
        exporter, filters = exporters.prepare(identifier, format, user=user, params=params)
    except exporters.ExportError as error:
        raise ServiceError(str(error), field=error.field) from error
    return exporters.response(exporter, format, user=user, filters=filters)
