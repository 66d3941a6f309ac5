"""How the API reports refused writes: one JSON shape for 400, 403 and 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema

from cbcoord.core.errors import ServiceError


class ErrorOut(Schema):
    detail: str
    field: str | None = None


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        message = str(error) or "You may not do this."
        return api.create_response(request, {"detail": message}, status=403)

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
        return api.create_response(
            request, {"detail": error.message, "field": error.field}, status=400
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, error: MultiPartParserError) -> HttpResponse:
        # A "multipart/form-data" body Django cannot split (no boundary, say): the client's fault.
        return api.create_response(
            request, {"detail": f"The multipart body could not be read: {error}"}, status=400
        )
