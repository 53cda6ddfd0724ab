"""Publishing tells the author and the reviewers who signed, with the link to the published page."""

from django.urls import reverse

from accounts.models import Notification


def test_author_and_signers_are_told_with_the_link_and_the_publisher_is_not(
    approved, do_publish, author, legal, compliance, admin, employee, mailoutbox
):
    do_publish(approved)

    path = reverse(
        "publishing:version",
        args=[approved.guideline.organization.slug, approved.guideline.slug, 1],
    )
    told = Notification.objects.filter(message__contains="is published")
    assert sorted(told.values_list("user__email", flat=True)) == sorted(
        [author.email, legal.email, compliance.email]
    )
    assert set(told.values_list("url", flat=True)) == {path}
    mails = [m for m in mailoutbox if m.subject.startswith("Published:")]
    assert sorted(m.to[0] for m in mails) == sorted([author.email, legal.email, compliance.email])
    assert all(path in m.body and "Read the published guideline" in m.body for m in mails)


def test_the_published_link_opens_for_the_author(approved, do_publish, author):
    do_publish(approved)
    url = Notification.objects.get(user=author.user, message__contains="is published").url
    response = author.client().get(url)
    assert response.status_code == 200 and approved.guideline.title in response.content.decode()
