"""Fixtures for the authoring wizard's tests: a guideline with an open draft from the template."""

from __future__ import annotations

import pytest

from guidelines import services
from guidelines.models import Draft, Guideline


@pytest.fixture
def wizard_guideline(author) -> Guideline:
    return services.create_guideline(
        organization=author.org, by=author.user, title="Social media guidelines", start="template"
    )


@pytest.fixture
def wizard_draft(wizard_guideline) -> Draft:
    return wizard_guideline.drafts.get(is_open=True)


@pytest.fixture
def versioned_guideline(author, wizard_guideline, wizard_draft) -> Guideline:
    """Version 1 frozen from the template, and an open draft copied from it."""
    version = services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="First")
    services.start_draft(
        guideline=wizard_guideline, by=author.user, start="copy", copy_from=version
    )
    return wizard_guideline


def confirm_facts(draft: Draft) -> Draft:
    """Keep every fact the template marks to confirm, as an author would after checking them."""
    from guidelines.facts import confirm_all

    for row in draft.sections.all():
        row.data = confirm_all(row.data)
        row.save()
    return draft


@pytest.fixture
def confirmed_draft(wizard_draft) -> Draft:
    """The template's open draft with its facts confirmed: complete and ready to submit."""
    return confirm_facts(wizard_draft)
