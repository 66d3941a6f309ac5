"""The per-element reader: one ``iati-activity`` element into its content.

``ActivityReader.read`` turns an activity element into the JSON-ready dict that is stored (the
shape of ``ParsedActivity.content_dict()``), checking codes against the codelists as it goes;
``finish`` then serialises what is kept verbatim (other elements, extra content). It raises
``Refuse`` for what cannot be read faithfully: no identifier, no usable reporting-org, or (with
``strict``) a number, date or boolean that does not parse; without ``strict`` such a value is a
warning and its field stays empty (see ``ActivityReader._unreadable``).
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from cbcoord.iati.diagnostics import reason_of
from cbcoord.iati.reading.common import SAFE, XML_LANG, sourceline, text_of
from cbcoord.iati.reading.values import (
    DATES,
    boolean,
    date_text,
    datetime_text,
    decimal_text,
    whole_number,
)
from cbcoord.iati.records import (
    ACTIVITY_CHILD_POSITION,
    IDENTIFIER_MAX_LENGTH,
    ActivityContent,
    DataQualityWarning,
    Narratives,
    Point,
)
from cbcoord.iati.validation import CodelistChecker

__all__ = ["SINGLE_CHILDREN", "ActivityReader", "Draft", "Refuse"]


class Refuse(Exception):
    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.line = line
        self.reason = reason


def _full(path: str) -> str:
    return f"iati-activity/{path}" if path else "iati-activity"


def _last_name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1].split("[", 1)[0].lstrip("@")


# With ``strict``, a value that does not parse refuses its activity, for these reasons.
_REFUSALS = {
    "value.not-a-number": "{name} '{value}' is not a number",
    "value.not-a-date": "{name} '{value}' is not a date (YYYY-MM-DD)",
    "value.not-a-boolean": "{name} '{value}' is not a boolean",
    "value.not-a-whole-number": "{name} '{value}' is not a whole number",
    "value.not-a-datetime": "{name} '{value}' is not a date-time (or is out of range)",
}


# Attributes each modelled element may carry (anything else goes to extra_content).
_K_ACTIVITY = frozenset(
    {
        XML_LANG,
        "default-currency",
        "last-updated-datetime",
        "humanitarian",
        "hierarchy",
        "linked-data-uri",
        "budget-not-provided",
    }
)
_K_NONE: frozenset[str] = frozenset()
_K_CODE = frozenset({"code"})
_K_CODE_VOCAB = frozenset({"code", "vocabulary"})
_K_TYPE = frozenset({"type"})
_K_ISO = frozenset({"iso-date"})
_K_LANG = frozenset({XML_LANG})
_K_REPORTING = frozenset({"ref", "type", "secondary-reporter"})
_K_PARTICIPATING = frozenset({"ref", "type", "role", "activity-id", "crs-channel-code"})
_K_ACTIVITY_DATE = frozenset({"type", "iso-date"})
_K_COUNTRY = frozenset({"code", "percentage"})
_K_REGION = frozenset({"code", "vocabulary", "vocabulary-uri", "percentage"})
_K_TAG = frozenset({"code", "vocabulary", "vocabulary-uri"})
_K_POLICY = frozenset({"code", "vocabulary", "vocabulary-uri", "significance"})
_K_BUDGET = frozenset({"type", "status"})
_K_VALUE = frozenset({"currency", "value-date"})
_K_TRANSACTION = frozenset({"ref", "humanitarian"})
_K_PROVIDER = frozenset({"ref", "type", "provider-activity-id"})
_K_RECEIVER = frozenset({"ref", "type", "receiver-activity-id"})
_K_LOCATION = frozenset({"ref"})
_K_ADMIN = frozenset({"code", "vocabulary", "level"})
_K_POINT = frozenset({"srsName"})
_K_DOCLINK = frozenset({"url", "format"})
_K_RELATED = frozenset({"ref", "type"})

# Children of iati-activity that are only a @code, read into the field of the same name.
_CODE_ONLY = (
    "activity-status",
    "activity-scope",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-tied-status",
)
_CODE_ONLY_KEYS = {tag: f"{tag}/@code" for tag in _CODE_ONLY}
# Children of iati-activity that the model holds at most once.
_SINGLETONS = frozenset({"iati-identifier", "reporting-org", "title", *_CODE_ONLY})
_TRANSACTION_SINGLETONS = frozenset(
    {
        "transaction-type",
        "transaction-date",
        "value",
        "description",
        "provider-org",
        "receiver-org",
        "disbursement-channel",
        "recipient-country",
        "recipient-region",
        "flow-type",
        "finance-type",
        "tied-status",
    }
)
_TRANSACTION_LISTS = frozenset({"sector", "aid-type"})
_TRANSACTION_CODE_KEYS = {
    tag: f"transaction/{tag}/@code"
    for tag in ("disbursement-channel", "flow-type", "finance-type", "tied-status")
}
_LOCATION_CODE_KEYS = {
    tag: f"location/{tag}/@code"
    for tag in ("location-reach", "exactness", "location-class", "feature-designation")
}
_LOCATION_CODE_FIELDS = {
    "location-reach": "location_reach",
    "exactness": "exactness",
    "location-class": "location_class",
    "feature-designation": "feature_designation",
}
_LOCATION_SINGLETONS = frozenset(
    {
        "location-reach",
        "name",
        "description",
        "activity-description",
        "point",
        "exactness",
        "location-class",
        "feature-designation",
    }
)
_LOCATION_LISTS = frozenset({"location-id", "administrative"})
_BUDGET_SINGLETONS = frozenset({"period-start", "period-end", "value"})
_DOCLINK_SINGLETONS = frozenset({"title", "description", "document-date"})
_DOCLINK_LISTS = frozenset({"category", "language"})
#: The children read at most once, by parent ("" is iati-activity): a later copy is kept aside
#: (other elements, extra content), so the writer must write the first even if it was empty.
SINGLE_CHILDREN: dict[str, frozenset[str]] = {
    "": _SINGLETONS,
    "transaction": _TRANSACTION_SINGLETONS,
    "location": _LOCATION_SINGLETONS,
    "budget": _BUDGET_SINGLETONS,
    "document-link": _DOCLINK_SINGLETONS,
}

_UNSET: Any = object()
# "@code" and "@vocabulary" codelist keys of the elements read by ``_coded`` and ``_aid_type``.
_CODE_KEYS = {
    key: (f"{key}/@code", f"{key}/@vocabulary")
    for key in (
        "sector",
        "recipient-region",
        "transaction/sector",
        "transaction/recipient-region",
        "default-aid-type",
        "transaction/aid-type",
    )
}


def _own_text(el: etree._Element) -> str:
    """The text of ``el`` itself, without that of its child elements: for elements whose
    child elements are kept aside as extra content (and written back), so that their text is
    not counted twice. Comments and processing instructions do not cut it short."""
    return (el.text or "") + "".join(child.tail or "" for child in el)


def _schema_position(el: etree._Element) -> int:
    return ACTIVITY_CHILD_POSITION.get(el.tag, len(ACTIVITY_CHILD_POSITION))


Content = dict[str, Any]


def _new_content(language: str | None) -> Content:
    """An activity's content before its children are read (``ParsedActivity``'s defaults)."""
    return {
        "iati_identifier": "",
        "reporting_org": {"ref": None, "type": None, "name": {}, "secondary_reporter": None},
        "default_language": language,
        "default_currency": None,
        "last_updated_datetime": None,
        "hierarchy": None,
        "humanitarian": None,
        "linked_data_uri": None,
        "budget_not_provided": None,
        "title": {},
        "descriptions": [],
        "participating_orgs": [],
        "activity_status": None,
        "activity_dates": [],
        "activity_scope": None,
        "recipient_countries": [],
        "recipient_regions": [],
        "locations": [],
        "sectors": [],
        "tags": [],
        "policy_markers": [],
        "collaboration_type": None,
        "default_flow_type": None,
        "default_finance_type": None,
        "default_aid_types": [],
        "default_tied_status": None,
        "budgets": [],
        "transactions": [],
        "document_links": [],
        "related_activities": [],
        "other_elements": [],
        "extra_content": [],
    }


def _extra_content(path: str) -> Content:
    return {"path": path, "attributes": {}, "elements": []}


class Draft:
    """What ``read()`` produced for one activity, before its elements are serialised."""

    __slots__ = ("activity", "extras", "others", "pending", "warnings")

    def __init__(
        self,
        activity: Content,
        extras: dict[str, Content],
        others: list[etree._Element],
        pending: list[tuple[str, etree._Element]],
        warnings: list[DataQualityWarning],
    ) -> None:
        self.activity = activity
        self.extras = extras
        self.others = others
        self.pending = pending
        self.warnings = warnings


class ActivityReader:
    """Reads one ``iati-activity`` element into its content: a dict shaped exactly like
    ``ParsedActivity.content_dict()`` (decimals and dates as their canonical strings), built
    without the dataclasses because the importer stores JSON. One instance per file.

    Two modes. The fast mode reads what the model holds and nothing else; it is exact for an
    activity that is schema-valid and has no extension content (no namespaced attribute or
    element inside a modelled element, no ``xml:lang`` outside ``narrative``). The careful mode
    also keeps every unmodelled attribute and child element (``extra_content``) and surplus
    occurrences of single elements; the caller uses it for every other activity.
    """

    def __init__(
        self,
        *,
        file_language: str | None,
        checker: CodelistChecker | None,
        strict: bool = False,
    ) -> None:
        self.file_language = file_language
        self.checker = checker
        self.strict = strict  # a value that does not parse refuses the activity
        self._allowed: dict[tuple[str, str | None], frozenset[str] | None] = {}
        self._allowed1: dict[str, frozenset[str] | None] = {}
        self._langs: dict[str, tuple[str, tuple[str, dict[str, str]] | None]] = {}
        self._activity_langs: dict[str, tuple[str, dict[str, str]] | None] = {}
        self._handlers: dict[str, Callable[[etree._Element, Content], None]] = {
            "iati-identifier": self._identifier,
            "reporting-org": self._reporting_org,
            "title": self._title,
            "description": self._description,
            "participating-org": self._participating_org,
            "activity-date": self._activity_date,
            "recipient-country": self._recipient_country,
            "recipient-region": self._recipient_region,
            "location": self._location,
            "sector": self._sector,
            "tag": self._tag,
            "policy-marker": self._policy_marker,
            "default-aid-type": self._default_aid_type,
            "budget": self._budget,
            "transaction": self._transaction,
            "document-link": self._document_link,
            "related-activity": self._related_activity,
        }
        for tag in _CODE_ONLY:
            self._handlers[tag] = functools.partial(self._code_field, tag, tag.replace("-", "_"))
        # the codes accepted without a word, for the most frequent keys (None: not checked)
        self._ok_transaction_type = self._allowed_codes("transaction/transaction-type/@code")
        self._ok_budget_type = self._allowed_codes("budget/@type")
        self._ok_budget_status = self._allowed_codes("budget/@status")
        self._ok_date_type = self._allowed_codes("activity-date/@type")
        self._ok_currency = {
            key: self._allowed_codes(key)
            for key in ("budget/value/@currency", "transaction/value/@currency")
        }
        self.careful = False
        self.lang = ""
        self.activity_line: int | None = None
        self.warnings: list[DataQualityWarning] = []
        self.extras: dict[str, Content] = {}
        self.pending: list[tuple[str, etree._Element]] = []
        self.others: list[etree._Element] = []

    # ------------------------------------------------------------------ entry points

    def read(self, el: etree._Element, *, careful: bool) -> Draft:  # noqa: C901 - one pass over an activity's children, kept flat for import speed
        """Extract the model (raises ``Refuse``). Elements to keep verbatim are only noted
        here; ``finish()`` serialises them once no other thread reads the tree."""
        self.careful = careful
        self.warnings = []
        self.extras = {}
        self.pending = []
        self.others = []
        get = el.get
        own_lang = get(XML_LANG)
        lang = own_lang.strip().lower() if own_lang and own_lang.strip() else self.file_language
        self.lang = lang or ""
        line = self.activity_line = el.sourceline
        activity = _new_content(lang)
        self._check_attributes(el, "", _K_ACTIVITY)
        if lang:
            problem = self._activity_langs.get(lang, _UNSET)
            if problem is _UNSET:
                problem = self._activity_langs[lang] = self._language_problem(lang)
            if problem is not None:
                self._warn("", el, *problem)
        currency = get("default-currency")
        activity["default_currency"] = currency
        if currency is not None:
            self._code("@default-currency", currency, None, el, "")
        raw = get("last-updated-datetime")
        if raw is not None:
            known = datetime_text(raw)
            if known is None:
                self._unreadable(raw, el, "", "@last-updated-datetime", "value.not-a-datetime")
            else:
                activity["last_updated_datetime"], note = known
                if note:
                    self._warn("", el, note, {"attribute": "last-updated-datetime", "value": raw})
        raw = get("hierarchy")
        if raw is not None:
            activity["hierarchy"] = self._int(raw, el, "", "@hierarchy")
        raw = get("humanitarian")
        if raw is not None:
            activity["humanitarian"] = self._bool(raw, el, "", "@humanitarian")
        activity["linked_data_uri"] = get("linked-data-uri")
        raw = get("budget-not-provided")
        activity["budget_not_provided"] = raw
        if raw is not None:
            self._code("@budget-not-provided", raw, None, el, "")

        seen: set[str] = set()
        handlers = self._handlers
        for child in el:
            tag = child.tag
            handler = handlers.get(tag)  # comments have a function as tag: no handler
            if handler is None:
                if type(tag) is str:
                    self.others.append(child)
                continue
            if tag in _SINGLETONS:
                if tag in seen:
                    self.others.append(child)
                    continue
                seen.add(tag)
            handler(child, activity)

        if not activity["iati_identifier"]:
            reason = (
                "iati-identifier is empty"
                if "iati-identifier" in seen
                else "the activity has no iati-identifier"
            )
            raise Refuse("iati-activity/iati-identifier", line, reason)
        if len(activity["iati_identifier"]) > IDENTIFIER_MAX_LENGTH:
            raise Refuse(
                "iati-activity/iati-identifier",
                line,
                f"iati-identifier is {len(activity['iati_identifier'])} characters long; "
                f"at most {IDENTIFIER_MAX_LENGTH} are stored",
            )
        if "reporting-org" not in seen:
            raise Refuse("iati-activity/reporting-org", line, "the activity has no reporting-org")
        org = activity["reporting_org"]
        if not (org["ref"] and org["ref"].strip()) and not any(org["name"].values()):
            raise Refuse(
                "iati-activity/reporting-org", line, "reporting-org has neither a ref nor a name"
            )
        return Draft(activity, self.extras, self.others, self.pending, self.warnings)

    @staticmethod
    def finish(draft: Draft, line: int) -> ActivityContent:
        """Serialise the kept elements. Call only when no other thread reads the tree."""
        activity = draft.activity
        if draft.others:
            # In schema order (a stable sort: document order among equals, unknown elements
            # last), which is where the writer puts them back: read again, they come in the
            # same order, so an export reads back as the same content.
            others = sorted(draft.others, key=_schema_position)
            activity["other_elements"] = [
                {"tag": str(child.tag), "xml": _canonical(child)} for child in others
            ]
        extras = draft.extras
        for path, child in draft.pending:
            extra = extras.get(path)
            if extra is None:
                extra = extras[path] = _extra_content(path)
            extra["elements"].append(_canonical(child))
        if extras:
            # By path: the writer puts each back where it belongs, so the order they were met
            # in is not what is read again.
            activity["extra_content"] = [extras[path] for path in sorted(extras)]
        return ActivityContent(activity, line, draft.warnings)

    # ------------------------------------------------------------------ helpers

    def _warn(self, path: str, el: etree._Element, code: str, params: dict[str, str]) -> None:
        """A warning (``diagnostics``) about the element at ``path`` (relative to the activity)."""
        line = sourceline(el, self.activity_line)
        self.warnings.append(
            DataQualityWarning(_full(path), line, reason_of(code, params), code, params)
        )

    def _extra(self, path: str) -> Content:
        extra = self.extras.get(path)
        if extra is None:
            extra = self.extras[path] = _extra_content(path)
        return extra

    def _check_attributes(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        keys = el.keys()
        if keys and not known.issuperset(keys):
            attributes = self._extra(path)["attributes"]
            for key in keys:
                if key not in known:
                    attributes[str(key)] = el.get(key) or ""

    def _kept_aside(
        self,
        child: etree._Element,
        tag: Any,
        path: str,
        seen: set[str],
        singles: frozenset[str],
        lists: frozenset[str] = frozenset(),
    ) -> bool:
        """Careful mode: whether ``child`` is not read into a field. Comments are skipped;
        unknown elements and second occurrences of single ones are kept as extra content."""
        if type(tag) is not str:
            return True
        if tag in lists:
            return False
        if tag in seen or tag not in singles:
            self.pending.append((path, child))
            return True
        seen.add(tag)
        return False

    def _leaf(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        """Careful mode, for elements without modelled children: keep what has no field."""
        self._check_attributes(el, path, known)
        if len(el):
            for child in el:
                if type(child.tag) is str:
                    self.pending.append((path, child))

    def _code(
        self,
        key: str,
        code: str,
        vocabulary: str | None,
        el: etree._Element,
        path: str,
        child: str | None = None,
    ) -> None:
        """Warn when ``code`` is not an active code of the codelist that applies to ``key``."""
        if vocabulary is None:
            allowed = self._allowed1.get(key, _UNSET)
            if allowed is _UNSET:
                checker = self.checker
                allowed = self._allowed1[key] = (
                    checker.allowed(key, None) if checker is not None else None
                )
        else:
            allowed = self._allowed.get((key, vocabulary), _UNSET)
            if allowed is _UNSET:
                checker = self.checker
                allowed = self._allowed[(key, vocabulary)] = (
                    checker.allowed(key, vocabulary) if checker is not None else None
                )
        if allowed is None or code in allowed:
            return
        assert self.checker is not None
        problem = self.checker.problem(key, code, vocabulary)
        if problem is not None:
            self._warn(f"{path}/{child}" if child else path, el, *problem)

    def _code_and_vocabulary(
        self, key: str, code: str | None, vocabulary: str | None, el: etree._Element, path: str
    ) -> None:
        """``_code`` for ``key``'s @code (under ``vocabulary``) and @vocabulary, answered from
        the caches without a call in the usual case: codes on their lists."""
        code_key, vocabulary_key = _CODE_KEYS[key]
        if code is not None:
            ok = (
                self._allowed1.get(code_key, _UNSET)  # where _code keeps the vocabulary-less
                if vocabulary is None
                else self._allowed.get((code_key, vocabulary), _UNSET)
            )
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code(code_key, code, vocabulary, el, path)
        if vocabulary is not None:
            ok = self._allowed1.get(vocabulary_key, _UNSET)
            if ok is not None and (ok is _UNSET or vocabulary not in ok):
                self._code(vocabulary_key, vocabulary, None, el, path)

    def _allowed_codes(self, key: str) -> frozenset[str] | None:
        checker = self.checker
        return checker.allowed(key, None) if checker is not None else None

    def _language_problem(self, lang: str) -> tuple[str, dict[str, str]] | None:
        checker = self.checker
        if checker is None:
            return None
        problem = checker.problem("@xml:lang", lang)
        if problem is None:
            return None
        code, params = problem
        return code, {**params, "attribute": "xml:lang"}

    def _lang_of(self, raw: str, el: etree._Element, path: str) -> str:
        known = self._langs.get(raw)
        if known is None:
            lang = raw.strip().lower()
            known = self._langs[raw] = (lang, self._language_problem(lang) if lang else None)
        lang, problem = known
        if not lang:
            return self.lang
        if problem is not None and lang != self.lang:
            self._warn(path, el, *problem)
        return lang

    def _unreadable(self, raw: str, el: etree._Element, path: str, rel: str, code: str) -> None:
        """A value that does not parse (``code``: ``value.not-a-date``, ...), at ``rel`` (an
        attribute such as ``period-start/@iso-date``, or ``""`` for the text of ``path``).

        With ``strict`` it refuses the activity. Otherwise it is a warning naming the element,
        its line and the value, and the activity is read without it: its field stays empty, and
        so does what is derived from it. An attribute's value stays in the content as published,
        in the extra content of its element, where the writer puts it back (an export that must
        be valid leaves it out and says so); an element's text is left out.
        """
        owner, _, attribute = rel.rpartition("@") if "@" in rel else (rel, "", "")
        element = "/".join(step for step in (path, owner.rstrip("/")) if step)
        name = attribute or _last_name(element) or "value"
        if self.strict:
            where = "/".join(
                step for step in (element, f"@{attribute}" if attribute else "") if step
            )
            refusal = _REFUSALS[code].format(name=name, value=raw)
            raise Refuse(_full(where), el.sourceline, refusal)
        if attribute:
            self._extra(element)["attributes"][attribute] = raw
        self._warn(element, el, code, {"name": name, "value": raw})

    def _decimal(self, raw: str, el: etree._Element, path: str, rel: str) -> str | None:
        """The number as its canonical ``xsd:decimal`` text (``decimal_to_str``)."""
        value = decimal_text(raw)
        if value is None:
            self._unreadable(raw, el, path, rel, "value.not-a-number")
        return value

    def _date(self, raw: str, el: etree._Element, path: str, rel: str) -> str | None:
        """The date as ``YYYY-MM-DD``."""
        value = date_text(raw)
        if value is None:
            self._unreadable(raw, el, path, rel, "value.not-a-date")
        return value

    def _bool(self, raw: str, el: etree._Element, path: str, rel: str) -> bool | None:
        value = boolean(raw)
        if value is None:
            self._unreadable(raw, el, path, rel, "value.not-a-boolean")
        return value

    def _int(self, raw: str, el: etree._Element, path: str, rel: str) -> int | None:
        value = whole_number(raw)
        if value is None:
            self._unreadable(raw, el, path, rel, "value.not-a-whole-number")
        return value

    def _narratives(self, el: etree._Element, path: str) -> Narratives:
        """The ``narrative`` children by language, in sorted order: the order of the stored
        (canonical) JSON, so that "the first narrative" and ``narrative[n]`` paths mean the same
        before and after storing. In careful mode other children are kept as extras."""
        out: Narratives = {}
        default = self.lang
        careful = self.careful
        flagged: list[tuple[str, etree._Element]] = []
        for child in el:
            tag = child.tag
            if tag == "narrative":
                raw = child.get(XML_LANG)
                lang = self._lang_of(raw, child, path) if raw else default
                text = child.text if not len(child) else "".join(child.itertext())
                text = text.strip() if text else ""
                previous = out.get(lang)
                # Narratives in one language are joined, the empty ones left out: written
                # back as one narrative and read again, the text is the same.
                out[lang] = previous + "\n" + text if previous and text else previous or text
                if careful:
                    keys = child.keys()
                    if keys and not _K_LANG.issuperset(keys):
                        flagged.append((lang, child))
            elif careful and type(tag) is str:
                self.pending.append((path, child))
        if len(out) > 1:
            out = dict(sorted(out.items()))
        for lang, child in flagged:
            index = list(out).index(lang) + 1
            self._check_attributes(child, f"{path}/narrative[{index}]", _K_LANG)
        return out

    def _text_element(self, el: etree._Element, path: str) -> Narratives:
        if self.careful:
            self._check_attributes(el, path, _K_NONE)
        return self._narratives(el, path)

    # ------------------------------------------------------------------ activity children

    def _identifier(self, el: etree._Element, a: Content) -> None:
        if self.careful:
            self._check_attributes(el, "iati-identifier", _K_NONE)
        a["iati_identifier"] = (text_of(el) or "").strip()

    def _reporting_org(self, el: etree._Element, a: Content) -> None:
        path = "reporting-org"
        if self.careful:
            self._check_attributes(el, path, _K_REPORTING)
        get = el.get
        type_ = get("type")
        if type_ is not None:
            self._code("reporting-org/@type", type_, None, el, path)
        raw = get("secondary-reporter")
        a["reporting_org"] = {
            "ref": get("ref"),
            "type": type_,
            "name": self._narratives(el, path),
            "secondary_reporter": (
                None if raw is None else self._bool(raw, el, path, "@secondary-reporter")
            ),
        }

    def _title(self, el: etree._Element, a: Content) -> None:
        a["title"] = self._text_element(el, "title")

    def _description(self, el: etree._Element, a: Content) -> None:
        descriptions = a["descriptions"]
        path = f"description[{len(descriptions) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_TYPE)
        type_ = el.get("type")
        if type_ is not None:
            self._code("description/@type", type_, None, el, path)
        descriptions.append({"type": type_, "narratives": self._narratives(el, path)})

    def _participating_org(self, el: etree._Element, a: Content) -> None:
        orgs = a["participating_orgs"]
        path = f"participating-org[{len(orgs) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_PARTICIPATING)
        get = el.get
        role, type_, channel = get("role"), get("type"), get("crs-channel-code")
        allowed = self._allowed1
        for key, code in (
            ("participating-org/@role", role),
            ("participating-org/@type", type_),
            ("participating-org/@crs-channel-code", channel),
        ):
            if code is not None:
                ok = allowed.get(key, _UNSET)
                if ok is not None and (ok is _UNSET or code not in ok):
                    self._code(key, code, None, el, path)
        orgs.append(  # keys in sorted order (see _budget)
            {
                "activity_id": get("activity-id"),
                "crs_channel_code": channel,
                "name": self._narratives(el, path) if len(el) else {},
                "ref": get("ref"),
                "role": role,
                "type": type_,
            }
        )

    def _code_field(self, tag: str, key: str, el: etree._Element, a: Content) -> None:
        """An element that is only a ``@code`` (activity-status, default-flow-type, ...)."""
        if self.careful:
            self._leaf(el, tag, _K_CODE)
        code: str | None = el.get("code")
        if code is not None:
            code_key = _CODE_ONLY_KEYS[tag]
            ok = self._allowed1.get(code_key, _UNSET)
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code(code_key, code, None, el, tag)
        a[key] = code

    def _activity_date(self, el: etree._Element, a: Content) -> None:
        dates = a["activity_dates"]
        path = f"activity-date[{len(dates) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_ACTIVITY_DATE)
        get = el.get
        type_, raw = get("type"), get("iso-date")
        ok = self._ok_date_type
        if type_ is not None and ok is not None and type_ not in ok:
            self._code("activity-date/@type", type_, None, el, path)
        dates.append(  # keys in sorted order (see _budget)
            {
                "iso_date": (
                    None
                    if raw is None
                    else DATES.get(raw) or self._date(raw, el, path, "@iso-date")
                ),
                "narrative": self._narratives(el, path) if len(el) else {},
                "type": type_,
            }
        )

    def _recipient_country(self, el: etree._Element, a: Content) -> None:
        countries = a["recipient_countries"]
        path = f"recipient-country[{len(countries) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_COUNTRY)
        get = el.get
        code, raw = get("code"), get("percentage")
        if code is not None:
            ok = self._allowed1.get("recipient-country/@code", _UNSET)
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code("recipient-country/@code", code, None, el, path)
        countries.append(  # keys in sorted order (see _budget)
            {
                "code": code,
                "narrative": self._narratives(el, path) if len(el) else {},
                "percentage": None if raw is None else self._decimal(raw, el, path, "@percentage"),
            }
        )

    def _coded(self, el: etree._Element, path: str, key: str, with_percentage: bool) -> Content:
        """A code + vocabulary (+ percentage) + narrative element: recipient-region, sector."""
        if self.careful:
            self._check_attributes(el, path, _K_REGION if with_percentage else _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        self._code_and_vocabulary(key, code, vocabulary, el, path)
        raw = get("percentage") if with_percentage else None
        return {  # keys in sorted order (see _budget)
            "code": code,
            "narrative": self._narratives(el, path) if len(el) else {},
            "percentage": None if raw is None else self._decimal(raw, el, path, "@percentage"),
            "vocabulary": vocabulary,
            "vocabulary_uri": get("vocabulary-uri"),
        }

    def _recipient_region(self, el: etree._Element, a: Content) -> None:
        regions = a["recipient_regions"]
        path = f"recipient-region[{len(regions) + 1}]"
        regions.append(self._coded(el, path, "recipient-region", True))

    def _sector(self, el: etree._Element, a: Content) -> None:
        sectors = a["sectors"]
        path = f"sector[{len(sectors) + 1}]"
        sectors.append(self._coded(el, path, "sector", True))

    def _tag(self, el: etree._Element, a: Content) -> None:
        tags = a["tags"]
        path = f"tag[{len(tags) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        if code is not None:
            self._code("tag/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("tag/@vocabulary", vocabulary, None, el, path)
        tags.append(
            {
                "code": code,
                "vocabulary": vocabulary,
                "vocabulary_uri": get("vocabulary-uri"),
                "narrative": self._narratives(el, path) if len(el) else {},
            }
        )

    def _policy_marker(self, el: etree._Element, a: Content) -> None:
        markers = a["policy_markers"]
        path = f"policy-marker[{len(markers) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_POLICY)
        get = el.get
        code, vocabulary, significance = get("code"), get("vocabulary"), get("significance")
        if code is not None:
            self._code("policy-marker/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("policy-marker/@vocabulary", vocabulary, None, el, path)
        if significance is not None:
            self._code("policy-marker/@significance", significance, None, el, path)
        markers.append(
            {
                "code": code,
                "vocabulary": vocabulary,
                "vocabulary_uri": get("vocabulary-uri"),
                "significance": significance,
                "narrative": self._narratives(el, path) if len(el) else {},
            }
        )

    def _aid_type(self, el: etree._Element, path: str, key: str) -> Content:
        if self.careful:
            self._leaf(el, path, _K_CODE_VOCAB)
        code, vocabulary = el.get("code"), el.get("vocabulary")
        self._code_and_vocabulary(key, code, vocabulary, el, path)
        return {"code": code, "vocabulary": vocabulary}

    def _default_aid_type(self, el: etree._Element, a: Content) -> None:
        aid_types = a["default_aid_types"]
        path = f"default-aid-type[{len(aid_types) + 1}]"
        aid_types.append(self._aid_type(el, path, "default-aid-type"))

    def _value(
        self, el: etree._Element, kind: str, index: int, currency_key: str
    ) -> tuple[str | None, str | None, str | None]:
        """``value`` of the ``index``-th budget or transaction (``kind``)."""
        if self.careful:
            self._leaf(el, f"{kind}[{index}]/value", _K_VALUE)
        get = el.get
        currency = get("currency")
        if currency is not None:
            ok = self._ok_currency[currency_key]
            if ok is not None and currency not in ok:
                self._code(currency_key, currency, None, el, f"{kind}[{index}]", "value")
        text = el.text if not len(el) else _own_text(el)
        if text and text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
            amount = text  # the common case: already canonical
        else:
            path = f"{kind}[{index}]/value"
            if text is None or not text.strip():
                if self.strict:
                    raise Refuse(_full(path), el.sourceline, "value is empty")
                self._warn(path, el, "value.empty", {"name": "value"})
                amount = None
            else:
                amount = self._decimal(text, el, path, "")
        raw = get("value-date")
        if raw is None:
            return amount, currency, None
        return (
            amount,
            currency,
            DATES.get(raw) or self._date(raw, el, f"{kind}[{index}]", "value/@value-date"),
        )

    def _budget(self, el: etree._Element, a: Content) -> None:  # noqa: C901 - one branch per IATI element, kept flat for import speed
        budgets = a["budgets"]
        careful = self.careful
        path = f"budget[{len(budgets) + 1}]" if careful else ""
        get = el.get
        type_, status = get("type"), get("status")
        ok = self._ok_budget_type
        if type_ is not None and ok is not None and type_ not in ok:
            path = path or f"budget[{len(budgets) + 1}]"
            self._code("budget/@type", type_, None, el, path)
        ok = self._ok_budget_status
        if status is not None and ok is not None and status not in ok:
            path = path or f"budget[{len(budgets) + 1}]"
            self._code("budget/@status", status, None, el, path)
        start = end = value_date = value = currency = None
        if careful:
            seen: set[str] = set()
            self._check_attributes(el, path, _K_BUDGET)
        dates = DATES
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(child, tag, path, seen, _BUDGET_SINGLETONS):
                continue
            if tag == "value":
                value, currency, value_date = self._value(
                    child, "budget", len(budgets) + 1, "budget/value/@currency"
                )
            elif tag == "period-start":
                if careful:
                    self._leaf(child, f"{path}/period-start", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    start = dates.get(raw) or self._date(
                        raw, child, f"budget[{len(budgets) + 1}]", "period-start/@iso-date"
                    )
            elif tag == "period-end":
                if careful:
                    self._leaf(child, f"{path}/period-end", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    end = dates.get(raw) or self._date(
                        raw, child, f"budget[{len(budgets) + 1}]", "period-end/@iso-date"
                    )
        if start is not None and end is not None and end < start:  # ISO dates sort as text
            self._warn(
                f"budget[{len(budgets) + 1}]",
                el,
                "budget.ends-before-start",
                {"start": start, "end": end},
            )
        budgets.append(  # keys in sorted order: the canonical JSON sorts them cheaply then
            {
                "currency": currency,
                "period_end": end,
                "period_start": start,
                "status": status,
                "type": type_,
                "value": value,
                "value_date": value_date,
            }
        )

    def _org(
        self, el: etree._Element, path: str, key: str, known: frozenset[str], id_attr: str
    ) -> Content:
        if self.careful:
            self._check_attributes(el, path, known)
        get = el.get
        type_ = get("type")
        if type_ is not None:
            self._code(f"{key}/@type", type_, None, el, path)
        return {
            "ref": get("ref"),
            "type": type_,
            "activity_id": get(id_attr),
            "narrative": self._narratives(el, path) if len(el) else {},
        }

    def _transaction(self, el: etree._Element, a: Content) -> None:  # noqa: C901 - one branch per IATI element, kept flat for import speed
        transactions = a["transactions"]
        number = len(transactions) + 1
        path = f"transaction[{number}]"
        careful = self.careful
        get = el.get
        raw = get("humanitarian")
        humanitarian = None if raw is None else self._bool(raw, el, path, "@humanitarian")
        type_: str | None = None
        day: str | None = None
        value: str | None = None
        currency: str | None = None
        value_date: str | None = None
        description: Narratives = {}
        provider: Content | None = None
        receiver: Content | None = None
        channel: str | None = None
        sectors: list[Content] = []
        country: Content | None = None
        region: Content | None = None
        flow: str | None = None
        finance: str | None = None
        aid_types: list[Content] = []
        tied: str | None = None
        if careful:
            seen: set[str] = set()
            self._check_attributes(el, path, _K_TRANSACTION)
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _TRANSACTION_SINGLETONS, _TRANSACTION_LISTS
            ):
                continue
            if tag == "value":
                value, currency, value_date = self._value(
                    child, "transaction", number, "transaction/value/@currency"
                )
            elif tag == "transaction-type":
                if careful:
                    self._leaf(child, f"{path}/transaction-type", _K_CODE)
                type_ = child.get("code")
                ok = self._ok_transaction_type
                if type_ is not None and ok is not None and type_ not in ok:
                    self._code(
                        "transaction/transaction-type/@code",
                        type_,
                        None,
                        child,
                        path,
                        "transaction-type",
                    )
            elif tag == "transaction-date":
                if careful:
                    self._leaf(child, f"{path}/transaction-date", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    day = DATES.get(raw) or self._date(
                        raw, child, path, "transaction-date/@iso-date"
                    )
            elif tag == "description":
                description = self._text_element(child, f"{path}/description")
            elif tag == "provider-org":
                provider = self._org(
                    child,
                    f"{path}/provider-org",
                    "transaction/provider-org",
                    _K_PROVIDER,
                    "provider-activity-id",
                )
            elif tag == "receiver-org":
                receiver = self._org(
                    child,
                    f"{path}/receiver-org",
                    "transaction/receiver-org",
                    _K_RECEIVER,
                    "receiver-activity-id",
                )
            elif tag == "sector":
                sectors.append(
                    self._coded(
                        child, f"{path}/sector[{len(sectors) + 1}]", "transaction/sector", False
                    )
                )
            elif tag == "aid-type":
                aid_types.append(
                    self._aid_type(
                        child, f"{path}/aid-type[{len(aid_types) + 1}]", "transaction/aid-type"
                    )
                )
            elif tag == "recipient-country":
                cpath = f"{path}/recipient-country"
                if careful:
                    self._check_attributes(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code("transaction/recipient-country/@code", code, None, child, cpath)
                country = {
                    "code": code,
                    "narrative": self._narratives(child, cpath) if len(child) else {},
                    "percentage": None,
                }
            elif tag == "recipient-region":
                region = self._coded(
                    child, f"{path}/recipient-region", "transaction/recipient-region", False
                )
            elif tag in ("disbursement-channel", "flow-type", "finance-type", "tied-status"):
                if careful:
                    self._leaf(child, f"{path}/{tag}", _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(_TRANSACTION_CODE_KEYS[tag], code, None, child, path, tag)
                if tag == "flow-type":
                    flow = code
                elif tag == "finance-type":
                    finance = code
                elif tag == "tied-status":
                    tied = code
                else:
                    channel = code
        transactions.append(  # keys in sorted order (see _budget)
            {
                "aid_types": aid_types,
                "currency": currency,
                "date": day,
                "description": description,
                "disbursement_channel": channel,
                "finance_type": finance,
                "flow_type": flow,
                "humanitarian": humanitarian,
                "provider_org": provider,
                "receiver_org": receiver,
                "recipient_country": country,
                "recipient_region": region,
                "ref": get("ref"),
                "sectors": sectors,
                "tied_status": tied,
                "type": type_,
                "value": value,
                "value_date": value_date,
            }
        )

    def _location(self, el: etree._Element, a: Content) -> None:  # noqa: C901 - one branch per IATI element, kept flat for import speed
        locations = a["locations"]
        path = f"location[{len(locations) + 1}]"
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_LOCATION)
        location_ids: list[Content] = []
        administratives: list[Content] = []
        loc: Content = {
            "ref": el.get("ref"),
            "location_reach": None,
            "location_ids": location_ids,
            "name": {},
            "description": {},
            "activity_description": {},
            "administratives": administratives,
            "point": None,
            "exactness": None,
            "location_class": None,
            "feature_designation": None,
        }
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _LOCATION_SINGLETONS, _LOCATION_LISTS
            ):
                continue
            if tag == "location-id":
                cpath = f"{path}/location-id[{len(location_ids) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_CODE_VOCAB)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code("location/location-id/@vocabulary", vocabulary, None, child, cpath)
                location_ids.append({"code": code, "vocabulary": vocabulary})
            elif tag == "administrative":
                cpath = f"{path}/administrative[{len(administratives) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_ADMIN)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code(
                        "location/administrative/@vocabulary", vocabulary, None, child, cpath
                    )
                    if code is not None:
                        self._code("location/administrative/@code", code, vocabulary, child, cpath)
                raw = child.get("level")
                level = None if raw is None else self._int(raw, child, cpath, "@level")
                administratives.append({"code": code, "vocabulary": vocabulary, "level": level})
            elif tag == "name":
                loc["name"] = self._text_element(child, f"{path}/name")
            elif tag == "description":
                loc["description"] = self._text_element(child, f"{path}/description")
            elif tag == "activity-description":
                loc["activity_description"] = self._text_element(
                    child, f"{path}/activity-description"
                )
            elif tag == "point":
                loc["point"] = self._point(child, f"{path}/point")
            elif tag in ("location-reach", "exactness", "location-class", "feature-designation"):
                if careful:
                    self._leaf(child, f"{path}/{tag}", _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(_LOCATION_CODE_KEYS[tag], code, None, child, path, tag)
                loc[_LOCATION_CODE_FIELDS[tag]] = code
        locations.append(loc)

    def _point(self, el: etree._Element, path: str) -> Content:
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_POINT)
        pos: str | None = None
        for child in el:
            tag = child.tag
            if tag == "pos" and pos is None:
                if careful:
                    self._leaf(child, f"{path}/pos", _K_NONE)
                pos = " ".join(_own_text(child).split())
            elif careful and type(tag) is str:
                self.pending.append((path, child))
        srs_name = el.get("srsName")
        if pos is not None and Point(srs_name, pos).latitude_longitude() is None:
            self._warn(f"{path}/pos", el, "point.out-of-range", {"pos": pos})
        return {"srs_name": srs_name, "pos": pos}

    def _document_link(self, el: etree._Element, a: Content) -> None:  # noqa: C901 - one branch per IATI element, kept flat for import speed
        links = a["document_links"]
        path = f"document-link[{len(links) + 1}]"
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_DOCLINK)
        fmt = el.get("format")
        if fmt is not None:
            self._code("document-link/@format", fmt, None, el, path)
        categories: list[str] = []
        languages: list[str] = []
        link: Content = {
            "url": el.get("url"),
            "format": fmt,
            "title": {},
            "description": {},
            "categories": categories,
            "languages": languages,
            "document_date": None,
        }
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _DOCLINK_SINGLETONS, _DOCLINK_LISTS
            ):
                continue
            if tag == "category" or tag == "language":
                codes = categories if tag == "category" else languages
                cpath = f"{path}/{tag}[{len(codes) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(f"document-link/{tag}/@code", code, None, child, cpath)
                codes.append(code or "")
            elif tag == "title":
                link["title"] = self._text_element(child, f"{path}/title")
            elif tag == "description":
                link["description"] = self._text_element(child, f"{path}/description")
            elif tag == "document-date":
                if careful:
                    self._leaf(child, f"{path}/document-date", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    link["document_date"] = self._date(raw, child, path, "document-date/@iso-date")
        links.append(link)

    def _related_activity(self, el: etree._Element, a: Content) -> None:
        related = a["related_activities"]
        path = f"related-activity[{len(related) + 1}]"
        if self.careful:
            self._leaf(el, path, _K_RELATED)
        type_ = el.get("type")
        if type_ is not None:
            self._code("related-activity/@type", type_, None, el, path)
        related.append({"ref": el.get("ref"), "type": type_})


_RE_BLANK_BETWEEN_TAGS = re.compile(r">\s+<")


def _canonical(el: etree._Element) -> str:
    """Exclusive C14N of ``el`` (stable, declares only the namespaces it uses, no comments),
    with white-space-only text between tags dropped, so that re-indenting a file does not change
    an activity's content. (In C14N output ``<`` never occurs in text or attribute values, so
    ``>\\s+<`` only matches between tags.)

    C14N refuses a relative namespace URI (``xmlns:x="example.org/"``), which XML allows: such
    an element is kept as lxml serialises it, comments left out, which is as stable for the same
    input (and also escapes ``<`` in text and attribute values).

    A namespace declared again further down under another prefix (``ns0`` inside ``ns1`` for
    one URI) is serialised as the writer will put it back: lxml, placing the element in the
    exported document, reuses the outer prefix, so the text stored is the text read back.
    """
    try:
        data = etree.tostring(el, method="c14n", exclusive=True, with_comments=False)
    except etree.C14NError:
        clone = copy.deepcopy(el)
        etree.strip_elements(clone, etree.Comment, with_tail=False)
        data = etree.tostring(clone, encoding="utf-8", with_tail=False)
    else:
        if data.count(b"xmlns") > 1:  # declarations below the top: as the writer places them
            holder = etree.Element("holder")
            holder.append(etree.fromstring(data, _FRAGMENT_PARSER))
            data = etree.tostring(holder[0], method="c14n", exclusive=True, with_comments=False)
    return _RE_BLANK_BETWEEN_TAGS.sub("><", data.decode("utf-8"))


_FRAGMENT_PARSER = etree.XMLParser(**SAFE)
