"""The form that starts an import: an uploaded file or the address of a published one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("IATI activity file (XML)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    url = forms.URLField(
        label=_("…or the address of a published IATI file"),
        required=False,
        assume_scheme="https",
        max_length=1000,
    )
    strict = forms.BooleanField(
        label=_("Strict: refuse every activity that deviates from the IATI schema"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(_("Choose a file or give an address (one of the two)."))
        return cleaned
