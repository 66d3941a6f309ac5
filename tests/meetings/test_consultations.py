"""Consultation aggregation on a worked example (the Borda count), and ranking rules."""

from __future__ import annotations

import pytest

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core.errors import ServiceError
from cbcoord.meetings import selectors, services
from cbcoord.meetings.models import Consultation
from cbcoord.registry.models import Member, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(reference: None) -> Consultation:
    return services.consultation_create(
        user=SYSTEM,
        data={"key": "sp", "title": "Strategic Plan input", "status": "open"},
        options=[{"label": label} for label in ("A", "B", "C", "D")],
    )


def _rank(consultation: Consultation, iso: str, order: str, comment: str = "") -> None:
    options = {option.label: option.pk for option in consultation.options.all()}
    services.consultation_rank(
        user=SYSTEM,
        consultation=consultation,
        member=Member.objects.get(iso_code=iso),
        ranking={options[label]: rank for rank, label in enumerate(order, start=1)},
        comment=comment,
    )


def test_worked_example(consultation: Consultation) -> None:
    """Four candidates, so a first choice scores 4, a second 3, a third 2, a fourth 1.

    Dominican Republic (AMC): A B C      → A 4, B 3, C 2
    Jamaica (AMC):            B A D C    → B 4, A 3, D 2, C 1
    Costa Rica (AMC):         B          → B 4
    France (Europe):          D A        → D 4, A 3

    All regions: A 4+3+3 = 10, B 3+4+4 = 11, C 2+1 = 3, D 2+4 = 6 → B, A, D, C.
    Americas: A 7, B 11, C 3, D 2 → B, A, C, D. Europe: D 4, A 3, B 0, C 0 (B and C share
    the third standing).
    """
    _rank(consultation, "DO", "ABC", comment="Data first")
    _rank(consultation, "JM", "BADC")
    _rank(consultation, "CR", "B")
    _rank(consultation, "FR", "DA")
    results = selectors.consultation_results(consultation=consultation)

    overall = [
        (s.option.label, s.points, s.standing, s.first_choices, s.ranked_by)
        for s in results.overall.scores
    ]
    assert overall == [("B", 11, 1, 2, 3), ("A", 10, 2, 1, 3), ("D", 6, 3, 1, 2), ("C", 3, 4, 0, 2)]
    mean = {s.option.label: s.mean_rank for s in results.overall.scores}
    assert mean == {
        "A": pytest.approx(5 / 3),
        "B": pytest.approx(4 / 3),
        "C": pytest.approx(7 / 2),
        "D": pytest.approx(2),
    }

    members = Member.objects.count()
    assert (results.overall.eligible, results.overall.responded) == (members, 4)
    assert results.overall.participation == pytest.approx(4 / members)

    by_region = {group.region.code: group for group in results.regions if group.region}
    americas = by_region["AMC"]
    assert [(s.option.label, s.points, s.standing) for s in americas.scores] == [
        ("B", 11, 1),
        ("A", 7, 2),
        ("C", 3, 3),
        ("D", 2, 4),
    ]
    amc_members = Member.objects.filter(region__code="AMC").count()
    assert (americas.eligible, americas.responded) == (amc_members, 3)
    europe = by_region[Member.objects.get(iso_code="FR").region.code]
    assert [(s.option.label, s.points, s.standing) for s in europe.scores] == [
        ("D", 4, 1),
        ("A", 3, 2),
        ("B", 0, 3),
        ("C", 0, 3),
    ]
    assert europe.responded == 1
    assert sum(group.responded for group in results.regions) == 4
    assert [(member.iso_code, text) for member, text in results.comments] == [("DO", "Data first")]


def test_ranking_again_replaces_it(consultation: Consultation) -> None:
    _rank(consultation, "DO", "ABC")
    _rank(consultation, "DO", "D")
    results = selectors.consultation_results(consultation=consultation)
    assert [(s.option.label, s.points) for s in results.overall.scores][0] == ("D", 4)
    assert results.overall.responded == 1


@pytest.mark.parametrize(
    "ranks", [{}, {0: 2}, {0: 1, 1: 1}, {0: 1, 1: 3}], ids=["nothing", "no-first", "tie", "gap"]
)
def test_ranks_are_one_two_three(consultation: Consultation, ranks: dict[int, int]) -> None:
    options = list(consultation.options.values_list("pk", flat=True))
    with pytest.raises(ServiceError, match="ranking"):
        services.consultation_rank(
            user=SYSTEM,
            consultation=consultation,
            member=Member.objects.get(iso_code="DO"),
            ranking={options[index]: rank for index, rank in ranks.items()},
        )


def test_only_the_regions_members_are_asked(reference: None) -> None:
    regional = services.consultation_create(
        user=SYSTEM,
        data={"key": "amc", "title": "AMC only"},
        options=[{"label": "A"}, {"label": "B"}],
        regions=[Region.objects.get(code="AMC")],
    )
    assert set(selectors.consultation_members(regional).values_list("region__code", flat=True)) == {
        "AMC"
    }


def test_results_download(consultation: Consultation, client_for, secretariat) -> None:  # type: ignore[no-untyped-def]
    _rank(consultation, "DO", "BA")
    response = client_for(secretariat).get("/exports/consultation-results.csv?consultation=sp")
    assert response.status_code == 200
    text = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert "All regions,1,B,4,1,1,1,1" in text.replace("1.0,", "1,")
