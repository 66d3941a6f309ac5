"""Stream ``ParsedActivity`` objects out as an IATI 2.03 activity file.

``write_activities(activities, out, generated_datetime=...)`` writes an ``iati-activities
version="2.03"`` document with ``lxml.etree.xmlfile``, one activity at a time (memory stays flat).
Elements come in the order the 2.03 schema requires; ``other_elements`` go back into their schema
positions (unknown and extension elements at the end, where the schema allows them) and
``extra_content`` back into the element it came from. If the activity that was parsed was valid,
the written one is valid; ``parse -> write -> parse`` gives equal ``content_dict()``s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from lxml import etree

from cbcoord.iati.reading import SINGLE_CHILDREN
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
from cbcoord.iati.validation import safe_parser

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

__all__ = ["ACTIVITY_CHILD_ORDER", "activity_element", "write_activities"]

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

        others: dict[str, list[OtherElement]] = {}
        tail: list[OtherElement] = []
        for other in a.other_elements:
            if other.tag in _POSITION:
                others.setdefault(other.tag, []).append(other)
            else:
                tail.append(other)

        for tag in ACTIVITY_CHILD_ORDER:
            emit = _EMITTERS.get(tag)
            count = len(root)
            if emit is not None:
                emit(self, root)
            kept = others.get(tag, ())
            if kept and len(root) == count and tag in _ACTIVITY_SINGLES:
                etree.SubElement(root, tag)  # the first one was empty (see _put_back)
            for other in kept:
                root.append(_parse_fragment(other.xml))
        for other in tail:
            root.append(_parse_fragment(other.xml))
        if extra is not None:
            for xml in extra.elements:
                root.append(_parse_fragment(xml))
        return root

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


def write_activities(
    activities: Iterable[ParsedActivity],
    out: BinaryIO,
    *,
    generated_datetime: dt.datetime,
    linked_data_default: str | None = None,
    pretty_print: bool = True,
) -> int:
    """Write an IATI 2.03 activity file to ``out`` (a binary file object); return the count.

    ``generated_datetime`` must be timezone-aware. The root gets no ``xml:lang``: each activity
    carries its own, so that narratives read back in the same language. With
    ``pretty_print=False`` each activity is written on one line (smaller files).
    """
    counted = _Counted(activities)
    for piece in iter_activities_xml(
        counted,
        generated_datetime=generated_datetime,
        linked_data_default=linked_data_default,
        pretty_print=pretty_print,
    ):
        out.write(piece)
    return counted.count


def iter_activities_xml(
    activities: Iterable[ParsedActivity],
    *,
    generated_datetime: dt.datetime,
    linked_data_default: str | None = None,
    pretty_print: bool = True,
    piece_bytes: int = 256 * 1024,
) -> Iterator[bytes]:
    """The file ``write_activities`` writes, in pieces of about ``piece_bytes`` as it is made:
    a download can start with the first activities instead of after the last."""
    root_attrs = {"version": "2.03", "generated-datetime": _datetime(generated_datetime)}
    if linked_data_default:
        root_attrs["linked-data-default"] = linked_data_default
    sink = _Pieces()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", root_attrs):
            xf.write("\n")
            for activity in activities:
                xf.write(activity_element(activity), pretty_print=pretty_print)
                if not pretty_print:
                    xf.write("\n")
                xf.flush()  # lxml keeps its own buffer: hand what it has to the sink
                if sink.size >= piece_bytes:
                    yield sink.take()
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


class _Counted:
    """``activities``, counting those handed out."""

    def __init__(self, activities: Iterable[ParsedActivity]) -> None:
        self._activities = activities
        self.count = 0

    def __iter__(self) -> Iterator[ParsedActivity]:
        for activity in self._activities:
            self.count += 1
            yield activity
