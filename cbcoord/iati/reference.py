"""Load the shipped IATI codelists into the database (labels, and codes the UI can offer)."""

from __future__ import annotations

from cbcoord.core.reference import LoadReport, upsert
from cbcoord.iati import codelists
from cbcoord.iati.models import Codelist, CodelistItem

# The codelists cbcoord validates and labels with (issue: foundation).
LOADED_CODELISTS = codelists.DATABASE_CODELISTS


def load_codelists(report: LoadReport) -> None:
    for name in LOADED_CODELISTS:
        shipped = codelists.load_codelist(name)
        codelist = upsert(
            Codelist,
            lookup={"name": name},
            values={"embedded": shipped.embedded, "source": shipped.source},
            report=report,
        )
        existing = {item.code: item for item in codelist.items.all()}
        new_items = []
        for entry in shipped.items.values():
            values = {
                "name": _english(entry.name, shipped.language)[:500],
                "name_fr": entry.name.get("fr", "")[:500],
                "description": _english(entry.description, shipped.language),
                "category": entry.category or "",
                "is_withdrawn": entry.status == "withdrawn",
            }
            item = existing.get(entry.code)
            if item is None:
                new_items.append(CodelistItem(codelist=codelist, code=entry.code, **values))
                report.record("codelistitem", "created")
            elif any(getattr(item, key) != value for key, value in values.items()):
                upsert(CodelistItem, lookup={"pk": item.pk}, values=values, report=report)
            else:
                report.record("codelistitem", "unchanged")
        CodelistItem.objects.bulk_create(new_items)


def _english(texts: dict[str, str], default_language: str) -> str:
    return texts.get("en") or texts.get(default_language) or next(iter(texts.values()), "")
