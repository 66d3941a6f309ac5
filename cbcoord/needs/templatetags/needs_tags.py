"""Template tags of the needs: the "Needs" section of a member's page and the needs an
activity may answer (on the activity's page), so that neither the registry nor the activities
import this app."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]``, or None."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.inclusion_tag("needs/_member_needs.html", takes_context=True)
def member_needs(context: dict[str, Any], member: Any) -> dict[str, Any]:
    """The member's open needs that the reader may see, with links to the rest."""
    from cbcoord.needs.permissions import may_create_need_for
    from cbcoord.needs.selectors import member_needs as latest_needs

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "member": member,
        "needs": latest_needs(user=user, member=member),
        "may_create": may_create_need_for(user, member),
    }


@register.inclusion_tag("needs/_activity_needs.html", takes_context=True)
def activity_needs(context: dict[str, Any], activity: Any) -> dict[str, Any]:
    """The needs the activity may answer (``matching.needs_for_activity``)."""
    from cbcoord.needs.matching import needs_for_activity

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"activity": activity, "matches": needs_for_activity(activity, user=user, limit=10)}
