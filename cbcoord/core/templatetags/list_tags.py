"""Template tags of list pages: drop-down options worked out in one node, not one per option."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def select_options(
    choices: Iterable[tuple[Any, Any]], selected: Any, all_label: Any = None
) -> SafeString:
    """The ``<option>`` elements of ``choices`` (``(value, label)``, or ``(group label,
    [(value, label), …])`` for an ``<optgroup>``), ``selected`` marked, after an option of
    value "" labelled ``all_label`` when given. A ``selected`` value none of the choices has
    comes first, marked unknown: the drop-down shows what the list is filtered by, never
    "All" for a value it does not know. Every value and label is escaped; a page's 200
    options cost one template node and a string join."""
    chosen = "" if selected is None else str(selected)
    known = {
        str(value)
        for group, label in choices
        for value in ([v for v, _text in label] if isinstance(label, list) else [group])
    }

    def option(value: Any, label: Any) -> str:
        value = str(value)
        mark = " selected" if value == chosen else ""
        return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'

    parts: list[str] = []
    if all_label is not None:
        parts.append(option("", all_label))
    if chosen and chosen not in known:
        parts.append(option(chosen, _("%(value)s (unknown)") % {"value": chosen}))
    for value, label in choices:
        if isinstance(label, list):
            inner = "".join(option(v, text) for v, text in label)
            parts.append(f'<optgroup label="{escape(value)}">{inner}</optgroup>')
        else:
            parts.append(option(value, label))
    return mark_safe("".join(parts))  # noqa: S308 (each value and label escaped above)
