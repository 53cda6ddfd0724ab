"""An institution's identity providers, the identities they vouch for, and its sign-in rule."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organization

from . import secrets


class IdentityProvider(models.Model):
    """One identity provider an institution signs its staff in with."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="identity_providers"
    )
    name = models.CharField(
        max_length=80, help_text="Shown on the sign-in button, e.g. “Riverside staff account”."
    )
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    email_domains = models.CharField(
        "E-mail domains",
        max_length=500,
        help_text=(
            "The institution's own domains, separated by commas (e.g. riverside.org). Only "
            "addresses in these domains are accepted from this provider."
        ),
    )
    # OpenID Connect
    issuer = models.URLField("Issuer URL", blank=True, max_length=500)
    client_id = models.CharField("Client ID", max_length=255, blank=True)
    client_secret_sealed = models.TextField(blank=True, editable=False)
    # SAML 2.0
    metadata_url = models.URLField("Metadata URL", blank=True, max_length=500)
    metadata_xml = models.TextField("Metadata XML", blank=True)
    metadata_signing_cert = models.TextField(
        "Metadata signing certificate",
        blank=True,
        help_text=(
            "Optional: the certificate (PEM) your provider signs its metadata with. When given, "
            "metadata that is unsigned or signed with another key is refused."
        ),
    )
    # What the provider may do
    link_by_email = models.BooleanField(
        "Link existing people by e-mail address on their first sign-in",
        default=False,
        help_text=(
            "Each person is linked once; afterwards only the provider's own identifier counts."
        ),
    )
    create_people = models.BooleanField(
        "Add people who sign in but are not in Charter yet", default=False
    )
    is_enabled = models.BooleanField("Switched on", default=False)
    tested_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                "organization", models.functions.Lower("name"), name="idp_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_client_secret(self) -> bool:
        return bool(self.client_secret_sealed)

    def set_client_secret(self, plain: str) -> None:
        self.client_secret_sealed = secrets.seal(plain)

    def client_secret(self) -> str:
        return secrets.unseal(self.client_secret_sealed)

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    def accepts_email(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        return bool(domain) and domain in self.domains


class ExternalIdentity(models.Model):
    """A person as one provider knows them: its stable subject, linked to one Charter account."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_identities"
    )
    linked_by = models.CharField(max_length=20)  # "subject" (new person), "email" or "admin"
    # Every claim as the provider sent it, for the directory mapping to read later.
    claims = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("provider", "subject", name="identity_unique_subject"),
            models.UniqueConstraint("provider", "user", name="identity_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.provider}"


class SignInPolicy(models.Model):
    """Whether an institution's people may still sign in with a Charter password."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="sign_in_policy"
    )
    passwords_allowed = models.BooleanField("Allow password sign-in", default=True)
    break_glass = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Break-glass admin",
        help_text="This admin may always sign in with a password, for when the provider fails.",
    )

    def __str__(self) -> str:
        return f"Sign-in policy of {self.organization}"


class SamlRequest(models.Model):
    """An authentication request sent to a SAML provider, awaiting its answer.

    Kept in the database, not the session: the provider posts its answer from another site,
    and the session cookie (SameSite=Lax) does not travel with that post.
    """

    request_id = models.CharField(max_length=100, unique=True)
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    next_url = models.CharField(max_length=500, blank=True)
    test_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A fresh sign-in asked for to confirm a signature (ForceAuthn): whose, and from which
    # browser session (a digest of a value kept in that session, never the session key).
    reauth_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_tag = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.request_id


class ProviderProof(models.Model):
    """A fresh sign-in at the provider, proven by a SAML answer, waiting for the browser to
    carry it into its session (the provider's cross-site post does not bring the session
    cookie). Taken once, within minutes, by the session that asked for it."""

    token_digest = models.CharField(max_length=64, unique=True)
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_tag = models.CharField(max_length=64)
    mfa = models.CharField(max_length=200, blank=True)
    authenticated_at = models.DateTimeField()
    next_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Proof for {self.user_id} @ {self.provider_id}"


class SeenAssertion(models.Model):
    """A SAML assertion already used: presenting it again is refused."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=200)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("provider", "assertion_id", name="assertion_seen_once")
        ]

    def __str__(self) -> str:
        return self.assertion_id
