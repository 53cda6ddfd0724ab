from __future__ import annotations

from typing import Any, cast

from django import forms

from accounts.models import Organization, ReviewerRole
from guidelines.sections import SECTIONS

from .models import Rule
from .services import MAX_DUE_DAYS


class SubmitForm(forms.Form):
    change_summary = forms.CharField(
        label="Change summary",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What changed and why, in a few sentences. Reviewers read this first.",
        error_messages={
            "required": "Write a few words on what changed and why: reviewers read this first."
        },
    )


class SignOffForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign. Your signature binds this exact text.",
    )
    otp_token = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6-digit code from your authenticator app.",
    )

    def __init__(
        self, *args: Any, second_factor: bool = False, password: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not second_factor:
            del self.fields["otp_token"]
        if not password:
            # A fresh sign-in at the identity provider stands in for the password.
            del self.fields["password"]


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required. The author receives this comment by e-mail.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawing",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. The reviewers are told why they can stop.",
    )


class CommentForm(forms.Form):
    section = forms.ChoiceField(choices=[(s.key, s.title) for s in SECTIONS])
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The words the comment is about (optional). Length is checked by the service, which
    # says how much is allowed; the form only refuses what no page could send.
    quote = forms.CharField(required=False, max_length=20000, strip=False)
    quote_prefix = forms.CharField(required=False, max_length=500, strip=False)
    quote_suffix = forms.CharField(required=False, max_length=500, strip=False)
    quote_start = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)


class StageForm(forms.Form):
    reviewer_role = forms.ModelChoiceField(
        queryset=ReviewerRole.objects.none(), label="Reviewer role", empty_label="Choose a role"
    )
    rule = forms.ChoiceField(choices=Rule.choices, label="Who must sign", initial=Rule.ANY)
    quorum = forms.IntegerField(
        min_value=1, max_value=50, initial=2, label="Quorum (for “a quorum of N”)"
    )
    due_days = forms.IntegerField(
        min_value=1, max_value=MAX_DUE_DAYS, initial=5, label="Due within (days)"
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["reviewer_role"]).queryset = ReviewerRole.objects.filter(
            organization=organization
        )


class BaseStageFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = "Position"
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this stage"


StageFormSet = forms.formset_factory(
    StageForm, formset=BaseStageFormSet, extra=1, can_delete=True, can_order=True
)


class SuggestForm(forms.Form):
    """A suggested edit: the quoted words (selected on the page, or copied by hand), the new
    words, and the words around a selection that tell repeated ones apart."""

    section = forms.ChoiceField(choices=[(s.key, s.title) for s in SECTIONS])
    quote = forms.CharField(
        label="Words to change",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Select or copy the words you want to change."},
    )
    replacement = forms.CharField(
        label="Replace with",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    before = forms.CharField(required=False, max_length=400, strip=False, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=400, strip=False, widget=forms.HiddenInput)


class DeclineSuggestionForm(forms.Form):
    reason = forms.CharField(
        label="Why you decline it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. The reviewer who suggested it reads this.",
        error_messages={"required": "Say why you decline it: the reviewer reads your reason."},
    )
