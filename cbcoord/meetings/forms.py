"""Forms of the meetings' pages. They offer and read choices; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cbcoord.activities.models import Activity
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.meetings.models import (
    ActionStatus,
    Meeting,
    MeetingSeries,
    Participant,
    ParticipantRole,
)
from cbcoord.needs.models import Need
from cbcoord.registry.models import Organisation, Person


class DateInput(forms.DateInput):
    input_type = "date"


def _choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_verified=True).order_by("name")


class SeriesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MeetingSeries
        fields = ["key", "name", "kind", "region", "description"]


class MeetingForm(forms.ModelForm):  # type: ignore[type-arg]
    host = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label=_("Host")
    )
    co_organisers = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(), required=False, label=_("Co-organisers")
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "start_date",
            "end_date",
            "city",
            "country",
            "venue",
            "status",
            "visibility",
            "summary",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = False
        if creating:
            _choices(self, "host", organisations())
            _choices(self, "co_organisers", organisations())
        else:
            del self.fields["host"]
            del self.fields["co_organisers"]


class ParticipantForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation")
    )
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Person")
    )
    roles = forms.MultipleChoiceField(
        choices=ParticipantRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Roles"),
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organisation", organisations())
        _choices(self, "person", Person.objects.select_related("organisation").order_by("name"))


class LinksField(forms.CharField):
    """Instrument and provision codes, separated by commas or spaces (``RKC, WCO-SP-ECOM``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Instruments and provisions"))
        kwargs.setdefault(
            "help_text", _("Codes separated by commas: RKC, TFA-7.4, WCO-SP-ECOM, THEME-DATA.")
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[list[Instrument], list[Provision]]:
        text = super().clean(value) or ""
        codes = [
            code.strip()
            for code in text.replace(";", ",").replace(" ", ",").split(",")
            if code.strip()
        ]
        instruments = {
            item.code.upper(): item for item in Instrument.objects.filter(code__in=codes)
        }
        provisions = {item.code.upper(): item for item in Provision.objects.filter(code__in=codes)}
        unknown = [
            code
            for code in codes
            if code.upper() not in instruments and code.upper() not in provisions
        ]
        if unknown:
            raise forms.ValidationError(
                _("Not an instrument or provision code: %(codes)s"),
                params={"codes": ", ".join(unknown)},
            )
        return list(instruments.values()), list(provisions.values())


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=500, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description")
    )
    starts_at = forms.TimeField(
        required=False, label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    presenters = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(), required=False, label=_("Presenters")
    )
    links = LinksField()

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "presenters", meeting.participants.select_related("organisation", "person"))


class BilateralForm(forms.Form):
    title = forms.CharField(max_length=300, required=False, label=_("Title"))
    held_on = forms.DateField(required=False, label=_("Held on"), widget=DateInput())
    parties = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(), label=_("Parties")
    )
    topics = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Topics")
    )
    links = LinksField()
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Summary")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "parties", organisations())


class DecisionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Decision"))


class ActionItemForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Action"))
    owner_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Owner organisation")
    )
    owner_person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Owner")
    )
    due_date = forms.DateField(required=False, label=_("Due date"), widget=DateInput())
    links = LinksField(label=_("Provisions"))
    activities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Activities"),
        help_text=_("IATI identifiers, one a line."),
    )
    needs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Needs"),
        help_text=_("Need references (such as NEED-DO-0001), one a line."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "owner_organisation", organisations())
        _choices(
            self, "owner_person", Person.objects.select_related("organisation").order_by("name")
        )

    def clean_activities(self) -> list[Activity]:
        identifiers = [
            line.strip()
            for line in (self.cleaned_data.get("activities") or "").splitlines()
            if line.strip()
        ]
        found = {
            activity.iati_identifier: activity
            for activity in Activity.objects.filter(iati_identifier__in=identifiers)
        }
        missing = [identifier for identifier in identifiers if identifier not in found]
        if missing:
            raise forms.ValidationError(
                _("No activity %(identifiers)s."), params={"identifiers": ", ".join(missing)}
            )
        return list(found.values())

    def clean_needs(self) -> list[Need]:
        keys = [
            line.strip().upper()
            for line in (self.cleaned_data.get("needs") or "").splitlines()
            if line.strip()
        ]
        found = {need.key: need for need in Need.objects.filter(key__in=keys)}
        missing = [key for key in keys if key not in found]
        if missing:
            raise forms.ValidationError(_("No need %(keys)s."), params={"keys": ", ".join(missing)})
        return list(found.values())


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("(unchanged)")), *ActionStatus.choices], required=False, label=_("Status")
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Progress")
    )
    noted_on = forms.DateField(required=False, label=_("Date"), widget=DateInput())


class DataCallForm(forms.Form):
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Message")
    )


class ConfirmForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Note"),
        help_text=_("What you updated, or anything the secretariat should know."),
    )
