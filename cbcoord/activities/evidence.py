"""Evidence as people read it: the sentences, in the reader's language, of the compact items
stored in ``Activity.relevance_evidence`` and ``ActivityProvision.evidence``.

The items are the tagger's ``Evidence.to_data()`` (``cbcoord.tagging.engine.EvidenceData``)
and cbcoord's own (``derive.NO_EVIDENCE``, ``derive.READ_FROM_FILE``, ``derive.decided``).
They hold no provision title: titles come from the catalogue, in the reader's language, for
all the codes of a list at once. Items stored before the compact form are sentences already:
they are shown as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cbcoord.activities import derive
from cbcoord.activities.models import Activity, ActivityProvision
from cbcoord.core.i18n import current_language
from cbcoord.frameworks.models import Provision
from cbcoord.iati import codelists
from cbcoord.tagging.engine import Evidence
from cbcoord.tagging.text import ANY_LANGUAGE

#: The language of a term, as the sentence names it.
LANGUAGE_NAMES: dict[str, Promise] = {
    "en": pgettext_lazy("language of a term", "English"),
    "es": pgettext_lazy("language of a term", "Spanish"),
    "fr": pgettext_lazy("language of a term", "French"),
    "pt": pgettext_lazy("language of a term", "Portuguese"),
    ANY_LANGUAGE: pgettext_lazy("language of a term", "language-neutral"),
}

# A term: by what it does (role and sign), and whether the text has it in another form.
_TERM: dict[tuple[str, bool], Promise] = {
    ("sign", False): _(
        'The %(language)s term "%(term)s" occurs in the text, a sign of customs or '
        "border-agency work."
    ),
    ("sign", True): _(
        'The %(language)s term "%(term)s" occurs in the text as "%(matched)s", a sign of '
        "customs or border-agency work."
    ),
    ("elsewhere", False): _(
        'The %(language)s term "%(term)s" occurs in the text, a sign that the activity is '
        "about something else."
    ),
    ("elsewhere", True): _(
        'The %(language)s term "%(term)s" occurs in the text as "%(matched)s", a sign that '
        "the activity is about something else."
    ),
    ("through", False): _(
        'The %(language)s term "%(term)s" occurs in the text; it points to %(provision)s, '
        "which counts towards customs relevance."
    ),
    ("through", True): _(
        'The %(language)s term "%(term)s" occurs in the text as "%(matched)s"; it points to '
        "%(provision)s, which counts towards customs relevance."
    ),
    ("points", False): _(
        'The %(language)s term "%(term)s" occurs in the text, which points to %(provision)s.'
    ),
    ("points", True): _(
        'The %(language)s term "%(term)s" occurs in the text as "%(matched)s", which points '
        "to %(provision)s."
    ),
    ("against", False): _(
        'The %(language)s term "%(term)s" occurs in the text, which counts against %(provision)s.'
    ),
    ("against", True): _(
        'The %(language)s term "%(term)s" occurs in the text as "%(matched)s", which counts '
        "against %(provision)s."
    ),
}

# What a sector, tag or policy marker is (by kind, and which pieces it has).
_SECTOR: dict[tuple[str, bool], Promise] = {
    ("1", False): _("The activity is coded DAC sector %(sector)s"),
    ("1", True): _("The activity is coded DAC sector %(sector)s (from code %(given)s)"),
    ("2", False): _("The activity is coded DAC sector category %(sector)s"),
    ("2", True): _("The activity is coded DAC sector category %(sector)s (from code %(given)s)"),
}
_TAG_NAMED = _("The activity carries the tag %(code)s (vocabulary %(vocabulary)s: %(name)s)")
_TAG = _("The activity carries the tag %(code)s (vocabulary %(vocabulary)s)")
_MARKER_NAMED = _(
    "The activity carries the policy marker %(name)s (code %(code)s, significance %(significance)s)"
)
_MARKER = _("The activity carries the policy marker (code %(code)s, significance %(significance)s)")

# What a sector, tag or policy marker does.
_SUPPORTS_PROVISION = _("%(subject)s, which supports %(provision)s.")
_CODE_BY_SIGN: dict[int, Promise] = {
    1: _("%(subject)s, which supports customs relevance."),
    -1: _("%(subject)s, which usually means work outside customs."),
    0: _("%(subject)s, which alone says nothing either way."),
}

_NOTHING = _(
    "Nothing in the titles, descriptions, sectors, tags or policy markers points to customs "
    "or border-agency work."
)
_READ_FROM_FILE = _(
    "The activity's IATI file carries this tag of cbcoord's provision catalogue "
    "(tag vocabulary 99)."
)
_DECIDED = _("%(reason)s (decided by %(who)s on %(day)s)")


# --------------------------------------------------------------------------- titles


def provision_titles(codes: Iterable[str]) -> dict[str, str]:
    """Code -> title in the reader's language of these provisions of the catalogue: one
    query (none for no codes)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = Provision.objects.filter(code__in=wanted).only(
        "code", "title_en", "title_es", "title_fr", "title_pt"
    )
    return {provision.code: provision.title for provision in found}


# --------------------------------------------------------------------------- sentences


def sentences(items: Iterable[Any] | None, titles: Mapping[str, str] | None = None) -> list[str]:
    """The sentences of a stored evidence list, in the active language. ``titles``: code ->
    title of provisions already at hand; the titles of the other codes the items name are
    read in one query. Sentences stored as they are (before the compact form) are kept;
    anything else that is not an item is left out."""
    read = [(item, _evidence(item)) for item in items or ()]
    known = dict(titles or {})
    missing = {found.provision for _, found in read if found is not None} - known.keys() - {""}
    if missing:
        known.update(provision_titles(missing))
    written = (_sentence(item, found, known) for item, found in read)
    return [sentence for sentence in written if sentence]


def tag_sentences(tag: ActivityProvision) -> list[str]:
    """The sentences of a tag's evidence. Its own provision's title is the one its items
    name: no query when the tag's provision is loaded with it (``select_related``)."""
    if not tag.evidence:
        return []
    provision = tag.provision
    return sentences(tag.evidence, {provision.code: provision.title})


def relevance_sentences(activity: Activity, tags: Sequence[ActivityProvision] = ()) -> list[str]:
    """The sentences of an activity's relevance evidence; ``tags``: its tags already read
    (with their provisions), whose titles need no query."""
    titles = {tag.provision.code: tag.provision.title for tag in tags}
    return sentences(activity.relevance_evidence, titles)


def _kind(item: Any) -> str:
    """What an item is (its first element), or "" for what is no item."""
    return item[0] if isinstance(item, list) and item and type(item[0]) is str else ""


def _evidence(item: Any) -> Evidence | None:
    """The tagger's evidence of an item, or None for any other item (or no item at all)."""
    kind = _kind(item)
    if not kind or kind in _OURS:
        return None
    try:
        return Evidence.from_data(item)
    except (ValueError, TypeError):
        return None


def _sentence(item: Any, found: Evidence | None, titles: Mapping[str, str]) -> str:
    """The sentence of an item (``found``: its tagger's evidence, if it is one)."""
    if isinstance(item, str):  # stored before the compact form: a sentence already
        return item
    ours = _OURS.get(_kind(item))
    if ours is not None:
        return ours(item)
    if found is None:
        return ""
    target = f"{found.provision} {titles.get(found.provision, '')}".strip()
    if found.kind == "term":
        return _term_sentence(found, target)
    return _code_sentence(found, target)


def _term_sentence(evidence: Evidence, target: str) -> str:
    if evidence.role == "provision":
        does = "against" if evidence.weight < 0 else "points"
    elif evidence.provision:
        does = "through"
    else:
        does = "elsewhere" if evidence.weight < 0 else "sign"
    language = LANGUAGE_NAMES.get(evidence.language)
    return str(_TERM[(does, bool(evidence.matched))]) % {
        "language": str(language) if language is not None else evidence.language,
        "term": evidence.term,
        "matched": evidence.matched,
        "provision": target,
    }


def _code_sentence(evidence: Evidence, target: str) -> str:
    subject = _code_subject(evidence)
    if evidence.role == "provision":
        return str(_SUPPORTS_PROVISION) % {"subject": subject, "provision": target}
    sign = 1 if evidence.weight > 0 else -1 if evidence.weight < 0 else 0
    return str(_CODE_BY_SIGN[sign]) % {"subject": subject}


def _code_subject(evidence: Evidence) -> str:
    language = current_language()
    if evidence.kind == "sector":
        vocabulary = "1" if evidence.vocabulary == "1" else "2"
        codelist = "Sector" if vocabulary == "1" else "SectorCategory"
        name = codelists.labels(codelist, language).get(evidence.code) or evidence.name
        return str(_SECTOR[(vocabulary, bool(evidence.from_code))]) % {
            "sector": f"{evidence.code} {name}".strip(),
            "given": evidence.from_code,
        }
    if evidence.kind == "tag":
        values = {"code": evidence.code, "vocabulary": evidence.vocabulary, "name": evidence.name}
        return str(_TAG_NAMED if evidence.name else _TAG) % values
    name = codelists.labels("PolicyMarker", language).get(evidence.code) or evidence.name
    significance = evidence.significance or pgettext("significance of a policy marker", "not given")
    values = {"code": evidence.code, "significance": significance, "name": name}
    return str(_MARKER_NAMED if name else _MARKER) % values


def _decided(item: list[Any]) -> str:
    reason, who, day = ([*item[1:4], "", "", ""])[:3]
    return str(_DECIDED) % {
        "reason": reason,
        "who": who or gettext("the system"),
        "day": day,
    }


#: cbcoord's own items (not the tagger's), by their first element.
_OURS: dict[str, Callable[[list[Any]], str]] = {
    derive.NOTHING: lambda item: str(_NOTHING),
    derive.READ_FROM_FILE: lambda item: str(_READ_FROM_FILE),
    derive.DECIDED: _decided,
}
