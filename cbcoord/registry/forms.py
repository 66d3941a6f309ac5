from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from cbcoord.registry.models import Member, Organisation, Person
from cbcoord.registry.selectors import by_country_name


class OrganisationProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "acronym", "website", "description"]


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Person
        fields = ["name", "title", "email", "is_published"]


class _ByCountryName(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for member in by_country_name(self.queryset):
            yield self.choice(member)


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of WCO member, each named in the reader's language and listed in that
    language's order."""

    iterator = _ByCountryName

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.country_name) if isinstance(obj, Member) else str(obj)
