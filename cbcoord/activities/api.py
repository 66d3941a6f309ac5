"""JSON API for activities: list and detail (visibility-respecting), hand edits, IATI export."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.activities import services
from cbcoord.activities.exporters import IatiExportFilters
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import Activity, Visibility
from cbcoord.activities.selectors import (
    activity_get,
    activity_get_for_edit,
    activity_list,
    activity_rows,
)
from cbcoord.core import exporters
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError
from cbcoord.core.pagination import BoundedPagination
from cbcoord.registry.models import Organisation
from cbcoord.registry.selectors import organisation_get

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
    reason: str


class ActivityDetailOut(ActivityOut):
    import_run: int | None = Field(None, alias="import_run_id")
    has_publisher_version: bool
    visible_to: list[str]
    warnings: list[WarningOut]
    data: dict[str, Any]

    @staticmethod
    def resolve_has_publisher_version(activity: Activity) -> bool:
        return bool(activity.publisher_data)

    @staticmethod
    def resolve_visible_to(activity: Activity) -> list[str]:
        return list(activity.visible_to.order_by("key").values_list("key", flat=True))


class CountryIn(Schema):
    index: int | None = None
    code: str
    percentage: Decimal | None = None


class SectorIn(Schema):
    index: int | None = None
    code: str
    vocabulary: str | None = "1"
    percentage: Decimal | None = None


class BudgetIn(Schema):
    index: int | None = None
    type: str | None = None
    status: str | None = None
    period_start: datetime.date
    period_end: datetime.date
    value: Decimal
    currency: str | None = None
    value_date: datetime.date | None = None


class TransactionIn(Schema):
    index: int | None = None
    type: str
    date: datetime.date
    value: Decimal
    currency: str | None = None
    value_date: datetime.date | None = None


class ParticipantIn(Schema):
    index: int | None = None
    ref: str | None = None
    name: str | dict[str, str] | None = None
    role: str
    type: str | None = None


class ActivityPatch(Schema):
    title: dict[str, str] | None = None
    description: dict[str, str] | None = None
    activity_status: str | None = None
    default_currency: str | None = None
    planned_start: datetime.date | None = None
    actual_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    actual_end: datetime.date | None = None
    recipient_countries: list[CountryIn] | None = None
    sectors: list[SectorIn] | None = None
    budgets: list[BudgetIn] | None = None
    transactions: list[TransactionIn] | None = None
    participating_orgs: list[ParticipantIn] | None = None
    visibility: str | None = None
    visible_to: list[str] | None = Field(
        None, description="Keys of the organisations that may read a 'named' activity."
    )


class ActivityIn(ActivityPatch):
    iati_identifier: str
    reporting_org: str = Field(..., description="Key of the reporting organisation.")
    title: dict[str, str]
    description: dict[str, str]
    activity_status: str
    visibility: str = Visibility.COORDINATION


ROW_KEYS = ("recipient_countries", "sectors", "budgets", "transactions", "participating_orgs")


def _changes(payload: ActivityPatch, *, unset: bool) -> dict[str, Any]:
    changes = payload.dict(exclude_unset=unset)
    for key in ROW_KEYS:
        rows = changes.get(key)
        if rows is None:
            changes.pop(key, None)
            continue
        # A row without "index" in the request edits the item at its position.
        sent = getattr(payload, key) or []
        changes[key] = [
            row
            if "index" in item.model_fields_set
            else {k: v for k, v in row.items() if k != "index"}
            for row, item in zip(rows, sent, strict=True)
        ]
    return changes


def _organisations(user: Actor | None, keys: list[str]) -> list[Organisation]:
    organisations = []
    for key in keys:
        try:
            organisations.append(organisation_get(user=user, key=key))
        except Http404 as error:
            raise ServiceError(
                f"visible_to: no organisation {key!r}.", field="visible_to"
            ) from error
    return organisations


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
    response={201: ActivityDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def create_activity(request: HttpRequest, payload: ActivityIn) -> object:
    user = api_user(request)
    reporting_org = organisation_get(user=user, key=payload.reporting_org)
    changes = _changes(payload, unset=True)
    for key in ("reporting_org", "visibility", "visible_to"):
        changes.pop(key, None)
    activity = services.activity_create(
        user=user,
        reporting_org=reporting_org,
        data=changes,
        visibility=payload.visibility,
        visible_to=_organisations(user, payload.visible_to or []),
    )
    return Status(201, _detail(user, activity.iati_identifier))


@router.patch(
    "/activities/{identifier:iati_identifier}",
    response={200: ActivityDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def patch_activity(request: HttpRequest, iati_identifier: str, payload: ActivityPatch) -> object:
    user = api_user(request)
    activity = activity_get_for_edit(user=user, iati_identifier=iati_identifier)
    changes = _changes(payload, unset=True)
    if "visible_to" in changes:
        changes["visible_to"] = _organisations(user, changes["visible_to"] or [])
    services.activity_update(user=user, activity=activity, changes=changes)
    return Status(200, _detail(user, iati_identifier))
