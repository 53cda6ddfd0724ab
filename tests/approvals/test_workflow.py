"""The review state machine: transitions, stage rules, separation of duties, snapshots."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import ReviewerRole
from approvals import workflow
from approvals.models import ApprovalStage, Decision, ReviewRequest, Rule, Signature
from approvals.workflow import TRANSITIONS, Action, WorkflowError
from audit.models import AuditEvent
from guidelines.models import Version
from tests.conftest import make_persona

from .conftest import open_draft, set_rule, sign

S = ReviewRequest.Status
STATUSES = [None, *S.values]


# --- the transition table --------------------------------------------------------------------

EXPECTED = {
    (None, Action.SUBMIT): {S.OPEN},
    (S.OPEN, Action.SIGN): {S.OPEN, S.APPROVED},
    (S.OPEN, Action.REQUEST_CHANGES): {S.CHANGES_REQUESTED},
    (S.OPEN, Action.WITHDRAW): {S.WITHDRAWN},
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(STATUSES, Action.values)))
def test_transition_table_allows_exactly_the_listed_transitions(status, action):
    expected = EXPECTED.get((status, action), set())
    assert set(workflow.allowed(status, action)) == expected
    for target in S.values:
        if target in expected:
            workflow.check_transition(status, action, target)
        else:
            with pytest.raises(WorkflowError):
                workflow.check_transition(status, action, target)


def test_transition_table_has_nothing_beyond_the_specification():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize("status", [S.APPROVED, S.CHANGES_REQUESTED, S.WITHDRAWN])
@pytest.mark.parametrize("action", [Action.SIGN, Action.REQUEST_CHANGES, Action.WITHDRAW])
def test_finished_review_refuses_every_action_with_a_message(status, action):
    with pytest.raises(WorkflowError, match="finished"):
        workflow.check_transition(status, action)


def test_every_review_status_maps_to_a_version_status():
    assert set(workflow.VERSION_STATUS) == set(S.values)


# --- stage rules (pure) -----------------------------------------------------------------------


def stage(rule, quorum=1):
    return {"rule": rule, "quorum": quorum, "role_id": 1, "role_name": "Legal", "due_days": 5}


@pytest.mark.parametrize(
    ("rule", "quorum", "signers", "holders", "met"),
    [
        (Rule.ANY, 1, set(), {1, 2}, False),
        (Rule.ANY, 1, {1}, {1, 2}, True),
        (Rule.ALL, 1, {1}, {1, 2}, False),
        (Rule.ALL, 1, {1, 2}, {1, 2}, True),
        (Rule.ALL, 1, {1, 2}, {1, 2, 3}, False),
        (Rule.ALL, 1, set(), set(), False),
        (Rule.QUORUM, 2, {1}, {1, 2, 3}, False),
        (Rule.QUORUM, 2, {1, 3}, {1, 2, 3}, True),
        (Rule.QUORUM, 3, {1, 2, 3}, {1, 2, 3}, True),
    ],
)
def test_stage_rule(rule, quorum, signers, holders, met):
    assert workflow.stage_met(stage(rule, quorum), signers, holders) is met


# --- submitting -------------------------------------------------------------------------------


def test_submit_freezes_the_draft_and_starts_at_stage_one(
    review, legal, mailoutbox, django_capture_on_commit_callbacks
):
    assert review.status == S.OPEN and review.stage_index == 0
    assert review.version.number == 1 and review.version.status == Version.Status.IN_REVIEW
    assert review.version.verify()
    assert [s["role_name"] for s in review.route] == ["Legal", "Compliance"]
    assert (review.stage_due_at - review.stage_started_at).days == 5
    assert AuditEvent.objects.filter(action="approvals.review.submitted").count() == 1


def test_submit_notifies_stage_one_reviewers_only(
    route, draft, author, legal, compliance, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(
            draft=draft, by=author.user, membership=author.membership, change_summary="New"
        )
    assert [m.to for m in mailoutbox] == [[legal.email]]
    assert "Please review" in mailoutbox[0].subject
    assert mailoutbox[0].alternatives and "/reviews/" in mailoutbox[0].body
    assert legal.user.notifications.count() == 1
    assert compliance.user.notifications.count() == 0


def test_submit_requires_a_change_summary(route, draft, author):
    with pytest.raises(WorkflowError, match="change summary"):
        workflow.submit(
            draft=draft, by=author.user, membership=author.membership, change_summary=" "
        )
    assert not Version.objects.exists()


def test_submit_requires_passing_checks(route, guideline, author):
    draft = open_draft(guideline, author.user, content={s: {} for s in _keys()})
    with pytest.raises(WorkflowError, match="required check"):
        workflow.submit(
            draft=draft, by=author.user, membership=author.membership, change_summary="x"
        )
    assert not Version.objects.exists()


def _keys():
    from guidelines.sections import SECTIONS

    return [s.key for s in SECTIONS]


def test_submit_requires_a_route(draft, author):
    with pytest.raises(WorkflowError, match="approval route"):
        workflow.submit(
            draft=draft, by=author.user, membership=author.membership, change_summary="x"
        )


def test_one_open_review_per_guideline(review, guideline, author, submit):
    second = open_draft(guideline, author.user)
    with pytest.raises(WorkflowError, match="already has a review"):
        submit(second)
    assert ReviewRequest.objects.filter(guideline=guideline).count() == 1


def test_database_refuses_a_second_open_review(review):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequest.objects.create(
            guideline=review.guideline,
            version=review.version,
            route=review.route,
            stage_started_at=review.stage_started_at,
            stage_due_at=review.stage_due_at,
            submitted_by=review.submitted_by,
        )


def test_employee_cannot_submit(route, draft, employee):
    with pytest.raises(WorkflowError, match="Only social media managers"):
        workflow.submit(
            draft=draft, by=employee.user, membership=employee.membership, change_summary="x"
        )


# --- signing: the happy path and the route -------------------------------------------------


def test_legal_then_compliance_approves_the_version(
    review, legal, compliance, author, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signature = sign(review, legal)
    review.refresh_from_db()
    assert review.status == S.OPEN and review.stage_index == 1
    assert signature.meaning == "Approved — Legal review"
    assert signature.printed_name == "Lee Legal"
    assert signature.content_hash == review.version.content_hash
    assert [m.to for m in mailoutbox] == [[compliance.email]]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(review, compliance)
    review.refresh_from_db()
    assert review.status == S.APPROVED and review.closed_at
    assert Version.objects.get(pk=review.version_id).status == Version.Status.APPROVED
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, admin.email])
    assert "Approved" in mailoutbox[0].subject and "Lee Legal" in mailoutbox[0].body
    actions = list(
        AuditEvent.objects.filter(action__startswith="approvals.review")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "approvals.review.submitted",
        "approvals.review.signed_off",
        "approvals.review.stage_started",
        "approvals.review.signed_off",
        "approvals.review.approved",
    ]


def test_changing_the_route_never_changes_a_review_under_way(review, route, org, legal, admin):
    from approvals.services import StageSpec, save_route

    privacy = ReviewerRole.objects.create(organization=org, name="Privacy")
    save_route(
        organization=org,
        stages=[StageSpec(reviewer_role=privacy, rule=Rule.ANY, due_days=2)],
        by=admin.user,
        revision=route.revision,
    )
    review.refresh_from_db()
    assert [s["role_name"] for s in review.route] == ["Legal", "Compliance"]
    sign(review, legal)
    review.refresh_from_db()
    assert review.current_stage["role_name"] == "Compliance"


def test_all_rule_waits_for_every_holder(route, draft, submit, legal, legal_role, org, compliance):
    set_rule(route, 1, Rule.ALL)
    second = make_persona(org, "legal2@riverside.test", "Lou Legal", roles=(legal_role,))
    review = submit(draft)
    sign(review, legal)
    review.refresh_from_db()
    assert review.stage_index == 0
    sign(review, second)
    review.refresh_from_db()
    assert review.stage_index == 1


def test_quorum_rule_needs_n_signatures(route, draft, submit, legal, legal_role, org, compliance):
    set_rule(route, 1, Rule.QUORUM, quorum=2)
    second = make_persona(org, "legal2@riverside.test", "Lou Legal", roles=(legal_role,))
    make_persona(org, "legal3@riverside.test", "Liv Legal", roles=(legal_role,))
    review = submit(draft)
    sign(review, legal)
    review.refresh_from_db()
    assert review.stage_index == 0
    sign(review, second)
    review.refresh_from_db()
    assert review.stage_index == 1


def test_any_rule_moves_on_after_one_signature(route, draft, submit, legal, legal_role, org):
    make_persona(org, "legal2@riverside.test", "Lou Legal", roles=(legal_role,))
    review = submit(draft)
    sign(review, legal)
    review.refresh_from_db()
    assert review.stage_index == 1


# --- separation of duties -----------------------------------------------------------------


def test_author_cannot_sign_off_own_version(route, guideline, legal_role, org, compliance):
    writer = make_persona(
        org, "writer@riverside.test", "Wri Ter", roles=(legal_role,), is_author=True
    )
    from approvals import workflow as wf

    review = wf.submit(
        draft=open_draft(guideline, writer.user),
        by=writer.user,
        membership=writer.membership,
        change_summary="x",
    )
    with pytest.raises(WorkflowError, match="cannot sign off"):
        sign(review, writer)
    assert not Signature.objects.exists()


def test_one_person_signs_a_review_once(route, draft, submit, org, legal_role, compliance_role):
    both = make_persona(org, "both@riverside.test", "Bo Th", roles=(legal_role, compliance_role))
    review = submit(draft)
    sign(review, both)
    review.refresh_from_db()
    assert review.stage_index == 1
    with pytest.raises(WorkflowError, match="already signed"):
        sign(review, both)
    assert Signature.objects.count() == 1


def test_signer_must_hold_the_stage_role(review, employee):
    with pytest.raises(WorkflowError, match="Only Legal reviewers"):
        sign(review, employee)


def test_compliance_cannot_sign_out_of_turn(review, compliance):
    with pytest.raises(WorkflowError, match="not your turn"):
        sign(review, compliance)
    assert not Signature.objects.exists()


def test_legal_cannot_sign_again_at_the_compliance_stage(review, legal):
    sign(review, legal)
    with pytest.raises(WorkflowError, match="Your stage is finished"):
        sign(review, legal)


def test_reviewer_of_another_institution_cannot_sign(review, other_org):
    foreign_role = ReviewerRole.objects.create(organization=other_org, name="Legal")
    stranger = make_persona(other_org, "legal@lakeside.test", "Lu Lake", roles=(foreign_role,))
    with pytest.raises(WorkflowError, match="not a member"):
        sign(review, stranger)


def test_role_with_the_same_id_elsewhere_does_not_count(review, legal):
    # The role is matched by id from the snapshot, so a same-named role elsewhere never qualifies.
    assert review.route[0]["role_id"] == ApprovalStage.objects.get(order=1).reviewer_role_id


# --- refusals record nothing ---------------------------------------------------------------


def test_wrong_password_records_nothing(review, legal):
    before = AuditEvent.objects.count()
    with pytest.raises(WorkflowError, match="password is not correct"):
        sign(review, legal, password="wrong")
    assert not Signature.objects.exists()
    assert AuditEvent.objects.count() == before


def test_request_changes_requires_a_comment(review, legal):
    with pytest.raises(WorkflowError, match="Write what needs to change"):
        workflow.request_changes(
            review=review, by=legal.user, membership=legal.membership, comment="  "
        )
    review.refresh_from_db()
    assert review.status == S.OPEN and not Decision.objects.exists()


def test_acting_on_a_finished_review_is_refused(review, legal, author):
    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="Oops")
    with pytest.raises(WorkflowError, match="finished"):
        sign(review, legal)
    with pytest.raises(WorkflowError, match="finished"):
        workflow.request_changes(
            review=review, by=legal.user, membership=legal.membership, comment="x"
        )
    assert Signature.objects.count() == 0


def test_second_factor_is_required_when_the_institution_asks(review, legal, org):
    org.require_reviewer_2fa = True
    org.save()
    with pytest.raises(WorkflowError, match="two-factor"):
        sign(review, legal)
    assert not Signature.objects.exists()


def test_second_factor_code_is_checked_and_recorded(review, legal, org):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    org.require_reviewer_2fa = True
    org.save()
    device = TOTPDevice.objects.create(user=legal.user, name="phone", confirmed=True)
    fresh = ReviewRequest.objects.get(pk=review.pk)
    with pytest.raises(WorkflowError, match="authentication code"):
        workflow.sign_off(
            review=fresh,
            by=legal.user,
            membership=legal.membership,
            password="correct horse battery",
            otp_token="000000",
        )
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above slowed further attempts down
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    signature = workflow.sign_off(
        review=fresh,
        by=legal.user,
        membership=legal.membership,
        password="correct horse battery",
        otp_token=code,
    )
    assert signature.used_second_factor
    assert signature.factor == "totp"


def test_an_enrolled_signer_gives_a_code_even_when_the_institution_does_not_ask(review, legal, org):
    """Two distinct identification components at signing, wherever the signer has two."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not org.require_reviewer_2fa
    device = TOTPDevice.objects.create(user=legal.user, name="phone", confirmed=True)
    fresh = ReviewRequest.objects.get(pk=review.pk)
    assert workflow.second_factor_required(fresh, legal.user)
    with pytest.raises(WorkflowError, match="authentication code"):
        workflow.sign_off(
            review=fresh,
            by=legal.user,
            membership=legal.membership,
            password="correct horse battery",
            otp_token="",
        )
    assert not Signature.objects.exists()
    device.refresh_from_db()
    device.throttle_reset()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    signature = workflow.sign_off(
        review=fresh,
        by=legal.user,
        membership=legal.membership,
        password="correct horse battery",
        otp_token=code,
    )
    assert signature.used_second_factor
    assert signature.factor == "totp"


def test_a_signature_records_the_factor_that_proved_the_signer(review, legal, compliance, rf):
    from accounts.factors import SESSION_IDP_MFA_KEY

    plain = workflow.sign_off(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=legal.user,
        membership=legal.membership,
        password="correct horse battery",
    )
    assert plain.factor == "password" and not plain.used_second_factor
    request = rf.post("/")
    request.user = compliance.user
    request.session = {SESSION_IDP_MFA_KEY: {"method": "idp_mfa", "detail": "mfa"}}
    via_provider = workflow.sign_off(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=compliance.user,
        membership=compliance.membership,
        password="correct horse battery",
        request=request,
    )
    assert via_provider.factor == "idp_mfa" and via_provider.get_factor_display() == (
        "Identity provider's multi-factor"
    )


# --- request changes, withdraw -------------------------------------------------------------


def test_request_changes_ends_the_review_and_mails_the_comment_to_the_author(
    review, legal, compliance, author, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            review=review, by=legal.user, membership=legal.membership, comment="Cite HIPAA."
        )
    review.refresh_from_db()
    assert review.status == S.CHANGES_REQUESTED and review.closing_comment == "Cite HIPAA."
    assert review.version.status == Version.Status.CHANGES_REQUESTED
    assert [m.to for m in mailoutbox] == [[author.email]]
    assert "Cite HIPAA." in mailoutbox[0].body and "Cite HIPAA." in mailoutbox[0].alternatives[0][0]


def test_rejection_at_stage_two_notifies_the_earlier_signer(
    review, legal, compliance, author, mailoutbox, django_capture_on_commit_callbacks
):
    sign(review, legal)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            review=ReviewRequest.objects.get(pk=review.pk),
            by=compliance.user,
            membership=compliance.membership,
            comment="No.",
        )
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, legal.email])


def test_compliance_cannot_request_changes_out_of_turn(review, compliance):
    with pytest.raises(WorkflowError, match="not your turn"):
        workflow.request_changes(
            review=review, by=compliance.user, membership=compliance.membership, comment="x"
        )


def test_author_cannot_request_changes_on_own_version(review, author):
    with pytest.raises(WorkflowError):
        workflow.request_changes(
            review=review, by=author.user, membership=author.membership, comment="x"
        )


def test_author_or_admin_withdraws_with_a_reason(
    review, author, admin, legal, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(WorkflowError, match="reason"):
        workflow.withdraw(review=review, by=admin.user, membership=admin.membership, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(
            review=review, by=admin.user, membership=admin.membership, reason="Wrong file"
        )
    review.refresh_from_db()
    assert review.status == S.WITHDRAWN
    assert review.version.status == Version.Status.WITHDRAWN
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, legal.email])


def test_reviewer_cannot_withdraw(review, legal):
    with pytest.raises(WorkflowError, match="Only the version's author"):
        workflow.withdraw(review=review, by=legal.user, membership=legal.membership, reason="x")


def test_revised_version_starts_again_from_stage_one(review, legal, compliance, author, submit):
    from approvals.services import start_revision

    sign(review, legal)
    workflow.request_changes(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=compliance.user,
        membership=compliance.membership,
        comment="Tighten privacy.",
    )
    review.refresh_from_db()
    draft = start_revision(review=review, by=author.user, membership=author.membership)
    assert draft.based_on_id == review.version_id
    second = submit(draft, summary="Privacy tightened")
    assert second.version.number == 2 and second.stage_index == 0
    assert second.version.based_on_id == review.version_id
