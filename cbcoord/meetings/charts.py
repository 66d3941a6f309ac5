"""Vega-Lite specs, built with Altair, for the pages and the brief alike: a page embeds the
spec (``<script type="application/json">``, drawn by ``cbcoord/charts.js``), the PDF renders
the same spec to SVG with vl-convert (``Figure.svg``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import altair as alt

FONT = "DejaVu Sans"


@dataclass(frozen=True)
class Figure:
    """A chart: an element id, a title and its Vega-Lite spec."""

    id: str
    title: str
    spec: dict[str, Any]

    def svg(self) -> str:
        import vl_convert

        return str(vl_convert.vegalite_to_svg(self.spec))

    def svg_data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg().encode()).decode()


def _config(chart: alt.Chart) -> dict[str, Any]:
    spec: dict[str, Any] = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    return spec


def horizontal_bars(
    rows: list[dict[str, Any]],
    *,
    label: str,
    value: str,
    label_title: str,
    value_title: str,
    width: int = 420,
    value_format: str = ",d",
) -> dict[str, Any]:
    """A bar per row, longest first: ``rows`` of ``{label: text, value: number}``."""
    height = max(60, 22 * len(rows))
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_bar(color="#0b5cad")
        .encode(
            x=alt.X(
                f"{value}:Q",
                title=value_title,
                axis=alt.Axis(format=value_format, tickMinStep=1),
            ),
            y=alt.Y(f"{label}:N", title=label_title, sort="-x", axis=alt.Axis(labelLimit=260)),
        )
        .properties(width=width, height=height)
    )
    return _config(chart)
