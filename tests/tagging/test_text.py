"""Stemming is shared by the request threads of a gthread worker: it must give each thread
the stems one thread alone would get (a Snowball stemmer object keeps the word it works on
in itself, so one object used by two threads at once mixes their words up)."""

from __future__ import annotations

import threading

from cbcoord.tagging import text

WORDS = [
    "customs", "declarations", "authorised", "operators", "facilitation", "inspections",
    "harmonisation", "modernization", "procedures", "transparency", "valuation", "clearance",
    "warehousing", "transshipment", "enforcement", "coordination", "simplification",
]  # fmt: skip


def test_threads_stem_at_the_same_time_as_one_alone_would() -> None:
    stem = text.stems.__wrapped__  # past the cache: every call stems
    expected = {word: stem("en", word) for word in WORDS}
    found: list[tuple[str, frozenset[str]]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(300):
                for word in WORDS:
                    found.append((word, stem("en", word)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(stems == expected[word] for word, stems in found)
    assert len(found) == 8 * 300 * len(WORDS)
