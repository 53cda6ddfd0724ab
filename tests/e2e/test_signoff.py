"""Sign-off journey: submit, comment, request changes, revise, resubmit, two signatures."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from approvals.models import ApprovalRoute, ApprovalStage, ReviewRequest
from guidelines.models import Draft, DraftSection, Guideline
from guidelines.sections import SECTIONS
from tests.conftest import make_persona
from tests.e2e.conftest import open_disclosure
from tests.factories import PASSWORD, OrganizationFactory, ReviewerRoleFactory, starter


@pytest.fixture
def cast(transactional_db):
    org = OrganizationFactory(name="Riverside Health", slug="riverside-health")
    legal_role = ReviewerRoleFactory(organization=org, name="Legal")
    compliance_role = ReviewerRoleFactory(organization=org, name="Compliance")
    people = {
        "author": make_persona(org, "author@riverside.test", "Dana Whitfield", is_author=True),
        "legal": make_persona(org, "legal@riverside.test", "Priya Raman", roles=(legal_role,)),
        "compliance": make_persona(
            org, "compliance@riverside.test", "Tom Becker", roles=(compliance_role,)
        ),
        "admin": make_persona(org, "admin@riverside.test", "Morgan Ellis", is_admin=True),
    }
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(route=route, order=1, reviewer_role=legal_role, due_days=5)
    ApprovalStage.objects.create(route=route, order=2, reviewer_role=compliance_role, due_days=5)
    guideline = Guideline.objects.create(
        organization=org,
        title="Social media guidelines",
        slug="social-media",
        created_by=people["author"].user,
    )
    # The draft as the wizard leaves it: every section filled from the starter template.
    draft = Draft.objects.create(
        guideline=guideline, start=Draft.Start.TEMPLATE, created_by=people["author"].user
    )
    content = starter(org)
    for section in SECTIONS:
        DraftSection.objects.create(draft=draft, key=section.key, data=content[section.key])
    return {"org": org, "guideline": guideline, **people}


@pytest.fixture
def as_user(browser, live_server, login):
    """A separate signed-in browser for each person, as in real life."""
    contexts = []

    def open_as(email: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        login(page, email, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _submit(page, live_server, guideline, summary: str) -> None:
    """From the draft's checklist, as the author does it."""
    page.goto(live_server.url + reverse("guidelines:checklist", args=[guideline.pk]))
    page.get_by_role("link", name="Submit for review").first.click()
    page.wait_for_url(re.compile(r"/reviews/submit/"))
    page.get_by_role("textbox", name=re.compile("Change summary")).fill(summary)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("review-status")).to_have_text("In review")


def test_author_submits_legal_requests_changes_then_both_sign(cast, as_user, live_server, shots):
    guideline = cast["guideline"]

    # The author submits version 1.
    author = as_user(cast["author"].email)
    _submit(author, live_server, guideline, "First version of our guidelines.")
    shots(author, "author-submitted-v1")

    # Legal finds it in the inbox, comments on the privacy section and requests changes.
    legal = as_user(cast["legal"].email)
    legal.get_by_role("link", name="Reviews", exact=True).click()
    expect(
        legal.get_by_role("heading", name=re.compile("Waiting for your sign-off"))
    ).to_be_visible()
    shots(legal, "legal-inbox")
    legal.get_by_role("link", name=re.compile("Social media guidelines, version 1")).first.click()
    privacy = legal.locator("#section-privacy")
    privacy.get_by_text("Comment on “Confidentiality").click()
    privacy.get_by_label("Your comment").fill("Please name the privacy law we follow (HIPAA).")
    privacy.get_by_role("button", name="Post comment").click()
    expect(legal.get_by_text("Please name the privacy law we follow (HIPAA).")).to_be_visible()
    open_disclosure(legal, "Request changes")
    legal.get_by_label("What needs to change").fill("Name the privacy law in section 5.")
    legal.get_by_role("button", name="Send back to the author").click()
    expect(legal.get_by_test_id("review-status")).to_have_text("Changes requested")
    shots(legal, "legal-requested-changes")

    # The author reads the comment, revises (a new draft copied from v1) and resubmits.
    author.goto(
        live_server.url + reverse("approvals:review", args=[ReviewRequest.objects.get().pk])
    )
    expect(author.get_by_test_id("decision")).to_contain_text("Name the privacy law")
    expect(author.get_by_text("Please name the privacy law we follow (HIPAA).")).to_be_visible()
    author.get_by_role("button", name=re.compile("Revise")).click()
    draft = Draft.objects.get(is_open=True)
    assert draft.based_on is not None and draft.based_on.number == 1
    # The edit itself happens in the wizard; here the section is changed as the wizard saves it.
    section = draft.sections.get(key="privacy")
    body_field = next(f.name for f in SECTIONS[4].fields if f.kind == "markdown")
    section.data = {
        **section.data,
        body_field: section.data[body_field] + "\n\nWe follow HIPAA, the US health privacy law.",
    }
    section.save()
    _submit(author, live_server, guideline, "Names HIPAA in the privacy section.")
    shots(author, "author-submitted-v2")

    # Legal sees what changed since the version they read (the page recorded that reading
    # once drawn), and signs with their password.
    v2 = ReviewRequest.objects.get(status="open")
    legal.goto(live_server.url + reverse("approvals:review", args=[v2.pk]))
    legal.get_by_role("link", name="Changes since version 1 (you last saw)").click()
    expect(legal.get_by_text(re.compile("1 of 12 sections changed"))).to_be_visible()
    expect(legal.locator("ins.redline-ins").first).to_contain_text("HIPAA")
    shots(legal, "legal-redline-v2")
    legal.get_by_label("Your password").fill(PASSWORD)
    legal.get_by_role("button", name="Sign off").click()
    expect(legal.get_by_text("Signed. Thank you.")).to_be_visible()
    shots(legal, "legal-signed")

    # Compliance signs last, on a phone.
    compliance = as_user(cast["compliance"].email, width=375)
    compliance.goto(live_server.url + reverse("approvals:review", args=[v2.pk]))
    compliance.get_by_label("Your password").fill("not my password")
    compliance.get_by_role("button", name="Sign off").click()
    expect(compliance.get_by_text(re.compile("password is not correct"))).to_be_visible()
    compliance.get_by_label("Your password").fill(PASSWORD)
    compliance.get_by_role("button", name="Sign off").click()
    expect(compliance.get_by_test_id("review-status")).to_have_text("Approved")
    assert compliance.evaluate("document.documentElement.scrollWidth") <= 375
    shots(compliance, "compliance-approved-phone")

    # The version shows "Approved" with both signatures.
    version_url = reverse("guidelines:version", args=[guideline.pk, 2])
    author.goto(live_server.url + version_url)
    expect(author.get_by_text("Approved", exact=True).first).to_be_visible()
    expect(author.get_by_text(re.compile("Approved — Legal review"))).to_be_visible()
    expect(author.get_by_text(re.compile("Approved — Compliance review"))).to_be_visible()
    shots(author, "version-approved-with-signatures")


@pytest.mark.parametrize(
    ("who", "page_name"),
    [
        ("legal", "review"),
        ("legal", "redline"),
        ("legal", "inbox"),
        ("admin", "route"),
        ("author", "submit"),
    ],
)
def test_signoff_pages_have_no_serious_accessibility_problems(
    cast, as_user, live_server, who, page_name, a11y
):
    from approvals import workflow
    from approvals.services import add_comment

    author = cast["author"]
    draft = Draft.objects.get(is_open=True)
    if page_name == "review":
        # A case signed with the text and asked in the quiz: the review page lists it.
        from guidelines.cases import catalogue_scenarios

        draft.cases = [{**catalogue_scenarios()[0], "answer": "Yes.", "wrong": ["No"]}]
        draft.save()
    review = workflow.submit(
        draft=draft,
        by=author.user,
        membership=author.membership,
        change_summary="v1",
    )
    add_comment(
        review=review,
        by=cast["legal"].user,
        membership=cast["legal"].membership,
        section_key="scope",
        body="A question.",
    )
    if page_name == "redline":
        # An approved version 1 and a version 2 under review, to draw a redline.
        for persona in (cast["legal"], cast["compliance"]):
            workflow.sign_off(
                review=ReviewRequest.objects.get(pk=review.pk),
                by=persona.user,
                membership=persona.membership,
                password=PASSWORD,
            )
        from guidelines.services import start_draft

        draft = start_draft(
            guideline=cast["guideline"], by=author.user, start="copy", copy_from=review.version
        )
        row = draft.sections.get(key="contact")
        row.data = {**row.data, "name": "Pat Newname"}
        row.save()
        review = workflow.submit(
            draft=draft, by=author.user, membership=author.membership, change_summary="v2"
        )
    paths = {
        "review": reverse("approvals:review", args=[review.pk]),
        "redline": reverse("approvals:review", args=[review.pk]) + "?compare=approved",
        "inbox": reverse("approvals:inbox"),
        "route": reverse("approvals:route"),
        "submit": reverse("approvals:submit", args=[cast["guideline"].pk]),
    }
    page = as_user(cast[who].email)
    page.goto(live_server.url + paths[page_name])
    # axe, HTML_CodeSniffer, reflow at 320 px, focus clear of the sticky sign-off panel, and
    # the Nu Html Checker when the test ends (tests/a11y.py).
    a11y(page, page_name, focus=True)
    if page_name == "redline":
        _redline_reads_and_looks_distinct(page)
    if page_name == "review":
        _nothing_moves_under_reduced_motion(page)


def _redline_reads_and_looks_distinct(page) -> None:
    """The deletion and the insertion are announced as such, in words; under Windows high
    contrast (forced colours, which replace the tints) they still differ in frame and line."""
    changed = page.get_by_role("region", name=re.compile("^Contact information"))
    expect(changed).to_match_aria_snapshot(
        """
        - heading "Contact information Changed" [level=2]
        - list:
          - listitem: Edited name (2 words added, 2 words removed)
        - heading "Name" [level=3]
        - deletion: "[removed] Casey Contact [end removed]"
        - insertion: "[added] Pat Newname [end added]"
        """
    )
    look = """el => { const s = getComputedStyle(el);
        return [s.borderTopStyle, s.textDecorationLine, s.backgroundColor].join(" ") }"""
    deleted, inserted = changed.locator("del"), changed.locator("ins")
    try:
        page.emulate_media(forced_colors="active")
        assert page.evaluate("matchMedia('(forced-colors: active)').matches")
        assert deleted.evaluate(look).startswith("dashed line-through")
        assert inserted.evaluate(look).startswith("solid underline")
        # The + and − marks stay visible whatever colours the system imposes.
        assert deleted.locator(".redline-mark").is_visible()
        assert inserted.locator(".redline-mark").is_visible()
    finally:
        page.emulate_media(forced_colors="none")


def _nothing_moves_under_reduced_motion(page) -> None:
    """On a real page, with the preference set as the system would: no smooth scrolling, no
    transition on the sign-off button (the reference: there is one without the preference)."""
    button = page.get_by_role("button", name="Sign off")
    duration = "el => getComputedStyle(el).transitionDuration"
    assert button.evaluate(duration) != "0s"
    try:
        page.emulate_media(reduced_motion="reduce")
        assert button.evaluate(duration) == "0s"
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    finally:
        page.emulate_media(reduced_motion="no-preference")
