"""The coordination view's Vega-Lite specs, built with Altair: the pages draw them with the
vendored Vega (``static/coordination/coordination.js``), the meeting brief renders the same
specs to SVG with vl-convert. The map's shapes are the npm package world-atlas's TopoJSON
(``static/coordination/world-atlas``), read from the site by the page and inlined for the
brief: nothing is fetched from elsewhere."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import pycountry
from django.utils.translation import gettext as _

from cbcoord.coordination import selectors

FONT = "DejaVu Sans"
TOPOJSON = (
    Path(__file__).resolve().parent
    / "static"
    / "coordination"
    / "world-atlas"
    / "countries-50m.json"
)
TOPOJSON_STATIC = "coordination/world-atlas/countries-50m.json"


@dataclass(frozen=True)
class Chart:
    """A chart: an element id, a title and its Vega-Lite spec."""

    id: str
    title: str
    spec: dict[str, Any]


def _named(name: str) -> Any:
    """A data source named ``name``, whose rows ``_config`` puts in the spec's ``datasets``."""
    return alt.Data(name=name)  # type: ignore[no-untyped-call]


def _config(chart: Any, **datasets: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's spec, with the rows of its named data sources added after Altair built it:
    Altair checks every inline row against the Vega-Lite schema, which took seconds for a
    region's matrix of a few thousand cells."""
    spec: dict[str, Any] = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    if datasets:
        spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def heatmap(matrix: selectors.Matrix, *, cell_url: str = "") -> Chart:
    """The coverage matrix as a heat map: activities per cell (colour), open needs without
    support marked with a ring. ``cell_url``: where a click asks for the cell (the page).

    A region has thousands of cells: each is a compact row (member's code, area, activities,
    partners, open needs without support, under one-letter names); members' names are looked
    up from a small second data set, not repeated in every row."""
    rows = [
        {
            "iso": cell.member.iso_code,
            "area": cell.area.code,
            "a": cell.activities,
            "p": len(cell.partners),
            "u": cell.unsupported_needs,
        }
        for cell in matrix.cells.values()
    ]
    shown = {cell.member.pk for cell in matrix.cells.values()}
    names = [
        {"iso": member.iso_code, "member": member.country_name}
        for member in matrix.members
        if member.pk in shown
    ]
    members = [name["member"] for name in names]
    columns = [area.code for area in matrix.areas]
    base = alt.Chart(_named("cells")).transform_lookup(
        lookup="iso",
        from_=alt.LookupData(data=_named("members"), key="iso", fields=["member"]),
    )
    tiles = base.mark_rect().encode(
        x=alt.X("area:N", sort=columns, title=_("Instrument area"), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("member:N", sort=members, title=_("Member")),
        color=alt.Color("a:Q", title=_("Activities"), scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=[
            alt.Tooltip("member:N", title=_("Member")),
            alt.Tooltip("area:N", title=_("Area")),
            alt.Tooltip("a:Q", title=_("Activities")),
            alt.Tooltip("p:Q", title=_("Partners")),
            alt.Tooltip("u:Q", title=_("Open needs without support")),
        ],
    )
    rings = (
        base.transform_filter("datum.u > 0")
        .mark_point(shape="circle", filled=False, color="#c0392b", size=90, strokeWidth=2)
        .encode(x=alt.X("area:N", sort=columns), y=alt.Y("member:N", sort=members))
    )
    width = max(240, 26 * len(columns))
    height = max(120, 20 * len(members))
    chart = (tiles + rings).properties(width=width, height=height)
    spec = _config(chart, cells=rows, members=names)
    if cell_url:
        spec["usermeta"] = {"cellUrl": cell_url}
    return Chart("chart-matrix", _("Coverage matrix: activities per member and area"), spec)


@cache
def _topology() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TOPOJSON.read_text(encoding="utf-8"))
    return data


def _numeric(iso: str) -> str | None:
    country = pycountry.countries.get(alpha_2=iso) if iso else None
    return str(int(country.numeric)) if country is not None else None


def need_map(shades: list[selectors.MemberShade], *, topology_url: str = "") -> Chart:
    """The region's members shaded by their open high-priority needs without support. The
    page reads the shapes from ``topology_url``; without it (the brief) they are inlined."""
    rows = [
        {
            "id": number,
            "member": shade.member.country_name,
            "unsupported": shade.unsupported_high,
            "open": shade.open_needs,
        }
        for shade in shades
        if (number := _numeric(shade.member.iso_code)) is not None
    ]
    ids = [row["id"] for row in rows]
    if topology_url:
        shapes: Any = alt.UrlData(
            url=topology_url,
            format=alt.DataFormat(type="topojson", feature="countries"),  # type: ignore[no-untyped-call]
        )
    else:
        shapes = alt.InlineData(
            values=_topology(),
            format=alt.DataFormat(type="topojson", feature="countries"),  # type: ignore[no-untyped-call]
        )
    chart = (
        alt.Chart(shapes)
        .transform_calculate(key="'' + toNumber(datum.id)")
        .transform_filter(alt.FieldOneOfPredicate(field="key", oneOf=list(map(str, ids))))
        .transform_lookup(
            lookup="key",
            from_=alt.LookupData(
                data=_named("members"),
                key="id",
                fields=["member", "unsupported", "open"],
            ),
        )
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "unsupported:Q",
                title=_("High-priority needs without support"),
                scale=alt.Scale(scheme="oranges", domainMin=0),
            ),
            tooltip=[
                alt.Tooltip("member:N", title=_("Member")),
                alt.Tooltip("unsupported:Q", title=_("High-priority needs without support")),
                alt.Tooltip("open:Q", title=_("Open needs")),
            ],
        )
        .project(type="mercator")
        .properties(width=520, height=360)
    )
    return Chart(
        "chart-map",
        _("Members by high-priority needs without support"),
        _config(chart, members=rows),
    )


def timeline(bars: list[selectors.TimelineBar]) -> Chart:
    """Activities by partner as bars from start to end."""
    rows = [
        {
            "partner": bar.partner,
            "activity": bar.activity,
            "title": bar.title,
            "start": bar.start.isoformat(),
            "end": bar.end.isoformat(),
        }
        for bar in bars
    ]
    partners = sorted({row["partner"] for row in rows})
    chart = (
        alt.Chart(_named("bars"))
        .mark_bar(opacity=0.6, color="#0b5cad", height=8)
        .encode(
            x=alt.X("start:T", title=_("Dates")),
            x2="end:T",
            y=alt.Y("partner:N", title=_("Partner"), sort=partners),
            detail="activity:N",
            tooltip=[
                alt.Tooltip("activity:N", title=_("Activity")),
                alt.Tooltip("title:N", title=_("Title")),
                alt.Tooltip("start:T", title=_("Start")),
                alt.Tooltip("end:T", title=_("End")),
            ],
        )
        .properties(width=560, height=max(80, 24 * len(partners)))
    )
    return Chart("chart-timeline", _("Activities by partner over time"), _config(chart, bars=rows))


def funding_bars(funding: selectors.Funding) -> Chart:
    """Committed amounts of each row of the funding table."""
    rows = [
        {"row": row.label, "committed": float(row.money.committed.amount)}
        for row in funding.rows[:25]
    ]
    chart = (
        alt.Chart(_named("rows"))
        .mark_bar(color="#0b5cad")
        .encode(
            x=alt.X(
                "committed:Q",
                title=_("Committed (%(currency)s)") % {"currency": funding.note.currency},
            ),
            y=alt.Y("row:N", title="", sort="-x", axis=alt.Axis(labelLimit=220)),
        )
        .properties(width=420, height=max(60, 20 * len(rows)))
    )
    return Chart("chart-funding", _("Committed amounts"), _config(chart, rows=rows))
