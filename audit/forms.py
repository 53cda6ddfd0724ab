from __future__ import annotations

from typing import Any, cast

from django import forms

from accounts.forms import BootstrapMixin
from accounts.models import Membership, Organization


class AuditFilterForm(BootstrapMixin, forms.Form):
    person = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, label="Person", empty_label="Anyone"
    )
    action = forms.CharField(
        required=False, max_length=80, label="Action", help_text="e.g. approvals.review"
    )
    guideline = forms.IntegerField(required=False, min_value=1, label="Guideline number")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["person"])
        field.queryset = Membership.objects.filter(organization=organization).select_related("user")
        self.style_fields()
        field.label_from_instance = lambda m: f"{m.user.full_name} <{m.user.email}>"  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
