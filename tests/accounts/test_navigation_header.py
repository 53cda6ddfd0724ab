"""The header: an admin's institution pages behind one menu, the open page marked."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _header(response) -> str:
    html = response.content.decode()
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


def _admin_menu(header: str) -> str:
    return header[
        header.index('id="nav-admin-menu"') : header.index("</ul>", header.index("nav-admin-menu"))
    ]


def _current(header: str) -> list[str]:
    """The labels of the links marked as the open page."""
    return re.findall(r'aria-current="page">([^<]+)<', header)


def test_admin_pages_sit_in_one_menu_and_the_open_page_is_marked(admin):
    client = admin.client()
    header = _header(client.get(reverse("home")))
    assert 'aria-controls="nav-admin-menu"' in header and 'aria-expanded="false"' in header
    menu = _admin_menu(header)
    for label in (
        "People",
        "Settings",
        "Approval route",
        "Integrations",
        "API tokens",
        "Audit trail",
        "Security",
    ):
        assert f">{label}</a>" in menu, label
        assert header.count(f">{label}</a>") == 1, label  # only in the menu
    assert _current(header) == ["Home"]
    assert "(current section)" not in header
    assert header.count('class="nav-link text-nowrap') >= 6  # labels stay on one line

    header = _header(client.get(reverse("accounts:people")))
    assert _current(header) == ["People"]
    assert "(current section)" in header


def test_an_auditor_gets_the_audit_trail_without_an_admin_menu(auditor):
    header = _header(auditor.client().get(reverse("audit:events")))
    assert "nav-admin-menu" not in header
    assert _current(header) == ["Audit trail"]


def test_an_employee_has_no_admin_menu_and_their_own_security_page(employee):
    header = _header(employee.client().get(reverse("home")))
    assert "nav-admin-menu" not in header and "Audit trail" not in header
    assert f'href="{reverse("accounts:two_factor")}"' in header
    assert f'href="{reverse("accounts:security")}"' not in header
