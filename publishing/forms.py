from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts import audience, dates
from accounts.forms import BootstrapMixin
from accounts.models import (
    AttestationCycle,
    DirectoryGroup,
    EmployeeType,
    Organization,
    StaffGroup,
)
from config import ids
from guidelines.models import Guideline

from .official_check import MAX_INPUT
from .services import add_months


class DateInput(forms.DateInput):
    input_type = "date"


class PublishForm(forms.Form):
    effective_date = forms.DateField(
        label="Effective date",
        widget=DateInput,
        help_text="Today or later. A later date makes this the version in force on that day.",
    )
    requires_acknowledgement = forms.BooleanField(
        label="Staff must acknowledge this version",
        required=False,
        initial=True,
        help_text="Required for a material change; a cosmetic change may skip it.",
    )
    skip_reason = forms.CharField(
        label="Why staff need not acknowledge",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when acknowledgement is not required, e.g. a corrected typo.",
    )
    target_groups = ids.ModelMultipleChoiceField(
        label="Staff groups to ask",
        queryset=StaffGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to ask all staff.",
    )
    include_types = forms.MultipleChoiceField(
        label="Also ask these employee types",
        choices=EmployeeType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_sites = forms.MultipleChoiceField(
        label="Also ask everyone at these sites",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_directory_groups = ids.ModelMultipleChoiceField(
        label="Also ask these directory groups",
        queryset=DirectoryGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclude_types = forms.MultipleChoiceField(
        label="Leave out these employee types",
        choices=EmployeeType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclude_groups = ids.ModelMultipleChoiceField(
        label="Leave out these staff groups",
        queryset=StaffGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclude_directory_groups = ids.ModelMultipleChoiceField(
        label="Leave out these directory groups",
        queryset=DirectoryGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    due_date = forms.DateField(
        label="Acknowledge by",
        widget=DateInput,
        required=False,
        help_text="On or after the effective date.",
    )
    next_review_date = forms.DateField(
        label="Next review date",
        widget=DateInput,
        required=False,
        help_text="Owners are reminded 30 days before. Blank: 12 months after taking effect.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {
                "effective_date": today,
                "due_date": today + dt.timedelta(days=30),
                "next_review_date": add_months(today, 12),
                "requires_acknowledgement": True,
            },
        )
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["target_groups"]).queryset = StaffGroup.objects.filter(
            organization=organization
        )
        written = dates.example(organization=organization)
        self.fields["effective_date"].help_text += f" Today is {written}."
        cast(Any, self.fields["exclude_groups"]).queryset = StaffGroup.objects.filter(
            organization=organization
        )
        directory_groups = DirectoryGroup.objects.filter(organization=organization)
        for name in ("include_directory_groups", "exclude_directory_groups"):
            cast(Any, self.fields[name]).queryset = directory_groups
        cast(Any, self.fields["include_sites"]).choices = lambda: [
            (site, site) for site in audience.sites(organization.pk)
        ]

    def audience_rule(self) -> dict[str, Any]:
        """The include and exclude conditions chosen, as the campaign stores them."""
        data = self.cleaned_data

        def condition(field: str, values: Any) -> list[dict[str, Any]]:
            values = [getattr(v, "pk", v) for v in values or []]
            return [{"field": field, "values": values}] if values else []

        return audience.clean_rule(
            {
                "include": condition("employee_type", data.get("include_types"))
                + condition("site", data.get("include_sites"))
                + condition("directory_group", data.get("include_directory_groups")),
                "exclude": condition("employee_type", data.get("exclude_types"))
                + condition("staff_group", data.get("exclude_groups"))
                + condition("directory_group", data.get("exclude_directory_groups")),
            }
        )


class AcknowledgeForm(forms.Form):
    """The quiz questions (if any), then the "I have read and understood" tick box."""

    def __init__(self, *args: Any, quiz: list[dict[str, Any]], title: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i, item in enumerate(quiz):
            self.fields[f"q{i}"] = forms.TypedChoiceField(
                label=f"{i + 1}. {item.get('question', '')}",
                choices=[(str(n), str(c)) for n, c in enumerate(item.get("choices", []))],
                coerce=int,
                widget=forms.RadioSelect,
                required=False,
            )
        self.fields["confirm"] = forms.BooleanField(
            label=f"I have read and understood {title}.", required=False
        )

    def answers(self) -> dict[int, int | None]:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        out: dict[int, int | None] = {}
        for name, value in data.items():
            if name.startswith("q"):
                out[int(name[1:])] = value if value != "" else None
        return out


def _attributes(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: ``False`` leaves a name out, ``True`` writes it alone."""
    return "".join(
        ""
        if value is False
        else f" {escape(name)}"
        if value is True
        else f' {escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
    )


class QuickSelect(forms.Select):
    """A select list written in Python, with the markup of Django's templates: the
    dashboard's list of staff groups has one option per group, and a template per option
    cost more than the rest of the form."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{escape(str(option["value"]))}"'
                f"{_attributes(option['attrs'])}>{escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every name, value and label above was escaped.
        return mark_safe("".join(parts))


class QuickTextInput(forms.TextInput):
    """A text box written in Python, with the markup of Django's ``input.html`` (the
    dashboard's search box: a template and an included template for one element)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        current = widget["value"]
        shown = "" if current is None else f' value="{escape(str(current))}"'
        # The type, name, value and attributes above are escaped.
        return mark_safe(
            f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
            f"{shown}{_attributes(widget['attrs'])}>"
        )


class RosterFilterForm(forms.Form):
    STATUS_CHOICES = (
        ("", "Everyone"),
        ("acknowledged", "Acknowledged"),
        ("pending", "Not yet acknowledged"),
        ("overdue", "Overdue"),
        ("closed", "Closed (left or no longer in the audience)"),
        ("replaced", "Replaced by a newer request"),
    )
    q = forms.CharField(
        label="Name or e-mail", required=False, max_length=100, widget=QuickTextInput
    )
    group = forms.TypedChoiceField(
        label="Staff group",
        coerce=int,
        empty_value=None,
        required=False,
        choices=(),
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label="Status", choices=STATUS_CHOICES, required=False, widget=QuickSelect
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The institution's groups, read once: the list's choices, the check of a chosen
        # group, and the names of the dashboard's progress by group (in the list's order).
        self.group_names: dict[int, str] = dict(
            StaffGroup.objects.filter(organization=organization)
            .order_by("name", "pk")
            .values_list("pk", "name")
        )
        cast(Any, self.fields["group"]).choices = [
            ("", "All groups"),
            *((str(pk), name) for pk, name in self.group_names.items()),
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "group_id": data["group"],
            "status": data["status"],
        }


class HandleForm(forms.Form):
    """A handle or a profile web address; the example is the institution's own account."""

    handle = forms.CharField(
        label="Account handle or profile web address",
        max_length=MAX_INPUT,
        error_messages={
            "max_length": "That is longer than any handle or profile address. "
            "Paste only the handle or the address of the profile page."
        },
    )

    def __init__(self, *args: Any, example: str = "@name", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.example = example
        self.fields["handle"].help_text = (
            f'As shown on the platform, for example "{example}", '
            "or the address of the profile page."
        )


class GuidelineChoice(forms.ModelChoiceField):
    """Retired guidelines stay answerable for the days they were in force, and say so."""

    def label_from_instance(self, obj: Any) -> str:
        retired = obj.status == Guideline.Status.RETIRED
        return f"{obj.title} (retired)" if retired else str(obj.title)


class InForceForm(BootstrapMixin, forms.Form):
    """Which guideline (retired ones too), and the day an auditor asks about."""

    guideline: forms.ModelChoiceField = GuidelineChoice(
        queryset=Guideline.objects.none(), label="Guideline"
    )
    date = forms.DateField(label="In force on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["guideline"])
        field.queryset = Guideline.objects.filter(organization=organization).order_by("title")
        self.fields[
            "date"
        ].help_text = (
            f"Any day, past or future. Today is {dates.example(organization=organization)}."
        )
        self.style_fields()


class RetireForm(forms.Form):
    """Why a guideline no longer applies: kept in the audit trail for auditors."""

    reason = forms.CharField(
        label="Why is this guideline retired?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Auditors read this next to the guideline's records.",
    )


class AttestationSettingsForm(forms.Form):
    """The institution's attestation rules (cycles now; more settings join here)."""

    attestation_cycle = forms.ChoiceField(
        label="Staff attest to each guideline in force",
        choices=AttestationCycle.choices,
        widget=forms.RadioSelect,
        help_text="Every year, each guideline in force becomes a campaign of its own, even "
        "when its text has not changed. “At hire” asks newcomers at once; with “Every year” "
        "they join the next cycle unless the current one is still running.",
    )
    attestation_days = forms.IntegerField(
        label="Days staff have to attest in each cycle",
        min_value=7,
        max_value=180,
        help_text="From 7 to 180 days.",
    )


class ScheduleForm(forms.Form):
    """A campaign's reminder schedule; an empty number turns that step off."""

    remind_days_before = forms.IntegerField(
        label="Remind this many days before the due date",
        required=False,
        min_value=1,
        max_value=60,
        help_text="From 1 to 60 days; leave empty for no reminder before the due date.",
    )
    remind_on_due_date = forms.BooleanField(label="Remind on the due date", required=False)
    remind_every_days = forms.IntegerField(
        label="Once overdue, remind every this many days",
        required=False,
        min_value=1,
        max_value=60,
        help_text="7 is weekly; from 1 to 60 days; leave empty to stop reminding after the "
        "due date.",
    )
    escalate_after_days = forms.IntegerField(
        label="Tell each person's manager after this many days overdue",
        required=False,
        min_value=1,
        max_value=365,
        help_text="Each manager gets one e-mail a day listing their overdue people; leave "
        "empty never to tell managers.",
    )
