"""Text handling for the tagger: folding, tokens, Snowball stems, language guess, term matching.

Everything here is pure Python and deterministic. A text is cut into word tokens; each token keeps

* ``folded``: lower case with accents removed (NFKD, combining marks dropped), and
* per language, a small set of stems: the Snowball stem of the accented word with its accents
  removed afterwards, and the Snowball stem of the folded word. Matching on either makes the
  match insensitive to accents whether the text was written with them or not ("alfândega" and
  "alfandega" both give ``alfandeg``), while keeping the stemmer's own handling of accented
  suffixes ("informação" and "informações" both give ``inform``).

Function words (articles, prepositions, conjunctions of the four languages) are left out of the
sequence that terms are matched against, so that "rules of origin" and "origin rules" differ
only by order and "ventanilla única de comercio exterior" contains "ventanilla única".

A term is one or more phrases joined by `` + ``; all phrases must occur in the activity's texts.
A phrase matches a run of consecutive (non-function-word) tokens within one clause (it does
not run across ``. : ; ! ? ( )``). A phrase written with a leading
``=``, or a term of language ``*``, is matched on folded words without stemming (for acronyms and
for words whose stem would collide, such as "customs"/"customer").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, cast

import snowballstemmer

LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "pt")
ANY_LANGUAGE = "*"
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    ANY_LANGUAGE: "language-neutral",
}
_SNOWBALL = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese"}


# Left out of the matched sequence (folded forms). Pronouns and verbs are kept: only words that
# join the content words of a phrase. "it" is kept on purpose ("IT system").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS: frozenset[str] = _words(
    """
    a an the of and or for to in on at by with from as its their into between
    el la los las lo un una unos unas de del al y e o u en para por con sus su entre sobre
    le les l d des du au aux et ou pour par avec dans sur leur leurs son sa ses qu
    os as um uns umas da do das dos em no na nos nas ao aos pelo pela pelos pelas seu sua seus suas
    """
)

# Cheap language guess: frequent function words that tell the four languages apart.
_DETECTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the and of to for with on by is are from this that which in at an be will"),
    "es": _words("el los las del y para con por una que en la se al sus como entre es"),
    "fr": _words(
        "le les des du et pour avec dans sur une au aux par la en que qui est l d ce cette"
    ),
    "pt": _words("o os do da dos das e para com em no na nos nas uma ao pelo pela que um"),
}

_WORD_RE = re.compile(r"[^\W_]+")
# One pass over a text: "e-commerce" (an "e" that starts a word, a hyphen, a word) as one token,
# else a word, else a clause break (group 1). The same tokens as ``tokenize``, in one regex.
_HYPHENS = frozenset({"-", "\u2010", "\u2011"})
_SCAN_RE = re.compile(r"(?<![^\W_])[eE][-\u2010\u2011][^\W_]+|[^\W_]+|([.:;!?()\[\]\n])")


def fold(text: str) -> str:
    """Lower case, accents removed: ``fold("Alfândega") == "alfandega"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    """``fold`` of one word, remembered: the same words recur in every text."""
    return fold(word)


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # the library's name


#: A Snowball stemmer keeps the word it works on in itself: one per thread, for the request
#: threads of a gthread worker that tag at the same time.
_per_thread = threading.local()


def _stemmer(language: str) -> _Stemmer:
    stemmers: dict[str, _Stemmer] | None = getattr(_per_thread, "stemmers", None)
    if stemmers is None:
        stemmers = _per_thread.stemmers = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = cast(_Stemmer, snowballstemmer.stemmer(_SNOWBALL[language]))
    return stemmer


_PT_PLURAL_AO = re.compile(r"(?:õe|ãe|oe|ae)s$")


# Words that Snowball would merge with a word of another meaning in this domain; they keep a
# stem of their own ("customer" is not "customs", "integrated" is not "integrity", "transition"
# is not "transit", "authority" is not "authorized", "original" is not "origin").
_STEM_EXCEPTIONS: dict[str, dict[str, str]] = {
    "en": {
        **dict.fromkeys(("customer", "customers"), "customer"),
        **dict.fromkeys(("integrated", "integration", "integrating", "integrate"), "integrat"),
        **dict.fromkeys(("transition", "transitions", "transitional"), "transition"),
        **dict.fromkeys(("authority", "authorities"), "authority"),
        **dict.fromkeys(("original", "originally", "originals"), "original"),
        **dict.fromkeys(("selection", "selections", "selected", "select"), "selection"),
        **dict.fromkeys(("publication", "publications"), "publication"),
        **dict.fromkeys(("formality", "formalities"), "formality"),
    },
}


@lru_cache(maxsize=200_000)
def stems(language: str, word: str) -> frozenset[str]:
    """The stems a lower-case ``word`` may take in ``language`` (see the module docstring)."""
    exception = _STEM_EXCEPTIONS.get(language, {}).get(_fold_word(word))
    if exception:
        return frozenset({exception})
    if language == "pt":
        # Snowball leaves "-ões" and "-ão" apart ("decisões" / "decisão"); join them first.
        word = _PT_PLURAL_AO.sub("ão", word)
    stemmer = _stemmer(language)
    return frozenset({fold(stemmer.stemWord(word)), stemmer.stemWord(fold(word))})


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: where it is, its folded form and its stems per language."""

    start: int
    end: int
    word: str  # lower case, accents kept
    folded: str


def tokenize(text: str) -> list[Token]:
    """Word tokens of ``text``; "e-commerce" and "e-payment" become one token each."""
    tokens: list[Token] = []
    matches = list(_WORD_RE.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        start, end, word = m.start(), m.end(), m.group().lower()
        # "e-commerce", "e-payment", "e-Phyto": keep the prefix with its word.
        if (
            word == "e"
            and i + 1 < len(matches)
            and text[end : end + 1] in {"-", "\u2010", "\u2011"}
            and matches[i + 1].start() == end + 1
        ):
            nxt = matches[i + 1]
            word = "e" + nxt.group().lower()
            end = nxt.end()
            i += 1
        tokens.append(Token(start, end, word, _fold_word(word)))
        i += 1
    return tokens


def language_scores(tokens: list[Token]) -> dict[str, int]:
    """How many frequent function words of each language (en/es/fr/pt) the tokens contain."""
    counts = dict.fromkeys(LANGUAGES, 0)
    for tok in tokens:
        for lang, words in _DETECTION_WORDS.items():
            if tok.folded in words:
                counts[lang] += 1
    return counts


def best_language(counts: dict[str, int]) -> str:
    """The language with the highest count, or "" when none or a tie."""
    best = max(counts.values())
    if best == 0:
        return ""
    winners = [lang for lang, n in counts.items() if n == best]
    return winners[0] if len(winners) == 1 else ""


def detect_language(tokens: list[Token]) -> str:
    """The language (en/es/fr/pt) whose function words occur most often, or "" if unclear."""
    return best_language(language_scores(tokens))


# Per folded word, the languages whose detection words include it (``language_scores``).
_DETECTS: dict[str, tuple[int, ...]] = {}
for _position, _language in enumerate(LANGUAGES):
    for _word in _DETECTION_WORDS[_language]:
        _DETECTS[_word] = (*_DETECTS.get(_word, ()), _position)


@lru_cache(maxsize=200_000)
def _word_facts(raw: str) -> tuple[str, str, bool, tuple[int, ...]]:
    """What a text needs of one of its words as written: (lower case, folded, is a function
    word, the languages it is a detection word of). Worked out once per distinct word."""
    return _facts(raw.lower())


def _facts(word: str) -> tuple[str, str, bool, tuple[int, ...]]:
    folded = _fold_word(word)
    return word, folded, folded in FUNCTION_WORDS, _DETECTS.get(folded, ())


class AnalysedText:
    """A text ready for matching: its content words (function words left out) with their
    places, folded forms, clause numbers and, per language on demand, stems; and how many
    detection words of each language it holds (``scores``, as ``language_scores`` counts).
    Not changed once made (the tagger shares one between the activities with the same text).

    One regular-expression pass reads words and clause breaks alike; what each distinct word
    is (lower case, folded, function word, detection word) is remembered across texts."""

    __slots__ = (
        "text",
        "language",
        "starts",
        "ends",
        "words",
        "folded",
        "clauses",
        "scores",
        "_stems",
    )

    def __init__(self, text: str, language: str = "") -> None:
        self.text = text
        self.language = language
        starts: list[int] = []
        ends: list[int] = []
        words: list[str] = []
        folded_words: list[str] = []
        clauses: list[int] = []
        counts = [0] * len(LANGUAGES)
        clause = 0
        for match in _SCAN_RE.finditer(text):
            if match.lastindex:  # a clause break: a phrase does not run across it
                clause += 1
                continue
            raw = match.group()
            if raw[1:2] in _HYPHENS:  # "e-commerce": one word, "ecommerce"
                word, folded, function, detects = _facts("e" + raw[2:].lower())
            else:
                word, folded, function, detects = _word_facts(raw)
            for position in detects:
                counts[position] += 1
            if function:
                continue
            starts.append(match.start())
            ends.append(match.end())
            words.append(word)
            folded_words.append(folded)
            clauses.append(clause)
        self.starts = starts
        self.ends = ends
        self.words = words
        self.folded = folded_words
        self.clauses = clauses
        self.scores = dict(zip(LANGUAGES, counts, strict=True))
        self._stems: dict[str, list[frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self.words)

    def stems_in(self, language: str) -> list[frozenset[str]]:
        """The stems of each content word in ``language`` (see ``stems``)."""
        found = self._stems.get(language)
        if found is None:
            found = self._stems[language] = [stems(language, word) for word in self.words]
        return found

    def span_text(self, start: int, end: int) -> str:
        """The original text covered by content words ``[start, end)``."""
        return self.text[self.starts[start] : self.ends[end - 1]]


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase compiled for matching: one set of acceptable stems (or one folded word) per word."""

    language: str
    exact: bool
    parts: tuple[frozenset[str], ...]
    words: tuple[str, ...]  # folded, unstemmed


class TermError(ValueError):
    """A term that cannot be matched (empty, or made only of function words)."""


def compile_term(term: str, language: str) -> tuple[Phrase, ...]:
    """Compile ``term`` written in ``language`` (en/es/fr/pt or ``*``) into its phrases."""
    phrases: list[Phrase] = []
    for raw in term.split(" + "):
        text = raw.strip()
        exact = language == ANY_LANGUAGE or text.startswith("=")
        text = text.lstrip("=").strip()
        words = [t for t in tokenize(text) if t.folded not in FUNCTION_WORDS]
        if not words:
            raise TermError(f"term {term!r} has no content words")
        if exact:
            parts = tuple(frozenset({w.folded}) for w in words)
        else:
            parts = tuple(stems(language, w.word) for w in words)
        phrases.append(Phrase(language, exact, parts, tuple(w.folded for w in words)))
    return tuple(phrases)
