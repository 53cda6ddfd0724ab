"""The demo institution's demo identity provider, as `manage.py demo_idp` sets it up."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization

from .models import IdentityProvider

DEMO_ORG_SLUG = "riverside-health"
DEMO_PROVIDER_NAME = "Riverside staff account (DEMO provider)"
DEMO_CLIENT_ID = "charter-demo"
DEMO_CLIENT_SECRET = "demo-secret-for-loopback-only"


@transaction.atomic
def configure(issuer: str) -> IdentityProvider | None:
    """Point the demo institution at the demo provider, tested and on; None without the demo."""
    org = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
    if org is None:
        return None
    provider, _ = IdentityProvider.objects.get_or_create(
        organization=org,
        name=DEMO_PROVIDER_NAME,
        defaults={"protocol": IdentityProvider.Protocol.OIDC, "email_domains": "riverside.example"},
    )
    provider.protocol = IdentityProvider.Protocol.OIDC
    provider.email_domains = "riverside.example"
    provider.issuer = issuer
    provider.client_id = DEMO_CLIENT_ID
    provider.set_client_secret(DEMO_CLIENT_SECRET)
    provider.link_by_email = True
    provider.create_people = True
    provider.is_enabled = True
    provider.tested_at = timezone.now()
    provider.last_error = ""
    provider.save()
    return provider
