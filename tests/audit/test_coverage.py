"""Every meaningful action leaves its audit event: the life of a guideline, end to end."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts import services as people
from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage
from approvals.services import add_comment, start_revision
from audit.models import AuditEvent
from audit.verify import verify_chain
from guidelines import services as guidelines
from publishing import reminders
from publishing import services as publishing
from publishing.models import Campaign
from tests.factories import confirm_draft_facts

PASSWORD = "correct horse battery"


def actions(org) -> set[str]:
    return set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))


def test_each_step_of_a_guidelines_life_is_audited(
    client, org, admin, author, legal, compliance, employee, django_capture_on_commit_callbacks
):
    # Sign-in, failed sign-in, role change.
    client.post(reverse("accounts:login"), {"username": employee.email, "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": employee.email, "password": PASSWORD})
    people.update_membership(
        membership=employee.membership,
        changed_by=admin.user,
        is_admin=False,
        is_author=False,
        is_auditor=True,
        reviewer_roles=[],
        staff_group=employee.membership.staff_group,
        job_title="Nurse",
    )
    route = ApprovalRoute.objects.create(organization=org)
    for order, persona in enumerate((legal, compliance), start=1):
        ApprovalStage.objects.create(
            route=route, order=order, reviewer_role=persona.membership.reviewer_roles.get()
        )

    # Draft, edit, submit, comment, request changes.
    guideline = guidelines.create_guideline(
        organization=org, by=author.user, title="Social media guidelines", start="template"
    )
    draft = guideline.drafts.get(is_open=True)
    contact = draft.sections.get(key="contact")
    guidelines.save_section(
        draft=draft,
        key="contact",
        data={**contact.data, "phone": "+1 555 0123"},
        revision=contact.revision,
        by=author.user,
    )
    confirm_draft_facts(draft, author.user)
    m = author.membership
    with django_capture_on_commit_callbacks(execute=True):
        review = workflow.submit(draft=draft, by=author.user, membership=m, change_summary="v1")
        add_comment(
            review=review,
            by=legal.user,
            membership=legal.membership,
            section_key="privacy",
            body="Name the law.",
        )
        workflow.request_changes(
            review=review, by=legal.user, membership=legal.membership, comment="Name the law."
        )
        # Revise, resubmit, withdraw; revise, resubmit, two sign-offs.
        draft = start_revision(review=review, by=author.user, membership=m)
        review = workflow.submit(draft=draft, by=author.user, membership=m, change_summary="v2")
        workflow.withdraw(review=review, by=author.user, membership=m, reason="Not ready")
        draft = start_revision(review=review, by=author.user, membership=m)
        review = workflow.submit(draft=draft, by=author.user, membership=m, change_summary="v3")
        for signer in (legal, compliance):
            review.refresh_from_db()
            workflow.sign_off(
                review=review, by=signer.user, membership=signer.membership, password=PASSWORD
            )
        review.refresh_from_db()

        # Publish, acknowledge, remind, export.
        today = timezone.localdate()
        publication = publishing.publish(
            version=review.version,
            by=admin.user,
            effective_date=today,
            requires_acknowledgement=True,
            due_date=today,
        )
        publishing.acknowledge(version=review.version, user=author.user, confirmed=True)
    campaign = Campaign.objects.get(publication=publication)
    reminders.remind_campaign(campaign_id=campaign.pk, today=today + dt.timedelta(days=1))
    b"".join(admin.client().get(reverse("audit:export")).streaming_content)
    tracking_export = reverse("publishing:tracking_export", args=[campaign.pk])
    b"".join(admin.client().get(tracking_export).streaming_content)

    expected = {
        "accounts.user.signed_in",
        "accounts.roles.changed",
        "guidelines.guideline.created",
        "guidelines.section.saved",
        "guidelines.version.frozen",
        "approvals.review.submitted",
        "approvals.comment.added",
        "approvals.review.changes_requested",
        "guidelines.draft.started",
        "approvals.review.withdrawn",
        "approvals.review.signed_off",
        "approvals.review.approved",
        "publishing.version.published",
        "publishing.version.acknowledged",
        "publishing.campaign.reminded",
        "audit.events.exported",
        "publishing.campaign.exported",
    }
    assert expected - actions(org) == set()
    # A failed sign-in names no institution: it is on the chain of institution-less events.
    assert AuditEvent.objects.filter(
        action="accounts.user.sign_in_failed", actor_label=employee.email
    ).exists()
    assert verify_chain(org.pk) is None
