"""When the last stage signs, the admins' notice opens the publish form; the author's the review."""

from django.urls import reverse

from accounts.models import Notification

from .conftest import sign


def test_admins_are_sent_to_the_publish_form_and_the_author_to_the_review(
    review, legal, compliance, author, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(review, legal)
        sign(review, compliance)

    publish_path = reverse("publishing:publish", args=[review.version_id])
    notices = Notification.objects.filter(message__contains="is approved")
    assert dict(notices.values_list("user__email", "url")) == {
        admin.email: publish_path,
        author.email: reverse("approvals:review", args=[review.pk]),
    }
    to_admin = next(m for m in mailoutbox if m.to == [admin.email] and "Approved:" in m.subject)
    assert "Open the publish form" in to_admin.alternatives[0][0]
    assert publish_path in to_admin.body and "ready to publish" in to_admin.body
    to_author = next(m for m in mailoutbox if m.to == [author.email] and "Approved:" in m.subject)
    assert "published by an administrator" in to_author.body
