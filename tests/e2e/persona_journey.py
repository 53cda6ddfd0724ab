"""One guideline's life, persona by persona, moving only by what Charter puts in front of them.

Each person signs in and from then on follows what their home page, their notifications and
the pages those lead to offer: links and buttons, never a typed address. ``visit`` is called on
every page reached (the browser test runs axe there; the screenshot script keeps a few for the
docs). Works against the demo data (``load_demo``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.e2e.autosave import expect_all_saved
from tests.e2e.richtext import delete_item, prose, undo_until

PASSWORD = "charter-demo"
TITLE = "Social media guidelines for volunteers"
PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1200, "height": 900}
COMMENT = "Name the privacy law we follow, so volunteers know what it is called."
REQUEST = "Please name HIPAA in the privacy section."
FIX = "\n\nWe follow HIPAA, the US law that protects patients' health information."
REPLY = "Done: the privacy section now names HIPAA."
REVIEWERS_COMMENTS = re.compile("^Reviewers.? comments$")
TWO_FACTOR_CHECK = "Require two-factor authentication"
# The demo employee belongs to Nursing; asking one group keeps the campaign small and shows
# the per-group count before anything is sent.
GROUP = "Nursing"


@dataclass
class Journey:
    """``open_as(who, viewport)`` signs a demo person in and returns their page on Home;
    ``visit(page, name)`` is called on every page the journey reaches."""

    open_as: Callable[[str, ViewportSize], Page]
    visit: Callable[[Page, str], None]
    title: str = TITLE

    def run(self) -> None:
        author = self.open_as("author", DESKTOP)
        self.author_writes_and_submits(author)
        legal = self.open_as("legal", DESKTOP)
        self.legal_requests_changes(legal)
        self.author_revises_and_resubmits(author)
        self.reviewer_signs(legal, "legal", 1)
        compliance = self.open_as("compliance", PHONE)
        self.reviewer_signs(compliance, "compliance", 2)
        admin = self.open_as("admin", DESKTOP)
        self.admin_publishes(admin)
        employee = self.open_as("employee", PHONE)
        self.employee_acknowledges(employee)
        self.author_sees_published(author)
        self.admin_reads_the_audit_trail(admin)

    # --- the author ---------------------------------------------------------------------------

    def author_writes_and_submits(self, page: Page) -> None:
        self._heading(page, re.compile("^Welcome"))
        self.visit(page, "author-home")
        writing = page.get_by_role("region", name="Guidelines you are writing")
        writing.get_by_role("link", name="New guideline").click()
        self._heading(page, "Start a guideline")
        page.get_by_label("Title").fill(self.title)
        self.visit(page, "author-create")
        page.get_by_role("button", name="Create and start writing").click()
        self._heading(page, "Purpose and scope")
        self.visit(page, "wizard-first-step")

        # The security step: take out the two-factor rule, see the check fail, put it back.
        self._section_link(page, "Security").click()
        self._heading(page, "Security")
        body = prose(page)
        self._autosaved(page, lambda: delete_item(page, body.locator("li", has_text="two-factor")))
        checks = page.get_by_role("region", name="Checks for this section")
        expect(checks).to_contain_text(f"To do: {TWO_FACTOR_CHECK}")
        expect(body).not_to_contain_text("two-factor")
        self.visit(page, "wizard-failing-check")
        # Undo puts the rule back, word for word.
        self._autosaved(page, lambda: undo_until(page, body, "two-factor"))
        expect(checks).to_contain_text(f"Done: {TWO_FACTOR_CHECK}")

        # The starter text's claims about the institution are confirmed one by one, each
        # reached from the checklist's list of what still blocks submitting.
        page.get_by_role("link", name="Review all checks").click()
        self._heading(page, "Review the draft")
        self.visit(page, "author-checklist-to-fix")
        to_fix = page.get_by_role("region", name=re.compile("to fix before submitting$"))
        for round_ in range(12):  # at most one round per section
            if not to_fix.count():
                break
            to_fix.get_by_role("link").first.click()
            facts = page.get_by_role("region", name=re.compile("^Facts to confirm"))
            expect(facts).to_be_visible()
            if round_ == 0:
                self.visit(page, "wizard-facts")
            while facts.count():
                left = facts.get_by_role("listitem").count()
                facts.get_by_role("button", name=re.compile("^Keep as written")).first.click()
                expect(facts.get_by_role("listitem")).not_to_have_count(left)
            page.get_by_role("link", name="Review all checks").click()
            self._heading(page, "Review the draft")
        expect(page.get_by_text("Every check passes")).to_be_visible()
        self.visit(page, "author-checklist")
        self._submit(page, "First version, for volunteers.", "v1")

        self._home(page)
        queue = page.get_by_role("region", name="After submitting")
        item = queue.get_by_role("listitem").filter(has_text=f"{self.title}, version 1")
        expect(item).to_contain_text("Legal review")
        expect(item).to_contain_text("with Priya Raman")
        self.visit(page, "author-home-in-review")

    def author_revises_and_resubmits(self, page: Page) -> None:
        # The notification says what happened; the home page says what to do about it.
        self._notifications(page)
        expect(
            page.get_by_role("link", name=f"Priya Raman requested changes to {self.title} v1.")
        ).to_be_visible()
        self.visit(page, "author-notifications-changes")
        self._home(page)
        queue = page.get_by_role("region", name="After submitting")
        expect(queue.get_by_role("heading", name="Changes requested")).to_be_visible()
        item = queue.get_by_role("listitem").filter(has_text=f"{self.title}, version 1")
        expect(item.locator("blockquote")).to_have_text(REQUEST)
        self.visit(page, "author-home-changes-requested")
        item.get_by_role("button", name=f"Revise {self.title}").click()
        expect(page.get_by_text(re.compile("A new draft copied from version 1"))).to_be_visible()
        self.visit(page, "author-revision-started")
        page.get_by_role("region", name="Draft").get_by_role(
            "link", name="Continue writing"
        ).click()
        self._heading(page, "Purpose and scope")

        # Beside every step while revising: why the draft came back, and where comments wait.
        comments = page.get_by_role("complementary", name=REVIEWERS_COMMENTS)
        expect(comments.get_by_test_id("wizard-decision")).to_contain_text(REQUEST)
        self.visit(page, "wizard-comments-elsewhere")
        comments.get_by_role(
            "link", name=re.compile("Confidentiality, compliance and privacy")
        ).click()
        self._heading(page, "Confidentiality, compliance and privacy")
        comments = page.get_by_role("complementary", name=REVIEWERS_COMMENTS)
        thread = comments.get_by_role("article").filter(has_text=COMMENT)
        expect(thread).to_contain_text("on version 1")
        expect(thread).to_contain_text("A reviewer closes this thread.")
        self.visit(page, "wizard-comments")

        body = prose(page)
        self._autosaved(page, lambda: self._append(page, body, FIX))
        thread.locator("summary", has_text="Reply").click()
        thread.get_by_label("Your reply").fill(REPLY)
        thread.get_by_role("button", name="Post reply").click()
        self._told(page, "Reply posted.")
        self._heading(page, "Confidentiality, compliance and privacy")
        expect(prose(page)).to_contain_text("We follow HIPAA")
        self.visit(page, "wizard-revising")
        page.get_by_role("link", name="Review all checks").click()
        self._heading(page, "Review the draft")
        self._submit(page, "Names HIPAA in the privacy section.", "v2")

    def author_sees_published(self, page: Page) -> None:
        self._home(page)
        published = (
            page.get_by_role("region", name="After submitting")
            .get_by_role("listitem")
            .filter(has_text=f"{self.title}, version 2")
        )
        expect(published).to_contain_text("published")
        self.visit(page, "author-home-published")
        self._notifications(page)
        told = page.get_by_role("link", name=re.compile(f"^{self.title} v2 is published"))
        expect(told).to_be_visible()
        told.click()
        self._heading(page, self.title)
        self.visit(page, "author-published-version")

    # --- reviewers ----------------------------------------------------------------------------

    def legal_requests_changes(self, page: Page) -> None:
        self._open_from_signoff_panel(page, "legal", 1)
        privacy = page.get_by_role(
            "region", name="Comments on Confidentiality, compliance and privacy"
        )
        privacy.get_by_text("Comment on “Confidentiality").click()
        privacy.get_by_label("Your comment").fill(COMMENT)
        privacy.get_by_role("button", name="Post comment").click()
        expect(privacy.get_by_text(COMMENT)).to_be_visible()
        summary = page.locator("summary", has_text="Request changes").first
        details = summary.locator("xpath=..")
        for _ in range(5):  # a click on a still-settling page can toggle it twice
            if details.evaluate("d => d.open"):
                break
            summary.click()
            page.wait_for_timeout(150)
        page.get_by_label("What needs to change").fill(REQUEST)
        self.visit(page, "legal-requests-changes")
        page.get_by_role("button", name="Send back to the author").click()
        expect(page.get_by_test_id("review-status")).to_have_text("Changes requested")
        self.visit(page, "legal-changes-requested")

    def reviewer_signs(self, page: Page, who: str, stage: int) -> None:
        self._open_from_signoff_panel(page, who, 2)
        if who == "legal":
            # The thread from version 1 came along, with the author's reply; legal closes it.
            privacy = page.get_by_role(
                "region", name="Comments on Confidentiality, compliance and privacy"
            )
            expect(privacy).to_contain_text(COMMENT)
            expect(privacy).to_contain_text(REPLY)
            privacy.get_by_role("button", name=re.compile("^Mark resolved")).click()
            privacy = page.get_by_role(
                "region", name="Comments on Confidentiality, compliance and privacy"
            )
            expect(privacy.get_by_role("button", name=re.compile("^Reopen thread"))).to_be_visible()
            self.visit(page, "legal-resolved-thread")
            page.get_by_role("link", name=re.compile("Changes since version 1")).first.click()
            expect(page.locator("ins.redline-ins").first).to_contain_text("HIPAA")
            self.visit(page, "legal-redline")
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Sign off").click()
        status = "Approved" if stage == 2 else "In review"
        expect(page.get_by_test_id("review-status")).to_have_text(status)
        self._told(page, "Signed.")
        self.visit(page, f"{who}-signed")

    def _open_from_signoff_panel(self, page: Page, who: str, version: int) -> None:
        self._home(page)
        panel = page.get_by_role("region", name="Waiting for your sign-off")
        link = panel.get_by_role("link", name=f"{self.title}, version {version}")
        expect(link).to_be_visible()
        self.visit(page, f"{who}-home-v{version}")
        link.click()
        self._heading(page, f"{self.title} — version {version}")
        expect(page.get_by_test_id("review-status")).to_have_text("In review")
        self.visit(page, f"{who}-review-v{version}")

    # --- the admin ----------------------------------------------------------------------------

    def admin_publishes(self, page: Page) -> None:
        self._heading(page, re.compile("^Welcome"))
        ready = page.get_by_role("region", name="Ready to publish")
        expect(ready).to_contain_text(f"{self.title}, version 2")
        self.visit(page, "admin-home-ready")
        self._notifications(page)
        notice = page.get_by_role(
            "link", name=f"{self.title} v2 is approved by every stage of the route."
        )
        self.visit(page, "admin-notifications")
        notice.click()
        self._heading(page, "Publish version 2")
        # A date before the effective date is refused beside the field; the rest is kept.
        page.get_by_role("group", name="Staff groups to ask").get_by_label(GROUP).check()
        due = page.get_by_label("Acknowledge by").input_value()
        page.get_by_label("Acknowledge by").fill("2020-01-01")
        page.get_by_role("button", name="Check who will be asked").click()
        expect(page.get_by_label("Acknowledge by")).to_have_accessible_description(
            re.compile("cannot be before the effective date")
        )
        expect(
            page.get_by_role("group", name="Staff groups to ask").get_by_label(GROUP)
        ).to_be_checked()
        self.visit(page, "publish-form-errors")
        page.get_by_label("Acknowledge by").fill(due)
        page.get_by_role("button", name="Check who will be asked").click()
        check = page.get_by_role("region", name="Check before publishing")
        expect(check).to_be_visible()
        expect(check.get_by_role("row", name=re.compile(f"^{GROUP} \\d+$"))).to_be_visible()
        confirm = check.get_by_role("button", name=re.compile(r"^Publish and ask \d+ people$"))
        self.visit(page, "publish-confirm")
        confirm.click()
        self._told(page, "Version 2 is published")
        self.visit(page, "admin-published")

    def admin_reads_the_audit_trail(self, page: Page) -> None:
        self._nav(page, "Audit trail")
        self._heading(page, re.compile("Audit trail"))
        filters = page.get_by_role("form", name="Filter events")
        filters.get_by_label("Guideline title").fill(self.title)
        filters.get_by_role("button", name="Filter").click()
        expect(
            page.get_by_text(re.compile(f"signed version 2 of {self.title}")).first
        ).to_be_visible()
        self.visit(page, "audit-trail")

    # --- the employee -------------------------------------------------------------------------

    def employee_acknowledges(self, page: Page) -> None:
        panel = page.get_by_role("region", name="Guidelines to acknowledge")
        expect(panel).to_contain_text(f"{self.title}, version 2")
        self.visit(page, "employee-home")
        panel.get_by_role("link", name=f"Read and acknowledge {self.title}").click()
        self._heading(page, self.title)
        viewport = page.viewport_size
        assert viewport is not None
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        self.visit(page, "employee-acknowledge")
        page.get_by_label(re.compile("I have read and understood")).check()
        page.get_by_role("button", name="Acknowledge", exact=True).click()
        expect(
            page.get_by_text(re.compile(f"you acknowledged {self.title}, version 2"))
        ).to_be_visible()
        self.visit(page, "employee-acknowledged")

    # --- moving around ------------------------------------------------------------------------

    def _submit(self, page: Page, summary: str, name: str) -> None:
        page.get_by_role("region", name="Submit for review").get_by_role(
            "link", name="Submit for review"
        ).click()
        expect(page.get_by_text("Every required check passes.")).to_be_visible()
        field = page.get_by_label(re.compile("Change summary"))
        if name == "v1":
            # Only spaces: refused with a message beside the field, nothing frozen.
            field.fill("   ")
            page.get_by_role("button", name="Submit for review").click()
            expect(field).to_have_attribute("aria-invalid", "true")
            self.visit(page, "submit-form-errors")
        field.fill(summary)
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_test_id("review-status")).to_have_text("In review")
        self.visit(page, f"submitted-{name}")

    def _home(self, page: Page) -> None:
        self._nav(page, "Home")
        self._heading(page, re.compile("^Welcome"))

    def _notifications(self, page: Page) -> None:
        self._nav(page, re.compile("^Notifications"))
        self._heading(page, "Notifications")

    @staticmethod
    def _nav(page: Page, name: str | re.Pattern[str]) -> None:
        nav = page.get_by_role("navigation", name="Main")
        toggle = nav.get_by_role("button", name="Show navigation")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        link = nav.get_by_role("link", name=name, exact=isinstance(name, str))
        menu = nav.get_by_role("button", name="Administration")
        if not link.is_visible() and menu.count() and menu.get_attribute("aria-expanded") != "true":
            menu.click()  # an institution page, behind the Administration menu
        link.click()

    @staticmethod
    def _told(page: Page, text: str) -> None:
        """The page's message after an action (one of possibly several live regions)."""
        expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()

    @staticmethod
    def _heading(page: Page, text: str | re.Pattern[str]) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(text)

    @staticmethod
    def _section_link(page: Page, title: str) -> Locator:
        sections = page.get_by_role("navigation", name=re.compile("^Sections"))
        return sections.get_by_role("link", name=re.compile(rf"^\d+\. {re.escape(title)} "))

    @staticmethod
    def _append(page: Page, field: Locator, text: str) -> None:
        field.focus()
        page.keyboard.press("Control+End")
        page.keyboard.type(text)

    @staticmethod
    def _autosaved(page: Page, action: Callable[[], None]) -> None:
        """Edit, leave the field (which saves at once) and wait until everything is saved."""
        with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST"):
            action()
            page.keyboard.press("Tab")
        expect_all_saved(page)
