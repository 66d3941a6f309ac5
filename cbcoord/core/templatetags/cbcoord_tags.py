"""Template tags shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cbcoord.core.diagnostics import warning_text

register = template.Library()


def _mark() -> SafeString:
    return format_html(
        ' <abbr class="unofficial" title="{}">{}</abbr>',
        _("unofficial translation"),
        _("unofficial"),
    )


@register.simple_tag
def title_of(record: Any) -> SafeString:
    """A catalogue record's title in the reader's language, marked when that title is
    cbcoord's unofficial translation (``MultilingualTitle``)."""
    title = format_html("{}", record.title)
    return format_html("{}{}", title, _mark()) if record.title_is_unofficial else title


@register.filter
def codelabel(label: Any) -> SafeString:
    """An IATI code's name (``cbcoord.iati.codelists.Label``), marked when it is cbcoord's
    unofficial translation."""
    if label is None or label == "":
        return format_html("")
    text = format_html("{}", label)
    return format_html("{}{}", text, _mark()) if getattr(label, "official", True) is False else text


@register.filter
def warning_reason(warning: Any) -> str:
    """A stored data-quality warning's reason in the reader's language
    (``cbcoord.core.diagnostics``); plain text, escaped by the template."""
    return warning_text(warning)
