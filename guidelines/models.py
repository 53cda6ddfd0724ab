"""Guidelines, their working drafts and their frozen, numbered versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .schema import content_hash


class FrozenVersionError(Exception):
    """A frozen version's text can never change: a signature refers to exactly that text."""


class VersionStatusError(Exception):
    """A refused change of a version's status, with a message written for the person."""


REVIEW_WARNING_DAYS = 30  # a guideline's review is "due" this many days before its date


class ReviewState(models.TextChoices):
    """Where a guideline stands against its next review date."""

    OVERDUE = "overdue", "Review overdue"
    DUE = "soon", "Review due"


class GuidelineQuerySet(models.QuerySet["Guideline"]):
    def review_due(self, *, on: dt.date) -> GuidelineQuerySet:
        """Active guidelines whose review is due within REVIEW_WARNING_DAYS, or overdue."""
        return self.filter(
            status=Guideline.Status.ACTIVE,
            next_review_date__isnull=False,
            next_review_date__lte=on + dt.timedelta(days=REVIEW_WARNING_DAYS),
        )


class Guideline(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="guidelines"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    is_public = models.BooleanField("Readable without signing in", default=False)
    next_review_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GuidelineQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint("organization", "slug", name="guideline_unique_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.title

    def review_state(self, today: dt.date | None = None) -> ReviewState | None:
        """Overdue once the review date has passed; due within REVIEW_WARNING_DAYS of it."""
        if self.next_review_date is None:
            return None
        day = today or timezone.localdate()
        if self.next_review_date < day:
            return ReviewState.OVERDUE
        if self.next_review_date <= day + dt.timedelta(days=REVIEW_WARNING_DAYS):
            return ReviewState.DUE
        return None


class Draft(models.Model):
    """The working copy an author edits; at most one open draft per guideline."""

    class Start(models.TextChoices):
        TEMPLATE = "template", "Start from template"
        COPY = "copy", "Copy a version"
        BLANK = "blank", "Blank"

    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, related_name="drafts")
    based_on = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.CharField(max_length=20, choices=Start.choices)
    is_open = models.BooleanField(default=True)
    quiz = models.JSONField(default=list, blank=True)
    # Worked cases for staff: [{"section", "scenario", "answer"}], see guidelines/cases.py.
    cases = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guideline"], condition=Q(is_open=True), name="draft_one_open_per_guideline"
            )
        ]

    def __str__(self) -> str:
        return f"Draft of {self.guideline}"

    def content(self) -> dict[str, dict[str, Any]]:
        return {s.key: s.data for s in self.sections.all()}


class DraftSection(models.Model):
    """One section of a draft; ``revision`` counts saves so concurrent edits are caught."""

    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="sections")
    key = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("draft", "key", name="draftsection_unique_key_per_draft")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.draft}"


class VersionQuerySet(models.QuerySet["Version"]):
    FROZEN_FIELDS = frozenset(
        {
            "content",
            "content_hash",
            "quiz",
            "cases",
            "number",
            "guideline",
            "guideline_id",
            "contributors",
        }
    )

    def update(self, **kwargs: Any) -> int:
        if self.FROZEN_FIELDS & kwargs.keys():
            raise FrozenVersionError("A submitted version's text cannot be changed.")
        if "status" in kwargs:
            raise VersionStatusError("A version's status changes only through guidelines.status.")
        return super().update(**kwargs)

    def _write_status(self, status: str) -> int:
        """The bare write behind guidelines.status, the one door that checks the move."""
        return super().update(status=status)


class Version(models.Model):
    """An immutable, numbered snapshot of every section, identified by its content hash."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    quiz = models.JSONField(default=list, blank=True)
    cases = models.JSONField(default=list, blank=True)  # published with it; see guidelines/cases.py
    change_summary = models.TextField(max_length=2000)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IN_REVIEW)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who saved which part of the draft that became this version ({user id: [part, ...]}, a
    # part being a section key, "quiz" or "draft" for starting it), fixed at submission so
    # that "did you write this?" is one lookup: none of them may review it.
    contributors = models.JSONField(default=dict, blank=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint("guideline", "number", name="version_unique_number")]
        indexes = [models.Index(fields=["guideline", "status"])]

    def __str__(self) -> str:
        return f"{self.guideline} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            self.content_hash = content_hash(self.content)
        else:
            stored = (
                Version.objects.filter(pk=self.pk)
                .values(
                    "content",
                    "content_hash",
                    "quiz",
                    "cases",
                    "number",
                    "guideline_id",
                    "status",
                    "contributors",
                )
                .first()
            )
            if stored is not None and stored["status"] != self.status:
                raise VersionStatusError(
                    "A version's status changes only through guidelines.status."
                )
            if stored is not None and (
                stored["content_hash"] != content_hash(self.content)
                or stored["content_hash"] != self.content_hash
                or stored["quiz"] != self.quiz
                or stored["cases"] != self.cases
                or stored["contributors"] != self.contributors
                or stored["number"] != self.number
                or stored["guideline_id"] != self.guideline_id
            ):
                raise FrozenVersionError("A submitted version's text cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenVersionError("Versions are kept for the record and cannot be deleted.")

    def verify(self) -> bool:
        """True when the stored text still has the hash that was signed."""
        return content_hash(self.content) == self.content_hash
