"""The download of any export (``cbcoord.core.exporters``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from cbcoord.core import exporters


@require_safe
def export_download(request: HttpRequest, identifier: str, fmt: str) -> HttpResponseBase:
    """Any registered export (``cbcoord.core.exporters``) as a download, with the filters of
    the query string. Bad filters or format: 400 naming them."""
    try:
        exporter, filters = exporters.prepare(
            identifier, fmt, user=request.user, params=request.GET
        )
    except exporters.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    return exporters.response(exporter, fmt, user=request.user, filters=filters)
