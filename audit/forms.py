from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import BootstrapMixin

from .sentences import KINDS


class AuditFilterForm(BootstrapMixin, forms.Form):
    guideline = forms.CharField(
        required=False, max_length=200, label="Guideline title", help_text="Part of the title"
    )
    person = forms.CharField(
        required=False,
        max_length=200,
        label="Person",
        help_text="Name or e-mail; suggestions appear as you type",
        widget=forms.TextInput(attrs={"list": "audit-people", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        required=False,
        label="Kind of event",
        choices=[("", "Any kind")] + [(k, label) for k, (label, _p) in KINDS.items()],
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
