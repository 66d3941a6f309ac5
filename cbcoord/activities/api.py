"""JSON API for activities: list and detail (visibility-respecting), hand edits, IATI export;
provision tags (list, review, add) and relevance decisions."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.activities import derive, evidence, services
from cbcoord.activities.edits import ActivityEdit, ActivityNew
from cbcoord.activities.exporters import IatiExportFilters
from cbcoord.activities.filters import ActivityFilters, TagReviewFilters
from cbcoord.activities.models import Activity, ActivityProvision
from cbcoord.activities.selectors import (
    activity_count_source,
    activity_get,
    activity_get_for_edit,
    activity_get_for_review,
    activity_list,
    activity_rows,
    activity_tag_get_for_review,
    activity_tags,
    review_tags,
    tag_review_list,
)
from cbcoord.core import exporters
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.pagination import MAX_PAGE, BoundedPagination, Counted, bounded_page

#: Activities a page of the review queue holds.
REVIEW_PAGE_SIZE = 20

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
    is_relevant: bool | None = Field(
        None,
        description="Customs or border-agency capacity building? null: not assessed yet.",
    )


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


class TagOut(Schema):
    id: int
    provision: str = Field(..., alias="provision.code")
    title: str = Field(..., alias="provision.title")
    status: str = Field(..., description="suggested, confirmed or rejected")
    source: str = Field(
        ..., description="rules (suggested by cbcoord), manual (added by a person) or import"
    )
    confidence: float | None
    evidence: list[str] = Field(..., description="Why, each a sentence in the caller's language.")
    reviewed_by: str | None = Field(None, alias="reviewed_by.username")
    reviewed_at: datetime.datetime | None

    @staticmethod
    def resolve_evidence(tag: ActivityProvision) -> list[str]:
        return evidence.tag_sentences(tag)


class RelevanceOut(Schema):
    is_relevant: bool | None
    relevance_score: float | None
    relevance_evidence: list[str] = Field(
        ..., description="Why (not), each a sentence in the caller's language."
    )
    relevance_decided_by: str = Field(..., description="rules, person, or empty: not assessed")

    @staticmethod
    def resolve_relevance_evidence(activity: Activity) -> list[str]:
        return evidence.relevance_sentences(activity)


class ActivityTagsOut(RelevanceOut):
    iati_identifier: str
    tags: list[TagOut]

    @staticmethod
    def resolve_tags(activity: Activity) -> list[ActivityProvision]:
        return activity_tags(activity)


class TagIn(Schema):
    provision: str = Field(..., description="Provision code, e.g. TFA-7.4.")


class RelevanceIn(Schema):
    relevant: bool | None = Field(
        ..., description="true or false, with a reason; null hands the decision back to the rules"
    )
    reason: str = ""


class ReviewActivityOut(Schema):
    iati_identifier: str
    title: str
    reporting_org: str = Field(..., alias="reporting_org.key")
    is_relevant: bool | None
    tags: list[TagOut]


def _detail(user: Actor | None, iati_identifier: str) -> Activity:
    return activity_get(user=user, iati_identifier=iati_identifier)


@router.get("/activities", response={200: list[ActivityOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(BoundedPagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> object:
    """The activities the caller may read that pass the filters, in `sort` order. `count`
    is exact up to 10,000 (`count_exact`); past that it says "more than 10,000"."""
    user = api_user(request)
    filters.require_known(user)
    return Counted(
        activity_rows(activity_list(user=user, filters=filters)),
        activity_count_source(user=user, filters=filters),
    )


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


class ReviewPageOut(Schema):
    items: list[ReviewActivityOut]
    count: int = Field(..., description="Matching activities: exact when count_exact.")
    count_exact: bool
    page: int
    has_next: bool


@router.get(
    "/activity-tags/review",
    response={200: ReviewPageOut, 400: ErrorOut, 403: ErrorOut},
    auth=WRITE_AUTH,
)
def tags_to_review(
    request: HttpRequest,
    filters: Query[TagReviewFilters],
    page: int = Query(1, ge=1, le=MAX_PAGE),  # type: ignore[type-arg]
) -> object:
    """The review queue, 20 activities a page: the activities whose tags the caller reviews
    (the secretariat; a partner editor, their organisation's), each with its tags of the
    filters' status (`suggested` by default), most recently updated first."""
    user = api_user(request)
    filters.require_known(user)
    found = bounded_page(
        activity_rows(tag_review_list(user=user, filters=filters)), page, REVIEW_PAGE_SIZE
    )
    tags = review_tags((activity.pk for activity in found.items), filters)
    for activity in found.items:
        activity.tags = tags.get(activity.pk, [])  # type: ignore[attr-defined]
    return {
        "items": found.items,
        "count": found.count,
        "count_exact": found.count_exact,
        "page": found.number,
        "has_next": found.has_next,
    }


@router.post(
    "/activity-tags/{pk}/confirm",
    response={200: TagOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def confirm_tag(request: HttpRequest, pk: int) -> object:
    """Confirm a tag: the activity supports the provision (kept by re-tagging and imports)."""
    user = api_user(request)
    tag = activity_tag_get_for_review(user=user, pk=pk)
    return services.activity_tag_confirm(user=user, tag=tag)


@router.post(
    "/activity-tags/{pk}/reject",
    response={200: TagOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def reject_tag(request: HttpRequest, pk: int) -> object:
    """Reject a tag: the rules will not suggest the provision again for the activity."""
    user = api_user(request)
    tag = activity_tag_get_for_review(user=user, pk=pk)
    return services.activity_tag_reject(user=user, tag=tag)


@router.get(
    "/activities/{identifier:iati_identifier}/tags",
    response={200: ActivityTagsOut, 404: ErrorOut},
    auth=READ_AUTH,
)
def get_activity_tags(request: HttpRequest, iati_identifier: str) -> Activity:
    """The activity's relevance and provision tags, with their status and evidence."""
    return activity_get(user=api_user(request), iati_identifier=iati_identifier)


@router.post(
    "/activities/{identifier:iati_identifier}/tags",
    response={201: TagOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def add_activity_tag(request: HttpRequest, iati_identifier: str, payload: TagIn) -> object:
    """Tag the activity with a provision by hand (confirmed)."""
    user = api_user(request)
    activity = activity_get_for_review(user=user, iati_identifier=iati_identifier)
    tag = services.activity_tag_add(user=user, activity=activity, provision_code=payload.provision)
    return Status(201, tag)


@router.post(
    "/activities/{identifier:iati_identifier}/relevance",
    response={200: RelevanceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def decide_relevance(request: HttpRequest, iati_identifier: str, payload: RelevanceIn) -> object:
    """Decide whether the activity is customs or border-agency capacity building, with the
    reason (later imports and re-tagging keep it); `relevant: null` hands it back to the
    rules."""
    user = api_user(request)
    activity = activity_get_for_review(user=user, iati_identifier=iati_identifier)
    return services.activity_relevance_decide(
        user=user, activity=activity, relevant=payload.relevant, reason=payload.reason
    )


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
