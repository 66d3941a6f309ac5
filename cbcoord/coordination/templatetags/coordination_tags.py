"""Template tags of the coordination view: ``{% load coordination_tags %}``.

The links lower floors' pages show (a region's, a member's and a partner's coordination view)
are tags here, so that those apps' templates reach the coordination view without their code
importing it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cbcoord.core.templatetags.formatting import format_amount

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def spec_json(spec: Any) -> SafeString:
    """A chart's spec as JSON safe inside ``<script type="application/json">``."""
    return mark_safe(json.dumps(spec, separators=(",", ":")).translate(_JSON_ESCAPES))  # noqa: S308


@register.filter
def percent(value: Any) -> str:
    """A fraction as a percentage in the reader's locale; a dash when there is none."""
    if value is None:
        return "—"
    return format_amount(round(float(value) * 100, 1), cents=False) + "\u00a0%"


@register.filter
def total(value: Any) -> str:
    """A converted total, with the amounts left out for want of a rate (never as zero)."""
    if value is None:
        return ""
    text = f"{format_amount(round(value.amount))}\u00a0{value.currency}" if value.converted else "—"
    if value.missing:
        text += (
            " ("
            + ngettext(
                "+%(count)d amount without a rate",
                "+%(count)d amounts without a rate",
                value.missing,
            )
            % {"count": value.missing}
            + ")"
        )
    return text


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


def _link(url: str, text: str) -> SafeString:
    return format_html('<p class="coordination-link"><a href="{}">{}</a></p>', url, text)


@register.simple_tag
def coordination_region_link(region: Any) -> SafeString:
    return _link(
        reverse("coordination-region", args=[region.code]),
        _("Coordination view: coverage, gaps, overlaps and synergies"),
    )


@register.simple_tag
def coordination_member_link(member: Any) -> SafeString:
    if not member.iso_code:
        return mark_safe("")
    return _link(
        reverse("coordination-member", args=[member.iso_code]),
        _("Coordination profile (printable): commitments, needs, support, missions"),
    )


@register.simple_tag
def coordination_partner_link(organisation: Any) -> SafeString:
    return _link(
        reverse("coordination-partner", args=[organisation.key]),
        _("Coordination view of this partner's support"),
    )


@register.simple_tag
def matrix_rows(matrix: Any, cell_url: str) -> SafeString:
    """The rows of the matrix's table: a member's name, then each area's cell, linked to its
    activities and needs (``cell_url`` plus the cell's member and area). A region has
    thousands of cells; a template loop took seconds to write them, this takes milliseconds.
    Every text is escaped by ``format_html``."""
    rows: list[str] = []
    for member, cells in matrix.rows():
        parts: list[str] = [
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a></th>',
                reverse("coordination-member", args=[member.iso_code]),
                member.country_name,
            )
        ]
        for cell in cells:
            if cell is None:
                parts.append('<td class="cell"></td>')
                continue
            url = f"{cell_url}&cell_member={quote(member.iso_code)}&area={quote(cell.area.code)}"
            label = str(cell.activities)
            if cell.open_needs:
                label += f" · {cell.open_needs}n"
            parts.append(
                format_html(
                    '<td class="cell{}"><a class="cell-link" href="{}" hx-get="{}" '
                    'hx-target="#cell-detail" data-cell="{}-{}">{}</a></td>',
                    " gap" if cell.unsupported_needs else "",
                    url,
                    url,
                    member.iso_code,
                    cell.area.code,
                    label,
                )
            )
        parts.append("</tr>")
        rows.append("".join(parts))
    return mark_safe("\n".join(rows))  # noqa: S308 (each part escaped by format_html)
