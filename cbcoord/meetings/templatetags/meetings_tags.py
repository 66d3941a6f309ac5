"""Filters for the meetings' pages and the brief: typed cells formatted for the reader's
locale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def index(sequence: Any, position: int) -> Any:
    try:
        return sequence[position]
    except (IndexError, TypeError, KeyError):
        return None


@register.filter
def cell(value: Any, kind: str = "text") -> str:
    """``value`` as text in the active locale: dates and numbers by its formats, fractions as
    percentages."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return str(formats.date_format(local, "SHORT_DATETIME_FORMAT"))
    if isinstance(value, dt.date):
        return str(formats.date_format(value, "DATE_FORMAT"))
    if kind == "percent" and isinstance(value, int | float | Decimal):
        return str(formats.number_format(float(value) * 100, 1)) + " %"
    if isinstance(value, int):
        return str(formats.number_format(value, 0, force_grouping=True))
    if isinstance(value, float | Decimal):
        return str(formats.number_format(value, 2, force_grouping=True))
    return str(value)


@register.filter
def spec_json(spec: Any) -> str:
    """A chart's spec as JSON safe inside a ``<script type="application/json">`` element
    (``<``, ``>`` and ``&`` escaped, as Django's ``json_script`` does)."""
    import json

    from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
    from django.utils.safestring import mark_safe

    return mark_safe(json.dumps(spec).translate(_json_script_escapes))  # noqa: S308


@register.inclusion_tag("meetings/_organisation_action_items.html", takes_context=True)
def organisation_action_items(context: dict[str, Any], organisation: Any) -> dict[str, Any]:
    """The open action items an organisation owns that the reader may see (the coordination
    profile of a member, which sits a floor below the meetings)."""
    from cbcoord.meetings import selectors
    from cbcoord.meetings.models import ActionStatus

    request = context.get("request")
    user = getattr(request, "user", None)
    items = (
        selectors.action_items_of_organisation(user=user, organisation_id=organisation.pk)
        .filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
        .select_related("meeting")
        .order_by("due_date", "pk")
    )
    return {"items": list(items), "request": request}
