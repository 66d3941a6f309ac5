"""The home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cbcoord.dashboard.selectors import work_for
from cbcoord.frameworks.selectors import instrument_list
from cbcoord.meetings.selectors import data_call_requests_pending_for
from cbcoord.registry.selectors import organisation_list, region_list


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "regions": region_list(),
        "instruments": instrument_list(),
        "partner_count": organisation_list(user=request.user).count(),
        "data_calls": data_call_requests_pending_for(user=request.user),
        "work": work_for(request.user),
    }
    return render(request, "dashboard/home.html", context)
