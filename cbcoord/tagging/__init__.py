"""Rule-based tagging of activities: customs relevance and supported provisions.

Pure Python (no Django). See :mod:`cbcoord.tagging.engine` for the tagger,
:mod:`cbcoord.tagging.evaluation` for scoring it, and ``data/README.md`` for the data files.
"""
