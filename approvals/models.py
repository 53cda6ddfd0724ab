"""Approval routes, reviews pinned to one frozen version, signatures and comments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Rule(models.TextChoices):
    ANY = "any", "Any one holder signs"
    ALL = "all", "All holders sign"
    QUORUM = "quorum", "A quorum of N holders sign"


class ApprovalRoute(models.Model):
    """An institution's route: ordered stages a version must pass before it is approved."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.PROTECT, related_name="approval_route"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Approval route of {self.organization}"

    def snapshot(self) -> list[dict[str, Any]]:
        """The route as data, copied into each review so later edits never change it."""
        return [stage.as_dict() for stage in self.stages.select_related("reviewer_role")]


class ApprovalStage(models.Model):
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    reviewer_role = models.ForeignKey(
        "accounts.ReviewerRole", on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(max_length=10, choices=Rule.choices, default=Rule.ANY)
    quorum = models.PositiveSmallIntegerField(default=1)
    due_days = models.PositiveSmallIntegerField(default=5)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint("route", "order", name="approvalstage_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.reviewer_role}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "role_id": self.reviewer_role_id,
            "role_name": self.reviewer_role.name,
            "rule": self.rule,
            "quorum": self.quorum,
            "due_days": self.due_days,
        }


class ReviewRequest(models.Model):
    """One pass of one frozen version through the route it started with."""

    class Status(models.TextChoices):
        OPEN = "open", "In review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"

    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.PROTECT, related_name="reviews"
    )
    version = models.ForeignKey(
        "guidelines.Version", on_delete=models.PROTECT, related_name="reviews"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    route = models.JSONField()  # snapshot of ApprovalRoute.snapshot() at submission
    stage_index = models.PositiveSmallIntegerField(default=0)  # index into route
    stage_started_at = models.DateTimeField()
    stage_due_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["guideline"],
                condition=Q(status="open"),
                name="review_one_open_per_guideline",
            )
        ]
        indexes = [models.Index(fields=["status", "stage_due_at"])]

    def __str__(self) -> str:
        return f"Review of {self.version}"

    @property
    def current_stage(self) -> dict[str, Any] | None:
        if self.status != self.Status.OPEN or self.stage_index >= len(self.route):
            return None
        return self.route[self.stage_index]


class Signature(models.Model):
    """An electronic signature: who, in what capacity, meaning what, over which exact text."""

    review = models.ForeignKey(ReviewRequest, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(
        "guidelines.Version", on_delete=models.PROTECT, related_name="signatures"
    )
    stage_index = models.PositiveSmallIntegerField()
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=150)
    role_name = models.CharField(max_length=80)
    meaning = models.CharField(max_length=200)  # "Approved — Legal review"
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    used_second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint("review", "signer", name="signature_one_per_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.printed_name}: {self.meaning}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Signatures cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Signatures cannot be removed.")
