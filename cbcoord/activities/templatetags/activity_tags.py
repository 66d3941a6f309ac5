"""Template filters for IATI content. Output is plain text: templates auto-escape it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cbcoord.activities import evidence
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import ActivityProvision
from cbcoord.activities.selectors import ActivitySummary, activity_summary
from cbcoord.activities.views import count_text
from cbcoord.core.exporters import download_links
from cbcoord.core.i18n import pick_narrative

register = template.Library()


@register.filter
def narrative(value: Any) -> str:
    """The text of an IATI narrative mapping in the user's language, else English, else any."""
    return pick_narrative(value) if isinstance(value, dict) else ""


@register.filter
def evidence_sentences(tag: Any) -> list[str]:
    """The evidence of a provision tag as sentences in the reader's language."""
    return evidence.tag_sentences(tag) if isinstance(tag, ActivityProvision) else []


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


# --------------------------------------------------------------------------- summaries
# The pages of regions, members, organisations (registry) and provisions (frameworks) sit a
# floor below the activities: these tags give them the activities that concern them.


def _summary(
    context: dict[str, Any],
    filters: ActivityFilters,
    *,
    heading: str,
    covering: str = "",
    with_partners: bool = False,
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    summary = activity_summary(
        user=user, filters=filters, covering=covering, with_partners=with_partners
    )
    query = filters.applied()
    base = reverse("activity-list")
    partners = []
    for item in summary.partners:
        # A member's figures count the regional activities covering it, which its country
        # filter does not list: there, the figure is not a link.
        url = "" if covering else f"{base}?{urlencode(query | {'partner': item.organisation.key})}"
        partners.append((item, url))
    return {
        "heading": heading,
        "summary": summary,
        "count_text": count_text(summary.count, summary.count_exact),
        "link_text": _link_text(summary, covering),
        "covering": covering,
        "list_url": f"{base}?{urlencode(query)}",
        "downloads": download_links("activities", filters),
        "partners": partners,
    }


def _link_text(summary: ActivitySummary, covering: str) -> str:
    """What the link to the list says: a member's list shows the activities naming it, not
    the regional ones the summary counts as well."""
    if not covering:
        return _("See them all in the activity list")
    if not summary.direct_exact:
        return _("See those naming it as a recipient country in the activity list")
    return ngettext(
        "See the %(count)s activity naming it as a recipient country in the activity list",
        "See the %(count)s activities naming it as a recipient country in the activity list",
        summary.direct_count,
    ) % {"count": formats.number_format(summary.direct_count, force_grouping=True)}


@register.inclusion_tag("activities/_summary.html", takes_context=True)
def region_activities(context: dict[str, Any], region: Any) -> dict[str, Any]:
    """The activities in a WCO region, and the partners active in them."""
    return _summary(
        context,
        ActivityFilters(region=region.code),
        heading=_("Activities in the region"),
        with_partners=True,
    )


@register.inclusion_tag("activities/_summary.html", takes_context=True)
def member_activities(context: dict[str, Any], member: Any) -> dict[str, Any]:
    """The activities in a member: naming it as a recipient country, or regional activities
    whose recipient region covers it; and the partners active in them."""
    if not member.iso_code:  # the European Union: no country of its own
        return {"heading": _("Activities in this member"), "summary": None}
    return _summary(
        context,
        ActivityFilters(country=member.iso_code),
        heading=_("Activities in this member"),
        covering=member.iso_code,
        with_partners=True,
    )


@register.inclusion_tag("activities/_summary.html", takes_context=True)
def organisation_activities(context: dict[str, Any], organisation: Any) -> dict[str, Any]:
    """The activities an organisation reports or takes part in."""
    return _summary(
        context,
        ActivityFilters(partner=organisation.key),
        heading=_("Activities it reports or takes part in"),
    )


@register.inclusion_tag("activities/_summary.html", takes_context=True)
def provision_activities(context: dict[str, Any], provision: Any) -> dict[str, Any]:
    """The activities tagged with a provision."""
    return _summary(
        context,
        ActivityFilters(provision=provision.code),
        heading=_("Activities supporting this provision"),
    )
