"""Abstract bases shared by the domain apps."""

from __future__ import annotations

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
