"""Template tags shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cbcoord.core.diagnostics import warning_text
from cbcoord.core.i18n import codelist_labels
from cbcoord.core.sources import SourcePart, source_parts

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


def _source_part(part: SourcePart) -> SafeString:
    if part.url:
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow" title="{}">{}</a>',
            part.url,
            part.url,
            part.text,
        )
    return format_html("{}", part.text)


@register.filter
def source(text: Any) -> SafeString:
    """A record's source for a page: its web addresses as links, its words, without the file
    paths it was compiled from (``cbcoord.core.sources``); the admin shows all of it."""
    pieces = source_parts(str(text) if text else "")
    return format_html_join(
        "; ",
        "{}",
        ((format_html_join(" ", "{}", ((_source_part(p),) for p in piece)),) for piece in pieces),
    )


@register.filter
def coded(code: Any, codelist: str) -> SafeString:
    """An IATI code followed by its name in ``codelist``, in the reader's language (marked
    when unofficial): "40 · Multilateral"; the code alone when the codelist does not have it."""
    if code in (None, ""):
        return format_html("")
    label = codelist_labels(codelist)[codelist].get(str(code))
    if not label:
        return format_html("{}", code)
    return format_html("{} · {}", code, codelabel(label))
