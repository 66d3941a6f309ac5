"""The back office: every registered model's pages open for the secretariat, and for no one else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.imports.importer import iati_import

ACTIVITY_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
<iati-activity xml:lang="en" default-currency="USD" last-updated-datetime="2025-01-01T00:00:00Z">
  <iati-identifier>XM-DAC-909-ADMIN-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>
  <title><narrative>Customs &lt;b&gt;risk&lt;/b&gt; management</narrative></title>
  <participating-org role="4"><narrative>Aduana</narrative></participating-org>
  <activity-status code="2"/>
  <recipient-country code="DO" percentage="100"/>
  <sector code="33120" vocabulary="1"/>
</iati-activity>
<iati-activity xml:lang="en"><iati-identifier>XM-DAC-909-ADMIN-2</iati-identifier></iati-activity>
</iati-activities>
"""


def _models() -> list[Any]:
    """The project's own admins (Django's Group admin stays with Django's permissions)."""
    return sorted(
        (m for m, a in admin.site._registry.items() if isinstance(a, SecretariatAdmin)),
        key=lambda model: model._meta.label,
    )


@pytest.fixture
def imported(tmp_path: Path, reference: None) -> None:
    """An activity, an import run and a refusal, so that every change page has a row to open."""
    path = tmp_path / "admin.xml"
    path.write_text(ACTIVITY_FILE, encoding="utf-8")
    run = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert run.added == 1 and run.refused == 1


def test_every_admin_page_opens_for_the_secretariat(
    imported: None, secretariat: Any, client_for: Any
) -> None:
    browser = client_for(secretariat)
    assert browser.get(reverse("admin:index")).status_code == 200
    opened = 0
    models = _models()
    assert len(models) >= 10
    for model in models:
        model_admin = admin.site._registry[model]
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = browser.get(changelist)
        assert response.status_code == 200, f"{meta.label} list: {response.status_code}"
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            response = browser.get(change)
            assert response.status_code == 200, f"{meta.label} #{first.pk}: {response.status_code}"
            opened += 1
        if model_admin.has_add_permission(response.wsgi_request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert browser.get(add).status_code == 200, f"{meta.label} add"
    assert opened >= 5  # organisations, members, instruments, activities, import runs at least


def test_imported_text_is_escaped_in_the_back_office(
    imported: None, secretariat: Any, client_for: Any
) -> None:
    from cbcoord.activities.models import Activity

    activity = Activity.objects.get(iati_identifier="XM-DAC-909-ADMIN-1")
    html = (
        client_for(secretariat)
        .get(reverse("admin:activities_activity_change", args=[activity.pk]))
        .content.decode()
    )
    assert "&lt;b&gt;risk&lt;/b&gt;" in html
    assert "<b>risk</b>" not in html


@pytest.mark.parametrize("persona", ["partner_editor", "member_editor", "viewer"])
def test_the_back_office_is_closed_to_everyone_else(
    persona: str, request: pytest.FixtureRequest, client_for: Any, imported: None
) -> None:
    browser = client_for(request.getfixturevalue(persona))
    for model in _models()[:5]:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = browser.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], meta.label
    anonymous = client_for(None)
    assert anonymous.get(reverse("admin:index")).status_code == 302


def test_the_secretariat_sees_and_edits_every_inline(
    imported: None, secretariat: Any, client_for: Any
) -> None:
    """Django's inlines ask for model permissions, which only superusers hold: the
    secretariat (not a superuser) saw an activity's page without its tags, a run's without
    its refusals, an organisation's without its people."""
    from cbcoord.activities.models import Activity, ActivityProvision
    from cbcoord.frameworks.models import Provision
    from cbcoord.imports.models import ImportRun
    from cbcoord.registry.models import Organisation, Person

    assert not secretariat.is_superuser
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-ADMIN-1")
    ActivityProvision.objects.get_or_create(
        activity=activity, provision=Provision.objects.get(code="TFA-7.4")
    )
    organisation = Organisation.objects.get(key="idb")
    Person.objects.create(organisation=organisation, name="Ana Inline")
    browser = client_for(secretariat)
    pages = {
        "provision_links": reverse("admin:activities_activity_change", args=[activity.pk]),
        "refusals": reverse("admin:imports_importrun_change", args=[ImportRun.objects.get().pk]),
        "people": reverse("admin:registry_organisation_change", args=[organisation.pk]),
    }
    for name, url in pages.items():
        response = browser.get(url)
        assert response.status_code == 200, name
        formsets = {
            formset.formset.prefix: formset for formset in response.context["inline_admin_formsets"]
        }
        assert formsets, name
        shown = [formset for prefix, formset in formsets.items() if prefix.startswith(name[:5])]
        assert shown and shown[0].formset.total_form_count() >= 1, (name, list(formsets))
    # Tags and people are edited there; refusals are only read.
    tags = next(f for f in browser.get(pages["provision_links"]).context["inline_admin_formsets"])
    assert tags.has_change_permission and tags.has_add_permission
    refusals = next(f for f in browser.get(pages["refusals"]).context["inline_admin_formsets"])
    assert refusals.has_view_permission and not refusals.has_change_permission
