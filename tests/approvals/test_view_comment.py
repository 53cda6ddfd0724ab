from django.urls import reverse

from approvals.models import Comment


def url(review):
    return reverse("approvals:comment", args=[review.pk])


def test_reviewer_comments_on_a_section_and_author_replies(review, legal, author):
    response = legal.client().post(url(review), {"section": "privacy", "body": "Name the law."})
    assert response.status_code == 302
    thread = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{thread.pk}")
    response = author.client().post(
        url(review), {"section": "scope", "parent": thread.pk, "body": "Done."}
    )
    reply = Comment.objects.exclude(pk=thread.pk).get()
    assert reply.parent == thread and reply.section_key == "privacy"


def test_empty_comment_is_refused(review, legal):
    response = legal.client().post(url(review), {"section": "privacy", "body": ""})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_unknown_section_is_refused(review, legal):
    response = legal.client().post(url(review), {"section": "nope", "body": "x"})
    assert response.status_code == 400


def test_a_refused_comment_shows_back_what_was_typed(review, legal):
    """Too long, or for no section: nothing is posted, and the text is there to copy."""
    long = "Name the law in full. " * 250  # past the 5,000 characters a comment may hold
    for data in (
        {"section": "nope", "body": "Name the law."},
        {"section": "privacy", "body": long},
    ):
        response = legal.client().post(url(review), data)
        assert response.status_code == 400
        assert 'data-testid="kept-text"' in response.content.decode()
        assert response.context["kept_text"] == data["body"]
    assert not Comment.objects.exists()


def test_commenting_on_a_finished_review_keeps_the_text(review, legal, author):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    response = legal.client().post(url(review), {"section": "privacy", "body": "Late thought"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "finished" in html
    assert not Comment.objects.exists()


def test_reply_to_a_thread_of_another_review_is_404(review, legal, outsider_all):
    response = legal.client().post(url(review), {"section": "scope", "parent": 999, "body": "x"})
    assert response.status_code == 404


def test_anonymous_employee_and_outsider(client, review, employee, outsider_all):
    data = {"section": "scope", "body": "x"}
    assert client.post(url(review), data).status_code == 302
    assert employee.client().post(url(review), data).status_code == 403
    assert outsider_all.client().post(url(review), data).status_code == 404


def _comment(review, persona, body, capture):
    from approvals.services import add_comment

    with capture(execute=True):
        return add_comment(
            review=review,
            by=persona.user,
            membership=persona.membership,
            section_key="privacy",
            body=body,
        )


def test_a_comment_tells_the_author_in_the_app_and_by_email_not_the_commenter(
    review, legal, author, django_capture_on_commit_callbacks, mailoutbox
):
    from accounts.models import Notification

    _comment(review, legal, "Please name the consent form.", django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=author.user, message__contains="consent form")
    assert "#thread-" in note.url
    assert not Notification.objects.filter(user=legal.user, message__contains="consent").exists()
    [mail] = mailoutbox
    assert mail.to == [author.email]
    assert "Confidentiality, compliance and privacy" in mail.subject
    assert "Please name the consent form." in mail.body
    assert f"/reviews/{review.pk}/#thread-" in mail.body
    html = mail.alternatives[0][0]
    assert "Please name the consent form." in html


def test_a_comment_e_mail_escapes_what_the_commenter_wrote(
    review, legal, author, django_capture_on_commit_callbacks, mailoutbox
):
    _comment(review, legal, "<script>alert(1)</script>", django_capture_on_commit_callbacks)
    html = mailoutbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_people_who_turned_comment_e_mails_off_are_told_in_the_app_only(
    review, legal, author, django_capture_on_commit_callbacks, mailoutbox
):
    from accounts.models import Notification

    author.user.email_comments = False
    author.user.save()
    _comment(review, legal, "Please name the consent form.", django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert Notification.objects.filter(user=author.user, message__contains="consent").exists()
