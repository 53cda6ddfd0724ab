"""A section's history: every save, what it changed, and a way back."""

from __future__ import annotations

import re

from django.urls import reverse

from guidelines import services


def test_history_lists_every_save_with_its_change(author, wizard_guideline, wizard_draft):
    row = wizard_draft.sections.get(key="contact")
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Dana"},
        revision=0,
        by=author.user,
    )
    html = (
        author.client()
        .get(reverse("guidelines:section_history", args=[wizard_guideline.pk, "contact"]))
        .content.decode()
    )
    assert "Revision 1" in html and "Revision 0" in html
    assert "Current text" in html and "Restore this text" in html
    assert "Dana" in html


def test_history_without_a_draft_redirects(author, wizard_guideline, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().get(
        reverse("guidelines:section_history", args=[wizard_guideline.pk, "contact"])
    )
    assert response.status_code == 302


def test_each_saves_redline_has_ids_of_its_own(author, wizard_guideline, wizard_draft):
    """Several redlines of one section on one page: headings and the sections they name keep
    unique ids, so each is announced by its own title (found by two checkers)."""
    row = wizard_draft.sections.get(key="contact")
    for revision, name in enumerate(("Dana", "Dana Whitfield", "Dana W.")):
        services.save_section(
            draft=wizard_draft,
            key="contact",
            data={**row.data, "name": name},
            revision=revision,
            by=author.user,
        )
    html = (
        author.client()
        .get(reverse("guidelines:section_history", args=[wizard_guideline.pk, "contact"]))
        .content.decode()
    )
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len([i for i in ids if i.startswith("redline-")]) >= 3
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for labelled in re.findall(r'aria-labelledby="(redline-[^"]+)"', html):
        assert f'id="{labelled}"' in html
