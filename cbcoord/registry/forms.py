from __future__ import annotations

from django import forms

from cbcoord.registry.models import Organisation, Person


class OrganisationProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "acronym", "website", "description"]


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Person
        fields = ["name", "title", "email", "is_published"]
