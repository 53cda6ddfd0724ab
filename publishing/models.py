"""Published versions, their stored PDF, acknowledgement campaigns and the records they collect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImmutableRecordError(Exception):
    """Acknowledgements are evidence: once written they are never changed or removed."""


class PdfState(models.TextChoices):
    """A published version's PDF: nobody asked yet (blank), waiting for the worker, being laid
    out, stored (``pdf_size`` is then its size in bytes), or the last attempt failed."""

    QUEUED = "queued", "Waiting to start"
    RENDERING = "rendering", "Being laid out"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Publication(models.Model):
    """One published version: when it takes effect, who published it, whether staff must sign."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="publications"
    )
    guideline = models.ForeignKey(
        "guidelines.Guideline", on_delete=models.PROTECT, related_name="publications"
    )
    version = models.OneToOneField(
        "guidelines.Version", on_delete=models.PROTECT, related_name="publication"
    )
    effective_date = models.DateField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    requires_acknowledgement = models.BooleanField(default=True)
    skip_reason = models.TextField(blank=True, max_length=1000)
    next_review_date = models.DateField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    # Where the PDF stands (written by publishing.pdf only): kept here so that every page that
    # links the PDF can say its real size, or that it is being prepared, without a query.
    pdf_state = models.CharField(max_length=10, choices=PdfState.choices, blank=True)
    pdf_state_at = models.DateTimeField(null=True, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_date", "-version__number"]
        indexes = [models.Index(fields=["guideline", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.version} effective {self.effective_date:%Y-%m-%d}"

    @property
    def campaign(self) -> Campaign:
        """The campaign opened when this version was published (cycles are ``campaigns``)."""
        cached = self.__dict__.get("_publication_campaign")
        if cached is not None:
            return cached
        for campaign in self.campaigns.all():  # prefetched on lists, one query otherwise
            if campaign.kind == Campaign.Kind.PUBLICATION:
                self.__dict__["_publication_campaign"] = campaign
                return campaign
        raise Campaign.DoesNotExist(f"{self} asked nobody to acknowledge it.")


class PublishedPdf(models.Model):
    """The PDF of a published version, rendered once: the text it shows can never change."""

    publication = models.OneToOneField(Publication, on_delete=models.PROTECT, related_name="pdf")
    data = models.BinaryField()
    content_hash = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"PDF of {self.publication.version}"


class PublishedCard(models.Model):
    """The one-page card of a published version as a PDF, rendered once like the full PDF."""

    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, related_name="card_pdf"
    )
    data = models.BinaryField()
    # Kept beside the bytes so that a link can say how big the download is without reading it.
    size = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Card of {self.publication.version}"


class Campaign(models.Model):
    """Asks the targeted staff to acknowledge one published version by a due date: when it is
    published, and again in each attestation cycle (a campaign of its own, with its own
    figures, even though the text is the same)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed (superseded)"

    class Kind(models.TextChoices):
        PUBLICATION = "publication", "Publication"
        CYCLE = "cycle", "Yearly attestation"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="campaigns"
    )
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="campaigns")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PUBLICATION)
    # The day the campaign started asking: the clock of the next cycle starts here.
    starts_on = models.DateField(null=True, blank=True)
    # The reminder schedule (the notice goes when each person is asked): a reminder this many
    # days before their due date (empty: none), one on the due date, then every so many days
    # while overdue (empty: none); after ``escalate_after_days`` overdue their manager is told.
    remind_days_before = models.PositiveSmallIntegerField(
        "Remind this many days before the due date", null=True, blank=True, default=3
    )
    remind_on_due_date = models.BooleanField("Remind on the due date", default=True)
    remind_every_days = models.PositiveSmallIntegerField(
        "Once overdue, remind every this many days", null=True, blank=True, default=7
    )
    # After this many days overdue, each person's manager is told (empty: never).
    escalate_after_days = models.PositiveSmallIntegerField(
        "Tell managers after this many days overdue", null=True, blank=True, default=14
    )
    version = models.ForeignKey(
        "guidelines.Version", on_delete=models.PROTECT, related_name="campaigns"
    )
    due_date = models.DateField()
    all_staff = models.BooleanField(default=True)
    target_groups = models.ManyToManyField("accounts.StaffGroup", blank=True, related_name="+")
    # Who else is included or left out, by HR attributes (accounts/audience.py), as it was
    # when the version was published.
    audience_rule = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Empty for a cycle opened by the schedule rather than by a person.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    populated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.UniqueConstraint(
                "publication",
                name="campaign_one_per_publication",
                condition=Q(kind="publication"),
            ),
            # Opening a cycle twice (two runs, a retry) finds this and does nothing.
            models.UniqueConstraint(
                "publication",
                "starts_on",
                name="campaign_one_cycle_a_day",
                condition=Q(kind="cycle"),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CYCLE and self.starts_on:
            return f"Attestation of {self.version} ({self.starts_on:%Y} cycle)"
        return f"Acknowledgement of {self.version}"

    @property
    def label(self) -> str:
        """How people and auditors tell campaigns of one version apart."""
        if self.kind == self.Kind.CYCLE and self.starts_on:
            return f"Yearly attestation from {self.starts_on:%-d %b %Y}"
        return "On publication"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    SCHEDULE_FIELDS = (
        "remind_days_before",
        "remind_on_due_date",
        "remind_every_days",
        "escalate_after_days",
    )

    def schedule(self) -> ReminderSchedule:
        return ReminderSchedule(
            days_before=self.remind_days_before,
            on_due_date=self.remind_on_due_date,
            every_days=self.remind_every_days,
            escalate_after=self.escalate_after_days,
        )


@dataclass(frozen=True)
class ReminderSchedule:
    """When a person is reminded, counted from their own due date; pure, so tests need no clock."""

    days_before: int | None = 3
    on_due_date: bool = True
    every_days: int | None = 7
    escalate_after: int | None = 14

    def step_on_or_before(self, due: dt.date, today: dt.date) -> tuple[dt.date, str] | None:
        """The latest reminder date of this schedule on or before ``today``, and its kind
        ("before", "due" or "overdue"); None when no reminder has fallen due yet."""
        steps: list[tuple[dt.date, str]] = []
        if self.days_before:
            steps.append((due - dt.timedelta(days=self.days_before), "before"))
        if self.on_due_date:
            steps.append((due, "due"))
        if self.every_days and today > due:
            times = (today - due).days // self.every_days
            if times:
                steps.append((due + dt.timedelta(days=times * self.every_days), "overdue"))
        reached = [s for s in steps if s[0] <= today]
        return max(reached) if reached else None

    def steps(self, due: dt.date, *, until: dt.date) -> list[tuple[dt.date, str]]:
        """Every reminder date up to ``until``, for the schedule page's example."""
        out: list[tuple[dt.date, str]] = []
        if self.days_before:
            out.append((due - dt.timedelta(days=self.days_before), "before"))
        if self.on_due_date:
            out.append((due, "due"))
        if self.every_days:
            day = due + dt.timedelta(days=self.every_days)
            while day <= until:
                out.append((day, "overdue"))
                day += dt.timedelta(days=self.every_days)
        return out


class AckRequestQuerySet(models.QuerySet["AckRequest"]):
    """The one definition of "pending" and "overdue" for acknowledgement requests."""

    @staticmethod
    def pending_q() -> Q:
        """Still asked: neither acknowledged, closed (a leaver's request is closed) nor
        replaced (by the next cycle's request, or a newer version's)."""
        return Q(acknowledged_at__isnull=True, closed_at__isnull=True, replaced_at__isnull=True)

    @staticmethod
    def unanswered_q() -> Q:
        """Neither acknowledged nor closed, replaced or not: what a newer request may replace."""
        return Q(acknowledged_at__isnull=True, closed_at__isnull=True)

    @staticmethod
    def acknowledged_q() -> Q:
        return Q(acknowledged_at__isnull=False)

    @staticmethod
    def open_q() -> Q:
        """Counted in the campaign: everything but requests closed for a leaver or a mover and
        unanswered requests that a newer one replaced (they are counted apart)."""
        return Q(closed_at__isnull=True) & (
            Q(replaced_at__isnull=True) | Q(acknowledged_at__isnull=False)
        )

    @staticmethod
    def replaced_q() -> Q:
        """Unanswered and replaced by a newer request: never pending, never overdue."""
        return Q(acknowledged_at__isnull=True, closed_at__isnull=True, replaced_at__isnull=False)

    @staticmethod
    def overdue_q(*, on: dt.date) -> Q:
        """Pending and past the person's due date (due today is not yet overdue)."""
        return AckRequestQuerySet.pending_q() & Q(due_date__lt=on)

    @staticmethod
    def state_of(*, closed: bool, acknowledged: bool, replaced: bool, late: bool) -> str:
        """A request's state from the four facts the campaign's figures group by (see
        ``campaign_figures``), with the precedence of the definitions above: closed first,
        then acknowledged (``open_q`` counts it even if a newer request replaced it), then
        replaced (never pending), then overdue when past its due date, else pending."""
        if closed:
            return "closed"
        if acknowledged:
            return "acknowledged"
        if replaced:
            return "replaced"
        return "overdue" if late else "pending"

    def pending(self) -> AckRequestQuerySet:
        return self.filter(self.pending_q())

    def acknowledged(self) -> AckRequestQuerySet:
        return self.filter(self.acknowledged_q())

    def closed(self) -> AckRequestQuerySet:
        return self.filter(closed_at__isnull=False)

    def replaced(self) -> AckRequestQuerySet:
        return self.filter(self.replaced_q())

    def overdue(self, *, on: dt.date) -> AckRequestQuerySet:
        return self.filter(self.overdue_q(on=on))


class AckRequest(models.Model):
    """One targeted person in a campaign, with their own due date and reminder bookkeeping.

    Never deleted: when the person leaves or stops matching the audience, a pending request
    is closed with the reason, stays in the roster and export, and is never overdue.
    """

    class ClosedReason(models.TextChoices):
        LEFT = "left", "Left"
        NOT_IN_AUDIENCE = "audience", "No longer in audience"
        RETIRED = "retired", "Guideline retired"

    # No index of their own for the campaign and the person: the constraint and the indexes
    # below lead with them and serve the same lookups. Every acknowledgement updates its
    # request, and each index is one more entry written then (and 100,000 at publishing).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="ack_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The group at targeting time, so progress by group does not shift when people move.
    staff_group = models.ForeignKey(
        "accounts.StaffGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveIntegerField(default=0)
    # A newer request (the next cycle, or a new version mid-cycle) took this one's place.
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    replaced_reason = models.CharField(max_length=300, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(
        max_length=10, choices=ClosedReason.choices, blank=True, default="", db_default=""
    )

    objects = AckRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("campaign", "membership", name="ackrequest_one_per_person")
        ]
        # No index holds acknowledged_at, nor any column an acknowledgement changes: the
        # acknowledgement's UPDATE then stays on the row's own page (a HOT update, with the
        # free room the table keeps, see migration 0012) and writes no index entry. After
        # a checkpoint that is one page of WAL instead of nine. The aggregates read the
        # campaign's rows from the table in any case (closed, replaced, reminded).
        indexes = [
            # The dashboard's filters: the campaign by due date (overdue), by group.
            models.Index(fields=["campaign", "due_date"], name="ackreq_campaign_due"),
            models.Index(fields=["campaign", "staff_group"], name="ackreq_campaign_by_group"),
            # A person's requests (their to-do list, the acknowledgement's claim).
            models.Index(fields=["user"], name="ackreq_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.campaign}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """The row-level twin of ``AckRequest.objects.overdue(on=…)``."""
        return (
            self.acknowledged_at is None
            and self.closed_at is None
            and self.replaced_at is None
            and self.due_date < (today or timezone.localdate())
        )

    def state(self, today: dt.date | None = None) -> str:
        """ "acknowledged", "overdue", "pending", "replaced" or "closed (reason)": the roster's
        status."""
        if self.acknowledged_at is not None:
            return "acknowledged"
        if self.closed_at is not None:
            return f"closed ({self.get_closed_reason_display().lower()})"
        if self.replaced_at is not None:
            return "replaced"
        return "overdue" if self.is_overdue(today) else "pending"


class Acknowledgement(models.Model):
    """Evidence that a person read one exact text: who, which version and hash, when, where."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    version = models.ForeignKey(
        "guidelines.Version", on_delete=models.PROTECT, related_name="acknowledgements"
    )
    content_hash = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    quiz_answered = models.BooleanField(default=False)
    # Exactly what this person was asked and answered (each person's quiz differs with the
    # cases for their staff groups): [{"question", "choices", "answer", "chosen", "section"?}].
    # Written once with the record, and its fingerprint goes into the audit event.
    quiz_record = models.JSONField(default=list, blank=True)
    # The request (and so the campaign, the cycle) this answers; empty on records made before
    # cycles existed, and when a person acknowledges without being asked.
    request = models.OneToOneField(
        AckRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acknowledgement",
    )

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            # Outside a request, once per version, as before; each request is answered once,
            # so a yearly cycle asks (and records) the same version again.
            models.UniqueConstraint(
                "user",
                "version",
                name="acknowledgement_once_per_version",
                condition=Q(request__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecordError("An acknowledgement cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("An acknowledgement cannot be removed.")


class ReminderLog(models.Model):
    """One reminder to one person about one subject on one day; written before it is sent.

    The unique constraint is what makes reminders idempotent: a second run on the same day
    cannot insert the row, so it does not send.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=80)  # "ack:<campaign id>", "review-soon:<guideline>"…
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "subject", "day", name="reminder_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.user_id} on {self.day}"


class QuizAttempt(models.Model):
    """One try at a version's quiz: which questions were answered wrongly, or that it passed.

    Kept per person (and per request, so each yearly cycle counts its own tries) for the
    tracking CSV and the evidence pack; like acknowledgements, never changed afterwards.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # No index of its own: quizattempt_version_user leads with it.
    version = models.ForeignKey(
        "guidelines.Version", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    request = models.ForeignKey(
        AckRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    # 1-based numbers of the questions answered wrongly (or left unanswered); empty: passed.
    wrong_questions = models.JSONField(default=list, blank=True)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["attempted_at", "pk"]
        indexes = [models.Index(fields=["version", "user"], name="quizattempt_version_user")]

    def __str__(self) -> str:
        outcome = "passed" if self.passed else f"wrong: {self.wrong_questions}"
        return f"{self.user_id} on {self.version_id}: {outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecordError("A quiz attempt cannot be changed.")
        super().save(*args, **kwargs)
