"""Each analysis on a small hand-built scenario whose right answer is worked out here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity, Visibility
from cbcoord.coordination import selectors
from cbcoord.coordination.filters import ClashFilters, FundingFilters, SynergyFilters
from cbcoord.coordination.models import Mission, MissionKind, OverlapVerdict
from cbcoord.coordination.rates import RateTable
from cbcoord.needs.models import LinkState, NeedActivityLink, NeedStatus
from tests.coordination.helpers import (
    activity,
    change_dates,
    filters,
    member,
    need,
    provision,
)

pytestmark = pytest.mark.django_db


def _usd(amount: str, currency: str, year: int) -> Decimal:
    converted = RateTable.load().convert(Decimal(amount), currency, year)
    assert converted is not None
    return converted


def _cell(matrix: selectors.Matrix, iso: str, code: str) -> selectors.Cell | None:
    return next(
        (c for c in matrix.cells.values() if c.member.iso_code == iso and c.area.code == code),
        None,
    )


def test_matrix_counts_a_region_wide_activity_in_each_member_and_leaves_out_the_withdrawn(
    reference: None,
) -> None:
    activity("idb", transactions=(("2", "100000", "2019-02-01", None),))
    # A Caribbean regional programme (DAC 1031: CU, DO, HT, JM, LC, VC), in euros.
    activity(
        "imf",
        countries=(),
        regions=("1031",),
        currency="EUR",
        transactions=(("2", "1000", "2019-03-01", None),),
    )
    withdrawn = activity("usaid")
    Activity.objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=dt.datetime(2019, 5, 1, tzinfo=dt.UTC)
    )
    not_relevant = activity("worldbank")
    Activity.objects.filter(pk=not_relevant.pk).update(is_relevant=False)
    activity("oas", status="5")  # cancelled
    activity("gac", start="2017-01-01", end="2017-12-31")  # not active in 2019

    matrix = selectors.coverage_matrix(user=SYSTEM, filters=filters())

    dominican = _cell(matrix, "DO", "TFA-10.4")
    assert dominican is not None
    assert dominican.activities == 2
    assert [p.key for p in dominican.partners] == ["idb", "imf"]
    assert dominican.money is not None
    assert dominican.money.committed.amount == Decimal(100000) + _usd("1000", "EUR", 2019)
    # The regional programme alone in the other members it covers, in full.
    for iso in ("JM", "HT", "CU"):
        cell = _cell(matrix, iso, "TFA-10.4")
        assert cell is not None and cell.activities == 1, iso
        assert cell.money is not None and cell.money.committed.amount == _usd("1000", "EUR", 2019)
    assert _cell(matrix, "GT", "TFA-10.4") is None
    assert matrix.note.used == {("EUR", 2019)}


def test_a_need_on_a_parent_provision_sits_in_its_own_column_or_in_its_area(
    reference: None,
) -> None:
    activity("idb")  # TFA-10.4
    need("DO", ("TFA-10",))  # the article above it

    by_measure = selectors.coverage_matrix(user=SYSTEM, filters=filters(level="1"))
    assert _cell(by_measure, "DO", "TFA-10.4").activities == 1  # type: ignore[union-attr]
    assert _cell(by_measure, "DO", "TFA-10.4").open_needs == 0  # type: ignore[union-attr]
    article = _cell(by_measure, "DO", "TFA-10")
    assert article is not None and (article.activities, article.open_needs) == (0, 1)

    by_article = selectors.coverage_matrix(user=SYSTEM, filters=filters(level="0"))
    cell = _cell(by_article, "DO", "TFA-10")
    assert cell is not None
    assert (cell.activities, cell.open_needs, cell.supported_needs) == (1, 1, 0)
    assert [area.code for area in by_article.areas] == ["TFA-10"]


def test_amounts_without_a_rate_are_missing_never_zero(reference: None) -> None:
    # There is no 2025 average rate: the euros stay out of the total and are counted apart.
    activity(
        "idb",
        countries=("JM",),
        provisions=("TFA-3",),
        start="2025-01-01",
        end="2025-12-31",
        transactions=(("2", "500", "2025-03-01", "EUR"), ("2", "200", "2025-04-01", None)),
    )
    matrix = selectors.coverage_matrix(user=SYSTEM, filters=filters(year_from=2025))
    cell = _cell(matrix, "JM", "TFA-3")
    assert cell is not None and cell.money is not None
    assert cell.money.committed.amount == Decimal(200)
    assert cell.money.committed.missing == 1
    assert cell.money.committed.missing_by_currency == {"EUR": Decimal(500)}
    assert matrix.note.missing == {"EUR": Decimal(500)}

    found = selectors.funding(
        user=SYSTEM, filters=FundingFilters(region="AMC", year_from=2025, by="year")
    )
    assert [
        (row.label, row.money.committed.amount, row.money.committed.missing) for row in found.rows
    ] == [("2025", Decimal(200), 1)]


def test_funding_converts_each_amount_at_its_years_rate(reference: None) -> None:
    activity(
        "eu",
        currency="EUR",
        start="2018-01-01",
        end="2020-12-31",
        transactions=(
            ("2", "1000", "2018-05-01", None),
            ("3", "300", "2019-05-01", None),
            ("4", "200", "2020-05-01", "GBP"),
        ),
        budgets=(("400", "2019-01-01", None),),
    )
    found = selectors.funding(
        user=SYSTEM, filters=FundingFilters(region="AMC", year_from=2018, year_to=2020, by="year")
    )
    rows = {row.label: row.money for row in found.rows}
    assert rows["2018"].committed.amount == _usd("1000", "EUR", 2018)
    assert rows["2019"].disbursed.amount == _usd("300", "EUR", 2019)
    assert rows["2019"].budgeted.amount == _usd("400", "EUR", 2019)
    assert rows["2020"].disbursed.amount == _usd("200", "GBP", 2020)
    assert found.total.activities == 1
    assert found.note.used == {("EUR", 2018), ("EUR", 2019), ("GBP", 2020)}
    # In another reporting currency: through the dollar, at the same years' rates.
    in_eur = selectors.funding(
        user=SYSTEM,
        filters=FundingFilters(region="AMC", year_from=2019, by="partner", currency="EUR"),
    )
    assert in_eur.total.money.disbursed.amount == Decimal(300)


def test_overlaps_by_provision_inside_another_and_touching_dates(reference: None) -> None:
    first = activity("idb", provisions=("TFA-10.4",), start="2019-01-01", end="2019-06-30")
    parent = activity("eu", provisions=("TFA-10",), start="2019-06-30", end="2019-12-31")
    later = activity("usaid", provisions=("TFA-10.4",), start="2019-07-01", end="2019-12-31")
    same_partner = activity("idb", provisions=("TFA-10.4",), start="2019-01-01", end="2019-12-31")
    activity("oas", provisions=("TFA-3",))  # another provision
    activity("gac", countries=("JM",))  # another member

    found = selectors.overlaps(user=SYSTEM, filters=filters())
    pairs = {(o.first.pk, o.second.pk) for o in found.rows}

    def pair(a: Activity, b: Activity) -> tuple[int, int]:
        return (min(a.pk, b.pk), max(a.pk, b.pk))

    assert pairs == {
        pair(first, parent),  # they touch on 30 June
        pair(parent, later),
        pair(parent, same_partner),
        pair(later, same_partner),
    }
    assert {o.provision.code for o in found.rows} == {"TFA-10.4"}  # where they meet
    assert {o.member.iso_code for o in found.rows} == {"DO"}
    assert found.count == 4 and found.exact


def test_a_marked_overlap_stays_marked_until_an_activity_changes(reference: None) -> None:
    from cbcoord.coordination import services

    first = activity("idb")
    second = activity("eu", transactions=(("2", "10", "2019-01-01", None),))
    services.overlap_mark(
        user=SYSTEM,
        activities=(first, second),
        member=member("DO"),
        provision=provision("TFA-10.4"),
        verdict=OverlapVerdict.COMPLEMENTARY,
        note="Two parts of one plan.",
    )
    [row] = selectors.overlaps(user=SYSTEM, filters=filters()).rows
    assert (row.state, row.resolved) == ("complementary", True)

    # A change that does not touch the material fields (the title) keeps the mark.
    Activity.objects.filter(pk=first.pk).update(
        title_text="Renamed", updated_at=dt.datetime.now(dt.UTC)
    )
    [row] = selectors.overlaps(user=SYSTEM, filters=filters()).rows
    assert row.state == "complementary"

    change_dates(second, end="2020-06-30")
    [row] = selectors.overlaps(user=SYSTEM, filters=filters()).rows
    assert (row.state, row.resolved) == ("changed", False)
    assert row.mark is not None and row.mark.note == "Two parts of one plan."


def test_gaps_by_priority_then_age_without_confirmed_support(reference: None) -> None:
    old_high = need("DO", ("TFA-10.4",), identified_on=dt.date(2017, 1, 1))
    new_high = need("JM", ("TFA-3",), identified_on=dt.date(2019, 1, 1))
    medium = need("HT", ("TFA-7.4",), priority="medium", identified_on=dt.date(2016, 1, 1))
    supported = need("DO", ("TFA-7.4",))
    withdrawn_support = need("GT", ("TFA-7.4",), identified_on=dt.date(2018, 1, 1))
    met = need("DO", ("TFA-1.1",))
    met.status = NeedStatus.MET
    met.save()
    helping = activity("idb", provisions=("TFA-7.4",))
    NeedActivityLink.objects.create(need=supported, activity=helping, state=LinkState.CONFIRMED)
    gone = activity("imf", countries=("GT",), provisions=("TFA-7.4",))
    NeedActivityLink.objects.create(
        need=withdrawn_support, activity=gone, state=LinkState.CONFIRMED
    )
    Activity.objects.filter(pk=gone.pk).update(withdrawn_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
    activity("usaid", countries=("DO",), provisions=("TFA-10.4",))  # matching suggests it

    found = selectors.gaps(user=SYSTEM, filters=filters())

    assert [row.need.key for row in found.rows] == [
        old_high.key,
        withdrawn_support.key,
        new_high.key,
        medium.key,
    ]
    assert found.count == 4
    suggested = found.rows[0].suggestions
    assert [s.activity.reporting_org.key for s in suggested] == ["usaid"]


def test_synergies_need_k_members_and_name_the_partners_active(reference: None) -> None:
    for iso in ("DO", "JM", "HT"):
        need(iso, ("TFA-7.4",))
    for iso in ("DO", "JM"):
        need(iso, ("TFA-3",))
    activity("imf", countries=(), regions=("1031",), provisions=("TFA-7.4",))

    found = selectors.synergies(user=SYSTEM, filters=SynergyFilters(region="AMC", year_from=2019))
    assert [s.area.code for s in found] == ["TFA-7.4"]
    assert [m.iso_code for m in found[0].members] == ["DO", "HT", "JM"]
    assert [(org.key, n) for org, n in found[0].partners] == [("imf", 1)]

    two = selectors.synergies(
        user=SYSTEM, filters=SynergyFilters(region="AMC", year_from=2019, k=2)
    )
    assert [s.area.code for s in two] == ["TFA-7.4", "TFA-3"]


def test_missions_of_two_partners_close_together_clash(reference: None) -> None:
    idb = activity("idb")
    eu = activity("eu")
    dominican = member("DO")

    def mission(target: Activity, start: str, end: str) -> Mission:
        return Mission.objects.create(
            activity=target,
            member=dominican,
            kind=MissionKind.TRAINING,
            start_date=dt.date.fromisoformat(start),
            end_date=dt.date.fromisoformat(end),
        )

    first = mission(idb, "2019-03-04", "2019-03-08")
    second = mission(eu, "2019-03-11", "2019-03-15")
    own = mission(idb, "2019-03-14", "2019-03-16")  # same partner as the first

    def clashes(days: int) -> set[tuple[int, int, int]]:
        found = selectors.mission_clashes(
            user=SYSTEM, filters=ClashFilters(region="AMC", year_from=2019, days=days)
        )
        return {(c.first.pk, c.second.pk, c.days_apart) for c in found}

    assert clashes(3) == {(first.pk, second.pk, 3), (second.pk, own.pk, 0)}
    assert clashes(2) == {(second.pk, own.pk, 0)}


def test_a_confirmed_co_financed_project_counts_once(reference: None) -> None:
    from cbcoord.coordination import services

    funder = activity(
        "eu",
        countries=("JM",),
        provisions=("TFA-7.5",),
        title="Post-clearance audit modernisation, Jamaica",
        participants=(("giz", "4"),),
        transactions=(("2", "1000", "2019-02-01", None),),
    )
    implementer = activity(
        "giz",
        countries=("JM",),
        provisions=("TFA-7.5",),
        title="Jamaica post-clearance audit modernisation (EU-funded)",
        participants=(("eu", "1"),),
        transactions=(("2", "1000", "2019-02-01", None),),
        related=(funder.iati_identifier,),
    )
    activity("oas", countries=("JM",), title="Something else entirely")

    [suggestion] = selectors.project_suggestions(user=SYSTEM, filters=filters())
    assert {suggestion.first.pk, suggestion.second.pk} == {funder.pk, implementer.pk}
    assert len(suggestion.reasons) == 5

    totals = selectors.funding(user=SYSTEM, filters=FundingFilters(region="AMC", year_from=2019))
    assert totals.total.activities == 3
    assert totals.total.money.committed.amount == Decimal(2000)

    services.project_link_decide(
        user=SYSTEM, activities=(funder, implementer), decision="confirmed"
    )
    totals = selectors.funding(user=SYSTEM, filters=FundingFilters(region="AMC", year_from=2019))
    assert totals.total.activities == 2
    assert totals.total.money.committed.amount == Decimal(1000)
    cell = _cell(selectors.coverage_matrix(user=SYSTEM, filters=filters()), "JM", "TFA-7.5")
    assert cell is not None and cell.activities == 1
    assert selectors.overlaps(user=SYSTEM, filters=filters()).count == 0
    assert selectors.project_suggestions(user=SYSTEM, filters=filters()) == []


def test_indicators(reference: None) -> None:
    from cbcoord.coordination import services

    high = need("DO", ("TFA-10.4",), estimated_cost=Decimal("1000"), currency="USD")
    need("JM", ("TFA-3",), priority="medium", estimated_cost=Decimal("5000"), currency="USD")
    helping = activity("idb", transactions=(("2", "400", "2019-01-01", None),))
    other = activity("eu", transactions=(("2", "600", "2019-01-01", None),))
    NeedActivityLink.objects.create(need=high, activity=helping, state=LinkState.CONFIRMED)
    services.overlap_mark(
        user=SYSTEM,
        activities=(helping, other),
        member=member("DO"),
        provision=provision("TFA-10.4"),
        verdict=OverlapVerdict.COMPLEMENTARY,
    )
    found = selectors.indicators(user=SYSTEM, filters=filters())
    assert found.targeted == pytest.approx(0.4)
    assert (found.overlaps, found.overlaps_resolved, found.open_overlaps) == (1, 1, 0)
    assert found.coordinated == 1.0
    # Support confirmed for the open high-priority need: 400 committed against its 1,000.
    assert found.resourced == pytest.approx(0.4)


def test_an_anonymous_matrix_leaves_out_a_coordination_group_activity(
    reference: None, member_editor: object, other_partner_editor: object
) -> None:
    activity("idb")
    activity(
        "imf", visibility=Visibility.COORDINATION, transactions=(("2", "50", "2019-01-01", None),)
    )
    need("DO", ("TFA-10.4",), visibility=Visibility.COORDINATION)

    def seen(user: object) -> tuple[int, int, Decimal]:
        cell = _cell(selectors.coverage_matrix(user=user, filters=filters()), "DO", "TFA-10.4")
        assert cell is not None
        return (
            cell.activities,
            cell.open_needs,
            cell.money.committed.amount if cell.money else Decimal(0),
        )

    assert seen(SYSTEM) == (2, 1, Decimal(50))
    assert seen(member_editor) == (2, 1, Decimal(50))  # a member of the region: the group
    assert seen(None) == (1, 0, Decimal(0))
    found = selectors.funding(user=None, filters=FundingFilters(region="AMC", year_from=2019))
    assert found.total.activities == 1
    assert selectors.gaps(user=None, filters=filters()).count == 0
