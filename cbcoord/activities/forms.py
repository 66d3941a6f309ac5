"""Forms for entering and editing activities, and for starting an import.

The activity form holds the scalar fields; row formsets hold countries, sectors, budgets,
transactions and participating organisations. ``edit_changes`` turns them into the edit dict
of ``cbcoord.activities.services`` (only what changed, when editing).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat
from cbcoord.activities.models import Activity, Visibility
from cbcoord.activities.services import DATE_FIELDS, LANGUAGES
from cbcoord.core.i18n import codelist_choices, pick_narrative
from cbcoord.registry.models import Organisation, OrganisationKind

LANGUAGE_NAMES = {"en": _("English"), "es": _("Spanish"), "fr": _("French"), "pt": _("Portuguese")}
DATE_LABELS = {
    "planned_start": _("Planned start"),
    "actual_start": _("Actual start"),
    "planned_end": _("Planned end"),
    "actual_end": _("Actual end"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActivityForm(forms.Form):
    iati_identifier = forms.CharField(label=_("IATI identifier"), max_length=255)
    reporting_org = forms.ModelChoiceField(
        label=_("Reporting organisation"), queryset=Organisation.objects.none()
    )
    activity_status = forms.ChoiceField(label=_("Activity status"))
    default_currency = forms.CharField(
        label=_("Default currency"),
        max_length=3,
        required=False,
        help_text=_("ISO 4217 code, e.g. USD."),
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    visible_to = forms.ModelMultipleChoiceField(
        label=_("Visible to organisations"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("For the level “Named organisations”."),
    )

    def __init__(
        self, *args: Any, user: Actor | None, activity: Activity | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.activity = activity
        for language in LANGUAGES:
            self.fields[f"title_{language}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": LANGUAGE_NAMES[language]},
                required=False,
                max_length=2000,
            )
        for language in LANGUAGES:
            self.fields[f"description_{language}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": LANGUAGE_NAMES[language]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        for field, label in DATE_LABELS.items():
            self.fields[field] = forms.DateField(label=label, required=False, widget=DateInput())
        status_field = self.fields["activity_status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = codelist_choices("ActivityStatus")
        organisations = Organisation.objects.filter(
            kind__in=OrganisationKind.partner_kinds()
        ).order_by("name")
        if not is_secretariat(user):
            own: int | None = getattr(user, "organisation_id", None)
            organisations = organisations.filter(pk=own) if own else organisations.none()
        org_field = self.fields["reporting_org"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = organisations
        if activity is not None:
            del self.fields["iati_identifier"]
            del self.fields["reporting_org"]
            self.initial.update(initial_for(activity))
        else:
            self.initial.setdefault("visibility", Visibility.COORDINATION)
            if organisations.count() == 1:
                self.initial.setdefault("reporting_org", organisations.first())


def initial_for(activity: Activity) -> dict[str, Any]:
    data = activity.data
    description = next(
        (d for d in data.get("descriptions") or [] if d.get("type") in (None, "1")), None
    )
    initial: dict[str, Any] = {
        "activity_status": data.get("activity_status") or "",
        "default_currency": data.get("default_currency") or "",
        "visibility": activity.visibility,
        "visible_to": list(activity.visible_to.all()),
    }
    for language in LANGUAGES:
        initial[f"title_{language}"] = (data.get("title") or {}).get(language, "")
        initial[f"description_{language}"] = ((description or {}).get("narratives") or {}).get(
            language, ""
        )
    for field in DATE_FIELDS:
        initial[field] = getattr(activity, field)
    return initial


class _RowForm(forms.Form):
    index = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CountryRowForm(_RowForm):
    code = forms.ChoiceField(label=_("Country"), required=False)
    percentage = forms.DecimalField(
        label=_("Percentage"), required=False, min_value=0, max_value=100
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        assert isinstance(code, forms.ChoiceField)
        code.choices = _cached("Country")

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("code")


class SectorRowForm(_RowForm):
    code = forms.CharField(label=_("Sector code"), required=False, max_length=40)
    vocabulary = forms.CharField(
        label=_("Vocabulary"),
        required=False,
        max_length=10,
        initial="1",
        help_text=_("1 = OECD DAC 5-digit"),
    )
    percentage = forms.DecimalField(
        label=_("Percentage"), required=False, min_value=0, max_value=100
    )

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("code")


class BudgetRowForm(_RowForm):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("1", _("Original")), ("2", _("Revised"))]
    )
    period_start = forms.DateField(label=_("Period start"), required=False, widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), required=False, widget=DateInput())
    value = forms.DecimalField(label=_("Value"), required=False)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    def is_blank(self) -> bool:
        return self.cleaned_data.get("value") is None and not self.cleaned_data.get("period_start")


class TransactionRowForm(_RowForm):
    type = forms.ChoiceField(label=_("Type"), required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    value = forms.DecimalField(label=_("Value"), required=False)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        kind = self.fields["type"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _cached("TransactionType")

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("type") and self.cleaned_data.get("value") is None


class ParticipantRowForm(_RowForm):
    ref = forms.CharField(label=_("IATI identifier"), required=False, max_length=200)
    name = forms.CharField(label=_("Name"), required=False, max_length=500)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = _cached("OrganisationRole")

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("ref") and not self.cleaned_data.get("name")


_CHOICES: dict[str, list[tuple[str, str]]] = {}


def _cached(name: str) -> list[tuple[str, str]]:
    """Codelist choices, read once per form set (the formsets repeat the same list)."""
    return _CHOICES.get(name) or codelist_choices(name)


CountryFormSet = formset_factory(CountryRowForm, extra=2, can_delete=True)
SectorFormSet = formset_factory(SectorRowForm, extra=2, can_delete=True)
BudgetFormSet = formset_factory(BudgetRowForm, extra=1, can_delete=True)
TransactionFormSet = formset_factory(TransactionRowForm, extra=2, can_delete=True)
ParticipantFormSet = formset_factory(ParticipantRowForm, extra=1, can_delete=True)

# changes key -> (form-set class, prefix, IATI content key, row builder from the content)
ROW_SETS: dict[str, tuple[Any, str]] = {
    "recipient_countries": (CountryFormSet, "countries"),
    "sectors": (SectorFormSet, "sectors"),
    "budgets": (BudgetFormSet, "budgets"),
    "transactions": (TransactionFormSet, "transactions"),
    "participating_orgs": (ParticipantFormSet, "participants"),
}


def _initial_rows(key: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(data.get(key) or []):
        row: dict[str, Any] = {"index": index}
        if key == "recipient_countries":
            row |= {"code": item.get("code") or "", "percentage": item.get("percentage")}
        elif key == "sectors":
            row |= {
                "code": item.get("code") or "",
                "vocabulary": item.get("vocabulary") or "",
                "percentage": item.get("percentage"),
            }
        elif key == "budgets":
            row |= {
                "type": item.get("type") or "1",
                "period_start": item.get("period_start"),
                "period_end": item.get("period_end"),
                "value": item.get("value"),
                "currency": item.get("currency") or "",
            }
        elif key == "transactions":
            row |= {
                "type": item.get("type") or "",
                "date": item.get("date"),
                "value": item.get("value"),
                "currency": item.get("currency") or "",
            }
        else:
            row |= {
                "ref": item.get("ref") or "",
                "name": pick_narrative(item.get("name")),
                "role": item.get("role") or "",
            }
        rows.append(row)
    return rows


def build_formsets(data: Any, activity: Activity | None) -> dict[str, forms.BaseFormSet]:  # type: ignore[type-arg]
    _CHOICES.clear()
    for name in ("Country", "TransactionType", "OrganisationRole"):
        _CHOICES[name] = codelist_choices(name)
    content = activity.data if activity is not None else {}
    return {
        key: formset_class(data, prefix=prefix, initial=_initial_rows(key, content))
        for key, (formset_class, prefix) in ROW_SETS.items()
    }


def edit_changes(
    form: ActivityForm,
    formsets: dict[str, forms.BaseFormSet[Any]],
    *,
    editing: bool,
) -> dict[str, Any]:
    """The edit dict for the services: everything when creating, what changed when editing."""
    data = form.cleaned_data
    changed = set(form.changed_data) if editing else set(form.fields)
    changes: dict[str, Any] = {}
    if any(f"title_{language}" in changed for language in LANGUAGES):
        changes["title"] = {language: data[f"title_{language}"] for language in LANGUAGES}
    if any(f"description_{language}" in changed for language in LANGUAGES):
        changes["description"] = {
            language: data[f"description_{language}"] for language in LANGUAGES
        }
    for field in ("activity_status", "default_currency", *DATE_FIELDS, "visibility"):
        if field in changed:
            changes[field] = data[field]
    if "visible_to" in changed and (editing or data["visible_to"]):
        changes["visible_to"] = list(data["visible_to"])
    for key, formset in formsets.items():
        if editing and not formset.has_changed():
            continue
        rows = []
        for row_form in formset.forms:
            cleaned = getattr(row_form, "cleaned_data", None) or {}
            if not cleaned or cleaned.get("DELETE") or row_form.is_blank():
                continue
            row = {k: v for k, v in cleaned.items() if k != "DELETE"}
            if key == "sectors" and not row.get("vocabulary"):
                row["vocabulary"] = "1"
            rows.append(row)
        if rows or editing:
            changes[key] = rows
    return changes
