"""Building activities for tests, the way the importer stores them."""

from __future__ import annotations

from typing import Any

from cbcoord.activities import derive
from cbcoord.activities.indexing import content_hash, write_index_rows
from cbcoord.activities.models import Activity, Origin, Visibility
from cbcoord.registry.models import Organisation

VISIBILITY_LEVELS = [Visibility.PUBLIC, Visibility.COORDINATION, Visibility.NAMED, Visibility.WCO]

# Who sees an IDB activity in the Dominican Republic (AMC) at each level, when the
# "named" level names the IMF (see ``visibility_set``).
SEES = {
    "secretariat": set(VISIBILITY_LEVELS),
    "partner_editor": set(VISIBILITY_LEVELS),  # the reporting organisation
    "viewer": set(VISIBILITY_LEVELS),  # a viewer of the reporting organisation
    "other_partner_editor": {Visibility.PUBLIC, Visibility.NAMED},
    "member_editor": {Visibility.PUBLIC, Visibility.COORDINATION},  # member in the region
    "anonymous": {Visibility.PUBLIC},
}


def iati_data(
    identifier: str,
    organisation: Organisation,
    *,
    title: dict[str, str] | None = None,
    countries: list[dict[str, Any]] | None = None,
    status: str = "2",
    start: str = "2024-01-15",
    end: str = "2025-12-31",
) -> dict[str, Any]:
    return {
        "iati_identifier": identifier,
        "reporting_org": {
            "ref": organisation.iati_org_id or None,
            "type": organisation.iati_org_type or "40",
            "name": {"en": organisation.name},
            "secondary_reporter": None,
        },
        "default_currency": "USD",
        "last_updated_datetime": "2024-06-01T10:00:00+00:00",
        "title": title or {"en": f"Title of {identifier}"},
        "descriptions": [{"type": "1", "narratives": {"en": "A customs modernisation activity."}}],
        "participating_orgs": [
            {
                "ref": organisation.iati_org_id or None,
                "type": "40",
                "role": "1",
                "activity_id": None,
                "crs_channel_code": None,
                "name": {"en": organisation.name},
            }
        ],
        "activity_status": status,
        "activity_dates": [
            {"type": "1", "iso_date": start, "narrative": {}},
            {"type": "3", "iso_date": end, "narrative": {}},
        ],
        "recipient_countries": countries
        if countries is not None
        else [{"code": "DO", "percentage": "100", "narrative": {}}],
        "sectors": [
            {
                "code": "33120",
                "vocabulary": "1",
                "vocabulary_uri": None,
                "percentage": "100",
                "narrative": {},
            }
        ],
        "budgets": [
            {
                "type": "1",
                "status": "1",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": "100000",
                "currency": None,
                "value_date": "2024-01-01",
            }
        ],
    }


def make_activity(
    identifier: str,
    organisation: Organisation,
    *,
    visibility: str = Visibility.PUBLIC,
    origin: str = Origin.IMPORT,
    visible_to: list[Organisation] | None = None,
    **data_options: Any,
) -> Activity:
    data = iati_data(identifier, organisation, **data_options)
    columns = derive.columns(data)
    columns["last_updated_datetime"] = None
    activity = Activity.objects.create(
        iati_identifier=identifier,
        reporting_org=organisation,
        data=data,
        visibility=visibility,
        origin=origin,
        content_hash=content_hash(data),
        **columns,
    )
    if visible_to:
        activity.visible_to.set(visible_to)
    write_index_rows([activity])
    return Activity.objects.get(pk=activity.pk)


def visibility_set(organisation: Organisation, named_for: Organisation) -> dict[str, Activity]:
    """One activity of ``organisation`` per visibility level, keyed by level."""
    return {
        level: make_activity(
            f"{organisation.iati_org_id}-VIS-{level}",
            organisation,
            visibility=level,
            visible_to=[named_for] if level == Visibility.NAMED else None,
            title={"en": f"Visible {level}"},
        )
        for level in VISIBILITY_LEVELS
    }
