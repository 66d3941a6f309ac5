"""The demo data (cbcoord.demo.loader, ``cbcoord load_demo``): loading it twice gives the same
records (accounts, people, roles, activities, TFA commitments, needs), nothing twice."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from cbcoord.accounts.models import User
from cbcoord.activities.models import Activity
from cbcoord.demo.loader import demo_load
from cbcoord.needs.models import Need, TfaCommitment
from cbcoord.registry.models import Person, RegionalRole
from tests.factories import provisions


def test_demo_load_twice_no_duplicates(reference: None) -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert User.objects.filter(is_demo=True).count() == 4
    assert Person.objects.filter(is_demo=True).count() == 4
    assert (
        RegionalRole.objects.filter(role="vice_chair", organisation__key="customs-do").count() == 1
    )
    assert "demo-secretariat" in out.getvalue()
    demo_activities = Activity.objects.filter(is_demo=True)
    assert demo_activities.count() == 10  # 5 of the meeting's, 5 of the coordination view's
    assert demo_activities.filter(visibility="coordination").count() == 1  # the pipeline plan
    single_window = demo_activities.get(iati_identifier="XM-DAC-909-DEMO-DO-SW")
    assert single_window.reporting_org.key == "idb"
    assert list(single_window.provision_links.values_list("provision__code", flat=True)) == [
        "TFA-10.4"
    ]


def test_demo_loads_the_tfa_rows_and_needs_twice_alike(reference: None) -> None:
    demo_load()
    first = sorted(Need.objects.values_list("key", "status", "member_position"))
    dominican = TfaCommitment.objects.get(member__iso_code="DO", measure__code="TFA-10.2")
    assert not dominican.is_demo and "tfadatabase.org" in dominican.source
    assert dominican.definitive_date == dt.date(2023, 6, 1)
    assert TfaCommitment.objects.filter(member__iso_code="DO", is_demo=True).exists()
    assert Need.objects.filter(tfa_commitment=dominican).exists()
    demo_load()
    assert sorted(Need.objects.values_list("key", "status", "member_position")) == first
    assert provisions("TFA-10.4")  # the catalogue is there for the demo needs
