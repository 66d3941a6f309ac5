"""The meeting brief: one document, generated from live data, for every participant.

A brief is a list of **sections** (``SECTIONS`` in ``cbcoord.meetings.brief.sections``), each
a ``Section`` subclass with

- ``id`` and ``title``: its anchor and heading (the PDF's table of contents lists them);
- ``data(meeting, user)``: what it shows, read through the selectors' doors as ``user`` (typed
  tables and Vega-Lite figures in a ``SectionContent``), or ``None`` to leave it out;
- ``template``: the HTML fragment the PDF renders it with (``meetings/brief/section.html``
  draws the facts, tables and figures of any section);
- ``write_sheet(workbook, content)``: its sheet(s) in the XLSX (by default one sheet of its
  tables, typed cells).

``render.brief_pdf`` (WeasyPrint: A4, running header, page numbers, a table of contents with
page numbers, charts rendered to SVG from the same specs the pages draw) and
``render.brief_xlsx`` (openpyxl) render the list in the requesting user's language.

**Extension point.** The coordination sections (the region's coverage matrix and map, top
gaps, open overlaps, regional synergies, strategy indicators, funding overview) will read the
``coordination`` app's selectors, which sits below ``meetings``: write each as a ``Section``
subclass in ``sections.py`` (or a module beside it) and add it to ``SECTIONS`` at the place
marked there. Nothing else changes: the PDF, the XLSX, the contents, the page's download
buttons and the command pick it up.
"""
