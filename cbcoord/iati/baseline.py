"""The cheapest possible pass over an IATI file, as the yardstick for parser throughput.

``bare_iterparse(path)`` iterparses like ``iter_activities`` does (same parser options, same
clearing of each activity and its preceding siblings) but extracts and validates nothing.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

__all__ = ["bare_iterparse"]


def bare_iterparse(path: str | Path) -> int:
    """Number of ``iati-activity`` elements in ``path``; memory stays flat."""
    count = 0
    context = etree.iterparse(
        str(path),
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for _, el in context:
        count += 1
        el.clear(keep_tail=False)
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
    return count
