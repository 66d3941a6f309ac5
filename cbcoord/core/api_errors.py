"""How the API reports refused writes: one JSON shape for 400, 403 and 404.

A 400 lists every problem found (``errors``: ``{field, message}``, fields as dotted paths such
as ``budgets.0.value``), whether the body did not validate against its schema or a service
refused it; ``detail`` and ``field`` repeat them for clients that read one message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as RequestInvalid

from cbcoord.core.errors import ServiceError
from cbcoord.core.validation import problems


class ProblemOut(Schema):
    field: str | None = None
    message: str


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    errors: list[ProblemOut] = []


def _refused(
    api: NinjaAPI, request: HttpRequest, found: list[tuple[str | None, str]], detail: str = ""
) -> HttpResponse:
    body = {
        "detail": detail or " ".join(message for _field, message in found),
        "field": found[0][0] if found else None,
        "errors": [{"field": field, "message": message} for field, message in found],
    }
    return api.create_response(request, body, status=400)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        message = str(error) or "You may not do this."
        return api.create_response(request, {"detail": message}, status=403)

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
        return _refused(api, request, error.problems, error.message)

    @api.exception_handler(RequestInvalid)
    def request_invalid(request: HttpRequest, error: RequestInvalid) -> HttpResponse:
        # A body that does not fit its schema is refused like a service refusal (400, every
        # problem in words, at its field: "budgets.0.value"). Query and path parameters keep
        # django-ninja's answer (422 with pydantic's details).
        if not error.errors or any(tuple(e.get("loc", ()))[:1] != ("body",) for e in error.errors):
            return api.create_response(request, {"detail": error.errors}, status=422)
        found = problems(error.errors, skip=2)  # ("body", <parameter>)
        return _refused(api, request, [(field or None, message) for field, message in found])

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, error: MultiPartParserError) -> HttpResponse:
        # A "multipart/form-data" body Django cannot split (no boundary, say): the client's fault.
        return api.create_response(
            request, {"detail": f"The multipart body could not be read: {error}"}, status=400
        )
