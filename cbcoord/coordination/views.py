"""The coordination pages: a region's coordination view (the matrix as a heat map, a cell's
activities and needs by htmx, the analyses on tabs, the map, the timeline), a member's
printable profile and a partner's view; the forms that mark overlaps, record missions and
link co-financed projects. Views parse, call a door, selector or service, and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.coordination import charts, selectors, services
from cbcoord.coordination.filters import (
    AnalysisFilters,
    ClashFilters,
    FundingFilters,
    SynergyFilters,
)
from cbcoord.coordination.forms import MissionForm
from cbcoord.coordination.models import OverlapVerdict
from cbcoord.coordination.permissions import (
    may_decide_project_link,
    may_mark_overlap,
)
from cbcoord.coordination.rates import source_note
from cbcoord.core.errors import ServiceError
from cbcoord.core.exporters import download_links
from cbcoord.frameworks.models import Instrument
from cbcoord.iati import codelists
from cbcoord.needs.models import TfaCommitment
from cbcoord.registry.models import Member, Region
from cbcoord.registry.selectors import organisation_visible


def _tabs() -> list[tuple[str, str, type[AnalysisFilters]]]:
    """The region page's tabs: (key, label, filter set)."""
    return [
        ("gaps", _("Gaps"), AnalysisFilters),
        ("overlaps", _("Overlaps"), AnalysisFilters),
        ("synergies", _("Regional synergies"), SynergyFilters),
        ("indicators", _("Indicators"), AnalysisFilters),
        ("support", _("Who supports whom"), AnalysisFilters),
        ("funding", _("Funding"), FundingFilters),
        ("missions", _("Missions"), ClashFilters),
        ("projects", _("Co-financing"), AnalysisFilters),
    ]


def _read_filters(
    request: HttpRequest, cls: type[AnalysisFilters], **forced: str
) -> tuple[Any, dict[str, str], list[Any]]:
    params: QueryDict = request.GET.copy()
    for key, value in forced.items():
        params[key] = value
    if not params.get("year_from") and not params.get("year_to") and "all_years" not in params:
        params["year_from"] = str(dt.date.today().year)  # noqa: DTZ011 (the default period)
    filters, raw, problems = cls.from_query(params)
    problems += filters.problems(request.user)
    return filters, raw, problems


def _choices(region: Region | None) -> dict[str, Any]:
    year = dt.date.today().year  # noqa: DTZ011
    return {
        "years": list(range(year + 2, 2004, -1)),
        "instruments": list(Instrument.objects.order_by("sort_order").values_list("code", "code")),
        "statuses": sorted(codelists.codes("ActivityStatus")),
        "levels": [
            ("0", _("Articles and chapters")),
            ("1", _("Measures and standards")),
            ("2", _("Provisions")),
        ],
        "currencies": [
            "USD",
            "EUR",
            "GBP",
            "CAD",
            "JPY",
            "CHF",
            "SEK",
            "NOK",
            "AUD",
            "DOP",
            "JMD",
            "MXN",
        ],
        "regions": list(Region.objects.order_by("sort_order")),
    }


def _tab_context(
    request: HttpRequest, tab: str, forced: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    user = request.user
    cls = next((c for key, _label, c in _tabs() if key == tab), AnalysisFilters)
    filters, raw, problems = _read_filters(request, cls, **forced)
    context: dict[str, Any] = {"tab": tab, "filters": filters, "raw": raw, "problems": problems}
    if problems:
        return "coordination/_tab.html", context
    page = _page(request)
    if tab == "gaps":
        context["gaps"] = selectors.gaps(user=user, filters=filters, page=page)
        context["downloads"] = download_links("gaps", filters)
    elif tab == "overlaps":
        context["overlaps"] = selectors.overlaps(user=user, filters=filters, page=page)
        context["downloads"] = download_links("overlaps", filters)
        context["may_mark"] = may_mark_overlap(user)
        context["verdicts"] = OverlapVerdict.choices
    elif tab == "synergies":
        context["synergies"] = selectors.synergies(user=user, filters=filters)
        context["downloads"] = download_links("synergies", filters)
    elif tab == "indicators":
        context["indicators"] = selectors.indicators(user=user, filters=filters)
        context["downloads"] = download_links("indicators", filters)
    elif tab == "support":
        context["support"] = selectors.who_supports_whom(user=user, filters=filters)
        context["downloads"] = download_links("who-supports-whom", filters)
    elif tab == "funding":
        found = selectors.funding(user=user, filters=filters)
        context["funding"] = found
        context["chart"] = charts.funding_bars(found)
        context["downloads"] = download_links("funding", filters)
        context["by_choices"] = [
            ("partner", _("Partner")),
            ("member", _("Member")),
            ("instrument", _("Instrument")),
            ("year", _("Year")),
        ]
    elif tab == "missions":
        context["missions"] = selectors.mission_list(user=user, filters=filters)
        context["clashes"] = selectors.mission_clashes(user=user, filters=filters)
        context["downloads"] = download_links("missions", filters)
        context["clash_downloads"] = download_links("mission-clashes", filters)
    elif tab == "projects":
        context["suggestions"] = selectors.project_suggestions(user=user, filters=filters)
        context["links"] = selectors.project_links(user=user, filters=filters)
        context["may_decide"] = may_decide_project_link(user)
        context["downloads"] = download_links("project-suggestions", filters)
    context["source_note"] = source_note()
    return f"coordination/_tab_{tab}.html", context


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _tab_links(request: HttpRequest, base: str) -> list[tuple[str, str, str]]:
    query = request.GET.copy()
    query.pop("page", None)
    links = []
    for key, label, _cls in _tabs():
        query["tab"] = key
        links.append((key, label, f"{base}?{query.urlencode()}"))
    return links


def _htmx_target(request: HttpRequest) -> str | None:
    htmx = getattr(request, "htmx", None)
    return htmx.target if htmx else None


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "coordination/index.html", {"regions": Region.objects.order_by("sort_order")}
    )


def _current_tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab") or "gaps"
    return tab if tab in {key for key, _l, _c in _tabs()} else "gaps"


@require_safe
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """The region's coordination page. The first answer holds the filters, the heat map, the
    map and the timeline; the open tab's analysis comes next by htmx (``HX-Target:
    tab-panel``), as does the matrix's table when opened (``region_matrix_table``), so that
    the page does not compute and send every analysis at once."""
    region = get_object_or_404(Region, code__iexact=code)
    tab = _current_tab(request)
    forced = {"region": region.code}
    base = reverse("coordination-region", args=[region.code])
    if _htmx_target(request) == "tab-panel":
        tab_template, tab_context = _tab_context(request, tab, forced)
        tab_context["tab_links"] = _tab_links(request, base)
        tab_context["page_base"] = base
        return render(request, tab_template, tab_context)
    filters, raw, problems = _read_filters(request, AnalysisFilters, **forced)
    query = request.GET.copy()
    query["tab"] = tab
    context: dict[str, Any] = {
        "region": region,
        "filters": filters,
        "raw": raw,
        "problems": problems,
        "tab": tab,
        "tab_links": _tab_links(request, base),
        "tab_url": f"{base}?{query.urlencode()}",
        **_choices(region),
        "source_note": source_note(),
    }
    if not problems:
        user = request.user
        matrix = selectors.coverage_matrix(user=user, filters=filters)
        cell_query = filters.query()
        cell_url = reverse("coordination-cell", args=[region.code]) + "?" + urlencode(cell_query)
        context["matrix"] = matrix
        context["heatmap"] = charts.heatmap(matrix, cell_url=cell_url)
        context["matrix_table_url"] = (
            reverse("coordination-matrix-table", args=[region.code]) + "?" + urlencode(cell_query)
        )
        context["map"] = charts.need_map(
            selectors.unsupported_by_member(user=user, filters=filters),
            topology_url=static(charts.TOPOJSON_STATIC),
        )
        context["timeline"] = charts.timeline(selectors.timeline(user=user, filters=filters))
        context["matrix_downloads"] = download_links("coordination-matrix", filters)
    return render(request, "coordination/region.html", context)


@require_safe
def region_matrix_table(request: HttpRequest, code: str) -> HttpResponse:
    """The matrix as a table (a row per member, a link per cell), asked by htmx when a
    reader opens it: thousands of cells that most visits never look at."""
    region = get_object_or_404(Region, code__iexact=code)
    filters, _raw, problems = _read_filters(request, AnalysisFilters, region=region.code)
    if problems:
        return render(request, "coordination/_problems.html", {"problems": problems}, status=400)
    matrix = selectors.coverage_matrix(user=request.user, filters=filters)
    cell_url = reverse("coordination-cell", args=[region.code]) + "?" + urlencode(filters.query())
    return render(
        request, "coordination/_matrix_table.html", {"matrix": matrix, "cell_url": cell_url}
    )


@require_safe
def region_cell(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code__iexact=code)
    filters, _raw, problems = _read_filters(request, AnalysisFilters, region=region.code)
    if problems:
        return render(request, "coordination/_problems.html", {"problems": problems}, status=400)
    detail = selectors.cell_detail(
        user=request.user,
        filters=filters,
        member_code=request.GET.get("cell_member", ""),
        area_code=request.GET.get("area", ""),
    )
    return render(
        request,
        "coordination/_cell.html",
        {"detail": detail, "filters": filters, "source_note": source_note()},
    )


@require_safe
def member_page(request: HttpRequest, iso: str) -> HttpResponse:
    member = get_object_or_404(
        Member.objects.select_related("region", "organisation"), iso_code__iexact=iso
    )
    forced = {"member": member.iso_code}
    filters, raw, problems = _read_filters(request, ClashFilters, **forced)
    user = request.user
    context: dict[str, Any] = {
        "member": member,
        "filters": filters,
        "raw": raw,
        "problems": problems,
        **_choices(member.region),
        "source_note": source_note(),
        "tfa": TfaCommitment.objects.filter(member=member)
        .select_related("measure")
        .order_by("measure__sort_order", "category"),
    }
    if not problems:
        context.update(
            {
                "support": selectors.who_supports_whom(user=user, filters=filters),
                "gaps": selectors.gaps(user=user, filters=filters, page_size=100),
                "overlaps": selectors.overlaps(user=user, filters=filters, page_size=100),
                "missions": selectors.mission_list(user=user, filters=filters),
                "clashes": selectors.mission_clashes(user=user, filters=filters),
                "needs": selectors.open_needs(
                    user, selectors.scope_of(filters), catalogue=selectors.Catalogue.load()
                ),
                "timeline": charts.timeline(selectors.timeline(user=user, filters=filters)),
                "downloads": {
                    key: download_links(key, filters)
                    for key in ("who-supports-whom", "gaps", "overlaps", "missions")
                },
                "may_mark": False,
            }
        )
    return render(request, "coordination/member.html", context)


@require_safe
def partner_page(request: HttpRequest, key: str) -> HttpResponse:
    partner = get_object_or_404(organisation_visible(request.user), key=key)
    region_code = request.GET.get("region") or (
        partner.active_regions.order_by("sort_order").values_list("code", flat=True).first()
        or Region.objects.order_by("sort_order").values_list("code", flat=True).first()
        or ""
    )
    forced = {"partner": partner.key, "region": region_code}
    filters, raw, problems = _read_filters(request, ClashFilters, **forced)
    user = request.user
    context: dict[str, Any] = {
        "partner": partner,
        "filters": filters,
        "raw": raw,
        "problems": problems,
        **_choices(None),
        "source_note": source_note(),
    }
    if not problems:
        context.update(
            {
                "support": selectors.who_supports_whom(user=user, filters=filters),
                "overlaps": selectors.overlaps(user=user, filters=filters, page_size=100),
                "missions": selectors.mission_list(user=user, filters=filters),
                "clashes": selectors.mission_clashes(user=user, filters=filters),
                "funding": selectors.funding(
                    user=user, filters=FundingFilters(**{**filters.model_dump(), "by": "member"})
                ),
                "timeline": charts.timeline(selectors.timeline(user=user, filters=filters)),
                "downloads": {
                    key: download_links(key, filters)
                    for key in ("who-supports-whom", "overlaps", "missions")
                },
            }
        )
    return render(request, "coordination/partner.html", context)


# --------------------------------------------------------------------------- writes


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def overlap_mark_view(request: HttpRequest) -> HttpResponse:
    post = request.POST
    first, second, member, provision = selectors.overlap_mark_allowed(
        user=request.user,
        first=post.get("first", ""),
        second=post.get("second", ""),
        member=post.get("member", ""),
        provision=post.get("provision", ""),
    )
    try:
        mark = services.overlap_mark(
            user=request.user,
            activities=(first, second),
            member=member,
            provision=provision,
            verdict=post.get("verdict", ""),
            note=post.get("note", ""),
        )
    except ServiceError as error:
        if _htmx_target(request):
            return HttpResponse(str(error.message), status=400)
        messages.error(request, error.message)
        return redirect(_back(request, reverse("coordination-region", args=[member.region.code])))
    if _htmx_target(request):
        rows = selectors.overlap_rows([(member.pk, provision.pk, first.pk, second.pk)])
        return render(
            request,
            "coordination/_overlap_row.html",
            {"row": rows[0], "may_mark": True, "verdicts": OverlapVerdict.choices, "marked": mark},
        )
    messages.success(
        request, _("Overlap marked: %(verdict)s.") % {"verdict": mark.get_verdict_display()}
    )
    return redirect(_back(request, reverse("coordination-region", args=[member.region.code])))


@login_required
@require_http_methods(["GET", "POST"])
def mission_create_view(request: HttpRequest) -> HttpResponse:
    identifier = request.GET.get("activity") or request.POST.get("activity", "")
    activity = selectors.mission_create_allowed(user=request.user, iati_identifier=identifier)
    form = MissionForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.mission_create(
                user=request.user,
                activity=selectors.mission_create_allowed(
                    user=request.user, iati_identifier=identifier
                ),
                member=form.cleaned_data["member"],
                data=form.cleaned_data,
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Mission recorded."))
            return redirect(
                _back(request, reverse("activity-detail", args=[activity.iati_identifier]))
            )
    return render(request, "coordination/mission_form.html", {"form": form, "activity": activity})


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get_for_edit(user=request.user, pk=pk)
    form = MissionForm(request.POST or None, activity=mission.activity, instance=mission)
    if request.method == "POST" and form.is_valid():
        try:
            services.mission_update(
                user=request.user,
                mission=selectors.mission_get_for_edit(user=request.user, pk=pk),
                member=form.cleaned_data["member"],
                data=form.cleaned_data,
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Mission saved."))
            return redirect(
                _back(request, reverse("coordination-member", args=[mission.member.iso_code]))
            )
    return render(
        request,
        "coordination/mission_form.html",
        {"form": form, "activity": mission.activity, "mission": mission},
    )


@login_required
@require_POST
def mission_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get_for_edit(user=request.user, pk=pk)
    member = mission.member
    services.mission_delete(user=request.user, mission=mission)
    messages.success(request, _("Mission deleted."))
    return redirect(_back(request, reverse("coordination-member", args=[member.iso_code])))


@login_required
@require_POST
def project_link_view(request: HttpRequest) -> HttpResponse:
    first, second = selectors.project_link_allowed(
        user=request.user,
        first=request.POST.get("first", ""),
        second=request.POST.get("second", ""),
    )
    try:
        link = services.project_link_decide(
            user=request.user,
            activities=(first, second),
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            reasons=request.POST.getlist("reason"),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Decision recorded: %(decision)s.") % {"decision": link.get_decision_display()},
        )
    fallback = reverse("activity-detail", args=[first.iati_identifier])
    return redirect(_back(request, fallback))
