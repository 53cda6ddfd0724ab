"""API tokens, webhook and chat endpoints, and the event outbox that feeds them."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import sealing


class Scope(models.TextChoices):
    """What a token may read; each API operation needs exactly one of these."""

    GUIDELINES = "read:guidelines", "Guidelines and their versions in force"
    PUBLICATIONS = "read:publications", "Publications"
    CAMPAIGNS = "read:campaigns", "Campaigns and their figures"
    PEOPLE = "read:people", "A person's acknowledgement status"
    ACKNOWLEDGEMENTS = "read:acknowledgements", "Acknowledgements (for a learning system)"
    AUDIT = "read:audit", "Audit events (for a SIEM)"


class ApiToken(models.Model):
    """A bearer token for one institution's API; only its SHA-256 is stored (shown once)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)  # shown on the page to tell tokens apart
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API token {self.name} ({self.prefix}…)"

    def is_live(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]

    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.is_live() else "expired"


class EventType(models.TextChoices):
    """What Charter tells an endpoint about; chat channels take the notices among them."""

    VERSION_APPROVED = "version.approved", "A version was approved"
    GUIDELINE_PUBLISHED = "guideline.published", "A guideline was published"
    PERSON_ACKNOWLEDGED = "person.acknowledged", "A person acknowledged a version"
    OVERDUE_THRESHOLD = (
        "campaign.overdue_threshold_crossed",
        "A campaign's overdue share crossed the threshold",
    )
    REVIEW_WAITING = "review.waiting", "A review is waiting for reviewers"
    OVERDUE_SUMMARY = "campaign.overdue_summary", "Daily overdue summary"
    TEST = "endpoint.test", "Test message"


WEBHOOK_EVENTS = (
    EventType.VERSION_APPROVED,
    EventType.GUIDELINE_PUBLISHED,
    EventType.PERSON_ACKNOWLEDGED,
    EventType.OVERDUE_THRESHOLD,
)
CHAT_EVENTS = (EventType.GUIDELINE_PUBLISHED, EventType.OVERDUE_SUMMARY, EventType.REVIEW_WAITING)


class Endpoint(models.Model):
    """An address Charter posts to: a signed webhook, or a Slack or Teams incoming webhook."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Webhook (signed JSON)"
        SLACK = "slack", "Slack incoming webhook"
        TEAMS = "teams", "Microsoft Teams workflow webhook"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="endpoints"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    # The address, sealed (sealing.py): a chat webhook's address is itself a secret, so pages
    # and the audit trail show only its host.
    url_sealed = models.TextField()
    host = models.CharField(max_length=255)
    # Webhooks only: the key deliveries are signed with (HMAC-SHA256), shown once, sealed.
    secret_sealed = models.TextField(blank=True, default="")
    events = models.JSONField(default=list)
    # campaign.overdue_threshold_crossed: the share of overdue people (percent) that fires it.
    overdue_threshold = models.PositiveSmallIntegerField(default=10)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def is_chat(self) -> bool:
        return self.kind in (self.Kind.SLACK, self.Kind.TEAMS)

    def set_address(self, url: str) -> None:
        self.url_sealed = sealing.seal(url)
        self.host = (urlsplit(url).hostname or "")[:255]

    def address(self) -> str:
        """The address to post to (``sealing.Unreadable`` if the server's key changed)."""
        return sealing.unseal(self.url_sealed)

    def set_signing_secret(self, secret: str) -> None:
        self.secret_sealed = sealing.seal(secret)

    def signing_secret(self) -> str:
        return sealing.unseal(self.secret_sealed)

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.events or [])


class Event(models.Model):
    """One thing that happened, written in the transaction that made it happen (the outbox).

    ``key`` makes a repeat harmless: one event per audit record, per threshold crossing, per
    daily summary. Receivers deduplicate by ``id``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    key = models.CharField(max_length=120)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint("organization", "key", name="integration_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class Delivery(models.Model):
    """One event to one endpoint: tried until it succeeds or the retries run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replays"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_due",
                condition=Q(status__in=["pending", "retrying"]),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.status})"


class Attempt(models.Model):
    """Each try of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Attempt of {self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"
