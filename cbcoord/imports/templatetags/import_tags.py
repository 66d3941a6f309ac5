"""Template tags the pages of lower apps use to point at import runs (the activity page names
the run that last wrote the activity, as a link only for those who may open the report)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cbcoord.imports.selectors import import_run_visible

register = template.Library()


@register.simple_tag(takes_context=True)
def import_run_link(context: dict[str, Any], run_id: int) -> str:
    """ "import run #N", linked to its report if the reader may see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    text = _("import run #%(number)s") % {"number": run_id}
    if import_run_visible(user).filter(pk=run_id).exists():
        return format_html('<a href="{}">{}</a>', reverse("import-detail", args=[run_id]), text)
    return text
