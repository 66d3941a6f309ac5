"""Writes on needs, their links to activities, and TFA commitments.

Each service takes what its door returned (``selectors.need_get_for_edit``,
``need_create_allowed``, ``need_position_allowed``, ``link_decision_allowed``,
``delivery_allowed``). A need's fields are checked all at once (``need_problems``): a refused
write names every field at fault (``NeedInvalid.errors``), for the form, the API and the
spreadsheet intake alike.

A TFA category C commitment is materialised as a need with source "WTO TFA category C
notification" (``tfa_need_sync``): saving a commitment syncs its need, and
``cbcoord sync_tfa_needs`` syncs them all. So the needs list and the TFA matrix read the same
rows; a C measure is unsupported until an activity is confirmed for its need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.accounts.permissions import is_secretariat, organisation_id_of
from cbcoord.activities.models import Activity
from cbcoord.core.errors import ServiceError
from cbcoord.core.reference import LoadReport
from cbcoord.core.services import save_as
from cbcoord.core.validators import NOT_IN_XML
from cbcoord.frameworks.models import Provision
from cbcoord.iati import codelists
from cbcoord.needs.models import (
    Delivery,
    LinkState,
    MemberPosition,
    Need,
    NeedActivityLink,
    NeedPriority,
    NeedSource,
    NeedStatus,
    TfaCategory,
    TfaCommitment,
)
from cbcoord.needs.permissions import is_member_editor_of, may_comment_as_wco
from cbcoord.registry.models import Member, Organisation
from cbcoord.registry.visibility import Visibility

#: The fields of a need that a form, the API or a spreadsheet row may set.
FIELDS = (
    "provisions",
    "description",
    "priority",
    "source",
    "source_reference",
    "identified_on",
    "status",
    "estimated_cost",
    "currency",
    "estimated_duration_months",
    "evidence_links",
    "window_start",
    "window_end",
    "visibility",
    "visible_to",
    "recorded_by_organisation",
    "wco_comment",
)
#: Fields only the secretariat sets.
SECRETARIAT_FIELDS = frozenset({"recorded_by_organisation", "wco_comment"})
MAX_PROVISIONS = 20
MAX_LINKS = 10
MAX_DESCRIPTION = 5000
MAX_DURATION_MONTHS = 240
MAX_COST = Decimal("99999999999999.99")
TFA_ENTRY_INTO_FORCE = dt.date(2017, 2, 22)
KEY_PATTERN = re.compile(r"^NEED-[A-Z0-9]+-\d{4,}$")


class NeedInvalid(ServiceError):
    """A need's values refused: ``errors`` maps each field at fault to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items()}
        first = next(iter(self.errors), None)
        message = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in self.errors.items()
        )
        super().__init__(
            message,
            field=first,
            problems=[(name, text) for name, texts in self.errors.items() for text in texts],
        )


# --------------------------------------------------------------------------- checking


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return _("An evidence link is empty.")
    if len(url) > 500:
        return _("An evidence link is longer than 500 characters.")
    try:
        URLValidator(schemes=["http", "https"])(url.strip())
    except ValidationError:
        return _("%(url)s is not an http(s) address.") % {"url": url[:100]}
    return None


def _text_problem(value: str) -> str | None:
    found = NOT_IN_XML.search(value or "")
    if found:
        return _("This text contains a character that cannot be stored (U+%(code)04X).") % {
            "code": ord(found.group())
        }
    return None


# A check of a need's values: (field, message) for each problem it finds.
_Problems = Iterator[tuple[str, str]]


def need_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every problem with a need's values (typed: provisions as Provision rows, dates as dates,
    the cost as a Decimal), by field. Only the fields given are checked, with those that
    depend on each other (cost and currency, the window's ends) when either is given."""
    errors: dict[str, list[str]] = {}
    for check in (
        _provisions_problems,
        _description_problems,
        _choice_problems,
        _free_text_problems,
        _identified_on_problems,
        _cost_problems,
        _duration_problems,
        _evidence_link_problems,
        _window_problems,
    ):
        for name, message in check(values):
            errors.setdefault(name, []).append(message)
    return errors


def _provisions_problems(values: Mapping[str, Any]) -> _Problems:
    if "provisions" not in values:
        return
    provisions = list(values["provisions"] or [])
    if not provisions:
        yield "provisions", _("Name at least one provision.")
    elif len(provisions) > MAX_PROVISIONS:
        yield "provisions", _("Name at most %(count)d provisions.") % {"count": MAX_PROVISIONS}


def _description_problems(values: Mapping[str, Any]) -> _Problems:
    if "description" not in values:
        return
    description = (values["description"] or "").strip()
    if not description:
        yield "description", _("Describe the need.")
    elif len(description) > MAX_DESCRIPTION:
        yield (
            "description",
            _("Keep the description under %(count)d characters.") % {"count": MAX_DESCRIPTION},
        )
    elif problem := _text_problem(description):
        yield "description", problem


def _choice_problems(values: Mapping[str, Any]) -> _Problems:
    for name, choices in (
        ("priority", NeedPriority),
        ("source", NeedSource),
        ("status", NeedStatus),
        ("visibility", Visibility),
    ):
        if name in values and values[name] not in choices.values:
            yield name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}


def _free_text_problems(values: Mapping[str, Any]) -> _Problems:
    for name in ("source_reference", "wco_comment"):
        if name in values and (problem := _text_problem(values[name] or "")):
            yield name, problem
    if len(values.get("source_reference") or "") > 500:
        yield "source_reference", _("Keep the reference under 500 characters.")


def _identified_on_problems(values: Mapping[str, Any]) -> _Problems:
    if "identified_on" not in values:
        return
    identified_on = values["identified_on"]
    if not isinstance(identified_on, dt.date):
        yield "identified_on", _("Give the date the need was identified.")
    elif identified_on > timezone.localdate() + dt.timedelta(days=1):
        yield "identified_on", _("The date identified cannot be in the future.")


def _cost_problems(values: Mapping[str, Any]) -> _Problems:
    """The cost, and its currency: a valid cost needs one."""
    cost = values.get("estimated_cost")
    cost_problem = _cost_problem(cost) if cost is not None else None
    if cost_problem:
        yield "estimated_cost", cost_problem
    currency = (values.get("currency") or "").strip()
    if currency and currency not in codelists.codes("Currency"):
        yield "currency", _("%(code)s is not an ISO 4217 currency code.") % {"code": currency[:10]}
    if cost is not None and not currency and cost_problem is None:
        yield "currency", _("Say in which currency the cost is given.")


def _cost_problem(cost: Any) -> str | None:
    if not isinstance(cost, Decimal) or not cost.is_finite():
        return _("Give the cost as a number.")
    if cost < 0:
        return _("A cost cannot be negative.")
    if cost > MAX_COST or cost.as_tuple().exponent < -2:  # type: ignore[operator]
        return _("Give the cost with at most two decimals, under 10^14.")
    return None


def _duration_problems(values: Mapping[str, Any]) -> _Problems:
    duration = values.get("estimated_duration_months")
    if duration is not None and (
        not isinstance(duration, int) or not 1 <= duration <= MAX_DURATION_MONTHS
    ):
        yield (
            "estimated_duration_months",
            _("Give the duration in whole months, from 1 to %(max)d.")
            % {"max": MAX_DURATION_MONTHS},
        )


def _evidence_link_problems(values: Mapping[str, Any]) -> _Problems:
    if "evidence_links" not in values:
        return
    links = values["evidence_links"] or []
    if not isinstance(links, list | tuple):
        yield "evidence_links", _("Give the evidence links as a list of addresses.")
        return
    if len(links) > MAX_LINKS:
        yield "evidence_links", _("Give at most %(count)d links.") % {"count": MAX_LINKS}
    for url in links:
        if problem := _url_problem(url):
            yield "evidence_links", problem


def _window_problems(values: Mapping[str, Any]) -> _Problems:
    start, end = values.get("window_start"), values.get("window_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        yield "window_end", _("The window cannot end before it starts.")


def _check(values: Mapping[str, Any]) -> None:
    errors = need_problems(values)
    if errors:
        raise NeedInvalid(errors)


def _refuse_fields(user: Actor | None, data: Mapping[str, Any]) -> None:
    unknown = [name for name in data if name not in FIELDS]
    if unknown:
        raise NeedInvalid({name: [_("This field cannot be set here.")] for name in unknown})
    if not may_comment_as_wco(user):
        refused = [name for name in data if name in SECRETARIAT_FIELDS]
        if refused:
            raise NeedInvalid(
                {name: [_("Only the WCO secretariat sets this field.")] for name in refused}
            )


# --------------------------------------------------------------------------- keys


def key_prefix(member: Member) -> str:
    code = (member.iso_code or f"M{member.pk}").upper()
    return f"NEED-{code}-"


def _next_key(member: Member) -> str:
    prefix = key_prefix(member)
    numbers = [
        int(key.removeprefix(prefix))
        for key in Need.objects.filter(key__startswith=prefix).values_list("key", flat=True)
        if key.removeprefix(prefix).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


# --------------------------------------------------------------------------- needs


def _normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(data)
    for name in ("description", "source_reference", "wco_comment", "currency"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "currency" in values:
        values["currency"] = values["currency"].upper()
    if "evidence_links" in values:
        values["evidence_links"] = [
            url.strip() for url in values["evidence_links"] or [] if isinstance(url, str)
        ] + [url for url in values["evidence_links"] or [] if not isinstance(url, str)]
    return values


@transaction.atomic
def need_create(
    *,
    user: Actor | None,
    member: Member,
    data: Mapping[str, Any],
    is_demo: bool = False,
    tfa_commitment: TfaCommitment | None = None,
) -> Need:
    """Record a need of ``member`` (which ``selectors.need_create_allowed`` returned). A need
    recorded by the member's own editors is confirmed by the member; one recorded by the
    secretariat or for a partner waits for the member's word."""
    _refuse_fields(user, data)
    values = {
        "priority": NeedPriority.MEDIUM,
        "status": NeedStatus.IDENTIFIED,
        "visibility": Visibility.COORDINATION,
        "identified_on": timezone.localdate(),
        "evidence_links": [],
        "source_reference": "",
        "currency": "",
        **_normalised(data),
    }
    values.setdefault("provisions", [])
    values.setdefault("description", "")
    values.setdefault("source", "")
    _check(values)
    provisions = list(values.pop("provisions"))
    visible_to = list(values.pop("visible_to", None) or [])
    own_member = is_member_editor_of(user, member)
    if not values.get("recorded_by_organisation"):
        organisation_id = organisation_id_of(user)
        values["recorded_by_organisation"] = (
            Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
        )
    need = Need(
        member=member,
        recorded_by=user_record(user),
        is_demo=is_demo,
        tfa_commitment=tfa_commitment,
        **values,
    )
    if own_member:
        need.member_position = MemberPosition.CONFIRMED
        need.member_position_by = user_record(user)
        need.member_position_at = timezone.now()
    for attempt in range(5):
        need.key = _next_key(member)
        try:
            with transaction.atomic():
                save_as(need, user)
            break
        except IntegrityError:
            if attempt == 4 or Need.objects.filter(key=need.key).count() == 0:
                raise
    need.provisions.set(provisions)
    need.visible_to.set(visible_to)
    need.regions.set([member.region_id])
    return need


@transaction.atomic
def need_update(*, user: Actor | None, need: Need, data: Mapping[str, Any]) -> list[str]:
    """Change ``need`` (which ``selectors.need_get_for_edit`` returned); returns the names of
    the fields that changed."""
    _refuse_fields(user, data)
    values = _normalised(data)
    _check(
        {
            "window_start": need.window_start,
            "window_end": need.window_end,
            "estimated_cost": need.estimated_cost,
            "currency": need.currency,
            **values,
        }
    )
    changed: list[str] = []
    provisions = values.pop("provisions", None)
    visible_to = values.pop("visible_to", None)
    for name, value in values.items():
        if getattr(need, name) != value:
            setattr(need, name, value)
            changed.append(name)
    if changed:
        save_as(need, user)
    need.regions.set([need.member.region_id])  # the member's region, should it have moved
    if provisions is not None:
        new = {provision.pk for provision in provisions}
        if new != set(need.provisions.values_list("pk", flat=True)):
            need.provisions.set(list(provisions))
            changed.append("provisions")
    if visible_to is not None:
        new = {organisation.pk for organisation in visible_to}
        if new != set(need.visible_to.values_list("pk", flat=True)):
            need.visible_to.set(list(visible_to))
            changed.append("visible_to")
    return changed


@transaction.atomic
def need_set_member_position(
    *, user: Actor | None, need: Need, position: str, comment: str = ""
) -> Need:
    """The member's word on ``need`` (which ``selectors.need_position_allowed`` returned):
    confirmed or disputed, with a comment."""
    if position not in (MemberPosition.CONFIRMED, MemberPosition.DISPUTED):
        raise ServiceError(_("Confirm or dispute the need."), field="position")
    comment = (comment or "").strip()
    if position == MemberPosition.DISPUTED and not comment:
        raise ServiceError(_("Say why the need is disputed."), field="comment")
    if problem := _text_problem(comment):
        raise ServiceError(problem, field="comment")
    need.member_position = position
    need.member_comment = comment
    need.member_position_by = user_record(user)
    need.member_position_at = timezone.now()
    return save_as(need, user)


# --------------------------------------------------------------------------- links


@transaction.atomic
def link_decide(
    *,
    user: Actor | None,
    need: Need,
    activity: Activity,
    state: str,
    comment: str = "",
) -> NeedActivityLink:
    """Confirm or reject that ``activity`` answers ``need`` (which
    ``selectors.link_decision_allowed`` returned). A confirmed link moves an identified need,
    or one seeking support, to "supported"; rejecting the last confirmed link moves a
    supported need back to "support sought"."""
    from cbcoord.needs.matching import match

    if state not in (LinkState.CONFIRMED, LinkState.REJECTED):
        raise ServiceError(_("Confirm or reject the suggestion."), field="state")
    comment = (comment or "").strip()
    if problem := _text_problem(comment):
        raise ServiceError(problem, field="comment")
    if state == LinkState.CONFIRMED and activity.is_withdrawn:
        raise ServiceError(_("A withdrawn activity cannot support a need."), field="activity")
    link = NeedActivityLink.objects.filter(need=need, activity=activity).first()
    if link is None:
        link = NeedActivityLink(need=need, activity=activity)
    suggestion = match(need, activity, user=user)
    if suggestion is not None:
        link.reasons = [reason.as_json() for reason in suggestion.reasons]
        link.score = suggestion.score
    elif link.pk is None:
        link.reasons = [{"kind": "by_hand", "points": 0}]
        link.score = 0
    link.state = state
    link.comment = comment
    link.confirmed_by = user_record(user)
    organisation_id = organisation_id_of(user)
    link.confirmed_by_organisation = (
        Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    )
    link.confirmed_at = timezone.now()
    save_as(link, user)
    _status_after_links(user, need)
    return link


def _status_after_links(user: Actor | None, need: Need) -> None:
    has_support = need.links.filter(state=LinkState.CONFIRMED).exists()
    if has_support and need.status in (NeedStatus.IDENTIFIED, NeedStatus.SUPPORT_SOUGHT):
        need.status = NeedStatus.SUPPORTED
        save_as(need, user)
    elif not has_support and need.status == NeedStatus.SUPPORTED:
        need.status = NeedStatus.SUPPORT_SOUGHT
        save_as(need, user)


@transaction.atomic
def link_set_delivery(
    *, user: Actor | None, link: NeedActivityLink, delivery: str, comment: str = ""
) -> NeedActivityLink:
    """The member's word on whether a confirmed supporting activity was delivered (``link``
    from ``selectors.delivery_allowed``)."""
    if delivery not in (Delivery.CONFIRMED, Delivery.DISPUTED):
        raise ServiceError(_("Confirm or dispute the delivery."), field="delivery")
    comment = (comment or "").strip()
    if delivery == Delivery.DISPUTED and not comment:
        raise ServiceError(_("Say why the delivery is disputed."), field="comment")
    if problem := _text_problem(comment):
        raise ServiceError(problem, field="comment")
    link.delivery = delivery
    link.delivery_comment = comment
    link.delivery_by = user_record(user)
    link.delivery_at = timezone.now()
    return save_as(link, user)


# --------------------------------------------------------------------------- TFA


def tfa_commitment_save(
    *,
    user: Actor | None,
    member: Member,
    measure: Provision,
    category: str,
    values: Mapping[str, Any],
    report: LoadReport | None = None,
) -> TfaCommitment:
    """Create or update the commitment of ``member`` for ``measure`` in ``category`` (the
    secretariat's, or the system's), then sync the need it shows as."""
    if not is_secretariat(user):
        raise ServiceError(_("Only the WCO secretariat records TFA commitments."))
    if measure.instrument.code != "TFA" or measure.children.exists():
        raise ServiceError(_("%(code)s is not a TFA measure.") % {"code": measure.code})
    if category not in TfaCategory.values:
        raise ServiceError(_("The category is A, B or C."), field="category")
    report = report if report is not None else LoadReport()
    with transaction.atomic():
        commitment = TfaCommitment.objects.filter(
            member=member, measure=measure, category=category
        ).first()
        outcome = "unchanged"
        if commitment is None:
            commitment = TfaCommitment(member=member, measure=measure, category=category)
            outcome = "created"
        for name, value in values.items():
            if getattr(commitment, name) != value:
                setattr(commitment, name, value)
                outcome = "updated" if outcome == "unchanged" else outcome
        if outcome != "unchanged":
            save_as(commitment, user)
        report.record("tfa commitment", outcome)
        tfa_need_sync(user=user, commitment=commitment, report=report)
    return commitment


def _tfa_description(commitment: TfaCommitment) -> str:
    # Stored data, in English as the WTO's notification titles are: not the loader's language.
    text = (
        f"Implement TFA measure {commitment.measure_number} ({commitment.measure.title_en}), "
        "notified to the WTO as category C: technical assistance and capacity building "
        "are needed to implement it."
    )
    if commitment.ta_requirement:
        text += f" Assistance required: {commitment.ta_requirement}"
    return text[:MAX_DESCRIPTION]


def tfa_need_sync(
    *, user: Actor | None, commitment: TfaCommitment, report: LoadReport | None = None
) -> Need | None:
    """Make the need that a category C commitment shows as (source "WTO TFA category C
    notification", public, confirmed by the member, who notified it), or adopt one recorded
    by hand for the same member and measure. A commitment no longer in category C drops its
    need unless an activity was confirmed for it; one back in category C reopens it.
    Idempotent: a second run changes nothing."""
    report = report if report is not None else LoadReport()
    need = Need.objects.filter(tfa_commitment=commitment).first()
    if need is None and commitment.category == TfaCategory.C:
        need = (
            Need.objects.filter(
                member=commitment.member,
                source=NeedSource.TFA_CATEGORY_C,
                tfa_commitment__isnull=True,
                provisions=commitment.measure,
            )
            .order_by("pk")
            .first()
        )
        if need is not None:
            need.tfa_commitment = commitment
            save_as(need, user)
            report.record("tfa need", "adopted")
            return need
    if commitment.category == TfaCategory.C:
        if need is None:
            need = need_create(
                user=user,
                member=commitment.member,
                data={
                    "provisions": [commitment.measure],
                    "description": _tfa_description(commitment),
                    "source": NeedSource.TFA_CATEGORY_C,
                    "source_reference": commitment.source[:500],
                    "identified_on": timezone.localdate(),
                    "priority": NeedPriority.HIGH,
                    "visibility": Visibility.PUBLIC,
                    "window_start": TFA_ENTRY_INTO_FORCE,
                },
                is_demo=commitment.is_demo,
                tfa_commitment=commitment,
            )
            # The member notified it to the WTO: its word, given there (the pages say so).
            need.member_position = MemberPosition.CONFIRMED
            need.member_position_at = timezone.now()
            save_as(need, user)
            report.record("tfa need", "created")
            return need
        if need.status == NeedStatus.DROPPED:
            need.status = NeedStatus.IDENTIFIED
            save_as(need, user)
            _status_after_links(user, need)
            report.record("tfa need", "reopened")
            return need
        report.record("tfa need", "unchanged")
        return need
    if (
        need is not None
        and need.status in NeedStatus.open_statuses()
        and not need.links.filter(state=LinkState.CONFIRMED).exists()
    ):
        need.status = NeedStatus.DROPPED
        save_as(need, user)
        report.record("tfa need", "dropped")
    return need


def tfa_needs_sync(
    *, user: Actor | None, commitments: Iterable[TfaCommitment] | None = None
) -> LoadReport:
    """Sync the need of every TFA commitment (``tfa_need_sync``), in one transaction."""
    report = LoadReport()
    with transaction.atomic():
        for commitment in (
            commitments
            if commitments is not None
            else TfaCommitment.objects.select_related("member", "measure").order_by("pk")
        ):
            tfa_need_sync(user=user, commitment=commitment, report=report)
    return report
