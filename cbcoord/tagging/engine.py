"""Rule-based tagger: is an activity customs / border-agency capacity building, and which
provisions (TFA, RKC, SAFE, ECOM, themes, WCO strategic priorities) does it support?

Pure Python; the data files are described in ``data/README.md``. How a decision is reached:

**Terms.** Every vocabulary term (vocabulary.csv, per provision) and relevance term
(relevance.csv) is matched against each text (see :mod:`cbcoord.tagging.text`). Where matches of
different terms overlap in one text, the longest wins ("disaster risk management" hides "risk
management"; "verification of certificates of origin" hides "certificate of origin"); matches of
the same length on the same words are all kept, so one term listed for two provisions supports
both. A term written in another language than the text's counts at ``CROSS_LANGUAGE_FACTOR`` of
its weight; language-neutral terms (``*``, acronyms) count fully. A negative term (negative
weight) only counts in a text of its own language.

**Provisions.** A provision's confidence is the noisy-OR of its distinct matched terms' weights
and of the support given by sector codes, tags and policy markers (sectors.csv, signals.csv):
``1 - prod(1 - w)``, minus its matched negative terms, clipped to 0..1. A provision is suggested
when its confidence reaches ``min_confidence``. When a provision and one of its descendants are
both suggested, only the descendant is kept (the most specific provision the text supports).

**Relevance.** A raw score adds up: the relevance terms found (each distinct term once, a little
more when it recurs: ``x (1 + 0.25 (n - 1))``, at most x1.5), the strongest positive and the
strongest negative rule of each kind of coded signal (sector, tag, policy marker), and
``PROVISION_RELEVANCE_FACTOR`` x the confidence of each suggested provision (less for the broad
THEME instrument; at most ``PROVISION_RELEVANCE_CAP`` in all). The activity is relevant when the raw
score reaches ``relevance_threshold``; ``relevance_score`` is ``raw / (raw + threshold)``
(0.5 at the threshold). Provisions are only returned for relevant activities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .data import (
    DEFAULT_DATA_DIR,
    DEFAULT_PROVISIONS_CSV,
    Provision,
    RelevanceTerm,
    SignalRule,
    VocabularyTerm,
    load_codelist_names,
    load_provisions,
    load_relevance,
    load_sectors,
    load_signals,
    load_vocabulary,
)
from .text import (
    ANY_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    AnalysedText,
    best_language,
)

__all__ = [
    "Evidence",
    "EvidenceData",
    "ProvisionTag",
    "Tagger",
    "TaggingInput",
    "TaggingResult",
]

CROSS_LANGUAGE_FACTOR = 0.8
PROVISION_RELEVANCE_FACTOR = 0.5
# Themes are broad (integrity, gender, statistics...): they count for less.
PROVISION_RELEVANCE_FACTOR_BY_INSTRUMENT = {"THEME": 0.25}
PROVISION_RELEVANCE_CAP = 1.0
REPEAT_BONUS = 0.25
REPEAT_CAP = 1.5
#: Texts whose analysis, and whose matches per language, a tagger remembers: the same title or
#: description recurs across a publisher's activities. Forgotten all at once when full.
MEMO_SIZE = 4096
MARKER_SIGNIFICANCE_FACTOR = {"0": 0.0, "1": 0.5, "2": 1.0, "3": 1.0, "4": 1.0, "": 0.5}


@dataclass
class TaggingInput:
    """What the tagger reads from one activity.

    ``texts``: (language code or "" if unknown, text), titles and descriptions.
    ``sectors``: (vocabulary, code); vocabulary "1" (or "") is DAC 5-digit, "2" DAC 3-digit.
    ``tags``: (vocabulary, code) of IATI ``<tag>`` elements.
    ``policy_markers``: (code, significance).
    """

    texts: list[tuple[str, str]] = field(default_factory=list)
    sectors: list[tuple[str, str]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    policy_markers: list[tuple[str, str]] = field(default_factory=list)


#: The compact form of an ``Evidence`` (``Evidence.to_data``), as cbcoord stores and sends it:
#: ``[kind, role, sign, *pieces]``, the empty pieces at the end left out. kind: ``KIND_CODES``;
#: role: "r" relevance, "p" provision; sign: 1, 0 or -1, the sign of the weight. The pieces,
#: by kind (``DATA_PIECES``): a term's language, term (without the data files' "="), the
#: provision it points to and the form matched (only when it differs from the term); a
#: sector's code, vocabulary, name, provision and the code given (when the rule is of its
#: category); a tag's code, vocabulary, name and provision; a policy marker's code,
#: significance, name and provision. No sentence and no provision title: readers write those
#: in their own language.
EvidenceData = list[str | int]

KIND_CODES = {"term": "t", "sector": "s", "tag": "g", "policy-marker": "m"}
_KINDS = {code: kind for kind, code in KIND_CODES.items()}
DATA_PIECES: dict[str, tuple[str, ...]] = {
    "term": ("language", "term", "provision", "matched"),
    "sector": ("code", "vocabulary", "name", "provision", "from_code"),
    "tag": ("code", "vocabulary", "name", "provision"),
    "policy-marker": ("code", "significance", "name", "provision"),
}
_ROLE_CODES = {"relevance": "r", "provision": "p"}
_ROLES = {code: role for role, code in _ROLE_CODES.items()}


@dataclass(slots=True)
class Evidence:
    """One reason behind a decision, with its pieces kept apart so that a UI can translate.
    Read-only by convention (not frozen: the tagger makes many, and a frozen dataclass is
    several times slower to make).

    ``kind``: "term", "sector", "tag" or "policy-marker". ``detail``: a short label such as
    ``"ventanilla única" (es)`` or ``DAC sector 33120 Trade facilitation``. ``weight``: what it
    added (negative when it counted against). ``role``: "relevance" or "provision".
    ``provision``: the provision it points to, if any. ``from_code``: a sector's code as the
    activity gives it, when the rule that matched is of its category.

    ``to_data`` gives the compact form cbcoord stores, ``from_data`` reads it back (without
    ``detail``, the weight's size and the provision's title). ``explanation`` is an English
    sentence (``to_dict``, for scripts and the command line); pages and the API write theirs
    in the reader's language from the compact form (``cbcoord.activities.evidence``, whose
    English a test holds to ``explanation``).
    """

    kind: str
    detail: str
    weight: float
    role: str = "relevance"
    term: str = ""
    language: str = ""
    matched: str = ""
    code: str = ""
    vocabulary: str = ""
    name: str = ""
    significance: str = ""
    provision: str = ""
    provision_title: str = ""
    from_code: str = ""

    def to_data(self) -> EvidenceData:
        """The compact form (``EvidenceData``): a short JSON-ready list."""
        weight = self.weight
        data: EvidenceData = [
            KIND_CODES[self.kind],
            _ROLE_CODES[self.role],
            1 if weight > 0 else -1 if weight < 0 else 0,
        ]
        if self.kind == "term":
            term = self.term.lstrip("=")
            matched = self.matched
            if matched and matched.lower() == term.lower():
                matched = ""
            data += (self.language, term, self.provision, matched)
        else:
            data += (getattr(self, name) for name in DATA_PIECES[self.kind])
        while data[-1] == "":
            data.pop()
        return data

    @classmethod
    def from_data(cls, data: Sequence[Any]) -> Evidence:
        """The ``Evidence`` of a compact form (``to_data``); ValueError if it is not one."""
        if len(data) < 3 or data[0] not in _KINDS or data[1] not in _ROLES:
            raise ValueError(f"Not the compact form of evidence: {data!r}")
        kind = _KINDS[data[0]]
        names = DATA_PIECES[kind]
        pieces = [str(piece) for piece in data[3 : 3 + len(names)]]
        values = dict(zip(names, pieces + [""] * (len(names) - len(pieces)), strict=True))
        return cls(kind=kind, detail="", weight=float(data[2]), role=_ROLES[data[1]], **values)

    def explanation(self) -> str:
        """One sentence a person can read."""
        if self.kind == "term":
            return self._term_sentence()
        return self._code_sentence()

    @property
    def _target(self) -> str:
        return f"{self.provision} {self.provision_title}".strip()

    def _term_sentence(self) -> str:
        language = LANGUAGE_NAMES.get(self.language, self.language)
        # A leading "=" in the data files marks a term matched as an exact word, unstemmed.
        term = self.term.lstrip("=")
        found = f'The {language} term "{term}" occurs in the text'
        if self.matched and self.matched.lower() != term.lower():
            found += f' as "{self.matched}"'
        if self.role == "provision":
            if self.weight < 0:
                return f"{found}, which counts against {self._target}."
            return f"{found}, which points to {self._target}."
        if self.provision:
            return f"{found}; it points to {self._target}, which counts towards customs relevance."
        if self.weight < 0:
            return f"{found}, a sign that the activity is about something else."
        return f"{found}, a sign of customs or border-agency work."

    def _code_subject(self) -> str:
        if self.kind == "sector":
            label = "DAC sector" if self.vocabulary == "1" else "DAC sector category"
            subject = f"The activity is coded {label} {self.code} {self.name}".strip()
            return subject + (f" (from code {self.from_code})" if self.from_code else "")
        if self.kind == "tag":
            subject = f"The activity carries the tag {self.code} (vocabulary {self.vocabulary}"
            return subject + (f": {self.name})" if self.name else ")")
        name = f"{self.name} " if self.name else ""
        return (
            f"The activity carries the policy marker {name}(code {self.code}, "
            f"significance {self.significance or 'not given'})"
        )

    def _code_sentence(self) -> str:
        subject = self._code_subject()
        if self.role == "provision":
            return f"{subject}, which supports {self._target}."
        if self.weight > 0:
            return f"{subject}, which supports customs relevance."
        if self.weight < 0:
            return f"{subject}, which usually means work outside customs."
        return f"{subject}, which alone says nothing either way."

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "detail": self.detail,
            "weight": self.weight,
            "role": self.role,
            "term": self.term,
            "language": self.language,
            "matched": self.matched,
            "code": self.code,
            "vocabulary": self.vocabulary,
            "name": self.name,
            "significance": self.significance,
            "provision": self.provision,
            "from_code": self.from_code,
            "data": self.to_data(),
            "explanation": self.explanation(),
        }


@dataclass(frozen=True)
class ProvisionTag:
    code: str
    confidence: float
    evidence: list[Evidence]
    title: str = ""


@dataclass(frozen=True)
class TaggingResult:
    relevant: bool
    relevance_score: float
    relevance_evidence: list[Evidence]
    provisions: list[ProvisionTag]
    languages: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.provisions]


class _Match:
    """A term found in the activity: which text(s), which words, at what weight."""

    __slots__ = ("term", "language", "weight", "matched", "occurrences", "spans")

    def __init__(
        self,
        term: str,
        language: str,
        weight: float,
        matched: str,
        spans: set[tuple[int, int, int]],
    ) -> None:
        self.term = term
        self.language = language
        self.weight = weight  # the term's weight, times the cross-language factor
        self.matched = matched
        self.occurrences = 1
        self.spans = spans  # (text, first token, end token)


# A piece of evidence for a provision: (weight, the words it covers (text, first, end), detail,
# weight as shown, the match or the signal's Evidence it comes from).
_Words = set[tuple[int, int, int]] | frozenset[tuple[int, int, int]]
_Piece = tuple[float, _Words, str, float, "_Match | Evidence"]
_NO_WORDS: frozenset[tuple[int, int, int]] = frozenset()


def _distinct(items: list[_Piece]) -> list[_Piece]:
    """The pieces of evidence that say something new, strongest first: a term whose words are
    all covered by a stronger term already taken (the same words in another language, or a
    spelling variant) is left out, so that it is not counted twice. Evidence that covers no
    words (sector, tag, policy marker) is always taken."""
    taken: list[_Piece] = []
    claimed: set[tuple[int, int, int]] = set()
    for piece in sorted(items, key=lambda i: (-i[0], i[2])):
        spans = piece[1]
        if spans and spans <= claimed:
            continue
        claimed |= spans
        taken.append(piece)
    return taken


def _tag_key(vocabulary: str, code: str) -> tuple[str, str]:
    return (vocabulary, code.lower() if vocabulary in {"98", "99"} else code)


class Tagger:
    """Suggests relevance and provisions for activities; see the module docstring."""

    def __init__(
        self,
        catalogue: dict[str, Provision],
        vocabulary: list[VocabularyTerm],
        relevance: list[RelevanceTerm],
        sectors: list[SignalRule],
        signals: list[SignalRule],
        *,
        sector_names: dict[str, str] | None = None,
        sector_category_names: dict[str, str] | None = None,
        marker_names: dict[str, str] | None = None,
        min_confidence: float = 0.5,
        relevance_threshold: float = 1.0,
        max_provisions: int = 8,
    ) -> None:
        self.catalogue = catalogue
        self.vocabulary = vocabulary
        self.relevance = relevance
        self.min_confidence = min_confidence
        self.relevance_threshold = relevance_threshold
        self.max_provisions = max_provisions
        self._sector_rules = {(r.vocabulary, r.code): r for r in sectors}
        self._tag_rules = {_tag_key(r.vocabulary, r.code): r for r in signals if r.kind == "tag"}
        self._marker_rules = {r.code: r for r in signals if r.kind == "policy-marker"}
        self._sector_names = sector_names or {}
        self._sector_category_names = sector_category_names or {}
        self._marker_names = marker_names or {}
        self._ancestors: dict[str, frozenset[str]] = {}
        for code in catalogue:
            chain: list[str] = []
            parent = catalogue[code].parent_code
            while parent:
                chain.append(parent)
                parent = catalogue[parent].parent_code
            self._ancestors[code] = frozenset(chain)
        self._term_lists: tuple[Sequence[VocabularyTerm | RelevanceTerm], ...] = (
            self.vocabulary,
            self.relevance,
        )
        self._analyses: dict[str, AnalysedText] = {}
        self._matches: dict[tuple[str, str], _TextMatches] = {}
        # What a text of each language (or of none known) is matched against: built once.
        self._matchers = {
            language: _Matcher.of(self._term_lists, language) for language in ("", *LANGUAGES)
        }

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_data(
        cls, data_dir: str | Path | None = None, provisions_path: str | Path | None = None
    ) -> Tagger:
        """A tagger built from the CSV files in ``data_dir`` (default: the package's data/) and
        the provision catalogue (default: cbcoord/frameworks/data/provisions.csv). Loaded once
        per pair of paths and cached; after editing a file, call :meth:`clear_cache`."""
        directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
        provisions = Path(provisions_path) if provisions_path else DEFAULT_PROVISIONS_CSV
        return _load_tagger(str(directory.resolve()), str(provisions.resolve()))

    @staticmethod
    def clear_cache() -> None:
        _load_tagger.cache_clear()

    # ------------------------------------------------------------------ tagging
    def tag(self, item: TaggingInput) -> TaggingResult:
        texts = self._analyse(item.texts)
        languages = sorted({language for _, language in texts if language})

        provision_matches, relevance_matches = self._match_terms(texts)

        sector_hits = self._sector_hits(item.sectors)
        tag_hits = self._tag_hits(item.tags)
        marker_hits = self._marker_hits(item.policy_markers)
        signal_hits = sector_hits + tag_hits + marker_hits

        tags = self._score_provisions(provision_matches, signal_hits)

        evidence: list[Evidence] = []
        raw = 0.0
        claimed: set[tuple[int, int, int]] = set()
        for index, match in sorted(
            relevance_matches.items(), key=lambda m: (-abs(m[1].weight), m[1].term)
        ):
            if match.spans <= claimed:
                continue  # the same words, already counted through another term
            claimed |= match.spans
            term = self.relevance[index]
            bonus = min(REPEAT_CAP, 1.0 + REPEAT_BONUS * (match.occurrences - 1))
            contribution = round(match.weight * bonus, 4)
            raw += contribution
            evidence.append(
                Evidence(
                    kind="term",
                    detail=term.detail,
                    weight=contribution,
                    term=term.term,
                    language=term.language,
                    matched=match.matched,
                )
            )
        for hits in (sector_hits, tag_hits, marker_hits):
            positive = [h for h in hits if h[1] > 0]
            negative = [h for h in hits if h[1] < 0]
            neutral = [h for h in hits if h[1] == 0]
            chosen = []
            if positive:
                chosen.append(max(positive, key=lambda h: h[1]))
            if negative:
                chosen.append(min(negative, key=lambda h: h[1]))
            for _rule, weight, ev in chosen:
                raw += weight
                evidence.append(ev)
            evidence.extend(ev for _, _, ev in neutral)
        from_provisions = 0.0
        for tag in tags:
            factor = PROVISION_RELEVANCE_FACTOR_BY_INSTRUMENT.get(
                self.catalogue[tag.code].instrument, PROVISION_RELEVANCE_FACTOR
            )
            best = next((e for e in tag.evidence if e.kind == "term" and e.weight > 0), None)
            if best is None:
                continue  # supported by codes only: those already counted above
            share = min(factor * tag.confidence, PROVISION_RELEVANCE_CAP - from_provisions)
            if share <= 0:
                break
            from_provisions += share
            evidence.append(
                Evidence(
                    kind="term",
                    detail=best.detail,
                    weight=round(share, 4),
                    term=best.term,
                    language=best.language,
                    matched=best.matched,
                    provision=tag.code,
                    provision_title=tag.title,
                )
            )
        raw += from_provisions
        relevant = raw >= self.relevance_threshold
        score = raw / (raw + self.relevance_threshold) if raw > 0 else 0.0
        evidence.sort(key=lambda e: (-abs(e.weight), e.detail))
        return TaggingResult(
            relevant=relevant,
            relevance_score=round(score, 4),
            relevance_evidence=evidence,
            provisions=tags if relevant else [],
            languages=languages,
        )

    # ------------------------------------------------------------------ helpers
    def _analyse(self, texts: list[tuple[str, str]]) -> list[tuple[AnalysedText, str]]:
        """Each text worth reading, analysed, with the language it is read in."""
        analysed: list[tuple[AnalysedText, str]] = []
        memo = self._analyses
        for language, text in texts:
            if not text or not text.strip():
                continue
            code = (language or "").strip().lower()[:2]
            found = memo.get(text)
            if found is None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                found = memo[text] = AnalysedText(text)
            scores = found.scores
            guess = best_language(scores)
            # IATI narratives without xml:lang inherit the activity's default language, which is
            # sometimes wrong: trust the text when it clearly says otherwise.
            if code not in LANGUAGES or (
                guess and guess != code and scores[guess] >= 3 and scores[code] == 0
            ):
                code = guess
            analysed.append((found, code))
        known = [language for _, language in analysed if language]
        if known:
            majority = max(sorted(set(known)), key=known.count)
            analysed = [(text, language or majority) for text, language in analysed]
        return analysed

    @staticmethod
    def _applies(
        term_language: str, text_language: str, weight: float
    ) -> tuple[float, bool] | None:
        """How a term applies to a text: (weight factor, match exact words only), or None.

        A term of the text's language (or of any language, or a text of unknown language) is
        matched on stems at full weight. A term of another language is matched on its exact
        words (stems of one language mean little in another) at ``CROSS_LANGUAGE_FACTOR``; a
        negative term never applies across languages."""
        same = term_language in (ANY_LANGUAGE, text_language) or not text_language
        if same:
            return 1.0, False
        if weight < 0:
            return None
        return CROSS_LANGUAGE_FACTOR, True

    def _match_terms(
        self, texts: list[tuple[AnalysedText, str]]
    ) -> tuple[dict[int, _Match], dict[int, _Match]]:
        """Matches of the vocabulary's and the relevance list's terms (by index into each list),
        overlaps resolved per text."""
        lists = self._term_lists
        found_lists: tuple[dict[int, _Match], ...] = tuple({} for _ in lists)
        # Phrases of conjunctive terms, per list: the first text (in order) where each occurs.
        firsts: tuple[dict[tuple[int, int], tuple[int, _Hit]], ...] = tuple({} for _ in lists)
        add = self._add
        for t_index, (text, language) in enumerate(texts):
            matches = self._text_matches(text, language)
            for which, terms in enumerate(lists):
                found = found_lists[which]
                for index, factor, matched, start, end in matches.single[which]:
                    add(found, index, terms[index], factor, matched, {(t_index, start, end)})
                first = firsts[which]
                for key, hit in matches.firsts[which].items():
                    if key not in first:
                        first[key] = (t_index, hit)

        for which, terms in enumerate(lists):
            hits = firsts[which]
            # A conjunctive term can only match where its first phrase did.
            for index in sorted(index for index, number in hits if number == 0):
                term = terms[index]
                pieces: list[str] = []
                factors: list[float] = []
                covered: set[tuple[int, int, int]] = set()
                for number in range(len(term.phrases)):
                    first_hit = hits.get((index, number))
                    if first_hit is None:
                        break
                    t_index, (start, end, factor, matched) = first_hit
                    pieces.append(matched)
                    factors.append(factor)
                    covered.add((t_index, start, end))
                else:
                    matched = " \u2026 ".join(pieces)
                    add(found_lists[which], index, term, min(factors), matched, covered)
        return found_lists[0], found_lists[1]

    def _text_matches(self, text: AnalysedText, language: str) -> _TextMatches:
        """What the terms find in one text read in ``language``, overlaps resolved: per list,
        the single-phrase terms' matches in the order they count; the phrases of conjunctive
        terms, each where it first occurs. Remembered per text and language."""
        key = (text.text, language)
        memo = self._matches
        found = memo.get(key)
        if found is not None:
            return found
        spans: tuple[list[_Span], ...] = tuple([] for _ in self._term_lists)
        firsts: tuple[dict[tuple[int, int], _Hit], ...] = tuple({} for _ in self._term_lists)
        self._matchers[language].find(text, spans, firsts)
        single: tuple[list[tuple[int, float, str, int, int]], ...] = tuple(
            [] for _ in self._term_lists
        )
        for which, text_spans in enumerate(spans):
            # Longest first, then strongest, then earliest; then in list order.
            text_spans.sort()
            kept: list[tuple[int, int]] = []
            for _, _, start, index, end, factor in text_spans:
                clash = same = False
                for kept_start, kept_end in kept:
                    if start < kept_end and kept_start < end:
                        if start == kept_start and end == kept_end:
                            same = True
                        else:
                            clash = True
                            break
                if clash:
                    continue
                if not same:
                    kept.append((start, end))
                single[which].append((index, factor, text.span_text(start, end), start, end))
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        found = memo[key] = _TextMatches(single, firsts)
        return found

    @staticmethod
    def _add(
        found: dict[int, _Match],
        index: int,
        term: VocabularyTerm | RelevanceTerm,
        factor: float,
        matched: str,
        spans: set[tuple[int, int, int]],
    ) -> None:
        weight = term.weight * factor
        previous = found.get(index)
        if previous is None:
            found[index] = _Match(term.term, term.language, weight, matched, spans)
            return
        if abs(previous.weight) < abs(weight):
            previous.weight = weight
            previous.matched = matched
        previous.occurrences += 1
        previous.spans |= spans

    def _score_provisions(
        self,
        matches: dict[int, _Match],
        signal_hits: list[tuple[SignalRule, float, Evidence]],
    ) -> list[ProvisionTag]:
        # Evidence per provision, as (weight, words it covers, detail, weight as shown, what
        # makes its Evidence): only the provisions suggested in the end get their Evidence.
        positive: dict[str, list[_Piece]] = defaultdict(list)
        negative: dict[str, list[_Piece]] = defaultdict(list)
        vocabulary = self.vocabulary
        for index, match in matches.items():
            term = vocabulary[index]
            piece: _Piece = (match.weight, match.spans, term.detail, round(match.weight, 4), match)
            if match.weight < 0:
                negative[term.provision].append(piece)
            else:
                positive[term.provision].append(piece)
        for rule, _, base in signal_hits:
            for code, weight in rule.provisions:
                scaled = weight * self._signal_scale(base)
                if scaled <= 0:
                    continue
                positive[code].append((scaled, _NO_WORDS, base.detail, round(scaled, 4), base))

        candidates: dict[str, tuple[float, list[_Piece]]] = {}
        for code in set(positive) | set(negative):
            chosen = _distinct(positive.get(code, []))
            against = negative.get(code, [])
            remaining = 1.0
            for piece in chosen:
                remaining *= 1.0 - min(piece[0], 0.99)
            confidence = 1.0 - remaining + sum(piece[3] for piece in against)
            confidence = max(0.0, min(1.0, confidence))
            if confidence < self.min_confidence:
                continue
            pieces = chosen + against
            pieces.sort(key=lambda piece: (-piece[3], piece[2]))
            candidates[code] = (confidence, pieces)

        # The most specific provision the text supports: drop ancestors of other candidates.
        covered: set[str] = set()
        for code in candidates:
            covered |= self._ancestors.get(code, frozenset())
        kept = [
            (round(conf, 4), code, pieces)
            for code, (conf, pieces) in candidates.items()
            if code not in covered
        ]
        kept.sort(key=lambda item: (-item[0], item[1]))
        return [
            ProvisionTag(
                code=code,
                confidence=confidence,
                evidence=[self._provision_evidence(code, piece) for piece in pieces],
                title=self.catalogue[code].title,
            )
            for confidence, code, pieces in kept[: self.max_provisions]
        ]

    def _provision_evidence(self, code: str, piece: _Piece) -> Evidence:
        """The Evidence of one piece of ``_score_provisions`` for the provision ``code``."""
        source = piece[4]
        title = self.catalogue[code].title
        if isinstance(source, _Match):
            return Evidence(
                kind="term",
                detail=piece[2],
                weight=piece[3],
                role="provision",
                term=source.term,
                language=source.language,
                matched=source.matched,
                provision=code,
                provision_title=title,
            )
        return Evidence(
            kind=source.kind,
            detail=source.detail,
            weight=piece[3],
            role="provision",
            code=source.code,
            vocabulary=source.vocabulary,
            name=source.name,
            significance=source.significance,
            provision=code,
            provision_title=title,
            from_code=source.from_code,
        )

    @staticmethod
    def _signal_scale(evidence: Evidence) -> float:
        if evidence.kind == "policy-marker":
            return MARKER_SIGNIFICANCE_FACTOR.get(evidence.significance, 0.5)
        return 1.0

    def _sector_hits(
        self, sectors: list[tuple[str, str]]
    ) -> list[tuple[SignalRule, float, Evidence]]:
        hits: list[tuple[SignalRule, float, Evidence]] = []
        seen: set[tuple[str, str]] = set()
        for vocabulary, code in sectors:
            vocabulary = (vocabulary or "1").strip()
            code = (code or "").strip()
            rule = None
            if vocabulary == "1":
                rule = self._sector_rules.get(("1", code))
                if rule is None and len(code) == 5:
                    rule = self._sector_rules.get(("2", code[:3]))
            elif vocabulary == "2":
                rule = self._sector_rules.get(("2", code))
            if rule is None or (rule.vocabulary, rule.code) in seen:
                continue
            seen.add((rule.vocabulary, rule.code))
            if rule.vocabulary == "1":
                name = self._sector_names.get(rule.code, rule.note)
                detail = f"DAC sector {rule.code} {name}".strip()
            else:
                name = self._sector_category_names.get(rule.code, rule.note)
                detail = f"DAC sector category {rule.code} {name}".strip()
            from_code = code if rule.code != code else ""
            if from_code:
                detail += f" (from code {code})"
            ev = Evidence(
                kind="sector",
                detail=detail,
                weight=rule.relevance_weight,
                code=rule.code,
                vocabulary=rule.vocabulary,
                name=name,
                from_code=from_code,
            )
            hits.append((rule, rule.relevance_weight, ev))
        return hits

    def _tag_hits(self, tags: list[tuple[str, str]]) -> list[tuple[SignalRule, float, Evidence]]:
        hits: list[tuple[SignalRule, float, Evidence]] = []
        seen: set[tuple[str, str]] = set()
        for vocabulary, code in tags:
            key = _tag_key((vocabulary or "").strip(), (code or "").strip())
            rule = self._tag_rules.get(key)
            if rule is None or key in seen:
                continue
            seen.add(key)
            ev = Evidence(
                kind="tag",
                detail=f"tag {code} (vocabulary {vocabulary}): {rule.note}".strip(),
                weight=rule.relevance_weight,
                code=code,
                vocabulary=vocabulary,
                name=rule.note,
            )
            hits.append((rule, rule.relevance_weight, ev))
        return hits

    def _marker_hits(
        self, markers: list[tuple[str, str]]
    ) -> list[tuple[SignalRule, float, Evidence]]:
        hits: list[tuple[SignalRule, float, Evidence]] = []
        seen: set[str] = set()
        for code, significance in markers:
            code = (code or "").strip()
            significance = (significance or "").strip()
            rule = self._marker_rules.get(code)
            factor = MARKER_SIGNIFICANCE_FACTOR.get(significance, 0.5)
            if rule is None or code in seen or factor == 0:
                continue
            seen.add(code)
            name = self._marker_names.get(code, rule.note)
            weight = round(rule.relevance_weight * factor, 4)
            ev = Evidence(
                kind="policy-marker",
                detail=f"policy marker {code} {name} (significance {significance or '?'})",
                weight=weight,
                code=code,
                name=name,
                significance=significance,
            )
            hits.append((rule, weight, ev))
        return hits


@lru_cache(maxsize=8)
def _load_tagger(data_dir: str, provisions_path: str) -> Tagger:
    directory = Path(data_dir)
    catalogue = load_provisions(Path(provisions_path))
    signals_path = directory / "signals.csv"
    return Tagger(
        catalogue,
        load_vocabulary(directory / "vocabulary.csv", catalogue),
        load_relevance(directory / "relevance.csv"),
        load_sectors(directory / "sectors.csv", catalogue),
        load_signals(signals_path, catalogue) if signals_path.is_file() else [],
        sector_names=load_codelist_names("Sector"),
        sector_category_names=load_codelist_names("SectorCategory"),
        marker_names=load_codelist_names("PolicyMarker"),
    )


# A span of a single-phrase term in a text, as it sorts: (minus its length in words, minus the
# term's strength |weight|, first word, term index, end word, weight factor).
_Span = tuple[int, float, int, int, int, float]
# Where a phrase of a conjunctive term was first found in a text: (first word, end word,
# factor, the words as written).
_Hit = tuple[int, int, float, str]
# What ends at a trie node: (list, term index, phrase number or -1 for a single-phrase term,
# weight factor, minus the term's strength).
_Payload = tuple[int, int, int, float, float]
# A trie node: the next word (folded, or a stem) -> node; ``None`` -> its payloads.
_Node = dict[Any, Any]
_END = None


def _insert(root: _Node, parts: Sequence[Iterable[str]], payload: _Payload) -> None:
    """Add a phrase to a trie: each word of ``parts`` is one of a set of keys (its stems)."""
    nodes = [root]
    for keys in parts:
        nodes = [node.setdefault(key, {}) for node in nodes for key in keys]
    for node in nodes:  # distinct: each key of a set leads to a node of its own
        node.setdefault(_END, []).append(payload)


class _TextMatches(NamedTuple):
    """What the terms find in one text (``Tagger._text_matches``): per list, the single-phrase
    terms' matches as (term index, weight factor, words as written, first word, end word), and
    the phrases of conjunctive terms by (term index, phrase number)."""

    single: tuple[list[tuple[int, float, str, int, int]], ...]
    firsts: tuple[dict[tuple[int, int], _Hit], ...]


@dataclass
class _Matcher:
    """Every term phrase of the tagger's lists as it applies to texts of one language (or of
    unknown language, ``""``), in tries walked once per text: one keyed by folded words (terms
    matched on exact words: ``=term``, language-neutral terms, terms of another language) and
    one per language keyed by stems (terms of the text's language; of every language when it
    is unknown). A term that does not apply (a negative term of another language) is in none.

    The words of a text are read once, left to right: at each word, the tries' branches for it
    are followed as far as the words that come next (in the same clause) allow, collecting the
    phrases that end on the way. The result is that of matching every phrase on its own."""

    exact: _Node
    stemmed: list[tuple[str, _Node]]

    @classmethod
    def of(
        cls, lists: Sequence[Sequence[VocabularyTerm | RelevanceTerm]], language: str
    ) -> _Matcher:
        exact: _Node = {}
        stemmed: dict[str, _Node] = {}
        for which, terms in enumerate(lists):
            for index, term in enumerate(terms):
                several = len(term.phrases) > 1
                how = Tagger._applies(term.language, language, term.weight)
                if how is None:
                    continue
                factor, exact_only = how
                for number, phrase in enumerate(term.phrases):
                    payload = (which, index, number if several else -1, factor, -abs(term.weight))
                    if phrase.exact or exact_only:
                        _insert(exact, [(word,) for word in phrase.words], payload)
                    else:
                        root = stemmed.setdefault(phrase.language, {})
                        _insert(root, phrase.parts, payload)
        return cls(exact, sorted(stemmed.items()))

    def find(  # noqa: C901 - one walk over a text's words, kept flat: it runs for every text
        self,
        text: AnalysedText,
        spans: tuple[list[_Span], ...],
        firsts: tuple[dict[tuple[int, int], _Hit], ...],
    ) -> None:
        """Add the phrases found in ``text`` (read in this matcher's language): the
        single-phrase terms' spans to ``spans[list]``, and where each phrase of a conjunctive
        term first occurs to ``firsts[list]``."""
        clauses = text.clauses
        count = len(clauses)
        seen: set[tuple[int, int, int]] = set()

        def ended(payloads: list[_Payload], start: int, end: int) -> None:
            for which, index, number, factor, strength in payloads:
                if number < 0:
                    key = (which, index, start)
                    if key not in seen:
                        seen.add(key)
                        spans[which].append((start - end, strength, start, index, end, factor))
                elif (index, number) not in firsts[which]:
                    matched = text.span_text(start, end)
                    firsts[which][(index, number)] = (start, end, factor, matched)

        exact = self.exact
        folded = text.folded
        for start in range(count):
            node = exact.get(folded[start])
            if node is None:
                continue
            clause = clauses[start]
            end = start
            while True:
                end += 1
                payloads = node.get(_END)
                if payloads:
                    ended(payloads, start, end)
                if end >= count or clauses[end] != clause:
                    break
                node = node.get(folded[end])
                if node is None:
                    break
        for language, root in self.stemmed:
            per_word = text.stems_in(language)
            for start in range(count):
                nodes = [root[key] for key in per_word[start] if key in root]
                if not nodes:
                    continue
                clause = clauses[start]
                end = start
                while nodes:
                    end += 1
                    for node in nodes:
                        payloads = node.get(_END)
                        if payloads:
                            ended(payloads, start, end)
                    if end >= count or clauses[end] != clause:
                        break
                    keys = per_word[end]
                    nodes = [node[key] for node in nodes for key in keys if key in node]
