"""Instrument catalogue pages with live search (htmx)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cbcoord.accounts.history import history_for
from cbcoord.core.exporters import download_links
from cbcoord.core.htmx import render_page
from cbcoord.core.pagination import bounded_page, page_number
from cbcoord.frameworks import selectors
from cbcoord.frameworks.filters import ProvisionFilters

PAGE_SIZE = 50


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    """The instruments, and the provisions a search or an instrument asks for."""
    filters, raw, problems = ProvisionFilters.from_query(request.GET)
    unknown = filters.problems(request.user)
    instruments = list(selectors.instrument_list())
    results = None
    if filters.applied():
        results = bounded_page(
            selectors.provision_list(filters=filters),
            page_number(request.GET.get("page")),
            PAGE_SIZE,
        )
    context = {
        "instruments": instruments,
        "instrument_choices": [(i.code, f"{i.code} — {i.title}") for i in instruments],
        "results": results,
        "page": results,
        "page_links": results.links(filters.query()) if results else [],
        "filters": filters,
        "raw": raw,
        "problems": problems + unknown,
        "all_label": _("All"),
        "downloads": None if unknown else download_links("provisions", filters),
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
