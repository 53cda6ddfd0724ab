"""Admins' integration pages: tokens shown once and stored hashed; endpoints; bounded lists."""

from __future__ import annotations

import hashlib
import logging

from django.urls import reverse

from audit.models import AuditEvent
from integrations import services
from integrations.models import ApiToken, Delivery, Endpoint, Event, EventType


def test_a_token_is_shown_once_and_stored_hashed(admin, caplog):
    caplog.set_level(logging.DEBUG)
    client = admin.client()
    response = client.post(
        reverse("integrations:tokens"),
        {"name": "Learning system", "scopes": ["read:acknowledgements"], "days": "90"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    raw = response.context["raw"]
    assert raw.startswith("cht_") and raw in response.content.decode()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())
    listing = client.get(reverse("integrations:tokens")).content.decode()
    assert raw not in listing and token.prefix in listing
    event = AuditEvent.objects.get(action="integrations.token.created")
    assert event.details["scopes"] == ["read:acknowledgements"]
    assert raw not in str(event.details) and raw not in caplog.text


def test_a_token_needs_a_scope(admin):
    response = admin.client().post(
        reverse("integrations:tokens"), {"name": "SIEM", "scopes": [], "days": "90"}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_is_audited(admin):
    token, _raw = services.issue_token(
        organization=admin.org, by=admin.user, name="SIEM", scopes=["read:audit"], days=30
    )
    response = admin.client().post(reverse("integrations:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin.user
    assert AuditEvent.objects.filter(action="integrations.token.revoked").count() == 1
    # Twice is harmless and records nothing more.
    admin.client().post(reverse("integrations:token_revoke", args=[token.pk]))
    assert AuditEvent.objects.filter(action="integrations.token.revoked").count() == 1


def test_a_webhook_is_subscribed_and_its_secret_shown_once(admin):
    response = admin.client().post(
        reverse("integrations:endpoint_new"),
        {
            "form": "webhook",
            "name": "LMS",
            "url": "https://lms.example.org/hooks/charter",
            "events": ["person.acknowledged", "version.approved"],
            "overdue_threshold": "10",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = Endpoint.objects.get()
    assert endpoint.signing_secret().startswith("whsec_")
    assert endpoint.signing_secret() in response.content.decode()
    page = admin.client().get(reverse("integrations:endpoint", args=[endpoint.pk]))
    assert endpoint.signing_secret() not in page.content.decode()
    # At rest, neither the secret nor the address is readable in the row.
    row = str(Endpoint.objects.values().get())
    assert endpoint.signing_secret() not in row and "lms.example.org/hooks" not in row
    assert endpoint.address() == "https://lms.example.org/hooks/charter"
    event = AuditEvent.objects.get(action="integrations.endpoint.created")
    assert event.details["host"] == "lms.example.org"


def test_a_chat_channel_hides_its_address(admin, settings):
    settings.CHARTER_WEBHOOKS_ALLOW_PRIVATE = False
    secret_url = "https://hooks.slack.com/services/T000/B000/very-secret"
    response = admin.client().post(
        reverse("integrations:endpoint_new"),
        {
            "form": "chat",
            "kind": "slack",
            "name": "#comms",
            "url": secret_url,
            "events": ["guideline.published", "campaign.overdue_summary"],
        },
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.kind == "slack" and endpoint.signing_secret() == ""
    assert secret_url not in response.content.decode()
    assert "very-secret" not in str(Endpoint.objects.values().get())
    assert endpoint.address() == secret_url
    assert "hooks.slack.com" in response.content.decode()
    assert secret_url not in str(
        AuditEvent.objects.get(action="integrations.endpoint.created").details
    )


def test_a_private_address_is_refused_with_a_reason(admin, settings):
    settings.CHARTER_WEBHOOKS_ALLOW_PRIVATE = False
    response = admin.client().post(
        reverse("integrations:endpoint_new"),
        {
            "form": "webhook",
            "name": "x",
            "url": "https://10.0.0.5/hook",
            "events": ["person.acknowledged"],
            "overdue_threshold": "10",
        },
    )
    assert "inside the hospital&#x27;s network" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_chat_channels_take_only_notices(admin):
    response = admin.client().post(
        reverse("integrations:endpoint_new"),
        {
            "form": "chat",
            "kind": "teams",
            "name": "x",
            "url": "https://example.org/x",
            "events": ["person.acknowledged"],
        },
    )
    assert response.status_code == 200
    assert not Endpoint.objects.exists()


def test_switching_off_is_audited(admin):
    endpoint, _ = services.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=Endpoint.Kind.WEBHOOK,
        name="LMS",
        url="https://lms.example.org/h",
        events=[EventType.PERSON_ACKNOWLEDGED],
    )
    admin.client().post(reverse("integrations:endpoint", args=[endpoint.pk]), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEvent.objects.filter(action="integrations.endpoint.switched_off").exists()


def _deliveries(endpoint, count):
    start = Event.objects.count()
    for i in range(start, start + count):
        event = Event.objects.create(
            organization=endpoint.organization, type=EventType.TEST, key=f"k{i}"
        )
        Delivery.objects.create(event=event, endpoint=endpoint, status="succeeded")


def test_the_endpoint_page_is_bounded(admin, django_assert_max_num_queries):
    endpoint, _ = services.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=Endpoint.Kind.WEBHOOK,
        name="LMS",
        url="https://lms.example.org/h",
        events=[EventType.PERSON_ACKNOWLEDGED],
    )
    client = admin.client()
    url = reverse("integrations:endpoint", args=[endpoint.pk])
    for size in (3, 60):
        _deliveries(endpoint, size)
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.status_code == 200
        assert "endpoint.test" in response.content.decode()


def test_the_trail_tells_token_changes_in_sentences(admin):
    from audit.sentences import kind_of, sentence

    token, _raw = services.issue_token(
        organization=admin.org, by=admin.user, name="SIEM", scopes=["read:audit"], days=30
    )
    services.revoke_token(token=token, by=admin.user)
    events = AuditEvent.objects.filter(action__startswith="integrations.").order_by("sequence")
    assert [sentence(e, {}) for e in events] == [
        f"Ada Admin made the API token SIEM ({token.prefix}…)",
        f"Ada Admin revoked the API token SIEM ({token.prefix}…)",
    ]
    assert {kind_of(e.action) for e in events} == {"integrations"}
