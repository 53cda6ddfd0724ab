"""Events for webhooks and chat, recorded in the transaction of the change they announce.

Every change worth announcing already writes an audit record inside its own transaction, so
the audit trail is where events start (``signals.py``): the event and one delivery per
subscribed endpoint are written with the change, and sent only after it commits. A change
that rolls back announces nothing; a commit always leaves its deliveries behind, even if the
process dies a moment later (the next ``deliver_webhooks`` run sends them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from approvals.models import ReviewRequest
from audit.models import AuditEvent
from guidelines.models import Guideline
from publishing.models import Acknowledgement, Publication

from . import tasks
from .models import Delivery, Endpoint, Event, EventType

log = logging.getLogger(__name__)

# Which audit actions announce which event.
FROM_AUDIT: dict[str, EventType] = {
    "approvals.review.approved": EventType.VERSION_APPROVED,
    "publishing.version.published": EventType.GUIDELINE_PUBLISHED,
    "publishing.version.acknowledged": EventType.PERSON_ACKNOWLEDGED,
    "approvals.review.submitted": EventType.REVIEW_WAITING,
    "approvals.review.stage_started": EventType.REVIEW_WAITING,
}


WANTED_SECONDS = 60


def _wanted_key(organization_id: int) -> str:
    return f"integrations:wanted:{organization_id}"


def wanted(organization_id: int) -> frozenset[str]:
    """The event types any active endpoint of the institution subscribes to, from the cache.

    Kept for a minute and forgotten whenever an endpoint changes (``forget_wanted``), so that
    audited changes cost no query at all in an institution with nothing subscribed."""
    key = _wanted_key(organization_id)
    try:
        cached = cache.get(key)
    except Exception:  # the cache being down must never stop an audited change
        cached = None
    if cached is not None:
        return frozenset(cached)
    types: set[str] = set()
    for subscribed in Endpoint.objects.filter(
        organization_id=organization_id, is_active=True
    ).values_list("events", flat=True):
        types.update(subscribed or [])
    try:
        cache.set(key, sorted(types), WANTED_SECONDS)
    except Exception:
        log.warning("Cache unavailable; endpoints are read on each audited change")
    return frozenset(types)


def forget_wanted(organization_id: int) -> None:
    """After an endpoint changes: now, and again once the change commits (a request that
    read the old list between the two cannot keep it)."""
    try:
        cache.delete(_wanted_key(organization_id))
    except Exception:
        log.warning("Cache unavailable; endpoint changes show within a minute")
    transaction.on_commit(partial(_forget_now, organization_id))


def _forget_now(organization_id: int) -> None:
    try:
        cache.delete(_wanted_key(organization_id))
    except Exception:
        log.warning("Cache unavailable; endpoint changes show within a minute")


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def emit(
    *,
    organization_id: int,
    type: str,
    key: str,
    data: dict[str, Any],
    endpoints: Iterable[Endpoint] | None = None,
    everyone: bool = False,
) -> Event | None:
    """Record the event and its deliveries in the current transaction; send after commit.

    Nothing is written when no endpoint wants it, or when ``key`` was announced already;
    ``everyone`` sends to each endpoint given whatever it subscribed to (a test message)."""
    if endpoints is None:
        endpoints = Endpoint.objects.filter(organization_id=organization_id, is_active=True)
    targets = [e for e in endpoints if e.is_active and (everyone or e.wants(type))]
    if not targets:
        return None
    try:
        with transaction.atomic():
            event = Event.objects.create(
                organization_id=organization_id, type=type, key=key, payload=data
            )
    except IntegrityError:
        return None  # announced already
    now = timezone.now()
    rows = Delivery.objects.bulk_create(
        [Delivery(event=event, endpoint=e, created_at=now, next_attempt_at=now) for e in targets]
    )
    ids = [row.pk for row in rows if row.pk is not None]
    transaction.on_commit(partial(tasks.deliver_now.delay, ids))
    return event


# --- what each audited change says --------------------------------------------------------


def _guideline(guideline_id: int | None) -> dict[str, Any]:
    if guideline_id is None:
        return {}
    row = Guideline.objects.filter(pk=guideline_id).values("id", "slug", "title").first()
    return dict(row) if row else {}


def from_audit(audit: AuditEvent) -> tuple[str, dict[str, Any]] | None:
    """The event an audit record announces, with its data, or None."""
    kind = FROM_AUDIT.get(audit.action)
    if kind is None or audit.organization_id is None:
        return None
    builder = BUILDERS[kind]
    return kind, builder(audit)


def _version_approved(audit: AuditEvent) -> dict[str, Any]:
    return {
        "guideline": _guideline(audit.guideline_id),
        "version": {
            "number": audit.details.get("version"),
            "content_hash": audit.details.get("content_hash"),
        },
        "review_id": int(audit.object_id),
        "approved_at": audit.created_at.isoformat(),
    }


def _published(audit: AuditEvent) -> dict[str, Any]:
    guideline = _guideline(audit.guideline_id)
    publication = (
        Publication.objects.filter(version_id=int(audit.object_id))
        .select_related("organization")
        .first()
    )
    url = ""
    if publication is not None and guideline:
        url = site_url(
            reverse(
                "publishing:guideline",
                kwargs={
                    "org_slug": publication.organization.slug,
                    "guideline_slug": guideline["slug"],
                },
            )
        )
    return {
        "guideline": guideline,
        "version": {
            "number": audit.details.get("number"),
            "content_hash": audit.details.get("content_hash"),
        },
        "publication_id": publication.pk if publication else None,
        "effective_date": audit.details.get("effective_date"),
        "requires_acknowledgement": audit.details.get("requires_acknowledgement"),
        "due_date": audit.details.get("due_date"),
        "url": url,
    }


def _acknowledged(audit: AuditEvent) -> dict[str, Any]:
    version_id = int(audit.object_id)
    user_id = audit.actor_id or 0
    membership = (
        Membership.objects.filter(user_id=user_id, organization_id=audit.organization_id or 0)
        .select_related("user")
        .first()
    )
    ack = (
        Acknowledgement.objects.filter(user_id=user_id, version_id=version_id)
        .order_by("-acknowledged_at", "-pk")
        .values("pk", "acknowledged_at", "request__campaign_id")
        .first()
    )
    return {
        "person": {
            "email": membership.user.email if membership else audit.actor_label,
            "external_id": membership.external_id if membership else None,
        },
        "guideline": _guideline(audit.guideline_id),
        "version": {
            "number": audit.details.get("number"),
            "content_hash": audit.details.get("content_hash"),
        },
        "acknowledgement_id": ack["pk"] if ack else None,
        "campaign_id": ack["request__campaign_id"] if ack else None,
        "acknowledged_at": (ack["acknowledged_at"] if ack else audit.created_at).isoformat(),
    }


def _review_waiting(audit: AuditEvent) -> dict[str, Any]:
    review = ReviewRequest.objects.filter(pk=int(audit.object_id)).select_related("version").first()
    stage = (review.current_stage or {}) if review else {}
    return {
        "guideline": _guideline(audit.guideline_id),
        "version": {"number": review.version.number if review else None},
        "review_id": review.pk if review else None,
        "stage": (review.stage_index + 1) if review else None,
        "role": stage.get("role_name", ""),
        "due_at": review.stage_due_at.isoformat() if review else None,
        "url": site_url(reverse("approvals:review", kwargs={"pk": review.pk})) if review else "",
    }


BUILDERS = {
    EventType.VERSION_APPROVED: _version_approved,
    EventType.GUIDELINE_PUBLISHED: _published,
    EventType.PERSON_ACKNOWLEDGED: _acknowledged,
    EventType.REVIEW_WAITING: _review_waiting,
}


def announce(audit: AuditEvent) -> Event | None:
    """Called for each new audit record, inside its transaction."""
    kind = FROM_AUDIT.get(audit.action)
    if kind is None or audit.organization_id is None:
        return None
    endpoints = [
        e
        for e in Endpoint.objects.filter(organization_id=audit.organization_id, is_active=True)
        if e.wants(kind)
    ]
    if not endpoints:
        return None
    found = from_audit(audit)
    if found is None:
        return None
    kind_name, data = found
    return emit(
        organization_id=audit.organization_id,
        type=kind_name,
        key=f"audit:{audit.pk}",
        data=data,
        endpoints=endpoints,
    )
