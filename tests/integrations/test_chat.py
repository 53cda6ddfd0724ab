"""Slack and Teams notices, posted to a local receiver in the formats those tools document."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from integrations import notices, services
from integrations.models import Delivery, Endpoint, EventType
from tests.factories import MembershipFactory, UserFactory


def connect(admin, r, kind, *events):
    endpoint, secret = services.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=kind,
        name="#comms",
        url=r.url,
        events=list(events),
    )
    assert secret == ""  # chat webhooks carry their own secret in the address
    return endpoint


def test_slack_gets_blocks_when_a_guideline_is_published(receivers, admin, approved, do_publish):
    r = receivers(chat=True).start()
    connect(admin, r, Endpoint.Kind.SLACK, EventType.GUIDELINE_PUBLISHED)
    do_publish(approved)
    [message] = r.received
    body = message["body"]
    assert body["text"].startswith("Published: Social media guidelines, version 1")
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "section"]
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    assert "/g/riverside/social-media/|Read it>" in body["blocks"][2]["text"]["text"]


def test_teams_gets_an_adaptive_card_for_the_daily_overdue_summary(
    receivers, admin, approved, do_publish, django_capture_on_commit_callbacks
):
    r = receivers(chat=True).start(status=202)
    connect(admin, r, Endpoint.Kind.TEAMS, EventType.OVERDUE_SUMMARY)
    for i in range(3):
        MembershipFactory(organization=admin.org, user=UserFactory(email=f"n{i}@riverside.test"))
    do_publish(approved, due=timezone.localdate())
    later = timezone.localdate() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.send(today=later) == 1
    assert notices.send(today=later) == 0  # once a day
    [message] = r.received
    body = message["body"]
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    texts = [b["text"] for b in card["body"]]
    assert texts[0] == "Overdue acknowledgements at Riverside"
    assert "Social media guidelines, version 1:" in texts[1] and "overdue" in texts[1]
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED  # 202 is success


def test_review_waiting_notice(
    receivers, admin, author, legal, org, django_capture_on_commit_callbacks
):
    from approvals.models import ApprovalRoute, ApprovalStage
    from approvals.workflow import submit
    from guidelines.services import create_guideline
    from tests.factories import confirm_draft_facts

    r = receivers(chat=True).start()
    connect(admin, r, Endpoint.Kind.SLACK, EventType.REVIEW_WAITING)
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(
        route=route, order=1, reviewer_role=legal.membership.reviewer_roles.get()
    )
    guideline = create_guideline(
        organization=org, by=author.user, title="Students", start="template"
    )
    draft = guideline.drafts.get(is_open=True)
    confirm_draft_facts(draft, author.user)
    with django_capture_on_commit_callbacks(execute=True):
        submit(draft=draft, by=author.user, membership=author.membership, change_summary="First")
    [message] = r.received
    assert message["body"]["text"] == "Review waiting: Students, version 1"
    assert "Legal" in message["body"]["blocks"][1]["text"]["text"]


def test_the_test_message_button(receivers, admin):
    r = receivers(chat=True).start()
    endpoint = connect(admin, r, Endpoint.Kind.TEAMS, EventType.GUIDELINE_PUBLISHED)
    response = admin.client().post(
        reverse("integrations:endpoint_test", args=[endpoint.pk]), follow=True
    )
    assert "The test message was delivered." in response.content.decode()
    card = r.received[0]["body"]["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Test message from Charter"
    page = admin.client().get(reverse("integrations:endpoint", args=[endpoint.pk]))
    assert "endpoint.test" in page.content.decode() and " ms" in page.content.decode()


def test_a_test_message_that_fails_says_so(receivers, admin):
    r = receivers(chat=True)  # never started: nothing listens
    endpoint = connect(admin, r, Endpoint.Kind.SLACK, EventType.GUIDELINE_PUBLISHED)
    response = admin.client().post(
        reverse("integrations:endpoint_test", args=[endpoint.pk]), follow=True
    )
    assert "did not arrive: Could not connect." in response.content.decode()
