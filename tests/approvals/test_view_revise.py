from django.urls import reverse

from approvals import workflow
from guidelines.models import Draft


def url(review):
    return reverse("approvals:revise", args=[review.pk])


def test_author_revises_after_changes_requested(review, legal, author):
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Fix it"
    )
    response = author.client().post(url(review))
    assert response.status_code == 302
    draft = Draft.objects.get(is_open=True)
    assert draft.based_on == review.version and draft.start == Draft.Start.COPY
    assert draft.content() == review.version.content


def test_revising_twice_reuses_the_open_draft(review, legal, author):
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Fix it"
    )
    author.client().post(url(review))
    author.client().post(url(review))
    assert Draft.objects.filter(is_open=True).count() == 1


def test_open_review_cannot_be_revised(review, author):
    response = author.client().post(url(review), follow=True)
    assert "Only a version sent back" in response.content.decode()
    assert not Draft.objects.filter(is_open=True).exists()


def test_anonymous_reviewer_and_outsider(client, review, legal, outsider_all):
    assert client.post(url(review)).status_code == 302
    assert legal.client().post(url(review)).status_code == 403
    assert outsider_all.client().post(url(review)).status_code == 404
