"""Reference data loads: counts equal the source files, and loading twice changes nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from cbcoord.frameworks.models import Instrument, Provision, ProvisionLink
from cbcoord.registry.models import Member, Region

PACKAGE = Path(__file__).resolve().parents[2] / "cbcoord"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_counts_equal_the_source_files(reference: None) -> None:
    assert Region.objects.count() == len(_rows(PACKAGE / "registry/data/regions.csv")) == 6
    assert Member.objects.count() == len(_rows(PACKAGE / "registry/data/members.csv"))
    assert Instrument.objects.count() == len(_rows(PACKAGE / "frameworks/data/instruments.csv"))
    assert Provision.objects.count() == len(_rows(PACKAGE / "frameworks/data/provisions.csv"))
    assert ProvisionLink.objects.count() == len(_rows(PACKAGE / "frameworks/data/crosswalk.csv"))


def test_catalogue_has_the_required_codes(reference: None) -> None:
    codes = set(Provision.objects.values_list("code", flat=True))
    for code in [
        "TFA-7",
        "TFA-7.4",
        "TFA-3",
        "TFA-10.4",
        "RKC-GA-6",
        "RKC-GA-3.1",
        "RKC-SA-A",
        "RKC-SA-A.1",
        "SAFE-P2",
        "SAFE-P2-S3",
        "ECOM-P1",
        "ECOM-S3",
        "THEME-INTEGRITY",
        "THEME-HR",
        "THEME-REVENUE",
        "THEME-ENFORCEMENT",
        "THEME-DATA",
        "THEME-STRATEGY",
        "THEME-SMART-BORDERS",
    ]:
        assert code in codes, code
    rkc_standards = Provision.objects.filter(
        code__startswith="RKC-GA-", kind__in=["standard", "transitional_standard"]
    )
    assert rkc_standards.count() == 121
    # Articles with a single measure (TFA-3, TFA-4, …) stand for it: the leaves are the 36 measures.
    tfa_leaves = Provision.objects.filter(instrument__code="TFA", children__isnull=True)
    assert tfa_leaves.count() == 36
    assert Provision.objects.get(code="ECOM-S3").parent.code.startswith("ECOM-P")


def test_loading_twice_changes_nothing(reference: None) -> None:
    def state() -> tuple[int, ...]:
        from cbcoord.registry.models import Organisation

        return (
            Region.objects.count(),
            Member.objects.count(),
            Organisation.objects.count(),
            Provision.objects.count(),
            ProvisionLink.objects.count(),
            Provision.history.count(),
            Member.history.count(),
            Organisation.history.count(),
        )

    before = state()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert state() == before
    assert "created" not in out.getvalue()
    assert "updated" not in out.getvalue()


def test_unverified_flags_survive_loading(reference: None) -> None:
    assert Provision.objects.filter(
        code__startswith="SAFE-P1-S", verification__icontains="UNVERIFIED"
    ).exists()


def test_bad_data_file_names_file_line_and_column(tmp_path: Path, db: None) -> None:
    from cbcoord.core.reference import LoadReport, ReferenceDataError
    from cbcoord.frameworks.reference import load_instruments, load_provisions

    (tmp_path / "instruments.csv").write_text("code,kind,title_en\nTFA,agreement,TFA\n")
    (tmp_path / "provisions.csv").write_text(
        "instrument,code,parent_code,kind,title_en\nTFA,TFA-7,,article,Release\nTFA,TFA7.4,TFA-7,measure,Risk\n"
    )
    load_instruments(LoadReport(), tmp_path)
    with pytest.raises(ReferenceDataError, match=r"provisions.csv line 3: code 'TFA7.4'"):
        load_provisions(LoadReport(), tmp_path)


def test_demo_load_twice_no_duplicates(reference: None) -> None:
    from cbcoord.accounts.models import User
    from cbcoord.registry.models import Person, RegionalRole

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert User.objects.filter(is_demo=True).count() == 4
    assert Person.objects.filter(is_demo=True).count() == 4
    assert (
        RegionalRole.objects.filter(role="vice_chair", organisation__key="customs-do").count() == 1
    )
    assert "demo-secretariat" in out.getvalue()
    from cbcoord.activities.models import Activity

    demo_activities = Activity.objects.filter(is_demo=True)
    assert demo_activities.count() == 10  # 5 of the meeting's, 5 of the coordination view's
    assert demo_activities.filter(visibility="coordination").count() == 1  # the pipeline plan
    single_window = demo_activities.get(iati_identifier="XM-DAC-909-DEMO-DO-SW")
    assert single_window.reporting_org.key == "idb"
    assert list(single_window.provision_links.values_list("provision__code", flat=True)) == [
        "TFA-10.4"
    ]


def test_loaded_values_fit_their_columns(reference: None) -> None:
    """SQLite does not enforce max_length; PostgreSQL does. Catch overflows on both."""
    from django.db import models

    from cbcoord.registry.models import Organisation

    for model in (Region, Member, Organisation, Instrument, Provision, ProvisionLink):
        limited = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length
        ]
        for row in model.objects.values(*[f.attname for f in limited]):
            for field in limited:
                value = row[field.attname] or ""
                assert len(value) <= field.max_length, (model.__name__, field.name, value[:60])


def test_deploy_check_requires_a_secret_key(settings: object) -> None:
    from cbcoord.core.checks import secret_key_is_set

    settings.SECRET_KEY_IS_EPHEMERAL = True  # type: ignore[attr-defined]
    assert [error.id for error in secret_key_is_set(None)] == ["cbcoord.E001"]
    settings.SECRET_KEY_IS_EPHEMERAL = False  # type: ignore[attr-defined]
    assert secret_key_is_set(None) == []
