"""Admins' changes to integrations: check → atomic → audit → send after commit."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Organization, User
from audit.services import record

from . import delivery, signing, tasks, tokens
from .addresses import UnsafeAddress, check_url
from .events import emit, forget_wanted
from .models import (
    CHAT_EVENTS,
    WEBHOOK_EVENTS,
    ApiToken,
    Delivery,
    Endpoint,
    EventType,
    Scope,
)


class IntegrationError(Exception):
    """A refused change; the message is written for the admin."""


MAX_TOKEN_DAYS = 366


def issue_token(
    *,
    organization: Organization,
    by: User,
    name: str,
    scopes: list[str],
    days: int,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token; returns it with its secret value, which is never stored or shown again."""
    unknown = set(scopes) - set(Scope.values)
    if not scopes or unknown:
        raise IntegrationError("Choose at least one of the listed scopes.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise IntegrationError(f"A token lasts between 1 and {MAX_TOKEN_DAYS} days.")
    if not name.strip():
        raise IntegrationError("Give the token a name that says who uses it.")
    raw = tokens.new_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name.strip()[:100],
            token_hash=tokens.hash_token(raw),
            prefix=raw[: len(tokens.TOKEN_PREFIX) + 6],
            scopes=sorted(scopes),
            created_by=by,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        record(
            "integrations.token.created",
            actor=by,
            organization=organization,
            obj=token,
            details={
                "name": token.name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "expires_at": token.expires_at.isoformat(),
            },
            request=request,
        )
    return token, raw


def revoke_token(*, token: ApiToken, by: User, request: HttpRequest | None = None) -> bool:
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "integrations.token.revoked",
            actor=by,
            organization=locked.organization,
            obj=locked,
            details={"name": locked.name, "prefix": locked.prefix},
            request=request,
        )
    return True


def create_endpoint(
    *,
    organization: Organization,
    by: User,
    kind: str,
    name: str,
    url: str,
    events: list[str],
    overdue_threshold: int = 10,
    request: HttpRequest | None = None,
) -> tuple[Endpoint, str]:
    """Subscribe an address; returns the endpoint and its signing secret (webhooks only)."""
    allowed = WEBHOOK_EVENTS if kind == Endpoint.Kind.WEBHOOK else CHAT_EVENTS
    if kind not in Endpoint.Kind.values:
        raise IntegrationError("Choose a kind of endpoint.")
    if not events or set(events) - set(allowed):
        raise IntegrationError("Choose at least one of the listed events.")
    if not 1 <= overdue_threshold <= 100:
        raise IntegrationError("The overdue threshold is a percentage from 1 to 100.")
    try:
        check_url(url)
    except UnsafeAddress as exc:
        raise IntegrationError(str(exc)) from exc
    secret = signing.new_secret() if kind == Endpoint.Kind.WEBHOOK else ""
    with transaction.atomic():
        endpoint = Endpoint(
            organization=organization,
            kind=kind,
            name=name.strip()[:100] or kind,
            events=sorted(events),
            overdue_threshold=overdue_threshold,
            created_by=by,
        )
        endpoint.set_address(url.strip())
        endpoint.set_signing_secret(secret)
        endpoint.save()
        record(
            "integrations.endpoint.created",
            actor=by,
            organization=organization,
            obj=endpoint,
            # The host only: a chat webhook's full address is itself a secret.
            details={"kind": kind, "host": endpoint.host, "events": endpoint.events},
            request=request,
        )
        forget_wanted(organization.pk)
    return endpoint, secret


def set_active(
    *, endpoint: Endpoint, active: bool, by: User, request: HttpRequest | None = None
) -> bool:
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.is_active == active:
            return False
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        record(
            "integrations.endpoint.switched_on" if active else "integrations.endpoint.switched_off",
            actor=by,
            organization=locked.organization,
            obj=locked,
            details={"kind": locked.kind, "host": locked.host},
            request=request,
        )
        forget_wanted(locked.organization_id)
    return True


def send_test(*, endpoint: Endpoint, by: User, request: HttpRequest | None = None) -> Delivery:
    """A test message, sent at once so that the page can say how it went (retried if not)."""
    if not endpoint.is_active:
        raise IntegrationError("Switch the endpoint on before sending a test message.")
    with transaction.atomic():
        now = timezone.now()
        event = emit(
            organization_id=endpoint.organization_id,
            type=EventType.TEST,
            key=f"test:{endpoint.pk}:{now.timestamp()}",
            data={"message": "A test from Charter", "requested_by": by.email},
            endpoints=[endpoint],
            everyone=True,
        )
        assert event is not None
        record(
            "integrations.endpoint.tested",
            actor=by,
            organization=endpoint.organization,
            obj=endpoint,
            details={"kind": endpoint.kind, "host": endpoint.host, "event": str(event.id)},
            request=request,
        )
        test = event.deliveries.get()
    delivery.deliver(ids=[test.pk])
    test.refresh_from_db()
    return test


def replay(*, delivery: Delivery, by: User, request: HttpRequest | None = None) -> Delivery:
    """Send the same event (same id, same body) to the same endpoint again."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        raise IntegrationError("Switch the endpoint on before replaying a delivery.")
    with transaction.atomic():
        again = Delivery.objects.create(
            event_id=delivery.event_id, endpoint=endpoint, replay_of=delivery
        )
        record(
            "integrations.delivery.replayed",
            actor=by,
            organization=endpoint.organization,
            obj=endpoint,
            details={"event": str(delivery.event_id), "delivery": delivery.pk},
            request=request,
        )
        transaction.on_commit(partial(tasks.deliver_now.delay, [again.pk]))
    return again
