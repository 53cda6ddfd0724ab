"""One way to tell people: in the app always, by e-mail where the person wants it."""

from __future__ import annotations

from accounts.access import admins_of, can_edit_drafts, can_manage_people, draft_editors_of
from accounts.models import Notification, User
from accounts.notify import Topic, tell
from guidelines.models import Guideline


def _tell(org, people, topic, capture):
    guideline = Guideline(title="Social media guidelines", organization=org)
    with capture(execute=True):
        return tell(
            [p.user for p in people],
            organization=org,
            message="Social media guidelines is due for review on 1 Apr 2026." + "!" * 400,
            url="/guidelines/1/",
            template="review_cycle_soon",
            subject="Review due: Social media guidelines",
            context={"guideline": guideline, "when": "1 Apr 2026"},
            topic=topic,
        )


def test_a_request_to_act_reaches_everyone_in_the_app_and_by_email(
    org, author, admin, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=author.user.pk).update(email_comments=False)
    author.user.refresh_from_db()
    assert _tell(org, [author, admin], Topic.ACTION, django_capture_on_commit_callbacks) == 2
    notes = Notification.objects.filter(organization=org).order_by("user__email")
    assert [n.user_id for n in notes] == sorted(
        [author.user.pk, admin.user.pk], key=lambda pk: User.objects.get(pk=pk).email
    )
    assert all(n.url == "/guidelines/1/" and len(n.message) == 300 for n in notes)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, admin.email])
    assert "Riverside" in mailoutbox[0].body


def test_comment_news_is_emailed_only_to_people_who_keep_comment_emails_on(
    org, author, admin, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=author.user.pk).update(email_comments=False)
    author.user.refresh_from_db()
    assert _tell(org, [author, admin], Topic.COMMENT, django_capture_on_commit_callbacks) == 2
    assert Notification.objects.filter(organization=org).count() == 2
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_who_may_edit_drafts_agrees_with_the_list_of_draft_editors(
    org, author, admin, legal, auditor, employee, outsider
):
    people = [author, admin, legal, auditor, employee]
    editors = set(draft_editors_of(org))
    assert {p.user for p in people if can_edit_drafts(p.membership)} == editors
    assert editors == {author.user, admin.user}
    # The outsider edits drafts in their own institution, not here.
    assert can_edit_drafts(outsider.membership) and outsider.user not in editors
    assert set(admins_of(org)) == {p.user for p in people if can_manage_people(p.membership)}


def test_a_deactivated_member_no_longer_edits_drafts(org, author):
    author.membership.is_active = False
    author.membership.save()
    assert not can_edit_drafts(author.membership)
    assert author.user not in set(draft_editors_of(org))


def test_the_email_waits_for_the_change_to_commit(
    org, author, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        tell(
            [author.user],
            organization=org,
            message="Please acknowledge.",
            url="/acknowledge/1/",
            template="review_cycle_soon",
            subject="Review due",
            context={"guideline": Guideline(title="G", organization=org), "when": "today"},
        )
    # The notification is written with the change; nothing is e-mailed before the commit.
    assert Notification.objects.filter(user=author.user).count() == 1
    assert mailoutbox == [] and len(pending) == 1


def test_resolving_work_is_one_query_and_leaves_other_work_and_news_alone(
    org, author, admin, django_assert_num_queries
):
    from accounts.notify import About, Work, resolve

    def make(user, work, subject):
        return Notification.objects.create(
            user=user, organization=org, message="m", work=work, subject=subject
        )

    mine = make(author.user, Work.REVIEW, "review:1")
    theirs = make(admin.user, Work.REVIEW, "review:1")
    other = make(author.user, Work.REVIEW, "review:2")
    news = make(author.user, Work.NONE, "")
    with django_assert_num_queries(1):
        assert resolve(About(Work.REVIEW, "review:1"), user_ids=[author.user.pk]) == 1
    with django_assert_num_queries(1):
        assert resolve(About(Work.REVIEW, "review:1"), About(Work.ACKNOWLEDGE, "version:1")) == 1
    done = dict(Notification.objects.values_list("pk", "done_at"))
    assert done[mine.pk] and done[theirs.pk]
    assert done[other.pk] is None and done[news.pk] is None
    # Already done stays as it was: resolving again touches nothing.
    assert resolve(About(Work.REVIEW, "review:1")) == 0


def test_the_written_out_statement_resolves_exactly_what_resolve_resolves(org, author, admin):
    """``resolve_statement`` is SQL written by hand for the acknowledgement's hot path: run on
    its own it closes the same notices ``resolve`` closes, keeps a read time, and a list of
    nobody closes nothing."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from accounts.notify import About, Work, resolve_statement

    def make(user, work, subject, read=None):
        return Notification.objects.create(
            user=user, organization=org, message="m", work=work, subject=subject, read_at=read
        )

    earlier = timezone.now() - dt.timedelta(days=1)
    mine = make(author.user, Work.ACKNOWLEDGE, "version:7", read=earlier)
    theirs = make(admin.user, Work.ACKNOWLEDGE, "version:7")
    review = make(author.user, Work.REVIEW, "review:7")
    other = make(author.user, Work.ACKNOWLEDGE, "version:8")

    def run(*about, user_ids=None):
        sql, params = resolve_statement(*about, user_ids=user_ids)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    assert run(About(Work.ACKNOWLEDGE, "version:7"), user_ids=[]) == 0
    assert run(About(Work.ACKNOWLEDGE, "version:7"), user_ids=[author.user.pk]) == 1
    rows = {n.pk: n for n in Notification.objects.all()}
    assert rows[mine.pk].done_at is not None and rows[mine.pk].read_at == earlier
    assert rows[theirs.pk].done_at is None and rows[other.pk].done_at is None
    both = (About(Work.ACKNOWLEDGE, "version:7"), About(Work.REVIEW, "review:7"))
    assert run(*both) == 2
    rows = {n.pk: n for n in Notification.objects.all()}
    assert rows[theirs.pk].done_at is not None and rows[theirs.pk].read_at is not None
    assert rows[review.pk].done_at is not None and rows[other.pk].done_at is None
    assert run(*both) == 0  # done stays as it was
