from django.urls import reverse

from approvals.models import ReviewRequest
from guidelines.models import Version


def url(review):
    return reverse("approvals:withdraw", args=[review.pk])


def test_author_withdraws_with_a_reason(review, author):
    response = author.client().post(url(review), {"reason": "Uploaded the wrong draft"})
    assert response.status_code == 302
    assert ReviewRequest.objects.get().status == "withdrawn"
    assert Version.objects.get().status == Version.Status.WITHDRAWN


def test_admin_may_withdraw(review, admin):
    assert admin.client().post(url(review), {"reason": "Paused"}).status_code == 302


def test_reason_is_required(review, author):
    response = author.client().post(url(review), {"reason": ""})
    assert response.status_code == 400
    assert ReviewRequest.objects.get().status == "open"


def test_withdrawing_twice_is_refused(review, author):
    author.client().post(url(review), {"reason": "Once"})
    response = author.client().post(url(review), {"reason": "Twice"})
    assert response.status_code == 400 and "finished" in response.content.decode()


def test_another_author_who_did_not_write_it_cannot_withdraw(review, org):
    from tests.conftest import make_persona

    other = make_persona(org, "author2@riverside.test", "Al Other", is_author=True)
    response = other.client().post(url(review), {"reason": "Mine now"})
    assert response.status_code == 400
    assert "Only the version" in response.content.decode()


def test_anonymous_reviewer_and_outsider(client, review, legal, outsider_all):
    assert client.post(url(review), {"reason": "x"}).status_code == 302
    assert legal.client().post(url(review), {"reason": "x"}).status_code == 403
    assert outsider_all.client().post(url(review), {"reason": "x"}).status_code == 404
