"""Asked to acknowledge a new version after acknowledging the one before, an employee on a
phone reads what changed in plain sentences before the full text, opens the full comparison,
and acknowledges; every page on the way passes the accessibility checks."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, User
from approvals.models import ReviewRequest, Signature
from guidelines.models import Guideline, Version
from publishing import services
from publishing.models import Publication
from publishing.quiz import quiz_for
from tests.a11y import reflow_problems

PHONE = {"width": 375, "height": 740}
EMPLOYEE = "employee@riverside.example"
NEW_POLICY = "Report an impostor account to the social media team within one working day."


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def _acknowledge_version_1(version: Version) -> None:
    """The employee acknowledged version 1 when it came out (answering its quiz right)."""
    user = User.objects.get(email=EMPLOYEE)
    membership = Membership.objects.get(user=user, organization=version.guideline.organization)
    quiz = quiz_for(version, membership, user_id=user.pk)
    answers = {i: item["answer"] for i, item in enumerate(quiz)}
    services.acknowledge(version=version, user=user, confirmed=True, answers=answers)


def _publish_next_version(first: Publication) -> Publication:
    """The next version: a new contact person and one rule added; signed, published today."""
    guideline: Guideline = first.guideline
    content = copy.deepcopy(first.version.content)
    content["contact"]["name"] = "Jordan Rivera"
    content["response"]["body"] = f"{NEW_POLICY}\n\n{content['response']['body']}"
    author = User.objects.get(email="author@riverside.example")
    # The demo may hold a draft numbered 2 already: the new version takes the next number.
    number = guideline.versions.aggregate(top=Max("number"))["top"] + 1
    version = Version.objects.create(
        guideline=guideline,
        number=number,
        content=content,
        status=Version.Status.APPROVED,
        change_summary="New contact person; impostor accounts reported within a day.",
        created_by=author,
    )
    now = timezone.now()
    review = ReviewRequest.objects.create(
        guideline=guideline,
        version=version,
        status=ReviewRequest.Status.APPROVED,
        route=[],
        stage_started_at=now,
        stage_due_at=now,
        submitted_by=author,
        closed_at=now,
    )
    for i, (email, role) in enumerate(
        (("legal@riverside.example", "Legal"), ("compliance@riverside.example", "Compliance"))
    ):
        signer = User.objects.get(email=email)
        Signature.objects.create(
            review=review,
            version=version,
            stage_index=i,
            signer=signer,
            printed_name=signer.full_name,
            role_name=role,
            meaning=f"Approved — {role} review",
            content_hash=version.content_hash,
            signed_at=now,
        )
    today = timezone.localdate()
    return services.publish(
        version=version,
        by=User.objects.get(email="admin@riverside.example"),
        effective_date=today,
        requires_acknowledgement=True,
        due_date=today + dt.timedelta(days=14),
    )


def test_employee_on_a_phone_sees_what_changed_then_acknowledges_the_new_version(
    page, live_server, demo, login, shots, a11y
):
    first = Publication.objects.select_related("version", "guideline").get(version__number=1)
    _acknowledge_version_1(first.version)
    number = _publish_next_version(first).version.number

    page.set_viewport_size(PHONE)
    login(page, EMPLOYEE, "charter-demo")
    panel = page.get_by_role("region", name="Guidelines to acknowledge")
    expect(panel).to_contain_text("Social media guidelines")
    panel.get_by_role("link", name="Read and acknowledge").click()

    # What changed comes first, in plain sentences: no redline markup.
    since = page.get_by_test_id("changed-since")
    expect(
        since.get_by_role("heading", name="What changed since you acknowledged version 1")
    ).to_be_visible()
    expect(since).to_contain_text("2 sections changed")
    expect(since.get_by_role("link", name="Contact information")).to_be_visible()
    expect(
        since.get_by_role("link", name="Community guidelines and response management")
    ).to_be_visible()
    assert since.locator("ins, del").count() == 0
    first_section = page.locator(".guideline-section").first
    assert since.bounding_box()["y"] < first_section.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], reflow_problems(
        page, PHONE["width"]
    )
    shots(page, "what-changed-first")
    a11y(page, "acknowledge-new-version")

    # The summary's link goes to the section in the full text below.
    since.get_by_role("link", name="Contact information").click()
    expect(page.get_by_role("heading", name="Contact information", exact=False)).to_be_in_viewport()

    # The full comparison with the version this person acknowledged.
    page.go_back()
    since.get_by_role("link", name="See the full comparison with version 1").click()
    assert "/changes/?from=1" in page.url
    expect(page.locator("main")).to_contain_text("Jordan Rivera")
    expect(page.locator("main")).to_contain_text(NEW_POLICY)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], reflow_problems(
        page, PHONE["width"]
    )
    shots(page, "full-comparison")
    a11y(page, "full-comparison")

    page.go_back()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(
        page.get_by_text(f"you acknowledged Social media guidelines, version {number}")
    ).to_be_visible()
    shots(page, "acknowledged-version-2")
    a11y(page, "my-guidelines-after")
