"""JSON API for activities: list and detail (visibility-respecting), hand edits, IATI export."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.activities import derive, services
from cbcoord.activities.edits import ActivityEdit, ActivityNew
from cbcoord.activities.exporters import IatiExportFilters
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import (
    activity_get,
    activity_get_for_edit,
    activity_list,
    activity_rows,
)
from cbcoord.core import exporters
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.pagination import BoundedPagination

router = Router(tags=["activities"])


class ActivityOut(Schema):
    iati_identifier: str
    title: str
    reporting_org: str = Field(..., alias="reporting_org.key")
    status: str
    planned_start: datetime.date | None
    actual_start: datetime.date | None
    planned_end: datetime.date | None
    actual_end: datetime.date | None
    default_currency: str
    total_budget: Decimal | None
    total_commitment: Decimal | None
    total_spend: Decimal | None
    visibility: str
    origin: str
    hand_edited: bool
    withdrawn: bool = Field(..., alias="is_withdrawn")
    is_demo: bool


class WarningOut(Schema):
    element: str
    line: int | None = None
    reason: str = Field(..., description="In English.")
    code: str = Field(
        "", description="Stable code of the kind of warning (empty for older warnings)."
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="The values the reason names, by placeholder."
    )


class ActivityDetailOut(ActivityOut):
    import_run: int | None = Field(None, alias="import_run_id")
    has_publisher_version: bool
    edited_at: datetime.datetime | None
    totals: dict[str, dict[str, Decimal]] = Field(
        ...,
        description=(
            "Budget, commitments and spend (disbursements and expenditure) by currency, from "
            "the content: the total_* columns hold the default currency's only."
        ),
    )
    visible_to: list[str]
    warnings: list[WarningOut]
    data: dict[str, Any]

    @staticmethod
    def resolve_totals(activity: Activity) -> dict[str, dict[str, Decimal]]:
        return derive.totals_by_currency(activity.data)

    @staticmethod
    def resolve_has_publisher_version(activity: Activity) -> bool:
        return bool(activity.publisher_data)

    @staticmethod
    def resolve_visible_to(activity: Activity) -> list[str]:
        return list(activity.visible_to.order_by("key").values_list("key", flat=True))


def _detail(user: Actor | None, iati_identifier: str) -> Activity:
    return activity_get(user=user, iati_identifier=iati_identifier)


@router.get("/activities", response={200: list[ActivityOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(BoundedPagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> object:
    """The activities the caller may read that pass the filters, in `sort` order. `count`
    is exact up to 10,000 (`count_exact`); past that it says "more than 10,000"."""
    user = api_user(request)
    filters.require_known(user)
    return activity_rows(activity_list(user=user, filters=filters))


@router.get(
    "/activities/export.xml", auth=READ_AUTH, response={200: None, 400: ErrorOut, 403: ErrorOut}
)
def export_activities(request: HttpRequest, filters: Query[IatiExportFilters]) -> object:
    """IATI 2.03 XML of the public activities (the secretariat may add `visibility=all`):
    the export `iati-activities` (also at `/api/exports/iati-activities?format=xml`)."""
    user = api_user(request)
    filters.require_known(user)
    exporter = exporters.exporter_for("iati-activities")
    return exporters.response(exporter, "xml", user=user, filters=filters)


@router.post(
    "/activities/{identifier:iati_identifier}/take-publisher-version",
    response={200: ActivityDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def take_publisher_version(request: HttpRequest, iati_identifier: str) -> object:
    user = api_user(request)
    activity = activity_get_for_edit(user=user, iati_identifier=iati_identifier)
    services.activity_take_publisher_version(user=user, activity=activity)
    return Status(200, _detail(user, iati_identifier))


@router.get(
    "/activities/{identifier:iati_identifier}",
    response={200: ActivityDetailOut, 404: ErrorOut},
    auth=READ_AUTH,
)
def get_activity(request: HttpRequest, iati_identifier: str) -> Activity:
    return _detail(api_user(request), iati_identifier)


@router.post(
    "/activities",
    response={201: ActivityDetailOut, 400: ErrorOut, 403: ErrorOut},
    auth=WRITE_AUTH,
)
def create_activity(request: HttpRequest, payload: ActivityNew) -> object:
    """Enter an activity by hand. Every problem is answered at once (400, `errors`)."""
    user = api_user(request)
    activity = services.activity_create(user=user, new=payload)
    return Status(201, _detail(user, activity.iati_identifier))


@router.patch(
    "/activities/{identifier:iati_identifier}",
    response={200: ActivityDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def patch_activity(request: HttpRequest, iati_identifier: str, payload: ActivityEdit) -> object:
    """Change what the body gives; the rest is kept (see the schema for rows and `index`)."""
    user = api_user(request)
    activity = activity_get_for_edit(user=user, iati_identifier=iati_identifier)
    services.activity_update(user=user, activity=activity, edit=payload)
    return Status(200, _detail(user, iati_identifier))
