"""The accessibility statement: public, linked from every footer beside the same help."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse


@override_settings(SUPPORT_EMAIL="access@riverside.example")
def test_statement_is_public_and_says_what_conforms_what_not_and_how_to_report(client, db):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("The standard we aim for", "What does not fully work yet", "Report a barrier"):
        assert heading in html
    assert "WCAG" in html and "2.2" in html
    assert 'href="mailto:access@riverside.example"' in html


@override_settings(SUPPORT_EMAIL="access@riverside.example")
def test_every_footer_has_help_and_the_statement_in_the_same_place(client, employee):
    statement = reverse("accessibility")
    pages = [reverse("accounts:login"), statement]
    footers = []
    for url in pages:
        footers.append(_footer(client.get(url).content.decode()))
    employee_client = employee.client()
    for url in (reverse("home"), reverse("accounts:notifications"), "/no-such-page/"):
        footers.append(_footer(employee_client.get(url).content.decode()))
    for footer in footers:
        help_at = footer.index('data-testid="footer-help"')
        statement_at = footer.index(f'href="{statement}"')
        assert help_at < statement_at  # help first, then the statement, on every page
        assert "mailto:access@riverside.example" in footer


def _footer(html: str) -> str:
    return html[html.index("<footer") : html.index("</footer>")]
