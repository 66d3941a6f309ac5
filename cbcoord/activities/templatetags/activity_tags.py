"""Template filters for IATI content. Output is plain text: templates auto-escape it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template

from cbcoord.core.i18n import pick_narrative

register = template.Library()


@register.filter
def narrative(value: Any) -> str:
    """The text of an IATI narrative mapping in the user's language, else English, else any."""
    return pick_narrative(value) if isinstance(value, dict) else ""


@register.filter
def web_url(value: Any) -> str:
    """The URL if it is an http(s) address (safe to link), else the empty string."""
    if not isinstance(value, str):
        return ""
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return ""
    return value.strip() if scheme in ("http", "https") else ""


@register.filter
def label(code: Any, labels: Any) -> str:
    """``code`` followed by its codelist name from the ``labels`` mapping, when known."""
    if code in (None, ""):
        return ""
    name = labels.get(str(code)) if isinstance(labels, dict) else None
    return f"{code} · {name}" if name else str(code)


@register.filter
def activity_url(iati_identifier: Any) -> str:
    """The detail page of an activity, or "" for an identifier no URL can carry."""
    from django.urls import NoReverseMatch, reverse

    if not isinstance(iati_identifier, str) or not iati_identifier:
        return ""
    try:
        return reverse("activity-detail", args=[iati_identifier])
    except NoReverseMatch:
        return ""
