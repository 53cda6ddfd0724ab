"""Institutions, the people in them and what each person may do there."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from .dates import DateOrder
from .emails import normalize_email


class Role(models.TextChoices):
    """Fixed roles; reviewer roles (Legal, Compliance, ...) are defined per institution."""

    ADMIN = "admin", "Institution admin"
    AUTHOR = "author", "Social media manager"
    REVIEWER = "reviewer", "Reviewer"
    AUDITOR = "auditor", "Auditor"
    EMPLOYEE = "employee", "Employee"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not normalize_email(email):
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their address in any case; addresses are stored normalised.
        return self.get(email=normalize_email(username))

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; signs in with e-mail. Never deleted, only deactivated."""

    email = models.EmailField("Email", unique=True)
    full_name = models.CharField("Full name", max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # What a person must act on (a review to sign, a guideline to acknowledge) is always
    # e-mailed; comments are news, so each person decides whether they come by e-mail too.
    email_comments = models.BooleanField(
        "E-mail me when someone comments on a review I take part in", default=True, db_default=True
    )

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    # Set for the signed-in person of a request (accounts.middleware.signed_in_person): their
    # memberships and open invitations, read with them in one query.
    charter_memberships: list[Membership] | None = None
    # And what the view answering the request asked to read with them (accounts.sign_in_reads).
    charter_read_along: dict[str, Any] | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        # Rosters of 100,000 people page in this order: an index makes page 1 a short walk.
        indexes = [models.Index(fields=["full_name", "email"], name="user_name_order")]
        # Addresses are stored normalised (accounts/emails.py), so the unique index on
        # ``email`` also refuses the same address in another case or with stray spaces.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower(Trim("email"))), name="user_email_normalised"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        """Forms over the model (the operators' admin) store the address normalised too."""
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class Jurisdiction(models.TextChoices):
    """Where an institution is: picks the pack of laws, words and checks its guideline uses."""

    US = "us", "United States"
    UK = "uk", "United Kingdom"
    CANADA = "ca", "Canada"
    AUSTRALIA = "au", "Australia"


class AttestationCycle(models.TextChoices):
    """How often staff attest to a guideline in force, even when its text has not changed."""

    OFF = "off", "Only when a new version asks for it"
    YEARLY = "yearly", "Every year"
    HIRE_AND_YEARLY = "hire_yearly", "At hire, then every year"


class Organization(models.Model):
    """An institution: a hospital, health system, clinic network or college."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    website = models.URLField(blank=True)
    contact_name = models.CharField("Social media contact", max_length=150, blank=True)
    contact_role = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    policy_url = models.URLField("Social media policy URL", blank=True)
    brand_url = models.URLField("Brand guide URL", blank=True)
    jurisdiction = models.CharField(
        max_length=2,
        choices=Jurisdiction.choices,
        default=Jurisdiction.US,
        help_text="Sets the laws, privacy words, references and checks of the starter text.",
    )
    authors_may_publish = models.BooleanField(default=False)
    require_reviewer_2fa = models.BooleanField(
        "Require two-factor for admins and reviewers", default=False
    )
    # Every signature proved by more than a password: an authenticator code at signing, or
    # the identity provider's multi-factor. On for new institutions (existing ones kept off).
    require_signer_second_factor = models.BooleanField(
        "Require a second factor for every signer", default=True
    )
    date_order = models.CharField(
        "Date order",
        max_length=10,
        choices=DateOrder.choices,
        default=DateOrder.DAY_MONTH,
        help_text="How every page, message and e-mail of this institution writes dates.",
    )
    attestation_cycle = models.CharField(
        "Staff attest to each guideline in force",
        max_length=12,
        choices=AttestationCycle.choices,
        default=AttestationCycle.YEARLY,
    )
    attestation_days = models.PositiveSmallIntegerField(
        "Days staff have to attest in each cycle", default=30
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:80]
        super().save(*args, **kwargs)

    @property
    def handle_base(self) -> str:
        return "".join(part.capitalize() for part in self.slug.split("-"))

    @property
    def paper_size(self) -> str:
        """Letter for institutions in the United States, A4 everywhere else (every PDF)."""
        return "Letter" if self.jurisdiction == Jurisdiction.US else "A4"

    def placeholder_context(self) -> dict[str, str]:
        """The institution's details by the names the starter text's {placeholders} use."""
        return {
            "institution": self.name,
            "institution_handle": self.handle_base,
            "website": self.website,
            "policy_url": self.policy_url,
            "brand_url": self.brand_url,
            "contact_name": self.contact_name,
            "contact_role": self.contact_role,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "jurisdiction": self.jurisdiction,
        }


class StaffGroup(models.Model):
    """A department or other group that acknowledgement campaigns target and report by."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    # A group may also be defined by a rule over HR attributes (accounts/audience.py): a
    # campaign that targets it asks its department members and everyone the rule matches.
    rule = models.JSONField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="staffgroup_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReviewerRole(models.Model):
    """A sign-off role of one institution (Legal, Compliance, Privacy...)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="reviewer_roles"
    )
    name = models.CharField(max_length=80)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="reviewerrole_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EmployeeType(models.TextChoices):
    """How a person works for the institution, as the HR system says (audiences use it)."""

    EMPLOYEE = "employee", "Employee"
    PHYSICIAN = "physician", "Physician with privileges"
    TRAINEE = "trainee", "Resident or student"
    VOLUNTEER = "volunteer", "Volunteer"
    CONTRACTOR = "contractor", "Contractor or agency"

    @classmethod
    def from_text(cls, text: str) -> str | None:
        """The type an HR file or directory means by ``text`` (code, label or a common word)."""
        word = text.strip().casefold()
        if not word:
            return cls.EMPLOYEE.value
        for value, label in cls.choices:
            if word in (value, label.casefold()):
                return value
        return _EMPLOYEE_TYPE_WORDS.get(word)


_EMPLOYEE_TYPE_WORDS = {
    "staff": EmployeeType.EMPLOYEE.value,
    "regular": EmployeeType.EMPLOYEE.value,
    "full-time": EmployeeType.EMPLOYEE.value,
    "part-time": EmployeeType.EMPLOYEE.value,
    "physician": EmployeeType.PHYSICIAN.value,
    "doctor": EmployeeType.PHYSICIAN.value,
    "medical staff": EmployeeType.PHYSICIAN.value,
    "resident": EmployeeType.TRAINEE.value,
    "student": EmployeeType.TRAINEE.value,
    "trainee": EmployeeType.TRAINEE.value,
    "intern": EmployeeType.TRAINEE.value,
    "fellow": EmployeeType.TRAINEE.value,
    "volunteer": EmployeeType.VOLUNTEER.value,
    "contractor": EmployeeType.CONTRACTOR.value,
    "contract": EmployeeType.CONTRACTOR.value,
    "agency": EmployeeType.CONTRACTOR.value,
    "temporary": EmployeeType.CONTRACTOR.value,
    "locum": EmployeeType.CONTRACTOR.value,
}


class Membership(models.Model):
    """A person's place in one institution; every member is at least an employee.

    The staff group is the person's department: imports, the directory and reports all
    read it as such, so there is one department per person and one list of departments.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(default=True)
    is_admin = models.BooleanField("Institution admin", default=False)
    is_author = models.BooleanField("Social media manager (author)", default=False)
    is_auditor = models.BooleanField("Auditor (read-only)", default=False)
    reviewer_roles = models.ManyToManyField(ReviewerRole, blank=True, related_name="members")
    staff_group = models.ForeignKey(
        StaffGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    job_title = models.CharField(max_length=150, blank=True)
    site = models.CharField(max_length=150, blank=True, default="", db_default="")
    employee_type = models.CharField(
        max_length=12,
        choices=EmployeeType.choices,
        default=EmployeeType.EMPLOYEE,
        db_default=EmployeeType.EMPLOYEE.value,
    )
    # Kept when the manager leaves (deactivated, never deleted); checked by clean_manager.
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # The HR system's or directory's own id for the person (employee number, object id):
    # what a roster file or the directory matches on when an e-mail address changes.
    external_id = models.CharField("Employee id", max_length=255, null=True, blank=True)
    # The name the directory signs the person in with (Entra's user principal name), when it
    # is not their e-mail address; SCIM filters on it.
    directory_user_name = models.CharField(max_length=254, blank=True, default="", db_default="")
    joined_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Invited by an institution while the person already has an account elsewhere: the
    # membership stays inactive until the person accepts it themselves.
    awaiting_acceptance = models.BooleanField(default=False, db_default=False)

    history = HistoricalRecords(m2m_fields=[reviewer_roles])

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint("user", "organization", name="membership_unique_user_org"),
            models.UniqueConstraint(
                "organization",
                "external_id",
                condition=models.Q(external_id__isnull=False),
                name="membership_unique_external_id",
            ),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("pk")), name="membership_not_own_manager"
            ),
        ]
        indexes = [models.Index(fields=["organization", "is_active", "staff_group"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

    def manager_problem(self, manager: Membership | None) -> str:
        """Why ``manager`` cannot be this person's manager, or "" when it can."""
        if manager is None:
            return ""
        if manager.organization_id != self.organization_id:
            return "The manager must be a member of the same institution."
        if self.pk is not None and manager.pk == self.pk:
            return "A person cannot be their own manager."
        # Walk up from the proposed manager (as stored): meeting this person means a loop.
        seen: set[int] = set()
        current: int | None = manager.pk
        while current is not None and self.pk is not None and len(seen) < 100:
            seen.add(current)
            current = (
                Membership.objects.filter(pk=current).values_list("manager_id", flat=True).first()
            )
            if current == self.pk:
                return f"{manager.user} already reports (directly or not) to this person."
            if current in seen:
                break
        return ""

    def has_role(self, role: Role) -> bool:
        if not self.is_active:
            return False
        if role == Role.EMPLOYEE:
            return True
        if role == Role.ADMIN:
            return self.is_admin
        if role == Role.AUTHOR:
            return self.is_author
        if role == Role.AUDITOR:
            return self.is_auditor
        if role == Role.REVIEWER:
            return bool(self.reviewer_role_ids)
        return False

    @property
    def reviewer_role_ids(self) -> set[int]:
        cached = getattr(self, "_reviewer_role_ids", None)
        if cached is None:
            cached = {r.pk for r in self.reviewer_roles.all()}
            self._reviewer_role_ids = cached
        return cached

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_admin:
            labels.append(Role.ADMIN.label)
        if self.is_author:
            labels.append(Role.AUTHOR.label)
        labels.extend(f"{r.name} reviewer" for r in self.reviewer_roles.all())
        if self.is_auditor:
            labels.append(Role.AUDITOR.label)
        labels.append(Role.EMPLOYEE.label)
        return labels


class Invitation(models.Model):
    """An invitation e-mail sent to a person; the link lets them choose a password."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Which bulk sending created it ("import-12", "resend-<id>"): a sending that stops half-way
    # and runs again cannot invite anyone twice.
    batch_key = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "membership",
                "batch_key",
                condition=~models.Q(batch_key=""),
                name="invitation_once_per_batch",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.membership}"


class ImportJob(models.Model):
    """A staff CSV import applied in the background, so the admin can watch it and leave.

    The file is checked whole before the job exists; the job then works in committed batches
    and keeps its place, so a run that stops half-way continues where it stopped.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped"

    class Phase(models.TextChoices):
        MEMBERS = "members", "Adding and updating people"
        MANAGERS = "managers", "Recording who reports to whom"
        LEAVERS = "leavers", "Deactivating people missing from the roster"
        INVITATIONS = "invitations", "E-mailing invitations"
        CAMPAIGNS = "campaigns", "Asking new people to acknowledge guidelines"
        FINISHED = "finished", "Finished"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.MEMBERS)
    file_name = models.CharField(max_length=200, blank=True)
    data = models.BinaryField(default=b"")  # the checked file; emptied once the job is done
    invite = models.BooleanField(default=False)
    # A full roster (the HR system's nightly export): people missing from it are deactivated,
    # and every person changed gets their own audit event naming the HR file.
    full_roster = models.BooleanField(default=False, db_default=False)
    leavers_after = models.PositiveBigIntegerField(default=0, db_default=0)  # keyset bookmark
    deactivated_count = models.PositiveIntegerField(default=0, db_default=0)
    changed_ids = models.JSONField(default=list, blank=True)  # movers and leavers, to follow
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    # Memberships that joined (new or reactivated): invited and asked to acknowledge.
    joined_ids = models.JSONField(default=list, blank=True)
    managers_done = models.PositiveIntegerField(default=0, db_default=0)  # place in the file
    invitations_done = models.PositiveIntegerField(default=0)  # place in joined_ids
    invitations_sent = models.PositiveIntegerField(default=0)
    campaigns_done = models.PositiveIntegerField(default=0)  # place in joined_ids
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="importjob_org")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_status_display()})"

    @property
    def steps(self) -> list[str]:
        phases = [self.Phase.MEMBERS, self.Phase.INVITATIONS, self.Phase.CAMPAIGNS]
        steps: list[str] = [p for p in phases if self.invite or p != self.Phase.INVITATIONS]
        if self.full_roster:
            steps.insert(1, self.Phase.LEAVERS)
        if self.phase == self.Phase.MANAGERS:
            steps.insert(1, self.Phase.MANAGERS)
        return steps

    @property
    def step_number(self) -> int:
        """Which of ``steps`` is under way (1-based); past the last once finished."""
        steps = self.steps
        return steps.index(self.phase) + 1 if self.phase in steps else len(steps) + 1

    @property
    def progress(self) -> tuple[int, int]:
        """How far the current step has come: (done, out of)."""
        if self.phase == self.Phase.MEMBERS:
            return self.rows_done, self.total_rows
        if self.phase == self.Phase.MANAGERS:
            return self.managers_done, self.total_rows
        if self.phase == self.Phase.LEAVERS:
            return self.deactivated_count, self.deactivated_count
        if self.phase == self.Phase.INVITATIONS:
            return self.invitations_done, len(self.joined_ids)
        if self.phase == self.Phase.CAMPAIGNS:
            return self.campaigns_done, len(self.joined_ids) + len(self.changed_ids)
        return 1, 1

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.DONE


class StagedRow(models.Model):
    """One row of a staff file, held in the database while its import is checked and applied.

    A roster of 100,000 people is read once, row by row, into this table; the checks that
    need the whole file (an address or employee id twice, a manager who is nowhere) are
    queries over it, and the job reads it back in batches. So the worker's memory is one
    batch, whatever the size of the file. The rows are removed when the job finishes.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()  # 0, 1, 2… in file order: a batch is a range
    line = models.PositiveIntegerField()  # the physical line, as errors name it
    # Cut to STAGED_LENGTH: a longer value is refused anyway, and its length is measured
    # (and reported) before it is cut.
    email = models.CharField(max_length=400)
    name = models.CharField(max_length=400)
    staff_group = models.CharField(max_length=400, blank=True)
    job_title = models.CharField(max_length=400, blank=True)
    # NULL: the file has no such column (what Charter holds is kept).
    site = models.CharField(max_length=400, null=True, blank=True)
    employee_type = models.CharField(max_length=400, null=True, blank=True)
    manager = models.CharField(max_length=400, null=True, blank=True)
    external_id = models.CharField(max_length=400, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="stagedrow_position")
        ]
        indexes = [
            models.Index(fields=["job", "email"], name="stagedrow_email"),
            models.Index(fields=["job", "external_id"], name="stagedrow_external_id"),
        ]

    def __str__(self) -> str:
        return f"Line {self.line} of import {self.job_id}"


class Notification(models.Model):
    """An in-app notification; the navigation shows the unread count.

    A notice that asks for a piece of work names it (``work`` and ``subject``, e.g. "review"
    of "review:12"); the service that finishes that work marks it done, so it stops counting.
    """

    class Work(models.TextChoices):
        NONE = "", "News"
        REVIEW = "review", "Review to sign or decide"
        ACKNOWLEDGE = "acknowledge", "Guideline to acknowledge"
        PUBLISH = "publish", "Version to publish"
        REVISE = "revise", "Changes to make"
        REVIEW_CYCLE = "review_cycle", "Guideline due for review"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    work = models.CharField(max_length=20, choices=Work.choices, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "organization", "read_at"]),
            models.Index(
                fields=["work", "subject"],
                name="notification_open_work",
                condition=models.Q(done_at__isnull=True) & ~models.Q(work=""),
            ),
        ]

    def __str__(self) -> str:
        return self.message


class OutboundEmail(models.Model):
    """One e-mail to one person, written in the transaction that decided to send it.

    Sent after that transaction commits, in batches a sender takes under a lease, and marked
    sent the moment the mail server accepts it, so a run that dies leaves exactly the unmarked
    messages for the next run (once the lease has run out, minutes later) to send; the only
    possible duplicate is the one message accepted in the instant before a sending worker died.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failed, will retry"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Refused by the mail server"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What the message is about, so a person's row can show its fate: "ack:<campaign id>"…
    ref = models.CharField(max_length=80, blank=True, default="")
    to_email = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    # The sending worker that last took the message and when. Taking it pushes
    # next_attempt_at a lease ahead, so a worker killed before sending it frees it by itself.
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sender's question: what is due now? Partial, so it stays small.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_due",
                condition=Q(status__in=["queued", "retrying"]),
            ),
            models.Index(fields=["ref", "user"], name="outbox_ref_user"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_email} ({self.status})"

    @property
    def is_problem(self) -> bool:
        return self.status in {self.Status.RETRYING, self.Status.FAILED, self.Status.BOUNCED}


class DirectoryToken(models.Model):
    """The bearer token an institution's directory (Entra ID, Okta) uses for SCIM.

    Only a hash is stored: the token is shown once, when it is made. Making a new one
    revokes the old one, so rotating is one step and a leaked token dies with it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="directory_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # shown on the page to tell tokens apart
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                condition=models.Q(revoked_at__isnull=True),
                name="directorytoken_one_live_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"Directory token {self.prefix}… of {self.organization}"


class DirectoryGroup(models.Model):
    """A group the directory pushes (SCIM Groups): audiences can include or exclude it.

    Unlike a staff group (one department per person) a person may be in many of them.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="directory_groups"
    )
    display_name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    members = models.ManyToManyField(Membership, blank=True, related_name="directory_groups")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                "external_id",
                condition=models.Q(external_id__isnull=False),
                name="directorygroup_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.display_name
