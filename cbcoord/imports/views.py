"""IATI import pages: start an import (upload or URL), the list of runs, a run's report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from cbcoord.core.errors import ServiceError
from cbcoord.imports import selectors as import_selectors
from cbcoord.imports import services as imports
from cbcoord.imports.forms import ImportForm

PAGE_SIZE = 50


@csrf_exempt  # the CSRF check runs in _import_form, after the declared size is checked
@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    import_selectors.import_allowed(request.user)
    if request.method == "POST":
        try:
            imports.check_declared_size(request.META.get("CONTENT_LENGTH"))
        except ServiceError as error:
            # Not a byte of the body was read: answer at once.
            return render(
                request,
                "imports/import_form.html",
                {"form": ImportForm(), "too_large": error.message},
                status=413,
            )
    return csrf_protect(_import_form)(request)


def _import_form(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        strict = form.cleaned_data["strict"]
        try:
            if form.cleaned_data["file"]:
                run = imports.import_upload(
                    user=request.user, upload=form.cleaned_data["file"], strict=strict
                )
            else:
                run = imports.import_url(
                    user=request.user, url=form.cleaned_data["url"], strict=strict
                )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("import-detail", pk=run.pk)
    return render(request, "imports/import_form.html", {"form": form}, status=200)


@login_required
@require_safe
def import_list(request: HttpRequest) -> HttpResponse:
    import_selectors.import_allowed(request.user)
    runs = import_selectors.import_run_visible(request.user)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/import_list.html", {"page": page})


@login_required
@require_safe
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = import_selectors.import_run_get(user=request.user, pk=pk)
    refusals = Paginator(import_selectors.import_run_refusals(run), PAGE_SIZE).get_page(
        request.GET.get("refusals_page")
    )
    warned = Paginator(
        import_selectors.import_run_warned_activities(user=request.user, run=run), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_detail.html",
        {"run": run, "refusals": refusals, "page": warned},
    )
