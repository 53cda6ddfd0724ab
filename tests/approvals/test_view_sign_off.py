from django.urls import reverse

from approvals.models import ReviewRequest, Signature
from audit.models import AuditEvent
from tests.factories import PASSWORD


def url(review):
    return reverse("approvals:sign_off", args=[review.pk])


def test_legal_signs_with_password_and_review_moves_to_compliance(review, legal):
    response = legal.client().post(url(review), {"password": PASSWORD})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.stage_index == 1
    signature = Signature.objects.get()
    assert signature.signer == legal.user and signature.meaning == "Approved — Legal review"
    assert AuditEvent.objects.filter(action="approvals.review.signed_off").count() == 1


def test_wrong_password_shows_a_clear_message_and_records_nothing(review, legal):
    response = legal.client().post(url(review), {"password": "nope"})
    assert response.status_code == 400
    assert "password is not correct" in response.content.decode()
    assert not Signature.objects.exists()


def test_repeated_wrong_passwords_pause_signing_and_sign_in_alike(review, legal, client):
    signer = legal.client()
    for _ in range(5):
        signer.post(url(review), {"password": "guess"})
    response = signer.post(url(review), {"password": PASSWORD})
    assert response.status_code == 400
    assert "Too many wrong passwords" in response.content.decode()
    assert not Signature.objects.exists()
    # The same lockout guards the sign-in page from that address.
    login = client.post(reverse("accounts:login"), {"username": legal.email, "password": PASSWORD})
    assert login.status_code == 429


def test_wrong_sign_off_passwords_are_not_audit_events(review, legal):
    signer = legal.client()
    before = AuditEvent.objects.count()
    signer.post(url(review), {"password": "guess"})
    assert AuditEvent.objects.count() == before


def test_missing_password_is_refused(review, legal):
    response = legal.client().post(url(review), {})
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_out_of_turn_is_refused_with_a_message(review, compliance):
    response = compliance.client().post(url(review), {"password": PASSWORD})
    assert response.status_code == 400
    assert "not your turn" in response.content.decode()


def test_signing_a_finished_review_is_refused(review, legal, author):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    response = legal.client().post(url(review), {"password": PASSWORD})
    assert response.status_code == 400
    assert "finished" in response.content.decode()
    assert ReviewRequest.objects.get().status == "withdrawn"


def test_anonymous_member_without_role_and_outsider(client, review, employee, outsider_all):
    assert client.post(url(review), {"password": PASSWORD}).status_code == 302
    assert employee.client().post(url(review), {"password": PASSWORD}).status_code == 403
    assert outsider_all.client().post(url(review), {"password": PASSWORD}).status_code == 404
