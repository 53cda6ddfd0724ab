"""Forms of the two-factor and security pages."""

from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class ConfirmCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=12,
        help_text="Enter the 6-digit code your authenticator app shows for Charter.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecurityForm(forms.Form):
    require_reviewer_2fa = forms.BooleanField(
        label="Require two-factor sign-in for admins and reviewers",
        required=False,
        help_text=(
            "Admins and reviewers without an authenticator are asked to set one up on their "
            "next page and cannot use Charter until they have."
        ),
    )
    require_signer_second_factor = forms.BooleanField(
        label="Require a second factor for every signature",
        required=False,
        help_text=(
            "A reviewer signs with their password and an authenticator code, or after signing "
            "in through the identity provider with multi-factor. The signature records which."
        ),
    )
