"""Approval routes, reviews pinned to one frozen version, signatures and comments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    # Counts saves, so an editor loaded before someone else's save cannot silently replace it.
    revision = models.PositiveIntegerField(default=0)

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


class ReviewRequestQuerySet(models.QuerySet["ReviewRequest"]):
    def overdue(self, *, now: dt.datetime) -> ReviewRequestQuerySet:
        """Open reviews whose current stage is past its due time."""
        return self.filter(status=ReviewRequest.Status.OPEN, stage_due_at__lt=now)


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

    objects = ReviewRequestQuerySet.as_manager()

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

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """The row-level twin of ``ReviewRequest.objects.overdue(now=…)``."""
        return self.status == self.Status.OPEN and self.stage_due_at < (now or timezone.now())


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
    # How the signer proved who they were at signing; empty on signatures made before this
    # was recorded (their ``used_second_factor`` still says whether a second factor was used).
    factor = models.CharField(
        max_length=10,
        blank=True,
        default="",
        choices=[
            ("password", "Password"),
            ("totp", "Password and authenticator code"),
            ("idp_mfa", "Identity provider's multi-factor"),
            ("idp", "Fresh sign-in at the identity provider"),
        ],
    )

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

    @property
    def factor_label(self) -> str:
        """How the signer proved who they were, in words, also for signatures made before the
        factor was recorded."""
        if self.factor:
            return self.get_factor_display()
        if self.used_second_factor:
            return "A second factor (which one was not recorded)"
        return "Not recorded"


class Decision(models.Model):
    """A review ended by a person rather than by signatures: changes requested or withdrawn."""

    class Kind(models.TextChoices):
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"

    review = models.OneToOneField(ReviewRequest, on_delete=models.PROTECT, related_name="decision")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stage_index = models.PositiveSmallIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.review}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def threads_at(self, *, guideline_id: int, number: int) -> CommentQuerySet:
        """The threads a reader of version ``number`` sees: opened on it or earlier, and not
        resolved before it. An open thread thus follows a guideline from version to version
        without being copied, and one resolved on version N drops out from N + 1 on."""
        return self.filter(
            guideline_id=guideline_id, parent__isnull=True, version_number__lte=number
        ).filter(Q(resolved_in_version__isnull=True) | Q(resolved_in_version__gte=number))


class Comment(models.Model):
    """A remark on one section of a guideline, written against one version of it.

    The first comment of a thread is the thread: it carries the section it is anchored to,
    the version it was opened on and, once settled, who resolved it, when and in which
    version. Replies point at it (one level deep) and keep the version they were written on,
    so a thread that spans versions is read in order without a row ever being copied.
    ``review`` is the review the comment was posted in; a reply written by the author while
    revising, before the next version exists, has none.
    """

    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(
        ReviewRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    # The number of the version the comment was written against (for a reply written while
    # revising: the number the draft will take when it is submitted).
    version_number = models.PositiveIntegerField()
    section_key = models.CharField(max_length=40)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # In what capacity it was written ("Legal reviewer", "Author", "Admin"), as at the time.
    author_role = models.CharField(max_length=120, blank=True)
    # Opened by someone holding a reviewer role of the route: only a reviewer may close it.
    by_reviewer = models.BooleanField(default=False)
    body = models.TextField(max_length=5000)
    # The words a thread is about, if the reviewer chose some (W3C Web Annotation style: the
    # quote with some text either side, and its offsets), measured on the reader text of the
    # section in version ``version_number`` and checked against it before being stored.
    quote = models.TextField(max_length=1000, blank=True, default="")
    quote_prefix = models.CharField(max_length=64, blank=True, default="")
    quote_suffix = models.CharField(max_length=64, blank=True, default="")
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_in_version = models.PositiveIntegerField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["review", "section_key"]),
            models.Index(fields=["guideline", "parent", "version_number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_in_version__isnull=True)
                | Q(resolved_at__isnull=False, resolved_in_version__isnull=False),
                name="comment_resolution_complete",
            ),
            models.CheckConstraint(
                condition=Q(quote="", quote_start__isnull=True, quote_end__isnull=True)
                | Q(quote_start__isnull=False, quote_end__gt=models.F("quote_start")),
                name="comment_quote_has_offsets",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.section_key} of {self.guideline_id} v{self.version_number}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def has_quote(self) -> bool:
        return bool(self.quote) and self.quote_start is not None and self.quote_end is not None


class VersionSeen(models.Model):
    """That a person opened a version for review, so the next one can be compared with it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("guidelines.Version", on_delete=models.CASCADE, related_name="+")
    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "version", name="versionseen_unique_user_version")
        ]
        indexes = [models.Index(fields=["user", "guideline"])]

    def __str__(self) -> str:
        return f"{self.user} saw {self.version}"


class ReminderLog(models.Model):
    """One reminder sent to one person about one review on one day: the idempotency key."""

    review = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("review", "user", "day", name="reminderlog_one_per_day")
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} on {self.day}"


class Suggestion(models.Model):
    """A reviewer's proposed replacement for words of one section, written against one version.

    The quoted words are kept with the words around them (``prefix``, ``suffix``), so the author
    can accept it into the draft even after other edits, and never at the wrong place. Its state
    changes only through ``approvals.suggestions``; accepting edits the draft through the
    wizard's own save (history, fingerprint and conflict checks included).
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the author"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        OUTDATED = "outdated", "Outdated"

    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(ReviewRequest, on_delete=models.PROTECT, related_name="suggestions")
    version_number = models.PositiveIntegerField()  # the version whose words were quoted
    section_key = models.CharField(max_length=40)
    quote = models.TextField(max_length=1000)
    prefix = models.CharField(max_length=80, blank=True)
    suffix = models.CharField(max_length=80, blank=True)
    replacement = models.TextField(max_length=2000, blank=True)  # empty: remove the words
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROPOSED)
    # Why it was declined (the author's words) or why it could not be applied (Charter's).
    reason = models.TextField(max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The draft it was decided in and the section's revision then (after accepting: the
    # revision the accepted change made, as the section's history shows it).
    draft = models.ForeignKey(
        "guidelines.Draft", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    draft_revision = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["guideline", "state", "section_key"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="proposed", decided_at__isnull=True)
                | (~Q(state="proposed") & Q(decided_at__isnull=False)),
                name="suggestion_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Suggestion on {self.section_key} of {self.guideline_id} v{self.version_number}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PROPOSED
