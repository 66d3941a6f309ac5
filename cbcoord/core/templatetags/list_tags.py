"""Template tags of list pages: drop-down options worked out in one node, not one per option."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def select_options(
    choices: Iterable[tuple[Any, Any]], selected: Any, all_label: Any = None
) -> SafeString:
    """The ``<option>`` elements of ``choices`` (``(value, label)``, or ``(group label,
    [(value, label), …])`` for an ``<optgroup>``), ``selected`` marked, after an option of
    value "" labelled ``all_label`` when given. Escaped like any template output."""
    chosen = "" if selected is None else str(selected)

    def option(value: Any, label: Any) -> SafeString:
        value = str(value)
        if value == chosen:
            return format_html('<option value="{}" selected>{}</option>', value, label)
        return format_html('<option value="{}">{}</option>', value, label)

    parts: list[SafeString] = []
    if all_label is not None:
        parts.append(option("", all_label))
    for value, label in choices:
        if isinstance(label, list):
            inner = format_html_join("", "{}", ((option(v, lab),) for v, lab in label))
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, inner))
        else:
            parts.append(option(value, label))
    return format_html_join("", "{}", ((part,) for part in parts))
