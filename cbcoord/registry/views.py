"""Registry pages: regions, members, partners. Views parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.accounts.permissions import is_secretariat
from cbcoord.core.errors import ServiceError
from cbcoord.core.exporters import download_links
from cbcoord.core.htmx import render_page
from cbcoord.core.pagination import bounded_page, page_number
from cbcoord.registry import selectors, services
from cbcoord.registry.filters import LISTED_KINDS, MemberFilters, OrganisationFilters
from cbcoord.registry.forms import OrganisationProfileForm, PersonForm
from cbcoord.registry.models import Organisation, OrganisationKind
from cbcoord.registry.permissions import may_edit_organisation

PAGE_SIZE = 50


@require_safe
def region_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registry/region_list.html",
        {
            "regions": selectors.region_list(),
            "downloads": download_links("members", MemberFilters()),
        },
    )


@require_safe
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    overview = selectors.region_overview(user=request.user, code=code)
    current_roles = selectors.roles_of_region(region=overview.region, current_only=True)
    vice_chairs = {role.organisation_id for role in overview.roles if role.role == "vice_chair"}
    return render(
        request,
        "registry/region_detail.html",
        {
            "overview": overview,
            "region": overview.region,
            "current_roles": current_roles,
            "vice_chair_organisations": vice_chairs,
            "history": history_for(user=request.user, instance=overview.region),
            "member_downloads": download_links(
                "members", MemberFilters(region=overview.region.code)
            ),
        },
    )


@require_safe
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(pk=pk)
    people = selectors.person_visible(request.user, member.organisation)
    return render(
        request,
        "registry/member_detail.html",
        {
            "member": member,
            "organisation": member.organisation,
            "people": people,
            "show_contacts": selectors.person_contact_visible(request.user),
            "roles": selectors.member_roles(member=member),
            "may_edit": may_edit_organisation(request.user, member.organisation),
            "history": history_for(user=request.user, instance=member),
        },
    )


@require_safe
def partner_list(request: HttpRequest) -> HttpResponse:
    filters, raw, problems = OrganisationFilters.from_query(request.GET)
    unknown = filters.problems(request.user)
    page = bounded_page(
        selectors.organisation_list(user=request.user, filters=filters),
        page_number(request.GET.get("page")),
        PAGE_SIZE,
    )
    return render_page(
        request,
        "registry/partner_list.html",
        {"partner-results": "registry/_partner_rows.html"},
        {
            "page": page,
            "page_links": page.links(filters.query()),
            "kinds": [(kind.value, kind.label) for kind in LISTED_KINDS],
            "regions": [(region.code, region.name) for region in selectors.region_list()],
            "filters": filters,
            "raw": raw,
            "problems": problems + unknown,
            "all_label": _("All"),
            "downloads": None if unknown else download_links("organisations", filters),
            "review_count": Organisation.objects.filter(is_verified=False).count()
            if is_secretariat(request.user)
            else 0,
        },
    )


@require_safe
def organisation_detail(request: HttpRequest, key: str) -> HttpResponse:
    organisation, people = selectors.organisation_with_people(user=request.user, key=key)
    if organisation.is_member_administration and hasattr(organisation, "member"):
        return redirect("member-detail", pk=organisation.member.pk)
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "organisation": organisation,
            "people": people,
            "show_contacts": selectors.person_contact_visible(request.user),
            "roles": organisation.regional_roles.select_related("region"),
            "may_edit": may_edit_organisation(request.user, organisation),
            "history": history_for(user=request.user, instance=organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, key: str) -> HttpResponse:
    organisation = selectors.organisation_get_for_edit(user=request.user, key=key)
    form = OrganisationProfileForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                user=request.user,
                organisation=selectors.organisation_get_for_edit(user=request.user, key=key),
                data=form.cleaned_data,
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Organisation profile saved."))
            return redirect(_organisation_url(organisation))
    return render(
        request, "registry/organisation_form.html", {"form": form, "organisation": organisation}
    )


def _organisation_url(organisation: Organisation) -> str:
    member = getattr(organisation, "member", None)
    if member is not None:
        return reverse("member-detail", args=[member.pk])
    return reverse("organisation-detail", args=[organisation.key])


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest, key: str) -> HttpResponse:
    organisation = selectors.organisation_get_for_edit(user=request.user, key=key)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_create(
                user=request.user, organisation=organisation, data=form.cleaned_data
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Person added."))
            return redirect(_organisation_url(organisation))
    return render(
        request, "registry/person_form.html", {"form": form, "organisation": organisation}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_edit(user=request.user, pk=pk)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                user=request.user,
                person=selectors.person_get_for_edit(user=request.user, pk=pk),
                data=form.cleaned_data,
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Person saved."))
            return redirect(_organisation_url(person.organisation))
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "organisation": person.organisation, "person": person},
    )


@login_required
@require_POST
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_edit(user=request.user, pk=pk)
    organisation = person.organisation
    services.person_delete(user=request.user, person=person)
    messages.success(request, _("Person removed."))
    return redirect(_organisation_url(organisation))


# --------------------------------------------------------------------------- review queue


@login_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """Organisations named in imported files that the registry did not know, for the
    secretariat to match to a known organisation or accept as new."""
    items = selectors.organisations_for_review(user=request.user)
    return render(
        request,
        "registry/review_queue.html",
        {
            "items": items,
            "kinds": OrganisationKind.choices,
            "targets": Organisation.objects.filter(is_verified=True).order_by("name"),
            "pending": [item.organisation for item in items],
        },
    )


@login_required
@require_POST
def review_accept(request: HttpRequest, key: str) -> HttpResponse:
    organisation = selectors.organisation_get_for_review(user=request.user, key=key)
    try:
        services.organisation_accept(
            user=request.user,
            organisation=organisation,
            kind=request.POST.get("kind", ""),
            publish=request.POST.get("publish") == "on",
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s is now in the registry.") % {"name": organisation.name}
        )
    return redirect("partner-review")


@login_required
@require_POST
def review_merge(request: HttpRequest, key: str) -> HttpResponse:
    source = selectors.organisation_get_for_review(user=request.user, key=key)
    target_key = request.POST.get("target", "")
    try:
        target = selectors.organisation_get_for_review(user=request.user, key=target_key)
    except Http404:
        messages.error(request, _("Choose the organisation it is the same as."))
        return redirect("partner-review")
    name = source.name
    try:
        services.organisation_merge(user=request.user, source=source, target=target)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is now %(target)s: its activities moved there.")
            % {"name": name, "target": target.name},
        )
    return redirect("partner-review")
