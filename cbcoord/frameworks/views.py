"""Instrument catalogue pages with live search (htmx)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cbcoord.accounts.history import history_for
from cbcoord.core.htmx import render_page
from cbcoord.frameworks import selectors


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    search = (request.GET.get("q") or "").strip()
    instrument = request.GET.get("instrument") or ""
    results = None
    if search or instrument:
        provisions = selectors.provision_list(search=search or None, instrument=instrument or None)
        results = Paginator(provisions, 50).get_page(request.GET.get("page"))
    context = {
        "instruments": selectors.instrument_list(),
        "results": results,
        "filters": {"q": search, "instrument": instrument},
    }
    return render_page(
        request,
        "frameworks/catalogue.html",
        {"provision-results": "frameworks/_provision_results.html"},
        context,
    )


@require_safe
def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    instrument = selectors.instrument_get(code=code)
    return render(
        request,
        "frameworks/instrument_detail.html",
        {
            "instrument": instrument,
            "provisions": selectors.provision_tree(instrument=instrument),
            "history": history_for(user=request.user, instance=instrument),
        },
    )


@require_safe
def provision_detail(request: HttpRequest, code: str) -> HttpResponse:
    provision = selectors.provision_get(code=code)
    return render(
        request,
        "frameworks/provision_detail.html",
        {
            "provision": provision,
            "children": provision.children.order_by("sort_order", "code"),
            "related": selectors.provision_related(provision=provision),
            "history": history_for(user=request.user, instance=provision),
        },
    )
