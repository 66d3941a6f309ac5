"""Pages that htmx updates in part: one view renders the whole page, or only the part the
request targets (django-htmx's ``request.htmx.target``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest,
    template: str,
    partials: Mapping[str, str],
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Render ``template``, or, for an htmx request whose target is a key of ``partials``
    (element ids), only that part's template with the same context."""
    htmx = getattr(request, "htmx", None)
    target = htmx.target if htmx else None
    chosen = partials.get(target, template) if target else template
    return render(request, chosen, context, status=status)
