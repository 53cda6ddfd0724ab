"""Sending deliveries: signed, one at a time under a row lock, retried with back-off.

What is guaranteed: every committed event reaches every endpoint subscribed to it at least
once while retries last, and its ``id`` never changes, so a receiver that keeps the ids it
has handled (as Stripe asks of its receivers) handles each event exactly once. A delivery is
marked delivered in the same short transaction as the 2xx answer that proves it; if the
sender dies between the answer and the commit, or the receiver dies after acting but before
answering, the delivery is sent again with the same event id: a duplicate at the HTTP level,
never a second entry in a receiver's idempotency log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.outbox import due_batches
from config import outbound

from . import chat, signing
from .addresses import Target, UnsafeAddress, resolve
from .models import Attempt, Delivery, Endpoint, Event
from .sealing import Unreadable

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# After each failed try the delivery waits this long; after the last it is given up.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=8),
    dt.timedelta(hours=24),
)
DUE = (Delivery.Status.PENDING, Delivery.Status.RETRYING)
USER_AGENT = "Charter-Webhooks/1.0"


def envelope(event: Event, organization: Organization | None = None) -> dict[str, Any]:
    """The JSON a webhook receives: the same for every try and every replay of the event."""
    org = organization or event.organization
    return {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "institution": {"slug": org.slug, "name": org.name},
        "data": event.payload,
    }


def body_and_headers(endpoint: Endpoint, event: Event, delivery: Delivery) -> tuple[bytes, dict]:
    if endpoint.is_chat:
        data = chat.message(endpoint, event)
        return json.dumps(data).encode(), {"Content-Type": "application/json"}
    body = json.dumps(envelope(event, endpoint.organization), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Charter-Event-Id": str(event.id),
        "Charter-Event-Type": event.type,
        "Charter-Delivery-Id": str(delivery.pk),
        signing.HEADER: signing.sign(endpoint.signing_secret(), body),
    }
    return body, headers


def post(client: httpx.Client, target: Target, body: bytes, headers: dict) -> httpx.Response:
    """POST to the address that was checked, not to whatever the name resolves to next."""
    request = client.build_request(
        "POST", target.url, content=body, headers={**headers, "User-Agent": USER_AGENT}
    )
    return client.send(outbound.pin(request, target))


def new_client() -> httpx.Client:
    timeout = httpx.Timeout(settings.CHARTER_WEBHOOK_TIMEOUT_SECONDS)
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)


def deliver(*, ids: Sequence[int] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the due deliveries (only ``ids`` when given); counts by outcome.

    Safe to run in several workers at once and to kill at any moment."""
    counts = {"succeeded": 0, "retrying": 0, "failed": 0}
    with new_client() as client:
        for batch in _due_batches(ids, now):
            for pk in batch:
                outcome = _deliver_one(pk, client, now)
                if outcome:
                    counts[outcome] += 1
    return counts


def _due_batches(ids: Sequence[int] | None, now: dt.datetime | None) -> Iterable[list[int]]:
    return due_batches(Delivery.objects.filter(status__in=DUE), ids, now, size=BATCH_SIZE)


def _describe(exc: BaseException) -> str:
    """Why a try failed, in a line: never the body, the headers or the secret."""
    if isinstance(exc, httpx.TimeoutException):
        return "No answer in time."
    if isinstance(exc, httpx.ConnectError):
        return "Could not connect."
    if isinstance(exc, UnsafeAddress | Unreadable):
        return str(exc)
    return type(exc).__name__


def _deliver_one(pk: int, client: httpx.Client, now: dt.datetime | None) -> str:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status__in=DUE, next_attempt_at__lte=now or timezone.now())
            .first()
        )
        if delivery is None:
            return ""  # delivered already, or another worker holds it right now
        endpoint = Endpoint.objects.select_related("organization").get(pk=delivery.endpoint_id)
        event = Event.objects.get(pk=delivery.event_id)
        delivery.attempts += 1
        started = timezone.now()
        code: int | None = None
        error = ""
        clock = time.monotonic()
        if not endpoint.is_active:
            error = "The endpoint is switched off."
        else:
            try:
                target = resolve(endpoint.address())
                body, headers = body_and_headers(endpoint, event, delivery)
                code = post(client, target, body, headers).status_code
            except (httpx.HTTPError, UnsafeAddress, Unreadable, OSError) as exc:
                error = _describe(exc)
        elapsed = int((time.monotonic() - clock) * 1000)
        if code is not None and not 200 <= code < 300:
            error = f"Answered {code}."
        Attempt.objects.create(
            delivery=delivery, started_at=started, status_code=code, response_ms=elapsed,
            error=error[:300],
        )  # fmt: skip
        delivery.last_status_code = code
        delivery.last_response_ms = elapsed
        delivery.last_error = error[:300]
        if not error:
            delivery.status = Delivery.Status.SUCCEEDED
            delivery.delivered_at = timezone.now()
        elif not endpoint.is_active or delivery.attempts > len(RETRY_DELAYS):
            delivery.status = Delivery.Status.FAILED
        else:
            log.info("Delivery %s will be retried: %s", pk, error)
            delivery.status = Delivery.Status.RETRYING
            delivery.next_attempt_at = timezone.now() + RETRY_DELAYS[delivery.attempts - 1]
        delivery.save(
            update_fields=[
                "attempts", "status", "next_attempt_at", "delivered_at", "last_status_code",
                "last_response_ms", "last_error",
            ]
        )  # fmt: skip
        return str(delivery.status)
