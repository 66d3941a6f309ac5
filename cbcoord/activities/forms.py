"""The activity form: entering and editing an activity by hand, and the import form.

``ActivityForms`` holds the form of the single fields (titles, status, dates, visibility) and
one form set per list (countries, regions, sectors, budgets, transactions, participating
organisations). Their fields only carry what was typed: the rules are those of the typed edit
(``cbcoord.activities.edits``), which ``ActivityForms`` builds and whose problems (and the
services') it puts next to the fields and rows they concern, all at once.

Rows are added as needed: each list has one blank row, and "Add a row" re-renders the form with
one more (htmx swaps just that list; without JavaScript the whole page comes back, nothing
saved). A row is removed with its "Remove" box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.forms import formset_factory
from django.http import QueryDict
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat
from cbcoord.activities.edits import (
    DATE_FIELDS,
    LANGUAGES,
    ROW_FIELDS,
    ActivityEdit,
    ActivityNew,
)
from cbcoord.activities.models import Activity, Visibility
from cbcoord.core.i18n import codelist_choices, current_language, pick_narrative
from cbcoord.core.validation import Problem, path_loc, problems
from cbcoord.registry.identifiers import ASSIGNED_PREFIX, identifier_prefixes
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


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", **attrs})


def _text(**kwargs: Any) -> forms.CharField:
    """A field that keeps what was typed; the typed edit checks it."""
    return forms.CharField(required=False, strip=True, **kwargs)


_CHOICES: dict[tuple[str, str], list[tuple[str, Any]]] = {}


def _choices(codelist: str) -> list[tuple[str, Any]]:
    """A codelist's choices in the active language, made once (the rows repeat the same
    lists, and the shipped codelists do not change while the server runs)."""
    key = (codelist, current_language())
    if key not in _CHOICES:
        _CHOICES[key] = codelist_choices(codelist)
    return _CHOICES[key]


def _select(form: forms.Form, field: str, choices: Sequence[tuple[str, Any]]) -> None:
    """Offer ``choices`` in ``field``'s list, and the current value too when it is not one of
    them (an imported code the list does not hold), so that it is not lost on saving."""
    current = form[field].value()
    listed = list(choices)
    if current and all(code != current for code, _name in listed):
        listed.append((str(current), str(current)))
    form.fields[field].widget = forms.Select(choices=listed)


# --------------------------------------------------------------------------- the single fields


class ActivityForm(forms.Form):
    iati_identifier = _text(label=_("IATI identifier"), widget=forms.TextInput({"size": 40}))
    reporting_org = forms.ModelChoiceField(
        label=_("Reporting organisation"), queryset=Organisation.objects.none()
    )
    activity_status = _text(label=_("Activity status"))
    default_currency = _text(label=_("Default currency"))
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
            self.fields[f"title_{language}"] = _text(
                label=_("Title (%(language)s)") % {"language": LANGUAGE_NAMES[language]},
                widget=forms.TextInput({"size": 60}),
            )
        for language in LANGUAGES:
            self.fields[f"description_{language}"] = _text(
                label=_("Description (%(language)s)") % {"language": LANGUAGE_NAMES[language]},
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        for field, label in DATE_LABELS.items():
            self.fields[field] = _text(label=label, widget=DateInput())
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
            only = list(organisations[:2])
            if len(only) == 1:  # a partner editor: their own organisation, the only choice
                (organisation,) = only
                self.initial.setdefault("reporting_org", organisation)
                org_field.empty_label = None
                org_field.disabled = True
                prefix = identifier_prefixes(organisation)[0]
                self.initial.setdefault("iati_identifier", f"{prefix}-")
                # Help texts are not escaped when rendered: the prefix may come from a file.
                self.fields["iati_identifier"].help_text = escape(
                    _("It begins with %(prefix)s-, the reporting organisation's identifier.")
                    % {"prefix": prefix}
                )
            else:
                self.fields["iati_identifier"].help_text = escape(
                    _(
                        "It begins with the reporting organisation's IATI identifier "
                        "(%(assigned)s<key> for an organisation without one)."
                    )
                    % {"assigned": ASSIGNED_PREFIX}
                )
        _select(self, "activity_status", _choices("ActivityStatus"))
        _select(self, "default_currency", _choices("Currency"))
        self.order_fields(
            [
                "reporting_org",
                "iati_identifier",
                *(f"title_{language}" for language in LANGUAGES),
                *(f"description_{language}" for language in LANGUAGES),
                "activity_status",
                *DATE_FIELDS,
                "default_currency",
            ]
        )


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
        day = getattr(activity, field)
        initial[field] = day.isoformat() if day else ""
    return initial


# --------------------------------------------------------------------------- the rows


class _RowForm(forms.Form):
    index = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    #: The fields that, all empty, make a blank row (ignored on saving).
    content: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(field) for field in self.content)


class CountryRowForm(_RowForm):
    code = _text(label=_("Country"))
    percentage = _text(label=_("Percentage"), widget=_number(min=0, max=100))
    content = ("code", "percentage")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _select(self, "code", _choices("Country"))


class RegionRowForm(_RowForm):
    vocabulary = _text(widget=forms.HiddenInput, initial="1")
    code = _text(label=_("Region"))
    percentage = _text(label=_("Percentage"), widget=_number(min=0, max=100))
    content = ("code", "percentage")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _select(self, "code", _choices("Region"))


class SectorRowForm(_RowForm):
    code = _text(label=_("Sector code"), widget=forms.TextInput({"size": 8}))
    vocabulary = _text(
        label=_("Vocabulary"),
        initial="1",
        help_text=_("1: DAC five-digit sector; 2: DAC three-digit category."),
        widget=forms.TextInput({"size": 3}),
    )
    percentage = _text(label=_("Percentage"), widget=_number(min=0, max=100))
    content = ("code", "percentage")


class BudgetRowForm(_RowForm):
    type = _text(label=_("Type"), initial="1")
    status = _text(label=_("Status"), initial="1")
    period_start = _text(label=_("Period start"), widget=DateInput())
    period_end = _text(label=_("Period end"), widget=DateInput())
    value = _text(label=_("Value"), widget=_number(min=0))
    currency = _text(label=_("Currency"))
    content = ("period_start", "period_end", "value")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _select(self, "type", [("1", _("Original")), ("2", _("Revised"))])
        _select(self, "status", [("1", _("Indicative")), ("2", _("Committed"))])
        _select(self, "currency", _currency_choices())


class TransactionRowForm(_RowForm):
    type = _text(label=_("Type"))
    date = _text(label=_("Date"), widget=DateInput())
    value = _text(label=_("Value"), widget=_number())
    currency = _text(label=_("Currency"))
    content = ("type", "date", "value")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _select(self, "type", _choices("TransactionType"))
        _select(self, "currency", _currency_choices())


class ParticipantRowForm(_RowForm):
    ref = _text(label=_("IATI identifier"))
    name = _text(label=_("Name"))
    role = _text(label=_("Role"))
    type = _text(label=_("Type of organisation"))
    content = ("ref", "name")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _select(self, "role", _choices("OrganisationRole"))
        _select(self, "type", _choices("OrganisationType"))


def _currency_choices() -> list[tuple[str, Any]]:
    """Currency codes alone: a row has no room for their names."""
    return [
        ("", _("Default currency")),
        *((code, code) for code, _name in _choices("Currency")[1:]),
    ]


#: Edit field -> (row form, form-set prefix, legend).
ROW_SETS: dict[str, tuple[type[_RowForm], str, Any]] = {
    "recipient_countries": (CountryRowForm, "countries", _("Recipient countries")),
    "recipient_regions": (RegionRowForm, "regions", _("Recipient regions")),
    "sectors": (SectorRowForm, "sectors", _("Sectors")),
    "budgets": (BudgetRowForm, "budgets", _("Budgets")),
    "transactions": (TransactionRowForm, "transactions", _("Transactions")),
    "participating_orgs": (ParticipantRowForm, "participants", _("Participating organisations")),
}
assert set(ROW_SETS) == set(ROW_FIELDS)
GEOGRAPHY = ("recipient_countries", "recipient_regions")


def _initial_rows(key: str, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(data.get(key) or []):
        row: dict[str, Any] = {"index": index}
        if key in ("recipient_countries", "recipient_regions"):
            row |= {"code": item.get("code") or "", "percentage": item.get("percentage")}
            if key == "recipient_regions":
                row["vocabulary"] = item.get("vocabulary") or "1"
        elif key == "sectors":
            row |= {
                "code": item.get("code") or "",
                "vocabulary": item.get("vocabulary") or "1",
                "percentage": item.get("percentage"),
            }
        elif key == "budgets":
            row |= {
                "type": item.get("type") or "1",
                "status": item.get("status") or "1",
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
                "type": item.get("type") or "",
            }
        rows.append(row)
    return rows


def _kept_rows(formset: forms.BaseFormSet[Any]) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of a bound form set that are neither blank nor marked for deletion, each with
    only the values filled in, and the position of each row among the set's forms."""
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    for position, row_form in enumerate(formset.forms):
        cleaned = getattr(row_form, "cleaned_data", None) or {}
        if cleaned.get("DELETE") or row_form.is_blank():
            continue
        row = {"index": cleaned.get("index")}
        row |= {
            name: value
            for name, value in cleaned.items()
            if name not in ("index", "DELETE") and value not in ("", None)
        }
        rows.append(row)
        positions.append(position)
    return rows, positions


# --------------------------------------------------------------------------- together


class ActivityForms:
    """The activity form and its lists, bound to a request's data (or not), which build the
    typed edit and show every problem of it next to its field."""

    def __init__(
        self, data: QueryDict | None, *, user: Actor | None, activity: Activity | None = None
    ) -> None:
        self.adding_row = ""
        if data is not None and data.get("add_row") in {p for _f, p, _l in ROW_SETS.values()}:
            self.adding_row = str(data["add_row"])
            data = data.copy()
            total = f"{self.adding_row}-TOTAL_FORMS"
            data[total] = str(int(data.get(total) or 0) + 1)
        self.activity = activity
        self.form = ActivityForm(data, user=user, activity=activity)
        content = activity.data if activity is not None else {}
        self.formsets: dict[str, forms.BaseFormSet[Any]] = {}
        for key, (row_form, prefix, _legend) in ROW_SETS.items():
            formset_class = formset_factory(row_form, extra=1, can_delete=True)
            # A list the request does not carry at all (a page from before it was added) is
            # left as it is, rather than refused for its missing management form.
            sent = data is not None and f"{prefix}-TOTAL_FORMS" in data
            self.formsets[key] = formset_class(
                data if sent else None, prefix=prefix, initial=_initial_rows(key, content)
            )
        self._positions: dict[str, list[int]] = {}
        self.problem_count = 0

    def lists(self) -> list[tuple[str, Any, forms.BaseFormSet[Any]]]:
        """(edit field, legend, form set) of each list, for the template."""
        return [(key, ROW_SETS[key][2], formset) for key, formset in self.formsets.items()]

    # -- building the edit ------------------------------------------------------------------

    def new(self) -> ActivityNew | None:
        """The activity entered, or None when something is wrong (shown on the forms)."""
        raw = self._raw(editing=False)
        organisation = self.form.cleaned_data.get("reporting_org")
        if isinstance(organisation, Organisation):
            raw["reporting_org"] = organisation.key
        edit = self._validate(ActivityNew, raw)
        return edit if isinstance(edit, ActivityNew) else None

    def edit(self) -> ActivityEdit | None:
        """What was changed (only that), or None when something is wrong (shown)."""
        return self._validate(ActivityEdit, self._raw(editing=True))

    def _raw(self, *, editing: bool) -> dict[str, Any]:
        """The input for the typed edit: the main form's fields, then the lists of rows."""
        self.form.is_valid()
        for formset in self.formsets.values():
            formset.is_valid()
        return self._raw_fields(editing=editing) | self._raw_lists(editing=editing)

    def _raw_fields(self, *, editing: bool) -> dict[str, Any]:
        data = self.form.cleaned_data
        changed = set(self.form.changed_data) if editing else set(self.form.fields)
        raw: dict[str, Any] = {}
        for part in ("title", "description"):
            if any(f"{part}_{language}" in changed for language in LANGUAGES):
                raw[part] = {language: data.get(f"{part}_{language}", "") for language in LANGUAGES}
        for field in ("iati_identifier", "activity_status", "default_currency", *DATE_FIELDS):
            # Left empty: required on entry ("This field is required"), removed on editing.
            if field in changed and field in data and (data[field] or editing):
                raw[field] = data[field]
        if "visibility" in changed and "visibility" in data:
            raw["visibility"] = data["visibility"]
        if "visible_to" in changed and "visible_to" in data:
            raw["visible_to"] = [organisation.key for organisation in data["visible_to"]]
        return raw

    def _raw_lists(self, *, editing: bool) -> dict[str, Any]:
        """The rows of each list sent; on editing, only of the lists that changed."""
        touched = {
            key
            for key, formset in self.formsets.items()
            if formset.is_bound and formset.has_changed()
        }
        if touched & set(GEOGRAPHY):
            touched |= set(GEOGRAPHY)  # their percentages add up together
        raw: dict[str, Any] = {}
        for key, formset in self.formsets.items():
            if not formset.is_bound or (editing and key not in touched):
                continue
            raw[key], self._positions[key] = _kept_rows(formset)
        return raw

    def _validate(self, model: type[ActivityEdit], raw: dict[str, Any]) -> ActivityEdit | None:
        try:
            edit = model.model_validate(raw)
        except ValidationError as error:
            self.show(problems(error))
            return None
        if self.has_problems():
            return None
        return edit

    # -- showing problems -------------------------------------------------------------------

    def has_problems(self) -> bool:
        return bool(self.form.errors) or any(
            formset.is_bound and not formset.is_valid() for formset in self.formsets.values()
        )

    def show(self, found: Iterable[Problem | tuple[str | None, str]]) -> None:
        """Put each problem next to the field or row it concerns."""
        for field, message in found:
            self._show(path_loc(field or ""), message)

    def _show(self, loc: tuple[str | int, ...], message: str) -> None:
        top = str(loc[0]) if loc else ""
        if top in self.formsets:
            formset = self.formsets[top]
            if len(loc) > 1 and isinstance(loc[1], int):
                positions = self._positions.get(top) or []
                row = positions[loc[1]] if loc[1] < len(positions) else None
                if row is not None:
                    row_form = formset.forms[row]
                    name = str(loc[2]) if len(loc) > 2 else None
                    row_form.add_error(name if name in row_form.fields else None, message)
                    return
            formset.non_form_errors().append(message)
            return
        if top in ("title", "description"):
            language = str(loc[1]) if len(loc) > 1 and loc[1] in LANGUAGES else "en"
            top = f"{top}_{language}"
        if top in self.form.fields:
            if top in self.form.errors:
                return  # the form's own check said it already
            self.form.add_error(top, message)
        else:
            self.form.add_error(None, message)

    def problems_shown(self) -> int:
        """How many problems the forms show (for the summary above them)."""
        count = sum(len(errors) for errors in self.form.errors.values())
        for formset in self.formsets.values():
            if not formset.is_bound:
                continue
            count += len(formset.non_form_errors())
            for row_form in formset.forms:
                count += sum(len(errors) for errors in row_form.errors.values())
        return count
