from django.urls import reverse

from approvals.models import Decision, ReviewRequest


def url(review):
    return reverse("approvals:request_changes", args=[review.pk])


def test_legal_requests_changes_with_a_comment(
    review, legal, author, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = legal.client().post(url(review), {"comment": "Name the privacy law."})
    assert response.status_code == 302
    assert ReviewRequest.objects.get().status == "changes_requested"
    assert Decision.objects.get().comment == "Name the privacy law."
    assert mailoutbox[0].to == [author.email] and "Name the privacy law." in mailoutbox[0].body
    assert author.user.notifications.count() == 1


def test_comment_is_required_and_nothing_changes(review, legal):
    response = legal.client().post(url(review), {"comment": "   "})
    assert response.status_code == 400
    assert ReviewRequest.objects.get().status == "open"


def test_wrong_state_keeps_what_was_typed(review, legal, author):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    response = legal.client().post(url(review), {"comment": "My careful remark"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "finished" in html and "My careful remark" in html


def test_anonymous_member_without_role_and_outsider(client, review, author, outsider_all):
    data = {"comment": "x"}
    assert client.post(url(review), data).status_code == 302
    assert author.client().post(url(review), data).status_code == 403
    assert outsider_all.client().post(url(review), data).status_code == 404
