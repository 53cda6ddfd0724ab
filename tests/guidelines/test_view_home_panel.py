"""The home page panel for authors: open drafts with progress, guidelines due for review."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from guidelines import services
from guidelines.models import Guideline

from .conftest import confirm_facts


def test_author_sees_open_drafts_and_reviews_due(author, wizard_guideline, wizard_draft):
    confirm_facts(wizard_draft)
    services.save_section(
        draft=wizard_draft,
        key="security",
        data={"body": "Strong passwords."},
        revision=0,
        by=author.user,
    )
    Guideline.objects.filter(pk=wizard_guideline.pk).update(
        next_review_date=timezone.localdate() + timedelta(days=5)
    )
    html = author.client().get(reverse("home")).content.decode()
    assert "Guidelines you are writing" in html
    assert "11 of 12 sections complete" in html and "1 with a failing check" in html
    assert "Review due" in html


def test_employee_does_not_see_the_authoring_panel(employee, wizard_guideline):
    html = employee.client().get(reverse("home")).content.decode()
    assert "Guidelines you are writing" not in html


def test_outsider_does_not_see_other_institutions_drafts(outsider, wizard_guideline):
    html = outsider.client().get(reverse("home")).content.decode()
    assert "Social media guidelines" not in html


def test_the_panel_lists_the_persons_own_drafts_and_an_admin_sees_others_apart(
    admin, author, wizard_guideline
):
    """The author's draft is theirs; the admin's panel keeps it on a separate, titled line."""
    mine = services.create_guideline(
        organization=admin.org, by=admin.user, title="Admin's own policy", start="template"
    )
    assert mine.pk != wizard_guideline.pk

    html = author.client().get(reverse("home")).content.decode()
    writing = html[html.index("Guidelines you are writing") : html.index("All guidelines")]
    assert "Social media guidelines" in writing and "Admin&#x27;s own policy" not in writing
    assert "Other drafts in progress" not in writing  # an author sees only their own

    html = admin.client().get(reverse("home")).content.decode()
    writing = html[html.index("Guidelines you are writing") : html.index("All guidelines")]
    own, others = writing.split("Other drafts in progress")
    assert "Admin&#x27;s own policy" in own and "Social media guidelines" not in own
    assert "Social media guidelines" in others and author.user.full_name in others
