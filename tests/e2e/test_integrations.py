"""An admin connects Charter to other systems in a real browser: a token shown once, a Teams
channel with a test message, and the API's documentation page, each passing the
accessibility checks (tests/a11y.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.integrations.support import Receiver


def test_an_admin_makes_a_token_and_connects_a_teams_channel(
    page, live_server, login, admin, password, tmp_path, a11y
):
    receiver = Receiver(tmp_path / "teams", chat=True).start(status=202)
    try:
        login(page, admin.email, password)
        page.get_by_role("button", name="Administration").click()
        page.get_by_role("link", name="Integrations").click()
        expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
        a11y(page, "integrations")

        page.get_by_role("link", name="Manage API tokens").click()
        page.get_by_label("Name").fill("Learning system")
        page.get_by_label("Acknowledgements (for a learning system)").check()
        page.get_by_role("button", name="Make the token").click()
        token = page.get_by_label("Token for Learning system")
        expect(token).to_have_value(re.compile(r"^cht_"))
        a11y(page, "token-made")
        page.get_by_role("link", name="Done").click()
        expect(page.get_by_role("cell", name="read:acknowledgements")).to_be_visible()
        a11y(page, "tokens")

        page.get_by_role("main").get_by_role("link", name="Integrations").first.click()
        page.get_by_role("link", name="Connect Slack or Teams").click()
        page.get_by_label("Microsoft Teams").check()
        page.get_by_label("Channel name").fill("#comms")
        page.get_by_label("Incoming webhook address").fill(receiver.url)
        page.get_by_label("A guideline was published").check()
        a11y(page, "connect-channel")
        page.get_by_role("button", name="Connect the channel").click()
        page.get_by_role("button", name="Send a test message").click()
        expect(page.get_by_text("The test message was delivered.")).to_be_visible()
        expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
        a11y(page, "channel-tested")
        card = receiver.received[0]["body"]["attachments"][0]["content"]
        assert card["body"][0]["text"] == "Test message from Charter"

        page.goto(f"{live_server.url}/api/v1/docs/")
        expect(page.get_by_role("heading", name="Charter API, version 1")).to_be_visible()
        a11y(page, "api-docs")
    finally:
        receiver.kill()
