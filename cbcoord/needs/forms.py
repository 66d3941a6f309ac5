"""Forms for needs: record and edit a need, the member's position, the intake upload.

The need form checks every field at once (its own checks, then ``services.need_problems`` on
what it could read), so that a refused form shows all its errors, each next to its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, organisation_id_of
from cbcoord.frameworks.models import Provision
from cbcoord.iati import codelists
from cbcoord.needs.models import (
    Delivery,
    LinkState,
    MemberPosition,
    Need,
    NeedPriority,
    NeedSource,
    NeedStatus,
)
from cbcoord.needs.services import need_problems
from cbcoord.registry.forms import MemberChoiceField
from cbcoord.registry.models import Member, Organisation
from cbcoord.registry.visibility import Visibility


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def provision_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Provisions grouped by instrument, for a multiple select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    titles: dict[str, str] = {}
    for provision in Provision.objects.select_related("instrument").order_by(
        "instrument__sort_order", "sort_order", "code"
    ):
        code = provision.instrument.code
        titles[code] = f"{code} · {provision.instrument.title}"[:80]
        indent = "\u2003" if provision.parent_id else ""
        groups.setdefault(code, []).append(
            (provision.code, f"{indent}{provision.code} · {provision.title}"[:120])
        )
    return [(titles[code], choices) for code, choices in groups.items()]


def currency_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(code, code) for code in sorted(codelists.codes("Currency"))]


class NeedForm(forms.Form):
    member = MemberChoiceField(label=_("Member"), queryset=Member.objects.none())
    provisions = forms.MultipleChoiceField(
        label=_("Provisions"),
        help_text=_("One or more provisions of the instruments the need concerns."),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=NeedPriority.choices, initial=NeedPriority.MEDIUM
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *NeedSource.choices])
    source_reference = forms.CharField(
        label=_("Source reference"),
        required=False,
        max_length=500,
        help_text=_("The report, notification or meeting the need comes from."),
    )
    identified_on = forms.DateField(label=_("Date identified"), widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=NeedStatus.choices, initial=NeedStatus.IDENTIFIED
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    estimated_duration_months = forms.IntegerField(
        label=_("Estimated duration (months)"), required=False, min_value=1, max_value=240
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One http(s) address a line."),
    )
    window_start = forms.DateField(
        label=_("Support wanted from"),
        required=False,
        widget=DateInput(),
        help_text=_("Activities are suggested when their dates overlap this window."),
    )
    window_end = forms.DateField(
        label=_("Support wanted until"), required=False, widget=DateInput()
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.COORDINATION
    )
    visible_to = forms.ModelMultipleChoiceField(
        label=_("Visible to organisations"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("For the level “Named organisations”."),
    )
    recorded_by_organisation = forms.ModelChoiceField(
        label=_("Reported by organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("The organisation that reported the need (a partner's diagnostic, say)."),
    )
    wco_comment = forms.CharField(
        label=_("WCO secretariat's comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: Actor | None, need: Need | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.need = need
        provisions = self.fields["provisions"]
        assert isinstance(provisions, forms.MultipleChoiceField)
        provisions.choices = provision_choices()
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = currency_choices()
        members = Member.objects.select_related("region").order_by("name")
        if not is_secretariat(user):
            members = members.filter(organisation_id=organisation_id_of(user) or 0)
        member_field = self.fields["member"]
        assert isinstance(member_field, MemberChoiceField)
        member_field.queryset = members
        if not is_secretariat(user):
            del self.fields["recorded_by_organisation"]
            del self.fields["wco_comment"]
        if need is not None:
            del self.fields["member"]
            self.initial.update(initial_for(need))
        elif members.count() == 1:
            self.initial.setdefault("member", members.first())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "provisions" in cleaned:
            codes = cleaned["provisions"]
            found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
            cleaned["provisions"] = [found[code] for code in codes if code in found]
        if "evidence_links" in cleaned:
            cleaned["evidence_links"] = [
                line.strip() for line in cleaned["evidence_links"].splitlines() if line.strip()
            ]
        values = {name: value for name, value in cleaned.items() if name not in self.errors}
        for name, messages in need_problems(values).items():
            field = name if name in self.fields else None
            if field is None or field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The service's data: every field (creating) or those that changed (editing)."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "member"}
        for name in ("estimated_duration_months", "window_start", "window_end"):
            data.setdefault(name, None)
        if self.need is None:
            return data
        initial = initial_for(self.need)
        return {
            name: value
            for name, value in data.items()
            if _comparable(name, value) != _comparable(name, initial.get(name))
        }


def _comparable(name: str, value: Any) -> Any:
    if name == "provisions":
        return sorted(p.code if isinstance(p, Provision) else p for p in value or [])
    if name == "visible_to":
        return sorted(o.pk if isinstance(o, Organisation) else o for o in value or [])
    if name == "evidence_links" and isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if value == "":
        return None
    return value


def initial_for(need: Need) -> dict[str, Any]:
    return {
        "provisions": list(need.provisions.values_list("code", flat=True)),
        "description": need.description,
        "priority": need.priority,
        "source": need.source,
        "source_reference": need.source_reference,
        "identified_on": need.identified_on,
        "status": need.status,
        "estimated_cost": need.estimated_cost,
        "currency": need.currency,
        "estimated_duration_months": need.estimated_duration_months,
        "evidence_links": "\n".join(need.evidence_links or []),
        "window_start": need.window_start,
        "window_end": need.window_end,
        "visibility": need.visibility,
        "visible_to": list(need.visible_to.all()),
        "recorded_by_organisation": need.recorded_by_organisation,
        "wco_comment": need.wco_comment,
    }


class MemberPositionForm(forms.Form):
    position = forms.ChoiceField(
        label=_("The administration"),
        choices=[
            (MemberPosition.CONFIRMED, _("confirms this need")),
            (MemberPosition.DISPUTED, _("disputes this need")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Needed when the need is disputed."),
    )


class LinkDecisionForm(forms.Form):
    activity = forms.CharField(max_length=255)
    state = forms.ChoiceField(
        choices=[(LinkState.CONFIRMED, _("Confirm")), (LinkState.REJECTED, _("Reject"))]
    )
    comment = forms.CharField(required=False, max_length=5000)


class DeliveryForm(forms.Form):
    activity = forms.CharField(max_length=255)
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=[
            (Delivery.CONFIRMED, _("Delivered")),
            (Delivery.DISPUTED, _("Not delivered as reported")),
        ],
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)


class IntakeForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in needs workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
