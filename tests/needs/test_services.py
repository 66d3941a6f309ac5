"""Needs services: keys, the member's word, every problem at once, links moving the status,
the visibility levels, and TFA category C commitments shown as needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core.errors import ServiceError
from cbcoord.frameworks.models import Provision
from cbcoord.needs import selectors, services
from cbcoord.needs.filters import NeedFilters
from cbcoord.needs.models import (
    LinkState,
    MemberPosition,
    Need,
    NeedSource,
    NeedStatus,
    TfaCategory,
    TfaCommitment,
    Visibility,
)
from cbcoord.registry.models import Organisation, Region
from tests.factories import NeedFactory, member
from tests.needs.helpers import tagged_activity

pytestmark = pytest.mark.django_db


def test_keys_are_per_member_and_stable(reference: None) -> None:
    first = NeedFactory(member="DO")
    second = NeedFactory(member="DO", description="Another need.")
    jamaica = NeedFactory(member="JM")
    assert (first.key, second.key, jamaica.key) == ("NEED-DO-0001", "NEED-DO-0002", "NEED-JM-0001")
    services.need_update(user=SYSTEM, need=first, data={"description": "Changed."})
    assert Need.objects.get(pk=first.pk).key == "NEED-DO-0001"


def test_secretariat_need_waits_for_the_member(reference: None, secretariat: Any) -> None:
    need = NeedFactory(user=secretariat)
    assert need.member_position == MemberPosition.UNCONFIRMED
    assert need.recorded_by == secretariat
    assert need.recorded_by_organisation.key == "wco"
    assert list(need.regions.values_list("code", flat=True)) == ["AMC"]


def test_member_editor_need_is_confirmed_by_the_member(reference: None, member_editor: Any) -> None:
    need = NeedFactory(user=member_editor)
    assert need.member_position == MemberPosition.CONFIRMED
    assert need.member_position_by == member_editor
    assert need.recorded_by_organisation.key == "customs-do"


def test_every_problem_is_named_at_once(reference: None) -> None:
    with pytest.raises(services.NeedInvalid) as raised:
        services.need_create(
            user=SYSTEM,
            member=member("DO"),
            data={
                "provisions": [],
                "description": "  ",
                "priority": "urgent",
                "source": "rumour",
                "identified_on": timezone.localdate() + dt.timedelta(days=30),
                "estimated_cost": Decimal("-5"),
                "currency": "XXY",
                "estimated_duration_months": 0,
                "evidence_links": ["javascript:alert(1)", "https://example.org/report.pdf"],
                "window_start": dt.date(2025, 1, 1),
                "window_end": dt.date(2024, 1, 1),
                "visibility": "secret",
            },
        )
    assert set(raised.value.errors) == {
        "provisions",
        "description",
        "priority",
        "source",
        "identified_on",
        "estimated_cost",
        "currency",
        "estimated_duration_months",
        "evidence_links",
        "window_end",
        "visibility",
    }
    assert Need.objects.count() == 0


def test_a_cost_needs_a_currency(reference: None) -> None:
    with pytest.raises(services.NeedInvalid) as raised:
        NeedFactory(estimated_cost=Decimal("1000"))
    assert set(raised.value.errors) == {"currency"}
    need = NeedFactory(estimated_cost=Decimal("1000"), currency="usd")
    assert need.currency == "USD"


def test_only_the_secretariat_sets_its_fields(reference: None, member_editor: Any) -> None:
    need = NeedFactory()
    with pytest.raises(services.NeedInvalid) as raised:
        services.need_update(user=member_editor, need=need, data={"wco_comment": "Mine."})
    assert set(raised.value.errors) == {"wco_comment"}


def test_member_position_needs_a_reason_to_dispute(reference: None, member_editor: Any) -> None:
    need = NeedFactory()
    with pytest.raises(ServiceError):
        services.need_set_member_position(user=member_editor, need=need, position="disputed")
    services.need_set_member_position(
        user=member_editor, need=need, position="disputed", comment="Done already."
    )
    need.refresh_from_db()
    assert (need.member_position, need.member_comment) == ("disputed", "Done already.")
    assert need.member_position_by == member_editor and need.member_position_at is not None


def test_position_door_is_the_members_alone(
    reference: None, secretariat: Any, member_editor: Any, jamaica_customs: Organisation
) -> None:
    from django.core.exceptions import PermissionDenied

    need = NeedFactory(visibility="public")
    assert selectors.need_position_allowed(user=member_editor, key=need.key) == need
    with pytest.raises(PermissionDenied):
        selectors.need_position_allowed(user=secretariat, key=need.key)


def test_confirmed_link_moves_the_status_and_records_who(
    reference: None, secretariat: Any, idb: Organisation
) -> None:
    need = NeedFactory()
    first = tagged_activity("XM-DAC-909-S-1", idb, ("TFA-10.4",))
    second = tagged_activity("XM-DAC-909-S-2", idb, ("TFA-10.4",))
    link = services.link_decide(
        user=secretariat, need=need, activity=first, state=LinkState.CONFIRMED
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.SUPPORTED
    assert link.confirmed_by == secretariat and link.confirmed_at is not None
    assert link.confirmed_by_organisation.key == "wco"
    assert link.score == 100 and link.reasons[0]["kind"] == "same"
    services.link_decide(user=secretariat, need=need, activity=second, state=LinkState.CONFIRMED)
    services.link_decide(user=secretariat, need=need, activity=first, state=LinkState.REJECTED)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUPPORTED  # the second still supports it
    services.link_decide(user=secretariat, need=need, activity=second, state=LinkState.REJECTED)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUPPORT_SOUGHT
    steps = [step.status for step in selectors.need_status_history(need)]
    assert steps == ["identified", "supported", "support_sought"]


def test_a_met_need_keeps_its_status_when_confirmed(
    reference: None, secretariat: Any, idb: Organisation
) -> None:
    need = NeedFactory(status=NeedStatus.MET)
    activity = tagged_activity("XM-DAC-909-S-3", idb, ("TFA-10.4",))
    services.link_decide(user=secretariat, need=need, activity=activity, state="confirmed")
    need.refresh_from_db()
    assert need.status == NeedStatus.MET


@pytest.mark.parametrize(
    ("level", "sees"),
    [
        (
            Visibility.PUBLIC,
            {"secretariat", "member_editor", "partner_editor", "jamaica", "anonymous"},
        ),
        (Visibility.COORDINATION, {"secretariat", "member_editor", "jamaica"}),
        (Visibility.NAMED, {"secretariat", "member_editor", "partner_editor"}),
        (Visibility.WCO, {"secretariat", "member_editor"}),
    ],
)
def test_visibility_levels(
    reference: None, personas: dict[str, Any], level: str, sees: set[str]
) -> None:
    from cbcoord.accounts.models import Role, User

    jamaica = User.objects.create_user(
        "jane-jca",
        role=Role.MEMBER_EDITOR,
        organisation=Organisation.objects.get(key="customs-jm"),
    )
    readers = {
        "secretariat": personas["secretariat"],
        "member_editor": personas["member_editor"],  # the owner
        "partner_editor": personas["partner_editor"],  # IDB, named
        "jamaica": jamaica,  # a member of the region
        "anonymous": None,
    }
    need = NeedFactory(
        visibility=level,
        visible_to=[Organisation.objects.get(key="idb")] if level == Visibility.NAMED else [],
    )
    seen = {
        name
        for name, user in readers.items()
        if selectors.need_visible(user).filter(pk=need.pk).exists()
    }
    assert seen == sees


def test_a_partner_whose_activity_supports_a_need_joins_its_group(
    reference: None, partner_editor: Any, idb: Organisation
) -> None:
    need = NeedFactory(visibility=Visibility.COORDINATION)
    with pytest.raises(Http404):
        selectors.need_get(user=partner_editor, key=need.key)
    activity = tagged_activity("XM-DAC-909-S-4", idb, ("TFA-10.4",))
    services.link_decide(user=SYSTEM, need=need, activity=activity, state="confirmed")
    assert selectors.need_get(user=partner_editor, key=need.key) == need


# --------------------------------------------------------------------------- TFA


def _commit(iso: str, measure: str, category: str, **values: Any) -> TfaCommitment:
    return services.tfa_commitment_save(
        user=SYSTEM,
        member=member(iso),
        measure=Provision.objects.get(code=f"TFA-{measure}"),
        category=category,
        values={"definitive_date": dt.date(2026, 12, 31), **values},
    )


def test_category_c_shows_as_a_need(reference: None) -> None:
    commitment = _commit("DO", "10.2", "C", ta_requirement="Training for officers.")
    need = Need.objects.get(tfa_commitment=commitment)
    assert need.source == NeedSource.TFA_CATEGORY_C
    assert list(need.provisions.values_list("code", flat=True)) == ["TFA-10.2"]
    assert need.visibility == Visibility.PUBLIC
    assert need.member_position == MemberPosition.CONFIRMED
    assert "Training for officers." in need.description
    for category in ("A", "B"):
        _commit("DO", "1.1", category)
    assert Need.objects.count() == 1


def test_tfa_sync_is_idempotent(reference: None) -> None:
    _commit("DO", "10.2", "C")
    _commit("JM", "12", "C")
    before = list(Need.objects.values())
    report = services.tfa_needs_sync(user=SYSTEM)
    assert report == {"tfa need unchanged": 2}
    assert list(Need.objects.values()) == before


def test_leaving_category_c_drops_the_need_and_coming_back_reopens_it(reference: None) -> None:
    commitment = _commit("DO", "7.4", "C")
    need = Need.objects.get(tfa_commitment=commitment)
    commitment.category = TfaCategory.B
    commitment.save()
    services.tfa_need_sync(user=SYSTEM, commitment=commitment)
    need.refresh_from_db()
    assert need.status == NeedStatus.DROPPED
    commitment.category = TfaCategory.C
    commitment.save()
    services.tfa_need_sync(user=SYSTEM, commitment=commitment)
    need.refresh_from_db()
    assert need.status == NeedStatus.IDENTIFIED
    assert Need.objects.count() == 1


def test_a_hand_recorded_tfa_need_is_adopted(reference: None) -> None:
    recorded = NeedFactory(member="DO", provisions=("TFA-7.7",), source=NeedSource.TFA_CATEGORY_C)
    commitment = _commit("DO", "7.7", "C")
    assert Need.objects.get(tfa_commitment=commitment) == recorded
    assert Need.objects.count() == 1


def test_only_tfa_measures_and_the_secretariat(reference: None, partner_editor: Any) -> None:
    with pytest.raises(ServiceError):
        _commit("DO", "7", "C")  # an article with measures, not a measure
    with pytest.raises(ServiceError):
        services.tfa_commitment_save(
            user=partner_editor,
            member=member("DO"),
            measure=Provision.objects.get(code="TFA-7.4"),
            category="C",
            values={},
        )


def test_needs_list_and_matrix_agree(reference: None, idb: Organisation) -> None:
    _commit("DO", "10.2", "C")
    supported = _commit("DO", "7.4", "C")
    _commit("DO", "1.1", "A")
    _commit("JM", "12", "C")
    _commit("JM", "7.7", "B")
    activity = tagged_activity("XM-DAC-909-S-5", idb, ("TFA-7.4",))
    services.link_decide(
        user=SYSTEM,
        need=Need.objects.get(tfa_commitment=supported),
        activity=activity,
        state="confirmed",
    )
    matrix = selectors.tfa_matrix(region=Region.objects.get(code="AMC"))
    highlighted = {(c.member.iso_code, c.measure.code) for c in matrix.unsupported}
    listed = selectors.need_list(
        user=SYSTEM,
        filters=NeedFilters(region="AMC", source="tfa_category_c", support="none"),
    )
    assert highlighted == {("DO", "TFA-10.2"), ("JM", "TFA-12")}
    assert {(need.member.iso_code, need.provisions.get().code) for need in listed} == highlighted
    cells = {
        (row.member.iso_code, cell.measure.code): cell
        for row in matrix.rows
        for cell in row.cells
        if cell.commitments
    }
    assert cells[("DO", "TFA-7.4")].categories == "C" and not cells[("DO", "TFA-7.4")].unsupported_c
    assert cells[("DO", "TFA-10.2")].unsupported_c
    assert cells[("JM", "TFA-7.7")].categories == "B"
    assert len(matrix.measures) == 36
