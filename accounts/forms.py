from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models import Exists, OuterRef

from config import ids

from .dates import DateOrder
from .emails import normalize_email
from .models import Jurisdiction, Membership, Organization, ReviewerRole, StaffGroup, User


class BootstrapMixin:
    """Bootstrap classes for forms laid out by hand (filters) rather than by crispy."""

    fields: dict[str, forms.Field]

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class NormalizedEmailField(forms.EmailField):
    """An address as typed, returned trimmed and lower-case (see accounts/emails.py)."""

    def to_python(self, value: Any) -> str:
        return normalize_email(super().to_python(value))


# One sentence for a wrong address, a wrong password and a deactivated account alike, so the
# sign-in page never tells a stranger whether an address has an account.
SIGN_IN_REFUSED = (
    "We could not sign you in with that e-mail address and password. Check both (the "
    "password is case-sensitive) and try again, or reset your password below."
)


class EmailLoginForm(AuthenticationForm):
    error_messages = {"invalid_login": SIGN_IN_REFUSED, "inactive": SIGN_IN_REFUSED}

    username = NormalizedEmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm_login_allowed(self, user: Any) -> None:
        """Deactivated everywhere (by an admin, the directory or an HR file): no sign-in, from
        that moment. Someone with an open invitation still signs in to answer it."""
        super().confirm_login_allowed(user)
        places = list(user.memberships.values_list("is_active", "awaiting_acceptance"))
        if places and not any(active or waiting for active, waiting in places):
            raise forms.ValidationError(SIGN_IN_REFUSED, code="inactive")


class EmailPasswordResetForm(PasswordResetForm):
    email = NormalizedEmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InviteForm(forms.Form):
    email = NormalizedEmailField(label="Email", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=150)
    staff_group = forms.ModelChoiceField(
        queryset=StaffGroup.objects.none(), required=False, label="Staff group"
    )
    job_title = forms.CharField(label="Job title", max_length=150, required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["staff_group"]).queryset = StaffGroup.objects.filter(
            organization=organization
        )


class MembershipForm(forms.ModelForm):
    reviewer_roles = ids.ModelMultipleChoiceField(
        queryset=ReviewerRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Reviewer roles",
        help_text="Reviewers sign off guideline versions at the stages that name their role.",
    )

    class Meta:
        model = Membership
        fields = [
            "is_admin",
            "is_author",
            "is_auditor",
            "reviewer_roles",
            "staff_group",
            "job_title",
            "site",
            "employee_type",
            "external_id",
        ]
        labels = {"staff_group": "Department (staff group)"}

    manager_email = NormalizedEmailField(
        label="Manager's e-mail",
        required=False,
        max_length=254,
        help_text="A member of this institution. Leave empty for none.",
    )
    field_order = [*Meta.fields[:6], "manager_email", *Meta.fields[6:]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.instance.organization
        manager = self.instance.manager
        if manager is not None and not self.is_bound:
            self.initial["manager_email"] = manager.user.email
        self.fields["employee_type"].required = False
        hint = "The HR system's or directory's id for this person; unique in this institution."
        self.fields["external_id"].help_text = hint
        cast(Any, self.fields["reviewer_roles"]).queryset = ReviewerRole.objects.filter(
            organization=org
        )
        cast(Any, self.fields["staff_group"]).queryset = StaffGroup.objects.filter(organization=org)

    def clean_employee_type(self) -> str:
        # A form posted without the field (older pages, scripts) keeps the type held.
        return self.cleaned_data.get("employee_type") or self.instance.employee_type

    def clean_external_id(self) -> str | None:
        return (self.cleaned_data.get("external_id") or "").strip() or None

    def clean_manager_email(self) -> Membership | None:
        email = self.cleaned_data.get("manager_email")
        if not email:
            return None
        manager = (
            Membership.objects.filter(organization=self.instance.organization, user__email=email)
            .select_related("user")
            .first()
        )
        if manager is None:
            raise forms.ValidationError(f"Nobody with the address {email} belongs here.")
        problem = self.instance.manager_problem(manager)
        if problem:
            raise forms.ValidationError(problem)
        return manager


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Staff CSV file",
        help_text="Columns: email, name, staff group, job title. The first line names the columns.",
    )
    invite = forms.BooleanField(
        label="E-mail each person who joins an invitation to choose a password",
        required=False,
        help_text="Sent in batches in the background. Without it, people can still use "
        '"Forgot your password?" on the sign-in page, or you can invite them later from People.',
    )
    full_roster = forms.BooleanField(
        label="This file is the full roster: deactivate active people who are not in it",
        required=False,
        help_text="For the HR system's complete export. Admins are never deactivated by a file.",
    )
    dry_run = forms.BooleanField(
        label="Dry run: show what would change, save nothing", required=False
    )
    confirm_leavers = forms.BooleanField(
        label="I confirm: deactivate everyone missing, even more than the usual share",
        required=False,
        help_text="Needed only when a full roster would deactivate more than the set share of "
        "staff in one run.",
    )


class StaffPasswordResetForm(EmailPasswordResetForm):
    """Password reset that also reaches invited and imported staff who have no password yet."""

    def get_users(self, email: str) -> Iterator[Any]:
        # Django skips accounts with an unusable password (meant for accounts that sign in
        # elsewhere). In Charter those are exactly the people invited or imported who have not
        # chosen a password yet; the link is the same one an invitation carries.
        users = User.objects.filter(email__iexact=email.strip(), is_active=True).annotate(
            member=Exists(Membership.objects.filter(user=OuterRef("pk"), is_active=True))
        )
        wanted = email.strip().casefold()
        return (
            u
            for u in users
            if u.email.casefold() == wanted and (u.has_usable_password() or u.member)
        )


class StaffGroupForm(forms.Form):
    name = forms.CharField(label="Group name", max_length=120)


class ReviewerRoleForm(forms.Form):
    name = forms.CharField(label="Reviewer role name", max_length=80, help_text="e.g. Privacy")


class PeopleFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label="Search name or e-mail", required=False, max_length=100)
    group = forms.ModelChoiceField(
        queryset=StaffGroup.objects.none(),
        required=False,
        label="Staff group",
        empty_label="All groups",
    )
    status = forms.ChoiceField(
        choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "All")],
        required=False,
        label="Status",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["group"]).queryset = StaffGroup.objects.filter(
            organization=organization
        )


class InstitutionSettingsForm(forms.Form):
    date_order = forms.ChoiceField(
        label="How dates are written",
        choices=DateOrder.choices,
        widget=forms.RadioSelect,
        help_text="Used on every page, in messages, notifications, e-mails and the PDF, for "
        "everyone working in this institution and for the public pages.",
    )
    jurisdiction = forms.ChoiceField(
        label="Where the institution works",
        choices=Jurisdiction.choices,
        help_text="Sets the laws and official references named in the starter text, the privacy "
        "words and the checks run on every draft. Published versions keep the text they were "
        "signed with. A pack points to the official sources; following it does not by itself "
        "make the institution compliant with any law, so have legal review the guideline.",
    )


class EmailSettingsForm(forms.Form):
    email_comments = forms.BooleanField(
        label="E-mail me when someone comments on a review I take part in",
        required=False,
        help_text="Sign-off requests, changes requested and guidelines to acknowledge are always "
        "e-mailed: they ask you to act. Comments always appear in Charter either way.",
    )
