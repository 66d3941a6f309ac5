"""Building hand-made scenarios for the coordination analyses: activities as the importer
stores them (content, columns, index rows, tags), needs, missions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities import derive
from cbcoord.activities.indexing import content_hash, write_index_rows
from cbcoord.activities.models import Activity, ActivityProvision, Origin, Visibility
from cbcoord.coordination import facts
from cbcoord.coordination.filters import AnalysisFilters
from cbcoord.frameworks.models import Provision
from cbcoord.needs import services as need_services
from cbcoord.needs.models import Need
from cbcoord.registry.models import Member, Organisation

_counter = {"n": 0}


def org(key: str) -> Organisation:
    return Organisation.objects.get(key=key)


def member(iso: str) -> Member:
    return Member.objects.select_related("region", "organisation").get(iso_code=iso)


def provision(code: str) -> Provision:
    return Provision.objects.get(code=code)


def activity(
    partner: str,
    *,
    countries: tuple[str, ...] = ("DO",),
    regions: tuple[str, ...] = (),
    provisions: tuple[str, ...] = ("TFA-10.4",),
    start: str | None = "2019-01-01",
    end: str | None = "2019-12-31",
    status: str = "2",
    currency: str = "USD",
    transactions: tuple[tuple[str, str, str, str | None], ...] = (),
    budgets: tuple[tuple[str, str, str | None], ...] = (),
    visibility: str = Visibility.PUBLIC,
    title: str = "",
    participants: tuple[tuple[str, str], ...] = (),
    related: tuple[str, ...] = (),
    identifier: str = "",
) -> Activity:
    """An activity of ``partner`` (an organisation key). ``transactions``: (type, value,
    value date, currency or None for the default); ``budgets``: (value, period start,
    currency or None)."""
    organisation = org(partner)
    _counter["n"] += 1
    identifier = (
        identifier or f"{organisation.iati_org_id or 'XC-CBCOORD-' + partner}-T{_counter['n']}"
    )
    dates = []
    if start:
        dates.append({"type": "2", "iso_date": start, "narrative": {}})
    if end:
        dates.append({"type": "3", "iso_date": end, "narrative": {}})
    data: dict[str, Any] = {
        "iati_identifier": identifier,
        "reporting_org": {
            "ref": organisation.iati_org_id or None,
            "type": organisation.iati_org_type or "40",
            "name": {"en": organisation.name},
            "secondary_reporter": None,
        },
        "default_currency": currency,
        "title": {"en": title or f"Activity {identifier}"},
        "descriptions": [{"type": "1", "narratives": {"en": "Customs capacity building."}}],
        "participating_orgs": [
            {
                "ref": organisation.iati_org_id or None,
                "type": "40",
                "role": "1",
                "activity_id": None,
                "crs_channel_code": None,
                "name": {"en": organisation.name},
            }
        ]
        + [
            {
                "ref": org(key).iati_org_id or None,
                "type": "40",
                "role": role,
                "activity_id": None,
                "crs_channel_code": None,
                "name": {"en": org(key).name},
            }
            for key, role in participants
        ],
        "activity_status": status,
        "activity_dates": dates,
        "recipient_countries": [
            {"code": code, "percentage": None, "narrative": {}} for code in countries
        ],
        "recipient_regions": [
            {
                "code": code,
                "vocabulary": "1",
                "vocabulary_uri": None,
                "percentage": None,
                "narrative": {},
            }
            for code in regions
        ],
        "sectors": [],
        "budgets": [
            {
                "type": "1",
                "status": "1",
                "period_start": when,
                "period_end": None,
                "value": value,
                "currency": code,
                "value_date": when,
            }
            for value, when, code in budgets
        ],
        "transactions": [
            {"type": kind, "date": when, "value": value, "currency": code, "value_date": when}
            for kind, value, when, code in transactions
        ],
        "related_activities": [{"ref": ref, "type": "5"} for ref in related],
    }
    columns = derive.columns(data)
    columns["last_updated_datetime"] = None
    created = Activity.objects.create(
        iati_identifier=identifier,
        reporting_org=organisation,
        data=data,
        visibility=visibility,
        origin=Origin.IMPORT,
        content_hash=content_hash(data),
        **columns,
    )
    write_index_rows([created])
    for code in provisions:
        ActivityProvision.objects.create(activity=created, provision=provision(code))
    return Activity.objects.get(pk=created.pk)


def change_dates(target: Activity, *, start: str | None = None, end: str | None = None) -> None:
    """Move an activity's dates as an import of a new version would (content, hash, columns)."""
    data = dict(target.data)
    dates = [
        d
        for d in data["activity_dates"]
        if d["type"] not in ({"2"} if start else set()) | ({"3"} if end else set())
    ]
    if start:
        dates.append({"type": "2", "iso_date": start, "narrative": {}})
    if end:
        dates.append({"type": "3", "iso_date": end, "narrative": {}})
    data["activity_dates"] = dates
    columns = derive.columns(data)
    columns["last_updated_datetime"] = None
    Activity.objects.filter(pk=target.pk).update(
        data=data, content_hash=content_hash(data), **columns
    )


def need(
    iso: str,
    codes: tuple[str, ...],
    *,
    priority: str = "high",
    identified_on: dt.date = dt.date(2018, 6, 1),
    visibility: str = Visibility.PUBLIC,
    **values: Any,
) -> Need:
    return need_services.need_create(
        user=SYSTEM,
        member=member(iso),
        data={
            "provisions": [provision(code) for code in codes],
            "description": values.pop("description", f"A need of {iso} on {', '.join(codes)}."),
            "priority": priority,
            "source": values.pop("source", "diagnostic_mission"),
            "identified_on": identified_on,
            "visibility": visibility,
            **values,
        },
    )


def filters(**values: Any) -> AnalysisFilters:
    values.setdefault("region", "AMC")
    values.setdefault("year_from", 2019)
    return AnalysisFilters(**values)


def refreshed() -> None:
    facts.refresh()
