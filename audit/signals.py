"""Sent by ``record()`` for each event, inside the transaction that records it.

Whatever must happen with an audited change and roll back with it (an integration's event
outbox) listens here. On PostgreSQL the event is written by one raw statement, so Django's
``post_save`` is not sent; this signal is, on every database. ``record_many`` (bulk imports)
does not send it.
"""

from django.dispatch import Signal

recorded = Signal()  # keyword argument: event (the saved AuditEvent)
