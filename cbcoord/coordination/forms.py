"""The form of a mission (its door and service check the rest)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cbcoord.activities.models import Activity
from cbcoord.coordination import facts
from cbcoord.coordination.models import CoverageFact, Mission, MissionKind
from cbcoord.registry.models import Member


class MissionForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.none(), label=_("Beneficiary administration")
    )
    kind = forms.ChoiceField(choices=MissionKind.choices, label=_("Kind"))
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(
        self, data: Any = None, *, activity: Activity, instance: Mission | None = None
    ) -> None:
        initial = None
        if instance is not None:
            initial = {
                "member": instance.member_id,
                "kind": instance.kind,
                "start_date": instance.start_date,
                "end_date": instance.end_date,
                "note": instance.note,
            }
        super().__init__(data, initial=initial)
        facts.refresh()
        members = Member.objects.filter(
            pk__in=CoverageFact.objects.filter(activity_id=activity.pk).values("member_id")
        ).order_by("name")
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
