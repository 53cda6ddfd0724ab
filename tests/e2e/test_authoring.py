"""An author writes a guideline in the browser: template, sections, checks, preview, compare."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import StaffGroup
from guidelines import services
from guidelines.models import Guideline
from tests.e2e.autosave import expect_all_saved
from tests.e2e.facts import keep_all_facts
from tests.e2e.richtext import append, delete_item, prose


def _saved(page: Page) -> None:
    expect_all_saved(page)


def _wait_for_save(page: Page, action) -> None:
    """Run an edit and wait for the autosave answer it causes."""
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST"):
        action()


def _append(page: Page, field, text: str) -> None:
    """Type at the end of a textarea, as a person adding a line would."""
    field.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text, delay=5)


@pytest.fixture
def journey_author(transactional_db, author, password):
    return author, password


def test_author_writes_checks_previews_and_compares(
    page: Page, live_server, login, shots, journey_author
):
    author, password = journey_author
    login(page, author.email, password)

    # Start from the template.
    page.goto(f"{live_server.url}/guidelines/")
    page.get_by_role("link", name="New guideline").click()
    page.get_by_label("Title").fill("Staff social media guidelines")
    expect(
        page.get_by_label(re.compile("Start from Charter's healthcare template"))
    ).to_be_checked()
    shots(page, "create")
    page.get_by_role("button", name="Create and start writing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Purpose and scope")
    guideline = Guideline.objects.get(title="Staff social media guidelines")
    keep_all_facts(page)

    # Section 1: add an audience, autosaved.
    audience = page.get_by_label(re.compile("Who the guidelines apply to"))
    expect(audience).to_have_value(re.compile("Employees"))
    _wait_for_save(page, lambda: _append(page, audience, "\nBoard members"))
    _saved(page)
    shots(page, "scope-saved")

    # Section 2: the accounts list, with a new row; a bad address is refused and then fixed.
    page.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Official accounts and hashtags")
    page.get_by_role("button", name=re.compile("Add a row")).click()
    row = page.locator("[data-rows='accounts'] > [data-row]").last
    expect(row.get_by_label("Platform")).to_be_focused()
    row.get_by_label("Platform").select_option("Instagram")
    row.get_by_label(re.compile("^Handle")).fill("@RiversideER")
    row.get_by_label("Owning department").fill("Emergency Department")
    _wait_for_save(page, lambda: row.get_by_label("Web address").fill("instagram/riverside er"))
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    expect(row.get_by_text("enter a full web address")).to_be_visible()
    expect(row.get_by_label("Web address")).to_have_value("instagram/riverside er")
    shots(page, "accounts-invalid-url")
    _wait_for_save(
        page, lambda: row.get_by_label("Web address").fill("https://www.instagram.com/RiversideER")
    )
    _saved(page)
    expect(row.get_by_text("enter a full web address")).to_have_count(0)
    # Move the new row to the top with the keyboard.
    row.get_by_role("button", name=re.compile("Move up")).focus()
    for _ in range(4):
        _wait_for_save(page, lambda: page.keyboard.press("Enter"))
    first = page.locator("[data-rows='accounts'] > [data-row]").first
    expect(first.get_by_label(re.compile("^Handle"))).to_have_value("@RiversideER")
    # Move up, Move down and Remove are targets of at least 24 x 24 px each (WCAG 2.5.8).
    for button in first.locator("[data-row-action]").all():
        box = button.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, box
    _saved(page)
    shots(page, "accounts-row-added")
    draft = guideline.drafts.get(is_open=True)
    stored = draft.sections.get(key="accounts").data["accounts"]
    assert stored[0]["handle"] == "@RiversideER"

    # Section 3: security. Remove the two-factor sentence: the check fails; put it back.
    page.locator("#progress-security a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Security")
    body = prose(page)
    _wait_for_save(page, lambda: delete_item(page, body.locator("li", has_text="two-factor")))
    _saved(page)
    checks = page.locator("#step-checks")
    expect(checks).to_contain_text("To do: Require two-factor authentication")
    expect(page.locator("#progress-security")).to_contain_text("Check failing")
    shots(page, "security-check-failing")
    _wait_for_save(
        page, lambda: append(page, body, "\nTurn on two-factor authentication everywhere.")
    )
    _saved(page)
    expect(checks).not_to_contain_text("To do")
    expect(page.locator("#progress-security")).to_contain_text("Complete")
    expect(body).to_contain_text("Turn on two-factor authentication")
    shots(page, "security-fixed")

    # Review and preview, plain and as questions and answers.
    page.get_by_role("link", name="Review all checks").click()
    expect(page.get_by_text("Every check passes")).to_be_visible()
    shots(page, "checklist")
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/document/")
    expect(page.get_by_role("heading", name="Official accounts and hashtags")).to_be_visible()
    expect(page.get_by_role("cell", name="@RiversideER")).to_be_visible()
    shots(page, "document-plain")
    page.get_by_role("link", name="Questions and answers").click()
    expect(
        page.get_by_role("heading", name="Which accounts and hashtags are official?")
    ).to_be_visible()
    shots(page, "document-qa")

    # Freeze version 1 (submitting is the approvals app's screen), then draft version 2.
    services.freeze_draft(draft=draft, by=author.user, change_summary="First version")
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/")
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
    page.get_by_role("button", name="Start a new draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Purpose and scope")
    page.locator("#progress-accounts a").click()
    hashtags = page.get_by_label("Official hashtags")
    _wait_for_save(page, lambda: _append(page, hashtags, "\n#RiversideRuns"))
    _saved(page)
    remove = page.locator("[data-rows='accounts'] > [data-row]").first.get_by_role(
        "button", name=re.compile("Remove")
    )
    _wait_for_save(page, remove.click)
    _saved(page)

    # Compare the draft with version 1.
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/compare/?old=1&new=draft")
    expect(page.get_by_text("1 of 12 sections changed")).to_be_visible()
    expect(page.get_by_text("Added “#RiversideRuns”")).to_be_visible()
    expect(page.locator(".redline-entry-removed").first).to_contain_text("Removed")
    shots(page, "compare-draft-vs-v1")


def test_wizard_step_fits_a_phone(
    page: Page, live_server, login, shots, transactional_db, author, password
):
    services.create_guideline(
        organization=author.org, by=author.user, title="Guide", start="template"
    )
    guideline = Guideline.objects.get(title="Guide")
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, author.email, password)
    for key in ("accounts", "disclosure", "contact"):
        page.goto(f"{live_server.url}/guidelines/{guideline.pk}/draft/{key}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        shots(page, f"phone-{key}")
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/compare/")
    shots(page, "phone-compare")


def test_two_authors_editing_one_section_see_a_conflict_and_merge(
    page: Page, live_server, login, shots, transactional_db, author, admin, password
):
    guideline = services.create_guideline(
        organization=author.org, by=author.user, title="Guide", start="template"
    )
    draft = guideline.drafts.get()
    login(page, author.email, password)
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/draft/contact/")
    row = draft.sections.get(key="contact")
    services.save_section(
        draft=draft,
        key="contact",
        data={**row.data, "name": "Their name"},
        revision=0,
        by=admin.user,
    )
    name = page.get_by_label(re.compile("^Name"))
    _wait_for_save(page, lambda: name.fill("My name"))
    panel = page.locator("#conflict-panel")
    expect(panel).to_contain_text("Ada Admin saved")
    expect(panel.get_by_label(re.compile("Their saved text"))).to_have_value("Their name")
    expect(name).to_have_value("My name")
    shots(page, "conflict")
    name.fill("Their name and my name")
    panel.get_by_role("button", name="Save my merged text").click()
    expect(page.get_by_text(re.compile("Saved \\d\\d:\\d\\d"))).to_be_visible()
    assert draft.sections.get(key="contact").data["name"] == "Their name and my name"


def test_an_edit_made_while_a_save_is_in_flight_is_saved_too(
    page: Page, live_server, login, transactional_db, author, password
):
    guideline = services.create_guideline(
        organization=author.org, by=author.user, title="Guide", start="template"
    )
    draft = guideline.drafts.get()
    accounts_before = draft.sections.get(key="accounts").data["accounts"]
    login(page, author.email, password)
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/draft/accounts/")
    expect(page.locator("[data-wizard-form]")).to_have_attribute("data-save-state", "saved")
    # Two edits in one go: the first sends a save; the second comes while it is in flight.
    page.evaluate(
        """() => {
          const form = document.querySelector("[data-wizard-form]");
          window.saveStates = [];
          new MutationObserver(() => window.saveStates.push(form.dataset.saveState))
            .observe(form, {attributes: true, attributeFilter: ["data-save-state"]});
          const tags = document.querySelector("textarea[name='hashtags']");
          tags.value += "\\n#InFlight";
          tags.dispatchEvent(new Event("change", {bubbles: true}));
          document.querySelector("[data-rows='accounts'] [data-row-action='remove']").click();
        }"""
    )
    expect_all_saved(page)
    states = page.evaluate("window.saveStates")
    # "saved" is only ever said once, at the end: never between the two saves.
    assert states[-1] == "saved" and states.count("saved") == 1, states
    data = draft.sections.get(key="accounts").data
    assert "#InFlight" in data["hashtags"]
    assert data["accounts"] == accounts_before[1:]


def test_reading_pages_fit_a_phone(
    page: Page, live_server, login, shots, transactional_db, author, password
):
    guideline = services.create_guideline(
        organization=author.org, by=author.user, title="Guide", start="template"
    )
    draft = guideline.drafts.get()
    services.freeze_draft(draft=draft, by=author.user, change_summary="First version")
    draft = services.start_draft(guideline=guideline, by=author.user, start="template")
    row = draft.sections.get(key="dos_donts")
    services.save_section(
        draft=draft,
        key="dos_donts",
        data={**row.data, "dos": [*row.data["dos"][1:], "Ask before posting a colleague's photo."]},
        revision=0,
        by=author.user,
    )
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, author.email, password)
    base = f"{live_server.url}/guidelines/{guideline.pk}"
    for name, path in [
        ("list", "/guidelines/"),
        ("detail", f"/guidelines/{guideline.pk}/"),
        ("version", f"/guidelines/{guideline.pk}/versions/1/"),
        ("history", f"/guidelines/{guideline.pk}/draft/dos_donts/history/"),
        ("checklist", f"/guidelines/{guideline.pk}/draft/review/"),
        ("document-qa", f"/guidelines/{guideline.pk}/document/?layout=qa"),
        ("compare", f"/guidelines/{guideline.pk}/compare/"),
        ("home", "/home/"),
        ("email-settings", "/accounts/notifications/email/"),
    ]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
        shots(page, f"phone-{name}")
    assert base


@pytest.mark.parametrize(
    "path", ["draft/accounts/", "draft/disclosure/", "draft/review/", "draft/cases/", "compare/"]
)
def test_authoring_pages_have_no_serious_accessibility_problems(
    page: Page, live_server, login, transactional_db, author, password, path, a11y
):
    guideline = services.create_guideline(
        organization=author.org, by=author.user, title="Guide", start="template"
    )
    services.freeze_draft(draft=guideline.drafts.get(), by=author.user, change_summary="v1")
    services.start_draft(guideline=guideline, by=author.user, start="template")
    # A staff group, so the case library draws its "for these staff groups" choices too.
    StaffGroup.objects.create(organization=author.org, name="Nursing")
    login(page, author.email, password)
    page.goto(f"{live_server.url}/guidelines/{guideline.pk}/{path}")
    if path == "draft/cases/":
        page.get_by_text("Ask it in the quiz").first.click()  # open one, checked as shown
    # axe, HTML_CodeSniffer, reflow at 320 px, focus clear of the sticky save bar, and the
    # Nu Html Checker when the test ends (tests/a11y.py).
    a11y(page, path, focus=True)
