"""The search index: one row per section of a frozen version or of an open draft.

A row is plain text made from the section's fields (``search/text.py``), so what is searched is
what a reader sees. On PostgreSQL ``vector`` holds the weighted ``tsvector`` (title A, body B)
behind a GIN index that only PostgreSQL gets (migration 0002); on SQLite it stays empty and
the search reads ``body`` instead.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q


class SectionText(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.CASCADE, related_name="+"
    )
    # Exactly one of the two: a frozen version's section, or an open draft's.
    version = models.ForeignKey(
        "guidelines.Version", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    draft = models.ForeignKey(
        "guidelines.Draft", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    vector = SearchVectorField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "version", "key", condition=Q(version__isnull=False), name="searchtext_version_key"
            ),
            models.UniqueConstraint(
                "draft", "key", condition=Q(draft__isnull=False), name="searchtext_draft_key"
            ),
            models.CheckConstraint(
                condition=Q(version__isnull=True) ^ Q(draft__isnull=True),
                name="searchtext_version_or_draft",
            ),
        ]
        indexes = [models.Index(fields=["organization", "guideline"])]

    def __str__(self) -> str:
        return f"{self.key} of {self.version_id or self.draft_id}"
