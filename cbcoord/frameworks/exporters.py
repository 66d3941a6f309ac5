"""Downloads of the instrument catalogue (``cbcoord.core.exporters``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from cbcoord.core.exporters import Column, Exporter, register
from cbcoord.frameworks.filters import ProvisionFilters
from cbcoord.frameworks.selectors import provision_list


@register
class ProvisionsExporter(Exporter):
    identifier = "provisions"
    title = gettext_lazy("Provisions of the instruments")
    description = gettext_lazy(
        "The catalogue's provisions with their stable codes and titles in four languages."
    )
    filters = ProvisionFilters
    columns = (
        Column("code", gettext_lazy("Code"), width=16),
        Column("instrument", gettext_lazy("Instrument")),
        Column("parent", gettext_lazy("Part of"), width=14),
        Column("kind", gettext_lazy("Kind")),
        Column("number", gettext_lazy("Number")),
        Column("title", gettext_lazy("Title"), width=50),
        Column("title_en", gettext_lazy("Title (English)"), width=40),
        Column("title_es", gettext_lazy("Title (Spanish)"), width=40),
        Column("title_fr", gettext_lazy("Title (French)"), width=40),
        Column("title_pt", gettext_lazy("Title (Portuguese)"), width=40),
        Column("verified", gettext_lazy("Verified"), "bool"),
        Column("verification", gettext_lazy("Verification"), width=40),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for provision in provision_list(filters=filters):
            yield [
                provision.code,
                provision.instrument.code,
                provision.parent.code if provision.parent else None,
                provision.kind,
                provision.number,
                provision.title,
                provision.title_en,
                provision.title_es,
                provision.title_fr,
                provision.title_pt,
                provision.is_verified,
                provision.verification,
            ]
