"""Admin forms: a provider's connection (the client secret is write-only) and the sign-in rule."""

from __future__ import annotations

from typing import Any, cast

from cryptography import x509
from django import forms

from accounts.models import Organization, User

from . import oidc, saml
from .errors import SsoConfigError
from .models import IdentityProvider


class HttpsURLField(forms.URLField):
    """An address typed without a scheme is taken as https."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


SECRET_KEPT = "A secret is saved. It is never shown again; type a new one only to replace it."


class ProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=True,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    metadata_file = forms.FileField(
        label="…or upload the metadata file",
        required=False,
        help_text="The XML file your provider offers for download (at most 1 MB).",
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "name",
            "email_domains",
            "issuer",
            "client_id",
            "metadata_url",
            "metadata_xml",
            "metadata_signing_cert",
            "link_by_email",
            "create_people",
        ]
        widgets = {
            "metadata_xml": forms.Textarea(attrs={"rows": 4}),
            "metadata_signing_cert": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"issuer": HttpsURLField, "metadata_url": HttpsURLField}

    field_order = [
        "name",
        "email_domains",
        "issuer",
        "client_id",
        "client_secret",
        "metadata_url",
        "metadata_xml",
        "metadata_file",
        "metadata_signing_cert",
    ]

    def __init__(self, *args: Any, organization: Organization, protocol: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.instance.protocol = protocol
        if protocol == IdentityProvider.Protocol.OIDC:
            for name in ("metadata_url", "metadata_xml", "metadata_file", "metadata_signing_cert"):
                del self.fields[name]
            self.fields["issuer"].required = True
            self.fields["client_id"].required = True
            # Help text is rendered as HTML: no angle brackets in it.
            self.fields["issuer"].help_text = (
                "Charter reads the rest from this address followed by "
                "/.well-known/openid-configuration."
            )
            if self.instance.has_client_secret:
                self.fields["client_secret"].help_text = SECRET_KEPT
            else:
                self.fields["client_secret"].required = True
        else:
            for name in ("issuer", "client_id", "client_secret"):
                del self.fields[name]
            self.fields[
                "metadata_url"
            ].help_text = "Give the metadata URL, or paste or upload the XML."

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = IdentityProvider.objects.filter(
            organization=self.instance.organization, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another provider of this institution has that name.")
        return name

    def clean_email_domains(self) -> str:
        raw = self.cleaned_data["email_domains"]
        domains = [d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip()]
        bad = [d for d in domains if "." not in d or " " in d or "@" in d]
        if not domains or bad:
            raise forms.ValidationError(
                "Give the institution's e-mail domains, such as riverside.org, separated by commas."
            )
        return ", ".join(domains)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if self.instance.protocol == IdentityProvider.Protocol.OIDC:
            issuer = data.get("issuer")
            if issuer and not self.errors:
                try:
                    oidc.discover(issuer, fresh=True)
                except SsoConfigError as exc:
                    self.add_error("issuer", str(exc))
        else:
            upload = data.get("metadata_file")
            if upload is not None:
                if upload.size > 1_000_000:
                    self.add_error("metadata_file", "That file is larger than 1 MB.")
                else:
                    try:
                        data["metadata_xml"] = upload.read().decode("utf-8")
                    except UnicodeDecodeError:
                        self.add_error("metadata_file", "That file is not UTF-8 XML.")
            if not data.get("metadata_url") and not data.get("metadata_xml"):
                self.add_error("metadata_url", "Give the metadata URL, or paste or upload the XML.")
            elif not self.errors:
                self._check_metadata(data)
        return data

    def _check_metadata(self, data: dict[str, Any]) -> None:
        """Read the metadata now and check its signature, so a problem shows here, at once."""
        cert = (data.get("metadata_signing_cert") or "").strip()
        if cert:
            try:
                x509.load_pem_x509_certificate(cert.encode())
            except ValueError:
                self.add_error(
                    "metadata_signing_cert",
                    "That is not a PEM certificate (it starts with -----BEGIN CERTIFICATE-----).",
                )
                return
        field = "metadata_xml" if data.get("metadata_xml") else "metadata_url"
        try:
            text = data.get("metadata_xml") or saml.fetch_metadata(data["metadata_url"])
            saml.check_metadata_signature(text, cert)
        except SsoConfigError as exc:
            self.add_error("metadata_signing_cert" if cert else field, str(exc))

    def save_to_instance(self) -> list[str]:
        """Copy the cleaned values onto the provider; return the names of the fields changed."""
        provider = self.instance
        changed = [f for f in self.changed_data if f not in {"client_secret", "metadata_file"}]
        for name in changed:
            setattr(provider, name, self.cleaned_data[name])
        if "metadata_file" in self.changed_data and self.cleaned_data.get("metadata_xml"):
            provider.metadata_xml = self.cleaned_data["metadata_xml"]
            changed.append("metadata_xml")
        secret = self.cleaned_data.get("client_secret")
        if secret:
            provider.set_client_secret(secret)
            changed.append("client_secret_sealed")
        return sorted(set(changed))


class PolicyForm(forms.Form):
    passwords_allowed = forms.BooleanField(
        label="People may also sign in with a Charter password",
        required=False,
        help_text="Turn off to send everyone to the identity provider, except the admin below.",
    )
    break_glass = forms.ModelChoiceField(
        label="Break-glass admin",
        queryset=User.objects.none(),
        required=False,
        help_text="May always sign in with a password, for the day the provider is down.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["break_glass"]).queryset = User.objects.filter(
            memberships__organization=organization,
            memberships__is_active=True,
            memberships__is_admin=True,
            is_active=True,
        ).order_by("full_name", "email")
