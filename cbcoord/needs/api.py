"""JSON API for needs: list (the list page's filters), detail, record, change, the member's
position, suggested activities, link decisions and delivery, the needs an activity may
answer, and the WTO TFA commitments. Every route goes through the app's doors."""

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.activities.selectors import activity_get
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError
from cbcoord.core.pagination import Pagination
from cbcoord.frameworks.models import Provision
from cbcoord.needs import matching, selectors, services
from cbcoord.needs.filters import NeedFilters, TfaFilters, member_for
from cbcoord.needs.models import Need, NeedActivityLink, TfaCommitment
from cbcoord.registry.models import Organisation
from cbcoord.registry.selectors import organisation_get

router = Router(tags=["needs"])


class ReasonOut(Schema):
    kind: str = Field(
        ...,
        description="same, crosswalk, narrower, broader, extra (provision); country, region "
        "(place); dates, open (time); by_hand (linked without a suggestion).",
    )
    points: int
    text: str
    need_code: str = ""
    activity_code: str = ""
    detail: str = ""


def _reasons(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        reason = item if isinstance(item, matching.Reason) else matching.Reason.from_json(item)
        if reason is None:
            continue
        out.append({**reason.as_json(), "text": reason.text})
    return out


class LinkOut(Schema):
    activity: str = Field(..., alias="activity.iati_identifier")
    state: str
    score: int
    reasons: list[ReasonOut]
    confirmed_by: str | None = None
    confirmed_by_organisation: str | None = Field(None, alias="confirmed_by_organisation.key")
    confirmed_at: datetime.datetime | None
    comment: str
    delivery: str
    delivery_comment: str
    delivery_at: datetime.datetime | None

    @staticmethod
    def resolve_reasons(link: NeedActivityLink) -> list[dict[str, Any]]:
        return _reasons(link.reasons)

    @staticmethod
    def resolve_confirmed_by(link: NeedActivityLink) -> str | None:
        return link.confirmed_by.username if link.confirmed_by else None


class StatusStepOut(Schema):
    status: str
    date: datetime.datetime


class NeedOut(Schema):
    key: str
    member: str = Field(..., description="ISO 3166 code of the member (or M<number>).")
    member_name: str = Field(..., alias="member.country_name")
    region: str = Field(..., alias="member.region.code")
    provisions: list[str]
    description: str
    priority: str
    source: str
    source_reference: str
    identified_on: datetime.date
    status: str
    estimated_cost: Decimal | None
    currency: str
    estimated_duration_months: int | None
    evidence_links: list[str]
    window_start: datetime.date | None
    window_end: datetime.date | None
    visibility: str
    member_position: str
    member_comment: str
    member_position_at: datetime.datetime | None
    wco_comment: str
    recorded_by_organisation: str | None = Field(None, alias="recorded_by_organisation.key")
    tfa_measure: str | None = Field(None, alias="tfa_commitment.measure.code")
    is_demo: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_member(need: Need) -> str:
        return services.key_prefix(need.member)[5:-1]

    @staticmethod
    def resolve_provisions(need: Need) -> list[str]:
        return [provision.code for provision in need.provisions.all()]


class NeedDetailOut(NeedOut):
    visible_to: list[str]
    supporting: list[LinkOut]
    status_history: list[StatusStepOut]

    @staticmethod
    def resolve_visible_to(need: Need) -> list[str]:
        return list(need.visible_to.order_by("key").values_list("key", flat=True))

    @staticmethod
    def resolve_supporting(need: Need) -> list[Any]:
        return getattr(need, "supporting", [])

    @staticmethod
    def resolve_status_history(need: Need) -> list[dict[str, Any]]:
        return [
            {"status": step.status, "date": step.date}
            for step in selectors.need_status_history(need)
        ]


class NeedPatch(Schema):
    provisions: list[str] | None = Field(None, description="Provision codes, e.g. TFA-7.4.")
    description: str | None = None
    priority: str | None = Field(None, description="high, medium or low.")
    source: str | None = Field(
        None,
        description="diagnostic_mission, self_assessment, tfa_category_c, strategic_plan, "
        "meeting_decision or other.",
    )
    source_reference: str | None = None
    identified_on: datetime.date | None = None
    status: str | None = Field(
        None, description="identified, support_sought, supported, met or dropped."
    )
    estimated_cost: Decimal | None = None
    currency: str | None = Field(None, description="ISO 4217 code.")
    estimated_duration_months: int | None = None
    evidence_links: list[str] | None = Field(None, description="http(s) addresses.")
    window_start: datetime.date | None = None
    window_end: datetime.date | None = None
    visibility: str | None = Field(None, description="public, coordination, named or wco.")
    visible_to: list[str] | None = Field(
        None, description="Keys of the organisations that may read a 'named' need."
    )
    recorded_by_organisation: str | None = Field(
        None, description="Key of the organisation that reported the need (secretariat only)."
    )
    wco_comment: str | None = Field(None, description="The secretariat's comment.")


class NeedIn(NeedPatch):
    member: str = Field(..., description="ISO 3166 code of the member (DO) or its number.")
    provisions: list[str]
    description: str
    source: str


class PositionIn(Schema):
    position: Literal["confirmed", "disputed"]
    comment: str = ""


class LinkIn(Schema):
    activity: str = Field(..., description="IATI identifier of the activity.")
    state: Literal["confirmed", "rejected"]
    comment: str = ""


class DeliveryIn(Schema):
    activity: str = Field(..., description="IATI identifier of a confirmed supporting activity.")
    delivery: Literal["confirmed", "disputed"]
    comment: str = ""


class SuggestionOut(Schema):
    activity: str
    title: str
    reporting_org: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    score: int
    state: str
    reasons: list[ReasonOut]


class NeedMatchOut(Schema):
    need: str
    member: str
    description: str
    status: str
    score: int
    state: str
    reasons: list[ReasonOut]


class TfaCommitmentOut(Schema):
    member: str = Field(..., alias="member.iso_code")
    member_name: str = Field(..., alias="member.country_name")
    region: str = Field(..., alias="member.region.code")
    measure: str = Field(..., alias="measure.code")
    measure_title: str = Field(..., alias="measure.title")
    category: str
    indicative_date: datetime.date | None
    definitive_date: datetime.date | None
    ta_requirement: str
    supported: bool = Field(
        False, description="Category C: an activity is confirmed as supporting its need."
    )
    need: str | None = Field(None, description="Key of the need a category C commitment is.")
    source: str
    source_note: str
    is_demo: bool

    @staticmethod
    def resolve_need(commitment: TfaCommitment) -> str | None:
        need = commitment.needs.first()
        return need.key if need else None


# --------------------------------------------------------------------------- reading input


def _values(user: Actor | None, payload: NeedPatch) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    data.pop("member", None)
    errors: dict[str, list[str]] = {}
    if "provisions" in data:
        codes = data["provisions"] or []
        found = {p.code.upper(): p for p in Provision.objects.all()}
        unknown = [code for code in codes if code.upper() not in found]
        if unknown:
            errors["provisions"] = [f"Not provision codes: {', '.join(unknown[:5])}."]
        data["provisions"] = [found[code.upper()] for code in codes if code.upper() in found]
    if "visible_to" in data:
        data["visible_to"] = _organisations(user, data["visible_to"] or [], errors, "visible_to")
    if data.get("recorded_by_organisation"):
        found_org = _organisations(
            user, [data["recorded_by_organisation"]], errors, "recorded_by_organisation"
        )
        data["recorded_by_organisation"] = found_org[0] if found_org else None
    for name in ("description", "source_reference", "currency", "wco_comment", "priority"):
        if name in data and data[name] is None:
            data[name] = ""
    if "evidence_links" in data and data["evidence_links"] is None:
        data["evidence_links"] = []
    # Name every problem at once: those of the codes and keys above, and the values' own.
    checked = {name: value for name, value in data.items() if name not in errors}
    for name, messages in services.need_problems(checked).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise services.NeedInvalid(errors)
    return data


def _organisations(
    user: Actor | None, keys: list[str], errors: dict[str, list[str]], name: str
) -> list[Organisation]:
    organisations = []
    for key in keys:
        try:
            organisations.append(organisation_get(user=user, key=key))
        except Http404:
            errors.setdefault(name, []).append(f"No organisation {key!r}.")
    return organisations


def _detail(user: Actor | None, key: str) -> Need:
    need = selectors.need_get(user=user, key=key)
    need.supporting = selectors.confirmed_links(user=user, need=need)  # type: ignore[attr-defined]
    return need


# --------------------------------------------------------------------------- routes


@router.get("/needs", response={200: list[NeedOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(Pagination)
def list_needs(request: HttpRequest, filters: Query[NeedFilters]) -> object:
    """The needs the caller may read, with the list page's filters."""
    problems = filters.problems()
    if problems:
        raise ServiceError("; ".join(str(problem) for problem in problems), field=problems[0].name)
    return selectors.need_rows(selectors.need_list(user=api_user(request), filters=filters))


@router.get("/needs/{key}", response={200: NeedDetailOut, 404: ErrorOut}, auth=READ_AUTH)
def get_need(request: HttpRequest, key: str) -> Need:
    """A need, with its supporting activities and status history."""
    return _detail(api_user(request), key)


@router.post(
    "/needs",
    response={201: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def create_need(request: HttpRequest, payload: NeedIn) -> object:
    """Record a need: the secretariat for any member, member editors for their own
    administration. Recorded by the member's own editors, the need is confirmed by the member;
    otherwise it waits for the member's word."""
    user = api_user(request)
    member = member_for(payload.member)
    if member is None:
        raise ServiceError(f"No member {payload.member!r}.", field="member")
    member = selectors.need_create_allowed(user=user, member=member)
    need = services.need_create(user=user, member=member, data=_values(user, payload))
    return Status(201, _detail(user, need.key))


@router.patch(
    "/needs/{key}",
    response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def patch_need(request: HttpRequest, key: str, payload: NeedPatch) -> object:
    """Change a need (the fields sent). `recorded_by_organisation` and `wco_comment` are the
    secretariat's."""
    user = api_user(request)
    need = selectors.need_get_for_edit(user=user, key=key)
    services.need_update(user=user, need=need, data=_values(user, payload))
    return Status(200, _detail(user, key))


@router.post(
    "/needs/{key}/position",
    response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def set_position(request: HttpRequest, key: str, payload: PositionIn) -> object:
    """The member administration confirms or disputes the need, with a comment (needed to
    dispute). Only the member's own editors."""
    user = api_user(request)
    need = selectors.need_position_allowed(user=user, key=key)
    services.need_set_member_position(
        user=user, need=need, position=payload.position, comment=payload.comment
    )
    return Status(200, _detail(user, key))


@router.get(
    "/needs/{key}/suggestions",
    response={200: list[SuggestionOut], 404: ErrorOut},
    auth=READ_AUTH,
)
def need_suggestions(request: HttpRequest, key: str, include_decided: bool = False) -> object:
    """Activities that may answer the need, ranked by score, with the reasons (matching rules in
    the README). Confirmed and rejected ones only with `include_decided`."""
    user = api_user(request)
    need = selectors.need_get(user=user, key=key)
    return [
        {
            "activity": s.activity.iati_identifier if s.activity else "",
            "title": s.activity.title if s.activity else "",
            "reporting_org": s.activity.reporting_org.key if s.activity else "",
            "start_date": s.activity.start_date if s.activity else None,
            "end_date": s.activity.end_date if s.activity else None,
            "score": s.score,
            "state": s.state,
            "reasons": _reasons(list(s.reasons)),
        }
        for s in matching.suggestions_for_need(
            need, user=user, limit=100, include_decided=include_decided
        )
    ]


@router.post(
    "/needs/{key}/links",
    response={200: LinkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def decide_link(request: HttpRequest, key: str, payload: LinkIn) -> object:
    """Confirm or reject that an activity answers the need: the secretariat, or an editor of
    the partner reporting the activity. Confirming moves the need to `supported`."""
    user = api_user(request)
    need, activity = selectors.link_decision_allowed(
        user=user, key=key, iati_identifier=payload.activity
    )
    link = services.link_decide(
        user=user, need=need, activity=activity, state=payload.state, comment=payload.comment
    )
    return Status(200, link)


@router.post(
    "/needs/{key}/delivery",
    response={200: LinkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def set_delivery(request: HttpRequest, key: str, payload: DeliveryIn) -> object:
    """The member administration confirms or disputes that a supporting activity was
    delivered. Only the member's own editors."""
    user = api_user(request)
    link = selectors.delivery_allowed(user=user, key=key, iati_identifier=payload.activity)
    link = services.link_set_delivery(
        user=user, link=link, delivery=payload.delivery, comment=payload.comment
    )
    return Status(200, link)


@router.get("/need-matches", response={200: list[NeedMatchOut], 404: ErrorOut}, auth=READ_AUTH)
def activity_need_matches(request: HttpRequest, activity: str) -> object:
    """The open needs an activity (`activity`: its IATI identifier) may answer, ranked."""
    user = api_user(request)
    found = activity_get(user=user, iati_identifier=activity)
    return [
        {
            "need": match.need.key,
            "member": services.key_prefix(match.need.member)[5:-1],
            "description": match.need.description,
            "status": match.need.status,
            "score": match.score,
            "state": match.suggestion.state,
            "reasons": _reasons(list(match.reasons)),
        }
        for match in matching.needs_for_activity(found, user=user, limit=100)
    ]


@router.get(
    "/tfa-commitments", response={200: list[TfaCommitmentOut], 400: ErrorOut}, auth=READ_AUTH
)
@paginate(Pagination)
def list_tfa_commitments(request: HttpRequest, filters: Query[TfaFilters]) -> object:
    """Members' WTO TFA commitments (category per measure, dates), public as the WTO publishes
    them; demo rows are flagged."""
    problems = filters.problems()
    if problems:
        raise ServiceError("; ".join(str(problem) for problem in problems), field=problems[0].name)
    return selectors.tfa_commitment_list(filters=filters).prefetch_related("needs")
