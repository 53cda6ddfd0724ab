"""Background work for integrations: deliveries (right after commit, and the retry sweep)."""

from __future__ import annotations

from celery import shared_task

from . import delivery


@shared_task(acks_late=True)
def deliver_now(ids: list[int]) -> dict[str, int]:
    return delivery.deliver(ids=ids)


@shared_task(acks_late=True)
def deliver_due() -> dict[str, int]:
    return delivery.deliver()
