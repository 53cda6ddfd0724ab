import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Membership, Notification
from accounts.services import invite_person
from audit.models import AuditEvent
from guidelines.models import Version
from publishing import reminders, services, targeting
from publishing.models import (
    Acknowledgement,
    AckRequest,
    Campaign,
    ImmutableRecordError,
    Publication,
)
from publishing.selectors import in_force
from tests.factories import MembershipFactory

from .conftest import QUIZ, sign


def today():
    return timezone.localdate()


# --- publish -------------------------------------------------------------------------------


def test_publishing_an_approved_version_makes_it_the_one_in_force(published, approved, guideline):
    approved.refresh_from_db()
    guideline.refresh_from_db()
    assert approved.status == Version.Status.PUBLISHED
    assert in_force(guideline) == published
    assert published.next_review_date == services.add_months(today(), 12)
    assert guideline.next_review_date == published.next_review_date
    event = AuditEvent.objects.get(action="publishing.version.published")
    assert event.details["content_hash"] == approved.content_hash


def test_publishing_targets_all_staff_and_tells_each_person(published, org, mailoutbox):
    members = Membership.objects.filter(organization=org, is_active=True).count()
    campaign = Campaign.objects.get(publication=published)
    assert campaign.requests.count() == members
    asks = [m for m in mailoutbox if not m.subject.startswith("Published:")]
    assert len(asks) == members
    assert all("acknowledge" in m.subject.lower() for m in asks)
    assert Notification.objects.filter(url__contains="/acknowledge/").count() == members
    assert campaign.populated_at is not None


def test_publishing_to_chosen_groups_targets_only_them(
    approved, do_publish, employee, author, nursing
):
    publication = do_publish(approved, groups=[nursing])
    asked = set(publication.campaign.requests.values_list("user__email", flat=True))
    assert employee.email in asked and author.email not in asked


def test_new_version_supersedes_the_previous_one_which_stays_readable(
    published, make_version, do_publish, legal, guideline
):
    v2 = make_version(2)
    sign(v2, legal)
    second = do_publish(v2)
    v1 = published.version
    v1.refresh_from_db()
    assert v1.status == Version.Status.SUPERSEDED
    assert in_force(guideline) == second
    assert Campaign.objects.get(pk=published.campaign.pk).status == Campaign.Status.CLOSED
    assert Publication.objects.get(pk=published.pk).superseded_at is not None


def test_future_effective_date_takes_over_on_that_day(
    published, make_version, do_publish, guideline
):
    v2 = make_version(2)
    later = today() + dt.timedelta(days=10)
    second = do_publish(v2, effective=later)
    assert in_force(guideline) == published
    assert in_force(guideline, on=later) == second
    assert services.apply_effective_publications(today=later - dt.timedelta(days=1)) == 0
    assert services.apply_effective_publications(today=later) == 1
    assert Version.objects.get(pk=published.version_id).status == Version.Status.SUPERSEDED
    assert services.apply_effective_publications(today=later) == 0  # idempotent


@pytest.mark.parametrize(
    "status", [Version.Status.IN_REVIEW, Version.Status.PUBLISHED, Version.Status.WITHDRAWN]
)
def test_only_an_approved_version_can_be_published(make_version, admin, status):
    version = make_version(1, status=status)
    with pytest.raises(services.PublishingError, match="Only an approved version"):
        services.publish(
            version=version,
            by=admin.user,
            effective_date=today(),
            requires_acknowledgement=True,
            due_date=today(),
        )
    assert not Publication.objects.exists()


def test_bad_dates_and_missing_reason_are_refused(approved, admin):
    cases = [
        ({"effective_date": today() - dt.timedelta(days=1)}, "past"),
        (
            {"effective_date": today() + dt.timedelta(days=5), "due_date": today()},
            "before the effective date",
        ),
        ({"requires_acknowledgement": False, "skip_reason": "  "}, "need not acknowledge"),
    ]
    for overrides, message in cases:
        kwargs = {
            "version": approved,
            "by": admin.user,
            "effective_date": today(),
            "requires_acknowledgement": True,
            "due_date": today() + dt.timedelta(days=7),
            **overrides,
        }
        with pytest.raises(services.PublishingError, match=message):
            services.publish(**kwargs)
    assert not Publication.objects.exists() and not Campaign.objects.exists()
    assert not AuditEvent.objects.filter(action="publishing.version.published").exists()


def test_cosmetic_change_may_skip_acknowledgement_with_a_recorded_reason(
    approved, do_publish, mailoutbox
):
    publication = do_publish(approved, ack=False, reason="Fixed a typo in section 3")
    assert publication.skip_reason == "Fixed a typo in section 3"
    assert not Campaign.objects.exists()
    # Nobody is asked to acknowledge; only the authors and signers hear it was published.
    assert {m.subject.split(":")[0] for m in mailoutbox} == {"Published"}


def test_a_version_cannot_take_effect_before_one_already_scheduled(
    published, make_version, do_publish
):
    do_publish(make_version(2), effective=today() + dt.timedelta(days=20))
    with pytest.raises(services.PublishingError, match="already scheduled"):
        do_publish(make_version(3), effective=today() + dt.timedelta(days=5))


# --- late joiners --------------------------------------------------------------------------


def test_staff_invited_later_are_asked_to_acknowledge(
    published, admin, nursing, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite_person(
            organization=admin.org,
            invited_by=admin.user,
            email="late@riverside.test",
            full_name="Lou Late",
            staff_group=nursing,
        )
    request = AckRequest.objects.get(membership=membership)
    assert request.campaign == published.campaign
    assert request.due_date >= today() + dt.timedelta(days=targeting.LATE_JOINER_DAYS)
    assert any("acknowledge" in m.subject.lower() for m in mailoutbox)


def test_late_joiners_outside_the_targeted_groups_are_not_asked(
    approved, do_publish, nursing, pharmacy, org
):
    publication = do_publish(approved, groups=[nursing])
    pharmacist = MembershipFactory(organization=org, staff_group=pharmacy)
    nurse = MembershipFactory(organization=org, staff_group=nursing)
    targeting.add_late_joiners(organization_id=org.pk, membership_ids=[pharmacist.pk, nurse.pk])
    asked = set(publication.campaign.requests.values_list("membership_id", flat=True))
    assert nurse.pk in asked and pharmacist.pk not in asked


def test_targeting_twice_creates_no_duplicates(published):
    campaign = published.campaign
    before = campaign.requests.count()
    assert targeting.target_campaign(campaign_id=campaign.pk) == 0
    assert campaign.requests.count() == before


def test_campaign_creation_is_batched(
    approved, do_publish, org, django_assert_max_num_queries, monkeypatch
):
    from accounts import outbox
    from accounts.models import OutboundEmail, User

    # Deciding is batched; sending has its own pins (two queries per batch taken and one
    # mark per e-mail, tests/accounts/test_outbox.py), so it is left out of this count.
    monkeypatch.setattr(outbox, "deliver", lambda **kwargs: {})

    users = User.objects.bulk_create(
        [User(email=f"s{i}@riverside.test", full_name=f"Staff {i}") for i in range(2100)]
    )
    Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])
    # 2,100 people in two batches: a bounded number of queries, not one INSERT each. (SQLite
    # caps the parameters of one statement, so each batch there is a few multi-row INSERTs.)
    # The outbox rows and the stored audience rule add a few statements per batch, not per person.
    with django_assert_max_num_queries(145):
        publication = do_publish(approved)
    assert (
        publication.campaign.requests.count() == Membership.objects.filter(organization=org).count()
    )
    assert OutboundEmail.objects.filter(ref=f"ack:{publication.campaign.pk}").count() >= 2100


# --- acknowledge ---------------------------------------------------------------------------


def test_employee_acknowledges_and_the_record_binds_version_and_hash(published, employee):
    version = published.version
    ack, created = services.acknowledge(version=version, user=employee.user, confirmed=True)
    assert created
    assert ack.content_hash == version.content_hash
    request = AckRequest.objects.get(user=employee.user)
    assert request.acknowledged_at == ack.acknowledged_at
    assert AuditEvent.objects.filter(action="publishing.version.acknowledged").count() == 1


def test_acknowledging_twice_is_harmless(published, employee):
    first, _ = services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    again, created = services.acknowledge(
        version=published.version, user=employee.user, confirmed=True
    )
    assert not created and again == first
    assert Acknowledgement.objects.count() == 1
    assert AuditEvent.objects.filter(action="publishing.version.acknowledged").count() == 1


def test_acknowledging_twice_is_impossible_in_the_database(published, employee, author):
    # Each request is answered once (a yearly cycle is a new request)…
    ack, _ = services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert ack.request is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgement.objects.create(
            organization=published.organization,
            user=employee.user,
            version=published.version,
            content_hash="x",
            request=ack.request,
        )
    # …and outside a request, a version is acknowledged once.
    fields = {"organization": published.organization, "user": author.user}
    Acknowledgement.objects.create(**fields, version=published.version, content_hash="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgement.objects.create(**fields, version=published.version, content_hash="x")


def test_acknowledgements_cannot_be_changed_or_removed(published, employee):
    ack, _ = services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    with pytest.raises(ImmutableRecordError):
        ack.save()
    with pytest.raises(ImmutableRecordError):
        ack.delete()


def test_acknowledging_needs_the_tick_box(published, employee):
    with pytest.raises(services.PublishingError, match="read and understood"):
        services.acknowledge(version=published.version, user=employee.user, confirmed=False)
    assert not Acknowledgement.objects.exists()


def test_wrong_quiz_answer_records_nothing(make_version, do_publish, employee):
    version = make_version(1, quiz=QUIZ)
    do_publish(version)
    with pytest.raises(services.PublishingError, match="question 2"):
        services.acknowledge(
            version=version, user=employee.user, confirmed=True, answers={0: 1, 1: 0}
        )
    with pytest.raises(services.PublishingError, match="questions 1, 2"):
        services.acknowledge(version=version, user=employee.user, confirmed=True, answers={})
    assert not Acknowledgement.objects.exists()
    ack, created = services.acknowledge(
        version=version, user=employee.user, confirmed=True, answers={0: 1, 1: 1}
    )
    assert created and ack.quiz_answered


def test_superseded_version_cannot_be_acknowledged(published, make_version, do_publish, employee):
    do_publish(make_version(2))
    with pytest.raises(services.PublishingError, match="replaced by a newer version"):
        services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert not Acknowledgement.objects.exists()


def test_unpublished_version_cannot_be_acknowledged(approved, employee):
    with pytest.raises(services.PublishingError, match="not been published"):
        services.acknowledge(version=approved, user=employee.user, confirmed=True)


# --- reminders -----------------------------------------------------------------------------


def _overdue(published):
    """Everyone was asked three weeks ago and was due yesterday (the due-date step is today's
    latest for the schedule, which has not been sent)."""
    past = today() - dt.timedelta(days=1)
    asked = timezone.now() - dt.timedelta(days=21)
    AckRequest.objects.filter(campaign=published.campaign).update(due_date=past, created_at=asked)


def test_reminders_go_to_overdue_people_once_a_day(
    published, employee, author, mailoutbox, django_capture_on_commit_callbacks
):
    services.acknowledge(version=published.version, user=author.user, confirmed=True)
    _overdue(published)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = reminders.remind_campaign(campaign_id=published.campaign.pk)
    overdue = AckRequest.objects.filter(acknowledged_at__isnull=True).count()
    assert sent == overdue == len(mailoutbox)
    assert author.email not in {m.to[0] for m in mailoutbox}
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_campaign(campaign_id=published.campaign.pk) == 0
    assert len(mailoutbox) == overdue
    assert AckRequest.objects.get(user=employee.user).reminder_count == 1
    tomorrow = today() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_campaign(campaign_id=published.campaign.pk, today=tomorrow) == sent


def test_people_not_yet_due_are_not_reminded(published, mailoutbox):
    mailoutbox.clear()
    assert reminders.remind_campaign(campaign_id=published.campaign.pk) == 0
    assert mailoutbox == []


def test_review_cycle_reminds_owners_before_and_after_the_date(
    approved, do_publish, admin, author, employee, mailoutbox, django_capture_on_commit_callbacks
):
    review = today() + dt.timedelta(days=60)
    do_publish(approved, review=review)
    mailoutbox.clear()
    assert reminders.remind_review_cycle(today=review - dt.timedelta(days=31)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_review_cycle(today=review - dt.timedelta(days=30)) == 2
    assert {m.to[0] for m in mailoutbox} == {admin.email, author.email}
    assert "due" in mailoutbox[0].subject.lower()
    # The "due soon" reminder goes once per review date, not daily.
    assert reminders.remind_review_cycle(today=review - dt.timedelta(days=29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_review_cycle(today=review + dt.timedelta(days=1)) == 2
    assert "overdue" in mailoutbox[-1].subject.lower()


def test_send_reminders_runs_every_job_in_order(published):
    from django.core.management import call_command

    out = io.StringIO()
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        call_command("send_reminders", stdout=out)
    ran = dict(line.split(": ") for line in out.getvalue().splitlines())
    assert list(ran) == [
        "outbox_leftovers",
        "overdue_reviews",
        "scheduled_versions_take_effect",
        "attestation_cycles_opened",
        "stalled_imports_resumed",
        "acknowledgement_reminders",
        "review_cycle_due",
        "overdue_digest",
        "manager_escalations",
        "outbox_sent",
    ]
    overdue = AckRequest.objects.filter(acknowledged_at__isnull=True).count()
    assert ran["acknowledgement_reminders"] == f"{overdue} reminded"


def test_send_reminders_twice_reminds_each_overdue_person_once(
    published, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    _overdue(published)
    mailoutbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", stdout=io.StringIO())
    overdue = AckRequest.objects.filter(acknowledged_at__isnull=True).count()
    assert len([m for m in mailoutbox if "Reminder" in m.subject]) == overdue


# --- "overdue" -----------------------------------------------------------------------------


def test_overdue_means_unacknowledged_and_past_the_due_date(published, author):
    services.acknowledge(version=published.version, user=author.user, confirmed=True)
    requests = AckRequest.objects.filter(campaign=published.campaign)
    due = requests[0].due_date
    for day, overdue in ((due, False), (due + dt.timedelta(days=1), True)):
        expected = {r.pk for r in requests if r.is_overdue(day)}
        assert set(requests.overdue(on=day).values_list("pk", flat=True)) == expected
        assert bool(expected) is overdue
        assert author.user.pk not in set(requests.overdue(on=day).values_list("user_id", flat=True))
    assert requests.pending().count() + requests.acknowledged().count() == requests.count()
    mine = requests.get(user=author.user)
    assert mine.state(due + dt.timedelta(days=1)) == "acknowledged"


@pytest.mark.django_db
def test_no_index_of_the_requests_holds_what_an_acknowledgement_or_reminder_changes():
    # Kept out of every index so that acknowledging and reminding update a request in place
    # (PostgreSQL's HOT update; migration publishing/0012).
    changed = {"acknowledged_at", "last_reminded_at", "reminder_count"}
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, AckRequest._meta.db_table)
    indexed = {c for info in found.values() if info["index"] for c in info["columns"] or []}
    assert indexed and not indexed & changed
