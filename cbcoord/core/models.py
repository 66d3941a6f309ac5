"""Abstract bases shared by the domain apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DemoFlagged(models.Model):
    """Records that `cbcoord load_demo` created for illustration carry ``is_demo``."""

    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        help_text=_("Illustrative record created by load_demo; not real data."),
    )

    class Meta:
        abstract = True


class MultilingualTitle(models.Model):
    title_en = models.CharField(_("title (English)"), max_length=500)
    title_es = models.CharField(_("title (Spanish)"), max_length=500, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=500, blank=True)
    title_pt = models.CharField(_("title (Portuguese)"), max_length=500, blank=True)
    unofficial_titles = models.JSONField(
        _("unofficial translations"),
        default=list,
        blank=True,
        help_text=_("Languages whose title is cbcoord's translation, not an official text."),
    )

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        from cbcoord.core.i18n import localized

        return localized(self, "title")

    @property
    def title_is_unofficial(self) -> bool:
        """Whether the title shown in the reader's language is an unofficial translation."""
        from cbcoord.core.i18n import current_language

        language = current_language()
        return bool(getattr(self, f"title_{language}", "")) and language in (
            self.unofficial_titles or []
        )


class NullsFirstIndex(models.Index):
    """An index over ``fields`` whose first column keeps NULLs before every value, on
    PostgreSQL as on SQLite (where NULL is the smallest value and ``CREATE INDEX`` cannot say
    ``NULLS FIRST``). Walked forward it gives ``ORDER BY col ASC NULLS FIRST, …``; walked
    backward ``col DESC NULLS LAST, …``: a list sorted by a column that may be empty (a
    budget, a start date) shows the empty ones after the others when descending, and reads
    its page from the index on both databases. A PostgreSQL index in its default order
    (``NULLS LAST``) could serve only one of the two."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql" or self.expressions:
            return super().create_sql(model, schema_editor, using, **kwargs)
        fields = [model._meta.get_field(name) for name, _order in self.fields_orders]
        suffixes = [order for _name, order in self.fields_orders]
        suffixes[0] = f"{suffixes[0]} NULLS FIRST".strip()
        return schema_editor._create_index_sql(
            model,
            fields=fields,
            name=self.name,
            using=using,
            db_tablespace=self.db_tablespace,
            col_suffixes=suffixes,
            opclasses=self.opclasses,
            condition=self._get_condition_sql(model, schema_editor),  # type: ignore[attr-defined]
            include=[model._meta.get_field(name).column for name in self.include],
            **kwargs,
        )
