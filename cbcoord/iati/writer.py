"""Stream ``ParsedActivity`` objects out as an IATI 2.03 activity file.

``write_activities(activities, out, generated_datetime=...)`` writes an ``iati-activities
version="2.03"`` document with ``lxml.etree.xmlfile``, one activity at a time (memory stays flat).
Elements come in the order the 2.03 schema requires; ``other_elements`` go back into their schema
positions (unknown and extension elements at the end, where the schema allows them) and
``extra_content`` back into the element it came from. ``activity_element`` builds one activity as
it is stored: ``parse -> build -> parse`` gives equal ``content_dict()``s, deviations included.

Every file written is valid IATI 2.03 (``validate=True``, the default): activities imported
tolerantly keep their deviations (an unknown element or attribute, a duplicated activity-status,
a value that does not parse, a document-link without url), and each written activity is
validated against the shipped schema; what the schema does not allow is left out, element by
element (an attribute alone where that is enough), and the activity itself only when nothing
smaller makes it valid. What was left out is reported three ways, for a file is streamed and its
end is not known at its start:

* a comment after the XML declaration says that the file was checked so, and where to look;
* a comment just before each activity that lost something says what and why (and an activity
  left out whole leaves such a comment in its place);
* a comment at the end of the file sums it up, and the caller's ``ExportReport`` holds it all
  (``summary()`` is what a command prints).

``validate=False`` writes the activities exactly as stored (the round trip's identity).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from lxml import etree

from cbcoord.iati.diagnostics import reason_of
from cbcoord.iati.reading import SINGLE_CHILDREN
from cbcoord.iati.reading.batches import indexed_steps
from cbcoord.iati.records import (
    ACTIVITY_CHILD_ORDER,
    ACTIVITY_CHILD_POSITION,
    CodeVocabulary,
    ExtraContent,
    Narratives,
    OtherElement,
    ParsedActivity,
    RecipientCountry,
    RecipientRegion,
    Sector,
    TransactionOrg,
    decimal_to_str,
)
from cbcoord.iati.text import NOT_IN_XML
from cbcoord.iati.validation import activity_schema, describe_message, safe_parser

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

__all__ = [
    "ACTIVITY_CHILD_ORDER",
    "ActivityReport",
    "ExportReport",
    "LeftOut",
    "activity_element",
    "iter_activities_xml",
    "valid_activity_element",
    "write_activities",
]

_POSITION = ACTIVITY_CHILD_POSITION
_ACTIVITY_SINGLES = SINGLE_CHILDREN[""]


def _bool(value: bool) -> str:
    return "1" if value else "0"


def _datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime {value.isoformat()} has no time zone")
    return value.isoformat()


class _Builder:
    """Builds one activity element; ``extras`` maps paths to the content to put back."""

    def __init__(self, activity: ParsedActivity) -> None:
        self.a = activity
        self.lang = activity.default_language or ""
        self.extras: dict[str, ExtraContent] = {e.path: e for e in activity.extra_content}

    def sub(
        self,
        parent: etree._Element,
        tag: str,
        path: str,
        attrs: Iterable[tuple[str, str | None]] = (),
    ) -> etree._Element:
        el = etree.SubElement(parent, tag)
        for name, value in attrs:
            if value is not None:
                el.set(name, value)
        extra = self.extras.get(path)
        if extra is not None:
            for name, value in extra.attributes.items():
                el.set(name, value)
        return el

    def close(self, el: etree._Element, path: str) -> None:
        """Append the extra child elements of ``path`` (after the modelled children, where the
        schema puts its extension wildcard)."""
        extra = self.extras.get(path)
        if extra is not None:
            _put_back(el, path, extra.elements)

    def narratives(self, parent: etree._Element, narratives: Narratives, path: str) -> None:
        # In language order, as the reader numbers them (narrative[n] of the extra content): the
        # stored JSON's own key order is not kept by every database (PostgreSQL's jsonb).
        for index, (lang, text) in enumerate(sorted(narratives.items()), start=1):
            el = self.sub(parent, "narrative", f"{path}/narrative[{index}]")
            if lang and lang != self.lang:
                el.set(XML_LANG, lang)
            el.text = text

    def text_element(
        self,
        parent: etree._Element,
        tag: str,
        narratives: Narratives,
        path: str,
        attrs: Iterable[tuple[str, str | None]] = (),
    ) -> etree._Element:
        el = self.sub(parent, tag, path, attrs)
        self.narratives(el, narratives, path)
        self.close(el, path)
        return el

    def leaf(
        self,
        parent: etree._Element,
        tag: str,
        path: str,
        attrs: Iterable[tuple[str, str | None]],
    ) -> etree._Element:
        el = self.sub(parent, tag, path, attrs)
        self.close(el, path)
        return el

    # ------------------------------------------------------------------ the activity

    def build(self) -> etree._Element:
        root = self._root()
        others, tail = _others_by_position(self.a.other_elements)
        for tag in ACTIVITY_CHILD_ORDER:
            self._children(root, tag, others.get(tag, ()))
        for other in tail:
            root.append(_parse_fragment(other.xml))
        extra = self.extras.get("")
        if extra is not None:
            for xml in extra.elements:
                root.append(_parse_fragment(xml))
        return root

    def _root(self) -> etree._Element:
        """The ``iati-activity`` element with its attributes (and those kept as read)."""
        a = self.a
        attrs: list[tuple[str, str | None]] = [
            (XML_LANG, a.default_language),
            ("default-currency", a.default_currency),
            (
                "last-updated-datetime",
                _datetime(a.last_updated_datetime) if a.last_updated_datetime else None,
            ),
            ("humanitarian", _bool(a.humanitarian) if a.humanitarian is not None else None),
            ("hierarchy", str(a.hierarchy) if a.hierarchy is not None else None),
            ("linked-data-uri", a.linked_data_uri),
            ("budget-not-provided", a.budget_not_provided),
        ]
        root = etree.Element("iati-activity")
        for name, value in attrs:
            if value is not None:
                root.set(name, value)
        extra = self.extras.get("")
        if extra is not None:
            for name, value in extra.attributes.items():
                root.set(name, value)
        return root

    def _children(self, root: etree._Element, tag: str, kept: Sequence[OtherElement]) -> None:
        """The activity's ``tag`` children: those written from the record, then the ``kept``
        ones (elements of that name kept as they were read)."""
        emit = _EMITTERS.get(tag)
        count = len(root)
        if emit is not None:
            emit(self, root)
        if kept and len(root) == count and tag in _ACTIVITY_SINGLES:
            etree.SubElement(root, tag)  # the first one was empty (see _put_back)
        for other in kept:
            root.append(_parse_fragment(other.xml))

    def identifier(self, root: etree._Element) -> None:
        el = self.sub(root, "iati-identifier", "iati-identifier")
        el.text = self.a.iati_identifier
        self.close(el, "iati-identifier")

    def reporting_org(self, root: etree._Element) -> None:
        org = self.a.reporting_org
        secondary = org.secondary_reporter
        self.text_element(
            root,
            "reporting-org",
            org.name,
            "reporting-org",
            [
                ("ref", org.ref),
                ("type", org.type),
                ("secondary-reporter", _bool(secondary) if secondary is not None else None),
            ],
        )

    def title(self, root: etree._Element) -> None:
        if self.a.title or "title" in self.extras:
            self.text_element(root, "title", self.a.title, "title")

    def descriptions(self, root: etree._Element) -> None:
        for i, d in enumerate(self.a.descriptions, start=1):
            self.text_element(
                root, "description", d.narratives, f"description[{i}]", [("type", d.type)]
            )

    def participating_orgs(self, root: etree._Element) -> None:
        for i, p in enumerate(self.a.participating_orgs, start=1):
            self.text_element(
                root,
                "participating-org",
                p.name,
                f"participating-org[{i}]",
                [
                    ("ref", p.ref),
                    ("type", p.type),
                    ("role", p.role),
                    ("activity-id", p.activity_id),
                    ("crs-channel-code", p.crs_channel_code),
                ],
            )

    def _code(self, root: etree._Element, tag: str, code: str | None) -> None:
        if code is not None or tag in self.extras:
            self.leaf(root, tag, tag, [("code", code)])

    def activity_status(self, root: etree._Element) -> None:
        self._code(root, "activity-status", self.a.activity_status)

    def activity_dates(self, root: etree._Element) -> None:
        for i, d in enumerate(self.a.activity_dates, start=1):
            self.text_element(
                root,
                "activity-date",
                d.narrative,
                f"activity-date[{i}]",
                [("type", d.type), ("iso-date", d.iso_date.isoformat() if d.iso_date else None)],
            )

    def activity_scope(self, root: etree._Element) -> None:
        self._code(root, "activity-scope", self.a.activity_scope)

    def recipient_countries(self, root: etree._Element) -> None:
        for i, c in enumerate(self.a.recipient_countries, start=1):
            self.country(root, c, f"recipient-country[{i}]")

    def country(self, parent: etree._Element, c: RecipientCountry, path: str) -> None:
        self.text_element(
            parent,
            "recipient-country",
            c.narrative,
            path,
            [("code", c.code), ("percentage", _dec(c.percentage))],
        )

    def recipient_regions(self, root: etree._Element) -> None:
        for i, r in enumerate(self.a.recipient_regions, start=1):
            self.region(root, r, f"recipient-region[{i}]")

    def region(self, parent: etree._Element, r: RecipientRegion, path: str) -> None:
        self.text_element(
            parent,
            "recipient-region",
            r.narrative,
            path,
            [
                ("code", r.code),
                ("vocabulary", r.vocabulary),
                ("vocabulary-uri", r.vocabulary_uri),
                ("percentage", _dec(r.percentage)),
            ],
        )

    def locations(self, root: etree._Element) -> None:
        for i, loc in enumerate(self.a.locations, start=1):
            path = f"location[{i}]"
            el = self.sub(root, "location", path, [("ref", loc.ref)])
            if loc.location_reach is not None or f"{path}/location-reach" in self.extras:
                self.leaf(
                    el, "location-reach", f"{path}/location-reach", [("code", loc.location_reach)]
                )
            for j, lid in enumerate(loc.location_ids, start=1):
                self.leaf(
                    el,
                    "location-id",
                    f"{path}/location-id[{j}]",
                    [("code", lid.code), ("vocabulary", lid.vocabulary)],
                )
            for tag, narratives in (
                ("name", loc.name),
                ("description", loc.description),
                ("activity-description", loc.activity_description),
            ):
                if narratives or f"{path}/{tag}" in self.extras:
                    self.text_element(el, tag, narratives, f"{path}/{tag}")
            for j, adm in enumerate(loc.administratives, start=1):
                self.leaf(
                    el,
                    "administrative",
                    f"{path}/administrative[{j}]",
                    [
                        ("code", adm.code),
                        ("vocabulary", adm.vocabulary),
                        ("level", str(adm.level) if adm.level is not None else None),
                    ],
                )
            if loc.point is not None:
                ppath = f"{path}/point"
                point = self.sub(el, "point", ppath, [("srsName", loc.point.srs_name)])
                if loc.point.pos is not None:
                    pos = self.sub(point, "pos", f"{ppath}/pos")
                    pos.text = loc.point.pos
                    self.close(pos, f"{ppath}/pos")
                self.close(point, ppath)
            for tag, code in (
                ("exactness", loc.exactness),
                ("location-class", loc.location_class),
                ("feature-designation", loc.feature_designation),
            ):
                if code is not None or f"{path}/{tag}" in self.extras:
                    self.leaf(el, tag, f"{path}/{tag}", [("code", code)])
            self.close(el, path)

    def sectors(self, root: etree._Element) -> None:
        for i, s in enumerate(self.a.sectors, start=1):
            self.sector(root, s, f"sector[{i}]")

    def sector(self, parent: etree._Element, s: Sector, path: str) -> None:
        self.text_element(
            parent,
            "sector",
            s.narrative,
            path,
            [
                ("vocabulary", s.vocabulary),
                ("vocabulary-uri", s.vocabulary_uri),
                ("code", s.code),
                ("percentage", _dec(s.percentage)),
            ],
        )

    def tags(self, root: etree._Element) -> None:
        for i, t in enumerate(self.a.tags, start=1):
            self.text_element(
                root,
                "tag",
                t.narrative,
                f"tag[{i}]",
                [
                    ("code", t.code),
                    ("vocabulary", t.vocabulary),
                    ("vocabulary-uri", t.vocabulary_uri),
                ],
            )

    def policy_markers(self, root: etree._Element) -> None:
        for i, p in enumerate(self.a.policy_markers, start=1):
            self.text_element(
                root,
                "policy-marker",
                p.narrative,
                f"policy-marker[{i}]",
                [
                    ("vocabulary", p.vocabulary),
                    ("vocabulary-uri", p.vocabulary_uri),
                    ("code", p.code),
                    ("significance", p.significance),
                ],
            )

    def collaboration_type(self, root: etree._Element) -> None:
        self._code(root, "collaboration-type", self.a.collaboration_type)

    def default_flow_type(self, root: etree._Element) -> None:
        self._code(root, "default-flow-type", self.a.default_flow_type)

    def default_finance_type(self, root: etree._Element) -> None:
        self._code(root, "default-finance-type", self.a.default_finance_type)

    def aid_type(self, parent: etree._Element, tag: str, aid: CodeVocabulary, path: str) -> None:
        self.leaf(parent, tag, path, [("code", aid.code), ("vocabulary", aid.vocabulary)])

    def default_aid_types(self, root: etree._Element) -> None:
        for i, aid in enumerate(self.a.default_aid_types, start=1):
            self.aid_type(root, "default-aid-type", aid, f"default-aid-type[{i}]")

    def default_tied_status(self, root: etree._Element) -> None:
        self._code(root, "default-tied-status", self.a.default_tied_status)

    def value(
        self,
        parent: etree._Element,
        path: str,
        amount: Decimal | None,
        currency: str | None,
        value_date: dt.date | None,
    ) -> None:
        if amount is None and currency is None and value_date is None and path not in self.extras:
            return
        el = self.sub(
            parent,
            "value",
            path,
            [
                ("currency", currency),
                ("value-date", value_date.isoformat() if value_date else None),
            ],
        )
        if amount is not None:
            el.text = decimal_to_str(amount)
        self.close(el, path)

    def budgets(self, root: etree._Element) -> None:
        for i, b in enumerate(self.a.budgets, start=1):
            path = f"budget[{i}]"
            el = self.sub(root, "budget", path, [("type", b.type), ("status", b.status)])
            for tag, day in (("period-start", b.period_start), ("period-end", b.period_end)):
                if day is not None or f"{path}/{tag}" in self.extras:
                    self.leaf(
                        el, tag, f"{path}/{tag}", [("iso-date", day.isoformat() if day else None)]
                    )
            self.value(el, f"{path}/value", b.value, b.currency, b.value_date)
            self.close(el, path)

    def org(
        self, parent: etree._Element, tag: str, org: TransactionOrg | None, path: str, id_attr: str
    ) -> None:
        if org is None:
            return
        self.text_element(
            parent,
            tag,
            org.narrative,
            path,
            [("ref", org.ref), (id_attr, org.activity_id), ("type", org.type)],
        )

    def transactions(self, root: etree._Element) -> None:
        for i, t in enumerate(self.a.transactions, start=1):
            path = f"transaction[{i}]"
            humanitarian = _bool(t.humanitarian) if t.humanitarian is not None else None
            el = self.sub(
                root, "transaction", path, [("ref", t.ref), ("humanitarian", humanitarian)]
            )
            if t.type is not None or f"{path}/transaction-type" in self.extras:
                self.leaf(el, "transaction-type", f"{path}/transaction-type", [("code", t.type)])
            if t.date is not None or f"{path}/transaction-date" in self.extras:
                self.leaf(
                    el,
                    "transaction-date",
                    f"{path}/transaction-date",
                    [("iso-date", t.date.isoformat() if t.date else None)],
                )
            self.value(el, f"{path}/value", t.value, t.currency, t.value_date)
            if t.description or f"{path}/description" in self.extras:
                self.text_element(el, "description", t.description, f"{path}/description")
            self.org(
                el, "provider-org", t.provider_org, f"{path}/provider-org", "provider-activity-id"
            )
            self.org(
                el, "receiver-org", t.receiver_org, f"{path}/receiver-org", "receiver-activity-id"
            )
            self.code_leaf(el, "disbursement-channel", t.disbursement_channel, path)
            for j, s in enumerate(t.sectors, start=1):
                self.sector(el, s, f"{path}/sector[{j}]")
            if t.recipient_country is not None:
                self.country(el, t.recipient_country, f"{path}/recipient-country")
            if t.recipient_region is not None:
                self.region(el, t.recipient_region, f"{path}/recipient-region")
            self.code_leaf(el, "flow-type", t.flow_type, path)
            self.code_leaf(el, "finance-type", t.finance_type, path)
            for j, aid in enumerate(t.aid_types, start=1):
                self.aid_type(el, "aid-type", aid, f"{path}/aid-type[{j}]")
            self.code_leaf(el, "tied-status", t.tied_status, path)
            self.close(el, path)

    def code_leaf(self, parent: etree._Element, tag: str, code: str | None, path: str) -> None:
        """``<tag code="..."/>`` in the element at ``path``, if it has a code or extra content."""
        if code is not None or f"{path}/{tag}" in self.extras:
            self.leaf(parent, tag, f"{path}/{tag}", [("code", code)])

    def document_links(self, root: etree._Element) -> None:
        for i, d in enumerate(self.a.document_links, start=1):
            path = f"document-link[{i}]"
            el = self.sub(root, "document-link", path, [("url", d.url), ("format", d.format)])
            if d.title or f"{path}/title" in self.extras:
                self.text_element(el, "title", d.title, f"{path}/title")
            if d.description or f"{path}/description" in self.extras:
                self.text_element(el, "description", d.description, f"{path}/description")
            for j, code in enumerate(d.categories, start=1):
                self.leaf(el, "category", f"{path}/category[{j}]", [("code", code)])
            for j, code in enumerate(d.languages, start=1):
                self.leaf(el, "language", f"{path}/language[{j}]", [("code", code)])
            if d.document_date is not None or f"{path}/document-date" in self.extras:
                day = d.document_date
                self.leaf(
                    el,
                    "document-date",
                    f"{path}/document-date",
                    [("iso-date", day.isoformat() if day else None)],
                )
            self.close(el, path)

    def related_activities(self, root: etree._Element) -> None:
        for i, r in enumerate(self.a.related_activities, start=1):
            self.leaf(
                root,
                "related-activity",
                f"related-activity[{i}]",
                [("ref", r.ref), ("type", r.type)],
            )


_EMITTERS: dict[str, Callable[[_Builder, etree._Element], None]] = {
    "iati-identifier": _Builder.identifier,
    "reporting-org": _Builder.reporting_org,
    "title": _Builder.title,
    "description": _Builder.descriptions,
    "participating-org": _Builder.participating_orgs,
    "activity-status": _Builder.activity_status,
    "activity-date": _Builder.activity_dates,
    "activity-scope": _Builder.activity_scope,
    "recipient-country": _Builder.recipient_countries,
    "recipient-region": _Builder.recipient_regions,
    "location": _Builder.locations,
    "sector": _Builder.sectors,
    "tag": _Builder.tags,
    "policy-marker": _Builder.policy_markers,
    "collaboration-type": _Builder.collaboration_type,
    "default-flow-type": _Builder.default_flow_type,
    "default-finance-type": _Builder.default_finance_type,
    "default-aid-type": _Builder.default_aid_types,
    "default-tied-status": _Builder.default_tied_status,
    "budget": _Builder.budgets,
    "transaction": _Builder.transactions,
    "document-link": _Builder.document_links,
    "related-activity": _Builder.related_activities,
}


def _put_back(el: etree._Element, path: str, elements: Iterable[str]) -> None:
    """Append the kept-aside child elements of ``el`` (``path``, as the reader names it).

    The reader keeps aside the second and later copies of a child it reads only once, and reads
    the first even when it holds nothing (a ``transaction-type`` without a code, a title without
    narratives). The writer writes nothing for such an empty field, so that read again the kept
    copy would be taken as the first: an empty element goes before it instead.
    """
    singles = SINGLE_CHILDREN.get(path.rsplit("/", 1)[-1].split("[", 1)[0])
    for xml in elements:
        child = _parse_fragment(xml)
        if singles is not None and child.tag in singles and el.find(child.tag) is None:
            etree.SubElement(el, child.tag)
        el.append(child)


def _dec(value: Decimal | None) -> str | None:
    return decimal_to_str(value) if value is not None else None


_FRAGMENT_PARSER = safe_parser(remove_blank_text=False)


def _others_by_position(
    other_elements: Iterable[OtherElement],
) -> tuple[dict[str, list[OtherElement]], list[OtherElement]]:
    """Elements kept as they were read: those of a name the schema places (by name, each
    written after the activity's own of that name), and the rest (written at the end)."""
    others: dict[str, list[OtherElement]] = {}
    tail: list[OtherElement] = []
    for other in other_elements:
        if other.tag in _POSITION:
            others.setdefault(other.tag, []).append(other)
        else:
            tail.append(other)
    return others, tail


def _parse_fragment(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"), _FRAGMENT_PARSER)


def activity_element(activity: ParsedActivity) -> etree._Element:
    """The ``iati-activity`` element for one activity (schema order, extras put back).

    Text XML cannot hold (a control character typed into the registry before it was refused,
    say) is written as U+FFFD rather than failing the whole export."""
    try:
        return _Builder(activity).build()
    except ValueError:  # lxml: "All strings must be XML compatible"
        return _Builder(ParsedActivity.from_dict(_xml_safe(activity.to_dict()))).build()


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return NOT_IN_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_xml_safe(key): _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


# =========================================================================== valid exports


@dataclasses.dataclass(slots=True)
class LeftOut:
    """One thing a valid export left out of an activity, and why (the schema's objections to
    it, in plain English)."""

    path: str  # as the reader names it: "iati-activity/budget[2]", ".../document-link[1]/@foo"
    reason: str


@dataclasses.dataclass(slots=True)
class ActivityReport:
    """What a valid export left out of one activity; ``whole``: the activity itself."""

    identifier: str
    left_out: list[LeftOut]
    whole: bool = False

    def sentence(self) -> str:
        """One line: the identifier, what was left out and why."""
        parts = "; ".join(f"{item.path} ({item.reason})" for item in self.left_out)
        if self.whole:
            return (
                f"{self.identifier}: the activity is left out, for IATI 2.03 does not allow it "
                f"and nothing smaller could be left out instead: {parts}"
            )
        return f"{self.identifier}: left out what IATI 2.03 does not allow: {parts}"


@dataclasses.dataclass(slots=True)
class ExportReport:
    """What an export wrote and left out, filled in as the file is written: pass one to
    ``write_activities`` or ``iter_activities_xml`` and read it once the file is complete."""

    written: int = 0  # activities written
    activities: list[ActivityReport] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> int:
        """Activities written without something the schema does not allow."""
        return sum(1 for entry in self.activities if not entry.whole)

    @property
    def omitted(self) -> int:
        """Activities left out whole."""
        return sum(1 for entry in self.activities if entry.whole)

    def summary(self, *, limit: int | None = None) -> str:
        """The report in English, one line per activity that lost something (the first
        ``limit`` of them): what the command prints, and the file's last comment says."""
        if self.written:
            head = f"{self.written} activities written as valid IATI 2.03"
        else:  # the schema wants one activity at least: nothing to be done about it
            head = "No activity written, and a file without one is not valid IATI 2.03"
        if not self.activities:
            return head + "; nothing had to be left out."
        parts = []
        if self.changed:
            parts.append(f"{self.changed} of them without what the schema does not allow")
        if self.omitted:
            parts.append(f"{self.omitted} left out whole")
        head += "; " + ", and ".join(parts) + ":"
        shown = self.activities if limit is None else self.activities[:limit]
        lines = [head, *(f"  {entry.sentence()}" for entry in shown)]
        if len(shown) < len(self.activities):
            lines.append(
                f"  and {len(self.activities) - len(shown)} more (see the comment before each)."
            )
        return "\n".join(lines)


# A schema error whose fix leaves another (a required child removed, say) is met again in the
# next round; an activity still invalid after this many rounds is left out whole.
_MAX_ROUNDS = 64


def valid_activity_element(
    activity: ParsedActivity,
) -> tuple[etree._Element | None, ActivityReport | None]:
    """The activity's element made valid against the 2.03 schema, and what had to be left out
    (None: nothing). The element is None when the activity itself must be left out: nothing
    smaller than it makes it valid (a required child it does not have, say)."""
    el = activity_element(activity)
    schema = activity_schema()
    if schema.validate(el):
        return el, None
    tree = el.getroottree()
    original = {node: indexed_path(tree.getpath(node)) for node in el.iter()}
    left_out: dict[str, list[str]] = {}  # path -> reasons, in the order met
    for _ in range(_MAX_ROUNDS):
        elements, attributes, whole = _errors_by_target(schema.error_log, el)
        if whole:
            for reasons in (*elements.values(), *attributes.values()):
                whole.extend(reasons)
            return None, _report(activity, left_out, whole)
        _leave_out(elements, attributes, original, left_out)
        if schema.validate(el):
            return el, _report(activity, left_out, [])
    return None, _report(activity, left_out, ["still not valid after leaving out the above"])


def _errors_by_target(
    error_log: etree._ListErrorLog, el: etree._Element
) -> tuple[dict[etree._Element, list[str]], dict[tuple[etree._Element, str], list[str]], list[str]]:
    """The reasons of each schema error, by what could be left out to fix it: an element
    below the activity, an attribute of one, or only the activity itself (the last list)."""
    tree = el.getroottree()
    nodes = {tree.getpath(node): node for node in el.iter()}
    elements: dict[etree._Element, list[str]] = {}
    attributes: dict[tuple[etree._Element, str], list[str]] = {}
    whole: list[str] = []
    for entry in error_log:
        code, params = describe_message(entry.message)
        reason = reason_of(code, params)
        node = nodes.get(entry.path or "")
        attribute = _attribute_of(entry.message)
        if node is not None and attribute is not None and attribute in node.attrib:
            attributes.setdefault((node, attribute), []).append(reason)
        elif node is None or node is el:
            whole.append(reason)  # the activity's own content: nothing smaller to leave out
        else:
            elements.setdefault(node, []).append(reason)
    return elements, attributes, whole


def _leave_out(
    elements: dict[etree._Element, list[str]],
    attributes: dict[tuple[etree._Element, str], list[str]],
    original: dict[etree._Element, str],
    left_out: dict[str, list[str]],
) -> None:
    """Remove the attributes and elements at fault (an attribute goes with its element, an
    element with its ancestor), noting each in ``left_out`` by its ``original`` path."""
    for (node, attribute), reasons in attributes.items():
        if node in elements:
            continue  # goes with its element
        del node.attrib[attribute]
        left_out.setdefault(f"{original.get(node, '?')}/@{attribute}", []).extend(reasons)
    for node, reasons in elements.items():
        if any(ancestor in elements for ancestor in node.iterancestors()):
            continue  # goes with its ancestor
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
        left_out.setdefault(original.get(node, "?"), []).extend(reasons)


def _report(
    activity: ParsedActivity, left_out: dict[str, list[str]], whole: list[str]
) -> ActivityReport:
    items = [LeftOut(path, "; ".join(dict.fromkeys(reasons))) for path, reasons in left_out.items()]
    if whole:
        items.insert(0, LeftOut("iati-activity", "; ".join(dict.fromkeys(whole))))
    return ActivityReport(activity.iati_identifier, items, whole=bool(whole))


def indexed_path(path: str) -> str:
    """A libxml2 path (``/iati-activity/budget/value``) as the reader names elements
    (``iati-activity/budget[1]/value``)."""
    rest = path[len("/iati-activity") :] if path.startswith("/iati-activity") else path
    return "iati-activity" + indexed_steps(rest)


def _attribute_of(message: str) -> str | None:
    """The attribute a schema message is about (``Element 'x', attribute 'y': ...``), as lxml
    names it; None for a message about the element (a missing attribute is one)."""
    head = message.split(": ", 1)[0]
    marker = ", attribute '"
    if marker not in head:
        return None
    name = head.split(marker, 1)[1].rstrip("'")
    if name.startswith("xml:"):
        return "{http://www.w3.org/XML/1998/namespace}" + name[4:]
    return name


_HEAD_COMMENT = (
    "Written by cbcoord as IATI 2.03, each activity validated against the 2.03 schema: what "
    "the schema does not allow was left out. A comment before an activity says what and why, "
    "and the last comment of the file (before its end tag) sums it up."
)


def _comment(text: str) -> etree._Comment:
    """A comment holding ``text``: no "--" (which XML forbids there), no "<" (so that no
    reader cutting the file at activity start tags is misled), nothing XML cannot hold."""
    text = NOT_IN_XML.sub("\ufffd", text).replace("<", "&lt;").replace(">", "&gt;")
    while "--" in text:
        text = text.replace("--", "- -")
    return etree.Comment(f" {text.rstrip('-')} ")


def write_activities(
    activities: Iterable[ParsedActivity],
    out: BinaryIO,
    *,
    generated_datetime: dt.datetime,
    linked_data_default: str | None = None,
    pretty_print: bool = True,
    validate: bool = True,
    report: ExportReport | None = None,
) -> int:
    """Write an IATI 2.03 activity file to ``out`` (a binary file object); return the number of
    activities written.

    ``generated_datetime`` must be timezone-aware. The root gets no ``xml:lang``: each activity
    carries its own, so that narratives read back in the same language. With
    ``pretty_print=False`` each activity is written on one line (smaller files). With
    ``validate`` (the default) the file is valid IATI 2.03 and ``report``, if given, says what
    was left out (see the module's docstring); without, activities are written as stored.
    """
    report = ExportReport() if report is None else report
    for piece in iter_activities_xml(
        activities,
        generated_datetime=generated_datetime,
        linked_data_default=linked_data_default,
        pretty_print=pretty_print,
        validate=validate,
        report=report,
    ):
        out.write(piece)
    return report.written


def iter_activities_xml(
    activities: Iterable[ParsedActivity],
    *,
    generated_datetime: dt.datetime,
    linked_data_default: str | None = None,
    pretty_print: bool = True,
    piece_bytes: int = 256 * 1024,
    validate: bool = True,
    report: ExportReport | None = None,
) -> Iterator[bytes]:
    """The file ``write_activities`` writes, in pieces of about ``piece_bytes`` as it is made:
    a download can start with the first activities instead of after the last. ``report`` is
    complete once the last piece has been taken."""
    report = ExportReport() if report is None else report
    root_attrs = {"version": "2.03", "generated-datetime": _datetime(generated_datetime)}
    if linked_data_default:
        root_attrs["linked-data-default"] = linked_data_default
    sink = _Pieces()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        if validate:
            head = _comment(_HEAD_COMMENT)
            head.tail = "\n"  # text beside the root is written as a tail, or not at all
            xf.write(head)
        with xf.element("iati-activities", root_attrs):
            xf.write("\n")
            for activity in activities:
                el: etree._Element | None
                if validate:
                    el, entry = valid_activity_element(activity)
                    if entry is not None:
                        report.activities.append(entry)
                        xf.write(_comment(entry.sentence()), "\n")
                else:
                    el = activity_element(activity)
                if el is not None:
                    xf.write(el, pretty_print=pretty_print)
                    report.written += 1
                    if not pretty_print:
                        xf.write("\n")
                xf.flush()  # lxml keeps its own buffer: hand what it has to the sink
                if sink.size >= piece_bytes:
                    yield sink.take()
            if validate:
                xf.write(_comment(report.summary(limit=100)), "\n")
    yield sink.take()


class _Pieces:
    """A write-only file that keeps what it is given until taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(bytes(data))
        self.size += len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data
