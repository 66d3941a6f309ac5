"""Home page and the health check."""

from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cbcoord.frameworks.selectors import instrument_list
from cbcoord.registry.selectors import organisation_list, region_list


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "regions": region_list(),
        "instruments": instrument_list(),
        "partner_count": organisation_list(user=request.user).count(),
    }
    return render(request, "core/home.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
