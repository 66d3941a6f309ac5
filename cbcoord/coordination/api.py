"""JSON API of the coordination analyses (the pages' filters, the same selectors) and of the
coordination records (overlap marks, missions, project links), through the app's doors.
Anonymous callers read published data only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.coordination import selectors, services
from cbcoord.coordination.filters import (
    AnalysisFilters,
    ClashFilters,
    FundingFilters,
    SynergyFilters,
)
from cbcoord.coordination.rates import Total
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError
from cbcoord.registry.models import Member

router = Router(tags=["coordination"])


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # as django-ninja's encoder writes amounts: a string, exact
    raise TypeError(type(value).__name__)


def _json(data: object) -> HttpResponse:
    """``data`` as the JSON answer, written by orjson. The large analyses (a region's matrix
    has thousands of cells) skip django-ninja's validation of every nested object, which cost
    more than the analysis; their route still declares the schema, which /api/docs shows and
    ``tests/coordination/test_api.py`` checks the answer against."""
    return HttpResponse(orjson.dumps(data, default=_json_default), content_type="application/json")


def _checked(request: HttpRequest, filters: AnalysisFilters) -> Any:
    user = api_user(request)
    filters.require_known(user)
    return user


# --------------------------------------------------------------------------- shapes


class TotalOut(Schema):
    amount: Decimal = Field(..., description="The sum of the amounts that could be converted.")
    converted: int
    not_converted: int = Field(
        ..., description="Amounts left out for want of a rate (never counted as zero)."
    )
    not_converted_by_currency: dict[str, Decimal]


class MoneyOut(Schema):
    currency: str
    committed: TotalOut
    disbursed: TotalOut
    budgeted: TotalOut


class RatesOut(Schema):
    currency: str
    used: list[str] = Field(..., description="Rates used, as CURRENCY:YEAR.")
    not_converted: int
    not_converted_by_currency: dict[str, Decimal]
    source: str


def _total(total: Total) -> dict[str, Any]:
    return {
        "amount": total.amount,
        "converted": total.converted,
        "not_converted": total.missing,
        "not_converted_by_currency": total.missing_by_currency,
    }


def _money(money: selectors.Money | None, currency: str) -> dict[str, Any]:
    if money is None:
        return _no_money(currency)
    return {
        "currency": money.currency,
        "committed": _total(money.committed),
        "disbursed": _total(money.disbursed),
        "budgeted": _total(money.budgeted),
    }


def _no_money(currency: str) -> dict[str, Any]:
    nothing = {"amount": Decimal(0), "converted": 0, "not_converted": 0}
    total = {**nothing, "not_converted_by_currency": {}}
    return {"currency": currency, "committed": total, "disbursed": total, "budgeted": total}


def _rates(note: selectors.RatesNote) -> dict[str, Any]:
    from cbcoord.coordination.rates import source_note

    return {
        "currency": note.currency,
        "used": [f"{code}:{year}" for code, year in note.used_sorted],
        "not_converted": note.missing_count,
        "not_converted_by_currency": note.missing,
        "source": source_note(),
    }


class CellOut(Schema):
    member: str = Field(..., description="ISO 3166 code.")
    area: str = Field(..., description="Provision code of the column.")
    activities: int
    partners: list[str] = Field(..., description="Keys of the partners active there.")
    money: MoneyOut
    open_needs: int
    supported_needs: int


class AreaOut(Schema):
    code: str
    title: str
    instrument: str


class MemberOut(Schema):
    iso_code: str
    name: str


class MatrixOut(Schema):
    region: str | None
    members: list[MemberOut]
    areas: list[AreaOut]
    cells: list[CellOut]
    rates: RatesOut


def _members(members: list[Member]) -> list[dict[str, str]]:
    return [{"iso_code": m.iso_code, "name": m.country_name} for m in members]


def _area(area: selectors.Area) -> dict[str, str]:
    return {"code": area.code, "title": area.title, "instrument": area.instrument}


@router.get(
    "/coordination/matrix",
    response={200: MatrixOut, 400: ErrorOut},
    auth=READ_AUTH,
)
def coverage_matrix(request: HttpRequest, filters: Query[AnalysisFilters]) -> object:
    """The coverage matrix: members of a region × instrument areas at the chosen `level`; each
    cell the partners active there, the activities, their amounts (converted to `currency`)
    and the open needs (with confirmed support)."""
    user = _checked(request, filters)
    matrix = selectors.coverage_matrix(user=user, filters=filters)
    currency = matrix.scope.currency
    names = {member.pk: member.country_name for member in matrix.members}  # once a member
    return _json(
        {
            "region": matrix.scope.region.code if matrix.scope.region else None,
            "members": _members(matrix.members),
            "areas": [_area(area) for area in matrix.areas],
            "cells": [
                {
                    "member": cell.member.iso_code,
                    "area": cell.area.code,
                    "activities": cell.activities,
                    "partners": [partner.key for partner in cell.partners],
                    "money": _money(cell.money, currency),
                    "open_needs": cell.open_needs,
                    "supported_needs": cell.supported_needs,
                }
                for cell in sorted(
                    matrix.cells.values(), key=lambda c: (names[c.member.pk], c.area.sort)
                )
            ],
            "rates": _rates(matrix.note),
        }
    )


class ActivityRef(Schema):
    iati_identifier: str
    title: str
    partner: str
    start_date: datetime.date | None
    end_date: datetime.date | None


def _activity(activity: Any) -> dict[str, Any]:
    return {
        "iati_identifier": activity.iati_identifier,
        "title": activity.title,
        "partner": activity.reporting_org.key,
        "start_date": activity.start_date,
        "end_date": activity.end_date,
    }


class CellActivityOut(ActivityRef):
    provisions: list[str]
    money: MoneyOut


class NeedRef(Schema):
    key: str
    member: str
    description: str
    priority: str
    status: str
    identified_on: datetime.date


def _need(need: Any) -> dict[str, Any]:
    return {
        "key": need.key,
        "member": need.member.iso_code,
        "description": need.short_description,
        "priority": need.priority,
        "status": need.status,
        "identified_on": need.identified_on,
    }


class CellNeedOut(NeedRef):
    supported: bool


class CellDetailOut(Schema):
    member: str
    area: AreaOut
    activities: list[CellActivityOut]
    more_activities: bool
    needs: list[CellNeedOut]
    rates: RatesOut


@router.get(
    "/coordination/matrix/cell",
    response={200: CellDetailOut, 400: ErrorOut, 404: ErrorOut},
    auth=READ_AUTH,
)
def matrix_cell(
    request: HttpRequest, cell_member: str, area: str, filters: Query[AnalysisFilters]
) -> object:
    """One cell of the matrix (`cell_member`: ISO code, `area`: the column's provision code):
    its activities (the first 100) and open needs."""
    user = _checked(request, filters)
    detail = selectors.cell_detail(
        user=user, filters=filters, member_code=cell_member, area_code=area
    )
    currency = filters.currency.upper()
    return {
        "member": detail.member.iso_code,
        "area": _area(detail.area),
        "activities": [
            {
                **_activity(row.activity),
                "provisions": row.provisions,
                "money": _money(row.money, currency),
            }
            for row in detail.activities
        ],
        "more_activities": bool(detail.more),
        "needs": [{**_need(item.need), "supported": item.supported} for item in detail.needs],
        "rates": _rates(detail.note),
    }


class SupportCellOut(Schema):
    member: str
    partner: str
    activities: int
    areas: list[str]
    money: MoneyOut


class SupportOut(Schema):
    members: list[MemberOut]
    partners: list[str]
    cells: list[SupportCellOut]
    rates: RatesOut


@router.get(
    "/coordination/who-supports-whom",
    response={200: SupportOut, 400: ErrorOut},
    auth=READ_AUTH,
)
def who_supports_whom(request: HttpRequest, filters: Query[AnalysisFilters]) -> object:
    """Partners × members of a region: each cell the activities, amounts and provisions (at
    the chosen `level`)."""
    user = _checked(request, filters)
    found = selectors.who_supports_whom(user=user, filters=filters)
    currency = found.scope.currency
    keys = {partner.pk: partner.key for partner in found.partners}
    return _json(
        {
            "members": _members(found.members),
            "partners": [partner.key for partner in found.partners],
            "cells": [
                {
                    "member": member.iso_code,
                    "partner": keys[partner_id],
                    "activities": cell.activities,
                    "areas": [area.code for area in cell.areas],
                    "money": _money(cell.money, currency),
                }
                for member in found.members
                for (member_id, partner_id), cell in found.cells.items()
                if member_id == member.pk and partner_id in keys
            ],
            "rates": _rates(found.note),
        }
    )


class SuggestionRef(Schema):
    activity: str
    partner: str
    score: int
    reasons: list[str]


class GapOut(NeedRef):
    provisions: list[str]
    age_days: int
    suggestions: list[SuggestionRef]


class GapsOut(Schema):
    count: int
    page: int
    has_next: bool
    items: list[GapOut]


@router.get("/coordination/gaps", response={200: GapsOut, 400: ErrorOut}, auth=READ_AUTH)
def gaps(
    request: HttpRequest,
    filters: Query[AnalysisFilters],
    page: int = 1,
    suggestions: int = 3,
) -> object:
    """Open needs without a confirmed supporting activity, high priority first, then the
    oldest; 20 a page, each with matching's first `suggestions` activities."""
    user = _checked(request, filters)
    found = selectors.gaps(
        user=user, filters=filters, page=page, suggestions=max(0, min(suggestions, 20))
    )
    return {
        "count": found.count,
        "page": found.page,
        "has_next": found.has_next,
        "items": [
            {
                **_need(row.need),
                "provisions": row.provisions,
                "age_days": row.age_days,
                "suggestions": [
                    {
                        "activity": s.activity.iati_identifier if s.activity else "",
                        "partner": s.activity.reporting_org.key if s.activity else "",
                        "score": s.score,
                        "reasons": s.reason_texts,
                    }
                    for s in row.suggestions
                ],
            }
            for row in found.rows
        ],
    }


class OverlapOut(Schema):
    member: str
    provision: str
    first: ActivityRef
    second: ActivityRef
    state: str = Field(
        ..., description="unmarked, complementary, duplication, or changed (marked, then changed)."
    )
    note: str
    marked_at: datetime.datetime | None


class OverlapsOut(Schema):
    count: int
    count_exact: bool
    page: int
    has_next: bool
    items: list[OverlapOut]


def _overlap(row: selectors.Overlap) -> dict[str, Any]:
    return {
        "member": row.member.iso_code,
        "provision": row.provision.code,
        "first": _activity(row.first),
        "second": _activity(row.second),
        "state": row.state,
        "note": row.mark.note if row.mark else "",
        "marked_at": row.mark.updated_at if row.mark else None,
    }


@router.get("/coordination/overlaps", response={200: OverlapsOut, 400: ErrorOut}, auth=READ_AUTH)
def overlaps(request: HttpRequest, filters: Query[AnalysisFilters], page: int = 1) -> object:
    """Activities of two partners active in the period on the same member and provision (or
    one's inside the other's) with dates that overlap; 50 a page, counted up to 1,000
    (`count_exact` false past it)."""
    user = _checked(request, filters)
    found = selectors.overlaps(user=user, filters=filters, page=page)
    return {
        "count": found.count,
        "count_exact": found.exact,
        "page": found.page,
        "has_next": found.has_next,
        "items": [_overlap(row) for row in found.rows],
    }


class MarkIn(Schema):
    first: str = Field(..., description="IATI identifier of one activity.")
    second: str = Field(..., description="IATI identifier of the other.")
    member: str = Field(..., description="ISO 3166 code of the member.")
    provision: str = Field(..., description="Provision code of the overlap.")
    verdict: Literal["complementary", "duplication"]
    note: str = ""


class MarkOut(Schema):
    first: str
    second: str
    member: str
    provision: str
    verdict: str
    note: str


@router.post(
    "/coordination/overlaps/marks",
    response={200: MarkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def mark_overlap(request: HttpRequest, payload: MarkIn) -> object:
    """Mark an overlap complementary or a duplication to resolve (the secretariat). The mark
    holds until either activity's dates, countries, provisions or amounts change."""
    user = api_user(request)
    first, second, member, provision = selectors.overlap_mark_allowed(
        user=user,
        first=payload.first,
        second=payload.second,
        member=payload.member,
        provision=payload.provision,
    )
    mark = services.overlap_mark(
        user=user,
        activities=(first, second),
        member=member,
        provision=provision,
        verdict=payload.verdict,
        note=payload.note,
    )
    return {
        "first": mark.first.iati_identifier,
        "second": mark.second.iati_identifier,
        "member": member.iso_code,
        "provision": provision.code,
        "verdict": mark.verdict,
        "note": mark.note,
    }


class SynergyOut(Schema):
    area: AreaOut
    members: list[str]
    needs: list[str]
    partners: dict[str, int] = Field(..., description="Partner key → activities in the region.")


@router.get(
    "/coordination/synergies", response={200: list[SynergyOut], 400: ErrorOut}, auth=READ_AUTH
)
def synergies(request: HttpRequest, filters: Query[SynergyFilters]) -> object:
    """Provisions (at `level`) on which at least `k` members of the region have open needs,
    with the partners already active on them there."""
    user = _checked(request, filters)
    return _json(
        [
            {
                "area": _area(item.area),
                "members": [m.iso_code for m in item.members],
                "needs": [n.key for n in item.needs],
                "partners": {org.key: n for org, n in item.partners},
            }
            for item in selectors.synergies(user=user, filters=filters)
        ]
    )


class MissionOut(Schema):
    id: int
    activity: str = Field(..., alias="activity.iati_identifier")
    partner: str = Field(..., alias="activity.reporting_org.key")
    member: str = Field(..., alias="member.iso_code")
    kind: str
    start_date: datetime.date
    end_date: datetime.date
    note: str
    is_demo: bool


@router.get(
    "/coordination/missions", response={200: list[MissionOut], 400: ErrorOut}, auth=READ_AUTH
)
def missions(request: HttpRequest, filters: Query[AnalysisFilters]) -> object:
    """Missions to the administrations of the scope, by date."""
    user = _checked(request, filters)
    return selectors.mission_list(user=user, filters=filters)


class MissionIn(Schema):
    activity: str = Field(..., description="IATI identifier of the activity.")
    member: str = Field(..., description="ISO 3166 code of the beneficiary administration.")
    kind: Literal["diagnostic", "scoping", "training", "advisory", "expert_visit"]
    start_date: datetime.date
    end_date: datetime.date
    note: str = ""


class MissionPatch(Schema):
    member: str | None = None
    kind: Literal["diagnostic", "scoping", "training", "advisory", "expert_visit"]
    start_date: datetime.date
    end_date: datetime.date
    note: str = ""


def _member(code: str) -> Member:
    member = Member.objects.filter(iso_code__iexact=code).first()
    if member is None:
        raise ServiceError(_("There is no member %(code)s.") % {"code": code}, field="member")
    return member


@router.post(
    "/coordination/missions",
    response={201: MissionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def create_mission(request: HttpRequest, payload: MissionIn) -> object:
    """Record a mission (the activity's reporting partner's editors, the secretariat)."""
    user = api_user(request)
    activity = selectors.mission_create_allowed(user=user, iati_identifier=payload.activity)
    mission = services.mission_create(
        user=user,
        activity=activity,
        member=_member(payload.member),
        data=payload.dict(exclude={"activity", "member"}),
    )
    return Status(201, mission)


@router.put(
    "/coordination/missions/{mission_id}",
    response={200: MissionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def update_mission(request: HttpRequest, mission_id: int, payload: MissionPatch) -> object:
    user = api_user(request)
    mission = selectors.mission_get_for_edit(user=user, pk=mission_id)
    return services.mission_update(
        user=user,
        mission=mission,
        member=_member(payload.member) if payload.member else None,
        data=payload.dict(exclude={"member"}),
    )


@router.delete(
    "/coordination/missions/{mission_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def delete_mission(request: HttpRequest, mission_id: int) -> object:
    user = api_user(request)
    services.mission_delete(
        user=user, mission=selectors.mission_get_for_edit(user=user, pk=mission_id)
    )
    return Status(204, None)


class ClashOut(Schema):
    member: str
    days_apart: int
    first: MissionOut
    second: MissionOut


@router.get(
    "/coordination/mission-clashes", response={200: list[ClashOut], 400: ErrorOut}, auth=READ_AUTH
)
def mission_clashes(request: HttpRequest, filters: Query[ClashFilters]) -> object:
    """Missions of different partners in one administration at most `days` apart."""
    user = _checked(request, filters)
    return [
        {
            "member": c.member.iso_code,
            "days_apart": c.days_apart,
            "first": c.first,
            "second": c.second,
        }
        for c in selectors.mission_clashes(user=user, filters=filters)
    ]


class FundingRowOut(Schema):
    key: str | None
    label: str
    activities: int
    money: MoneyOut


class FundingOut(Schema):
    by: str
    rows: list[FundingRowOut]
    total: FundingRowOut
    rates: RatesOut


@router.get("/coordination/funding", response={200: FundingOut, 400: ErrorOut}, auth=READ_AUTH)
def funding(request: HttpRequest, filters: Query[FundingFilters]) -> object:
    """Committed, disbursed and budgeted amounts `by` partner, member, instrument or year, in
    the reporting `currency` at the rate of each amount's value-date year; amounts without a
    rate are counted apart (`not_converted`)."""
    user = _checked(request, filters)
    found = selectors.funding(user=user, filters=filters)
    currency = filters.currency.upper()

    def row(item: selectors.FundingRow) -> dict[str, Any]:
        return {
            "key": None if item.key is None else str(item.key),
            "label": item.label,
            "activities": item.activities,
            "money": _money(item.money, currency),
        }

    return {
        "by": found.by,
        "rows": [row(item) for item in found.rows],
        "total": row(found.total),
        "rates": _rates(found.note),
    }


class IndicatorsOut(Schema):
    targeted: float | None = Field(..., description="Share of support tied to recorded needs.")
    support_total: Decimal
    support_for_needs: Decimal
    overlaps: int
    overlaps_exact: bool
    overlaps_open: int
    coordinated: float | None = Field(..., description="Share of overlaps resolved.")
    resourced: float | None = Field(
        ..., description="Support for open high-priority needs against their estimated cost."
    )
    supported_amount: Decimal
    high_priority_cost: Decimal
    high_priority_needs: int
    currency: str


@router.get(
    "/coordination/indicators", response={200: IndicatorsOut, 400: ErrorOut}, auth=READ_AUTH
)
def indicators(request: HttpRequest, filters: Query[AnalysisFilters]) -> object:
    """Strategy indicators of a region and period: targeted, coordinated, resourced."""
    user = _checked(request, filters)
    found = selectors.indicators(user=user, filters=filters)
    return {
        "targeted": found.targeted,
        "support_total": found.support_total.amount,
        "support_for_needs": found.support_for_needs.amount,
        "overlaps": found.overlaps,
        "overlaps_exact": found.overlaps_exact,
        "overlaps_open": found.open_overlaps,
        "coordinated": found.coordinated,
        "resourced": found.resourced,
        "supported_amount": found.supported_amount.amount,
        "high_priority_cost": found.high_priority_cost.amount,
        "high_priority_needs": found.high_priority_needs,
        "currency": filters.currency.upper(),
    }


class ProjectSuggestionOut(Schema):
    first: ActivityRef
    second: ActivityRef
    score: int
    reasons: list[str]


@router.get(
    "/coordination/projects/suggestions",
    response={200: list[ProjectSuggestionOut], 400: ErrorOut},
    auth=READ_AUTH,
)
def project_suggestions(request: HttpRequest, filters: Query[AnalysisFilters]) -> object:
    """Activities of different publishers that may report one project (co-financing)."""
    user = _checked(request, filters)
    return [
        {
            "first": _activity(s.first),
            "second": _activity(s.second),
            "score": s.score,
            "reasons": s.reasons,
        }
        for s in selectors.project_suggestions(user=user, filters=filters)
    ]


class ProjectLinkIn(Schema):
    first: str
    second: str
    decision: Literal["confirmed", "rejected"]
    note: str = ""


class ProjectLinkOut(Schema):
    first: str = Field(..., alias="first.iati_identifier")
    second: str = Field(..., alias="second.iati_identifier")
    decision: str
    note: str


@router.post(
    "/coordination/projects/links",
    response={200: ProjectLinkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def decide_project_link(request: HttpRequest, payload: ProjectLinkIn) -> object:
    """Confirm (they then count once in every total) or reject that two activities report
    one project (the secretariat)."""
    user = api_user(request)
    first, second = selectors.project_link_allowed(
        user=user, first=payload.first, second=payload.second
    )
    return services.project_link_decide(
        user=user, activities=(first, second), decision=payload.decision, note=payload.note
    )
