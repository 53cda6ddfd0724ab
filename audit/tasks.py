"""Background work on the audit trail (run by Celery beat, or inline without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task

from .verify import FULL, ROUTINE, verify

logger = logging.getLogger(__name__)


@shared_task
def checkpoint_chains(full: bool = False) -> int:
    """Verify every chain (from its last checkpoint, or in full) and store a signed checkpoint
    where each intact one ends; returns how many were stored. A broken chain is logged as an
    error (operators alert on it) and gets no checkpoint."""
    result = verify(mode=FULL if full else ROUTINE, write_checkpoints=True)
    for problem in result.problems:
        logger.error("Audit chain TAMPERED %s", problem)
    return result.checkpoints_written
