import datetime as dt

import time_machine
from django.urls import reverse

from approvals.models import ReviewRequest
from tests.factories import GuidelineFactory

from .conftest import open_draft, sign

URL = reverse("approvals:inbox")


def test_legal_sees_what_waits_for_them_oldest_first(route, org, author, legal, compliance, submit):
    titles = ["Older guideline", "Newer guideline"]
    for title in titles:
        g = GuidelineFactory(organization=org, created_by=author.user, title=title)
        submit(open_draft(g, author.user))
    html = legal.client().get(URL).content.decode()
    mine = html.split('id="mine-heading"')[1].split('id="others-heading"')[0]
    assert mine.index("Older guideline") < mine.index("Newer guideline")


def test_compliance_sees_it_only_once_legal_signed(review, legal, compliance):
    html = compliance.client().get(URL).content.decode()
    mine = html.split('id="others-heading"')[0]
    assert "Social media guidelines" not in mine
    sign(review, legal)
    html = compliance.client().get(URL).content.decode()
    assert "Social media guidelines" in html.split('id="others-heading"')[0]


def test_overdue_is_marked_with_words(review, legal):
    with time_machine.travel(review.stage_due_at + dt.timedelta(days=1)):
        html = legal.client().get(URL).content.decode()
    assert "Overdue" in html


def test_not_overdue_before_the_due_date(review, legal):
    assert "Overdue</span>" not in legal.client().get(URL).content.decode()


def test_anonymous_member_without_role_and_outsider(client, review, author, outsider_all):
    assert client.get(URL).status_code == 302
    assert author.client().get(URL).status_code == 403
    html = outsider_all.client().get(URL).content.decode()
    assert "Social media guidelines" not in html


def test_finished_reviews_are_not_listed(review, legal, author):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    assert "Social media guidelines" not in legal.client().get(URL).content.decode()
    assert ReviewRequest.objects.get().status == "withdrawn"


def test_inbox_query_count_is_bounded(
    route, org, author, legal, compliance, submit, django_assert_max_num_queries
):
    client = legal.client()

    def add(n):
        for _ in range(n):
            g = GuidelineFactory(organization=org, created_by=author.user)
            submit(open_draft(g, author.user))

    add(2)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200 and response.content.decode().count("version 1") >= 2
    add(25)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200 and response.content.decode().count("version 1") >= 27
