"""Two reviewers sign the last required signature at the same moment (PostgreSQL, threads)."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import Notification
from approvals import workflow
from approvals.models import ReviewRequest, Signature
from audit.models import AuditEvent
from tests.conftest import make_persona
from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_two_last_signatures_at_once_make_one_transition_and_one_approval(
    route, draft, submit, org, legal, compliance, compliance_role, author, admin, mailoutbox
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    second = make_persona(
        org, "compliance2@riverside.test", "Cas Compliance", roles=(compliance_role,)
    )
    review = submit(draft)
    workflow.sign_off(review=review, by=legal.user, membership=legal.membership, password=PASSWORD)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(persona):
        try:
            fresh = ReviewRequest.objects.get(pk=review.pk)
            membership = type(persona.membership).objects.get(pk=persona.membership.pk)
            barrier.wait()
            workflow.sign_off(
                review=fresh, by=persona.user, membership=membership, password=PASSWORD
            )
            outcomes.append("signed")
        except workflow.WorkflowError as exc:
            outcomes.append(f"refused: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(p,)) for p in (compliance, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "signed"]
    assert any("approved" in o for o in outcomes if o.startswith("refused"))
    review.refresh_from_db()
    assert review.status == ReviewRequest.Status.APPROVED
    assert Signature.objects.filter(review=review, stage_index=1).count() == 1
    assert AuditEvent.objects.filter(action="approvals.review.approved").count() == 1
    approved = Notification.objects.filter(message__contains="is approved")
    assert sorted(approved.values_list("user__email", flat=True)) == sorted(
        [author.email, admin.email]
    )
    assert sum("Approved:" in m.subject for m in mailoutbox) == 2  # author and admin, once each
