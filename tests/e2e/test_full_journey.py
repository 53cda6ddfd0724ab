"""The whole life of a guideline, in the browser, by the people who live it.

An author drafts from the template through all twelve steps and adds a quiz; legal asks for a
change; the author revises; legal and compliance sign; the admin publishes with a campaign; an
employee acknowledges on a phone; the admin watches the dashboard move and downloads the PDF
and the evidence pack. Every page is screenshotted and checked with axe-core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from guidelines.models import Guideline
from guidelines.sections import SECTIONS
from publishing.models import Acknowledgement
from tests.a11y import PageChecks
from tests.e2e.autosave import expect_all_saved
from tests.e2e.conftest import ARTIFACTS, open_disclosure
from tests.e2e.facts import keep_all_facts
from tests.e2e.richtext import prose

PASSWORD = "charter-demo"
PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TITLE = "Online conduct at Riverside"
QUIZ = [
    (
        "A patient thanks you by name in a comment. What do you reply?",
        ["Thank them and ask how they are recovering", "Nothing that confirms they are a patient"],
        1,
    ),
    (
        "You spot an account that copies our logo. What do you do?",
        ["Follow it", "Report it to the social media team", "Ignore it"],
        1,
    ),
]


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


class Audit(PageChecks):
    """Screenshot a page, then run every checker on it (tests/a11y.py)."""

    def __init__(self, shots) -> None:
        super().__init__()
        self.shots = shots

    def __call__(self, page: Page, name: str, **kwargs) -> None:
        self.shots(page, name)
        super().__call__(page, name, **kwargs)


@pytest.fixture
def people(request, browser, live_server, login):
    """A separate signed-in browser for each person, as in real life."""
    contexts = []
    failed_before = request.session.testsfailed

    def open_as(who: str, viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        login(page, f"{who}@riverside.example", PASSWORD)
        return page

    yield open_as
    if request.session.testsfailed > failed_before:
        ARTIFACTS.mkdir(exist_ok=True)
        for n, context in enumerate(contexts):
            for page in context.pages:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(ARTIFACTS / f"FAILED-journey-{n}.png"), full_page=True)
    for context in contexts:
        context.close()


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _acknowledged(page: Page) -> tuple[int, int]:
    """(acknowledged, asked) as the tracking dashboard states them."""
    text = page.get_by_text(re.compile(r"\d+ of \d+ people acknowledged")).inner_text()
    match = re.search(r"(\d+) of (\d+) people acknowledged", text)
    assert match, text
    return int(match[1]), int(match[2])


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _autosaved(page: Page, action) -> None:
    """Run an edit, leave the field (which saves at once), and wait for "Saved"."""
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST"):
        action()
        page.keyboard.press("Tab")
    expect_all_saved(page)


def _append(page: Page, field, text: str) -> None:
    field.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def _submit(page: Page, audit: Audit, summary: str, name: str) -> None:
    page.get_by_role("link", name="Submit for review").click()
    expect(page.get_by_text("Every required check passes.")).to_be_visible()
    page.get_by_label(re.compile("Change summary")).fill(summary)
    audit(page, f"{name}-submit")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("review-status")).to_have_text("In review")
    audit(page, f"{name}-in-review")


def _walk_the_wizard(page: Page, audit: Audit) -> None:
    """All twelve steps, in order, with edits to a few of them."""
    for number, section in enumerate(SECTIONS, start=1):
        _heading(page, section.title)
        expect(page.get_by_text(f"Step {number} of 12")).to_be_visible()
        if section.key == "scope":
            audience = page.get_by_label(re.compile("Who the guidelines apply to"))
            _autosaved(page, lambda f=audience: _append(page, f, "\nBoard members"))
        elif section.key == "accounts":
            page.get_by_role("button", name=re.compile("Add a row")).click()
            row = page.locator("[data-rows='accounts'] > [data-row]").last
            expect(row.get_by_label("Platform")).to_be_focused()
            row.get_by_label("Platform").select_option("Instagram")
            row.get_by_label(re.compile("^Handle")).fill("@RiversideER")
            row.get_by_label("Owning department").fill("Emergency Department")
            _autosaved(
                page,
                lambda r=row: r.get_by_label("Web address").fill(
                    "https://www.instagram.com/RiversideER"
                ),
            )
        elif section.key == "dos_donts":
            dos = page.get_by_label(re.compile(r"^Do \(required\)"))
            _autosaved(
                page, lambda f=dos: _append(page, f, "\nAsk before posting a colleague's photo.")
            )
        elif section.key == "contact":
            phone = page.get_by_label("Phone", exact=True)
            _autosaved(page, lambda f=phone: f.fill("+1 555 0142"))
        audit(page, f"step-{number:02d}-{section.key}")
        if number < len(SECTIONS):
            page.get_by_role("button", name=re.compile("^Next")).click()
        else:
            page.get_by_role("button", name=re.compile("Review all sections")).click()


def _write_the_quiz(page: Page, audit: Audit) -> None:
    page.get_by_role("link", name=re.compile("Quiz \\(optional\\)")).first.click()
    _heading(page, "Quiz (optional)")
    audit(page, "quiz-empty")
    for number, (question, choices, right) in enumerate(QUIZ, start=1):
        page.get_by_role("button", name="Add a question").click()
        box = page.get_by_role("group", name=f"Question {number}")
        box.get_by_label("Question", exact=True).fill(question)
        for n, choice in enumerate(choices, start=1):
            box.get_by_label(f"Choice {n}", exact=True).fill(choice)
        if number == len(QUIZ):
            # Forgetting to mark the right answer: refused beside the question, typing kept.
            page.get_by_role("button", name="Save quiz").click()
            box = page.get_by_role("group", name=f"Question {number}")
            expect(box.get_by_text("This question has no valid right answer.")).to_be_visible()
            expect(box.get_by_label("Question", exact=True)).to_have_value(question)
            audit(page, "quiz-refused")
        box.get_by_label(f"Choice {right + 1} is the right answer").check()
    audit(page, "quiz-filled")
    page.get_by_role("button", name="Save and review the draft").click()
    _heading(page, "Review the draft")
    expect(page.get_by_text("Every check passes")).to_be_visible()
    quiz = page.get_by_role("region", name="Quiz (optional)")
    expect(quiz).to_contain_text(QUIZ[1][0])
    expect(quiz).to_contain_text("Report it to the social media team (right answer)")
    audit(page, "review-with-quiz")


def test_a_guideline_from_first_draft_to_acknowledged_and_evidenced(
    demo, people, live_server, shots
):
    audit = Audit(shots)

    # --- The author drafts from the template through all twelve steps and adds a quiz. ------
    author = people("author")
    audit(author, "author-home")
    _nav(author, "Guidelines")
    audit(author, "guidelines-list")
    author.get_by_role("link", name="New guideline").click()
    author.get_by_label("Title").fill(TITLE)
    audit(author, "create")
    author.get_by_role("button", name="Create and start writing").click()
    guideline = Guideline.objects.get(title=TITLE)
    keep_all_facts(author)  # the author checked each fact the template marks, and kept it
    _walk_the_wizard(author, audit)
    _heading(author, "Review the draft")
    _write_the_quiz(author, audit)
    _submit(author, audit, "First version of our online conduct guideline.", "v1")
    review_v1 = author.url

    # --- Legal comments on the privacy section and requests changes. ------------------------
    legal = people("legal")
    _nav(legal, "Reviews")
    audit(legal, "legal-inbox")
    legal.get_by_role("link", name=re.compile(f"{TITLE}, version 1")).first.click()
    privacy = legal.locator("#section-privacy")
    privacy.get_by_text("Comment on “Confidentiality").click()
    privacy.get_by_label("Your comment").fill("Name the privacy law we follow.")
    privacy.get_by_role("button", name="Post comment").click()
    expect(legal.get_by_text("Name the privacy law we follow.")).to_be_visible()
    open_disclosure(legal, "Request changes")
    legal.get_by_label("What needs to change").fill("Name HIPAA in the privacy section.")
    audit(legal, "legal-review-v1")
    legal.get_by_role("button", name="Send back to the author").click()
    expect(legal.get_by_test_id("review-status")).to_have_text("Changes requested")
    audit(legal, "legal-requested-changes")

    # --- The author reads the request, revises in the wizard and resubmits. -----------------
    author.goto(review_v1)
    expect(author.get_by_test_id("decision")).to_contain_text("Name HIPAA")
    audit(author, "author-reads-request")
    author.get_by_role("button", name=re.compile("Revise")).click()
    author.goto(f"{live_server.url}/guidelines/{guideline.pk}/draft/privacy/")
    _heading(author, "Confidentiality, compliance and privacy")
    body = prose(author)
    _autosaved(
        author, lambda: _append(author, body, "\n\nWe follow HIPAA, the US health privacy law.")
    )
    audit(author, "author-revises-privacy")
    author.get_by_role("link", name="Review all checks").click()
    expect(author.get_by_role("region", name="Quiz (optional)")).to_contain_text("2 questions")
    _submit(author, audit, "Names HIPAA in the privacy section.", "v2")

    # --- Legal sees the change and signs; compliance signs on a phone. ----------------------
    _nav(legal, "Reviews")
    legal.get_by_role("link", name=re.compile(f"{TITLE}, version 2")).first.click()
    legal.get_by_role("link", name=re.compile("Changes since version 1")).first.click()
    expect(legal.locator("ins.redline-ins").first).to_contain_text("HIPAA")
    audit(legal, "legal-redline-v2")
    legal.get_by_label("Your password").fill(PASSWORD)
    legal.get_by_role("button", name="Sign off").click()
    expect(legal.get_by_text("Signed. Thank you.")).to_be_visible()
    audit(legal, "legal-signed")

    compliance = people("compliance", PHONE)
    compliance.get_by_role("link", name=re.compile(f"{TITLE}, version 2")).first.click()
    compliance.get_by_label("Your password").fill(PASSWORD)
    compliance.get_by_role("button", name="Sign off").click()
    expect(compliance.get_by_test_id("review-status")).to_have_text("Approved")
    audit(compliance, "compliance-signed-phone")

    # --- The admin publishes version 2 with a campaign for all staff. -----------------------
    admin = people("admin")
    _nav(admin, "Publishing")
    ready = admin.get_by_role("region", name="Approved, ready to publish")
    ready.get_by_role("listitem").filter(has_text=TITLE).get_by_role("link").click()
    _heading(admin, "Publish version 2")
    due = timezone.localdate() + dt.timedelta(days=14)
    expect(admin.get_by_label("Staff must acknowledge this version")).to_be_checked()
    for box in (
        admin.get_by_role("group", name=re.compile("Staff groups")).get_by_role("checkbox").all()
    ):
        expect(box).not_to_be_checked()  # none ticked: all staff are asked
    admin.get_by_label("Acknowledge by").fill(due.isoformat())
    audit(admin, "publish-form")
    expect(
        admin.get_by_text(re.compile(r"everyone in the institution \(\d+ people\)"))
    ).to_be_visible()
    admin.get_by_role("button", name="Check who will be asked").click()
    # Nothing is sent yet: the count per group and a few names, then an explicit confirmation.
    expect(admin.get_by_role("heading", name="Check before publishing")).to_be_visible()
    confirm = admin.get_by_role("button", name=re.compile(r"^Publish and ask \d+ people$"))
    audit(admin, "publish-confirm")
    confirm.click()
    published = admin.get_by_role("row").filter(has_text=TITLE)
    expect(published).to_contain_text("2")
    audit(admin, "published")
    published.get_by_role("link", name=re.compile("Track progress")).click()
    before = _acknowledged(admin)
    assert before[0] == 0 and before[1] > 200  # all staff asked, nobody yet
    audit(admin, "tracking-before")

    # --- An employee acknowledges on a phone: quiz, tick, done. -----------------------------
    employee = people("employee", PHONE)
    panel = employee.get_by_role("region", name="Guidelines to acknowledge")
    expect(panel).to_contain_text(TITLE)
    audit(employee, "employee-home-phone")
    panel.get_by_role("link", name=f"Read and acknowledge {TITLE}").click()
    expect(employee.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    assert employee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit(employee, "employee-reads-phone")
    # A wrong answer is refused and nothing is recorded.
    employee.get_by_label(QUIZ[0][1][0]).check()
    employee.get_by_label(QUIZ[1][1][1]).check()
    employee.get_by_label(re.compile("I have read and understood")).check()
    # What a screen reader announces: each question a named group of named radios, the
    # choices made, the promise a named checkbox, then the button.
    expect(employee.get_by_role("region", name="Acknowledge version 2")).to_match_aria_snapshot(
        f"""
        - heading "Acknowledge version 2" [level=2]
        - group "1. {QUIZ[0][0]}":
          - radio "{QUIZ[0][1][0]}" [checked]
          - radio "{QUIZ[0][1][1]}"
        - group "2. {QUIZ[1][0]}":
          - radio "{QUIZ[1][1][0]}"
          - radio "{QUIZ[1][1][1]}" [checked]
          - radio "{QUIZ[1][1][2]}"
        - checkbox /I have read and understood/ [checked]
        - button "Acknowledge"
        """
    )
    employee.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(employee.get_by_text(re.compile("check your answer to question 1"))).to_be_visible()
    audit(employee, "employee-wrong-answer-phone")
    employee.get_by_label(QUIZ[0][1][1]).check()
    employee.get_by_label(re.compile("I have read and understood")).check()
    employee.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(employee.get_by_text(re.compile(f"you acknowledged {TITLE}, version 2"))).to_be_visible()
    assert employee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit(employee, "employee-acknowledged-phone")
    ack = Acknowledgement.objects.get(
        user__email="employee@riverside.example", version__guideline=guideline
    )
    assert ack.version.number == 2 and ack.quiz_answered

    # --- The admin sees the dashboard move, then downloads the PDF and the evidence pack. ---
    admin.reload()
    assert _acknowledged(admin) == (1, before[1])
    admin.get_by_label("Name or e-mail").fill("employee@riverside.example")
    admin.get_by_role("button", name="Filter").click()
    expect(admin.get_by_test_id("status-employee@riverside.example")).to_contain_text(
        "Acknowledged"
    )
    audit(admin, "tracking-after")

    _nav(admin, "Publishing")
    admin.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(admin.get_by_test_id("version-number")).to_have_text("2")
    audit(admin, "published-version")
    with admin.expect_download() as pdf_download:
        admin.get_by_role("link", name="Download PDF").click()
    pdf = pdf_download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    with admin.expect_download() as pack_download:
        admin.get_by_role("link", name="Download evidence pack").click()
    pack = pack_download.value
    assert pack.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(pack.path()) as archive:
        names = archive.namelist()
    assert any("manifest" in n for n in names), names

    audit.assert_clean()
