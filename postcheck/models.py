"""What "Check my post" keeps: a count of checks per institution per day, and the drafts a
person chose to send to the social media team. The text of an ordinary check is never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_POST = 5_000


class Sponsorship(models.TextChoices):
    NONE = "none", "No"
    SPONSORED = "sponsored", "Yes, paid or sponsored"
    GIFTED = "gifted", "Yes, I was given something (a gift, a free product, a discount)"


class DailyCount(models.Model):
    """How many checks were run in an institution on a day: the only trace of a check."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    checks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", "day", name="postcheck_one_count_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.checks} checks on {self.day}"


class SecondLook(models.Model):
    """A draft post its writer chose to send to the social media team for a second look."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(max_length=MAX_POST)
    platform = models.CharField(max_length=30, blank=True)
    sponsorship = models.CharField(
        max_length=12, choices=Sponsorship.choices, default=Sponsorship.NONE
    )
    posting_as = models.CharField(max_length=300, blank=True)
    note = models.TextField(max_length=1000, blank=True)
    # What the check said when it was sent: [{"code", "title", "section"}].
    findings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "done_at"])]

    def __str__(self) -> str:
        return f"Second look #{self.pk}"
