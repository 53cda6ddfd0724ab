"""Every section of the catalogue has a form, a template, starter text and at least one check.

"Sections are data": the wizard must be able to edit, draw and check any entry of the
catalogue with no code of its own, so a new section is one more entry and nothing else.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from guidelines.facts import confirm_all
from guidelines.forms import SectionEditor
from guidelines.packs import applies
from guidelines.schema import FieldKind, normalise, run_checks
from guidelines.sections import SAMPLE_CONTEXT, SECTIONS, starter_content

STARTER = confirm_all(starter_content(SAMPLE_CONTEXT))  # facts kept, as an author would
KEYS = [s.key for s in SECTIONS]


def _as_post(section, data) -> dict[str, str]:
    """The browser's POST for this section's data, as the editor names its inputs."""
    post: dict[str, str] = {"revision": "0"}
    for item in SectionEditor(section, data=data).fields():
        if item.field.kind is FieldKind.TABLE:
            for row in item.rows:
                post.update({cell.name: cell.value for cell in row.cells})
        else:
            post[item.name] = item.value
    return post


def test_the_catalogue_has_twelve_sections():
    assert len(SECTIONS) == 12


@pytest.mark.parametrize("key", KEYS)
def test_every_section_has_starter_text_that_passes_its_checks(key):
    section = next(s for s in SECTIONS if s.key == key)
    assert section.starter, key
    assert any(STARTER[key].values()), key
    assert section.checks, f"{key} has no completeness check"
    assert all(result.passed for result in run_checks(section, STARTER[key]))


@pytest.mark.parametrize("key", KEYS)
def test_every_section_round_trips_through_its_form(key):
    section = next(s for s in SECTIONS if s.key == key)
    factory = RequestFactory()
    request = factory.post("/", _as_post(section, STARTER[key]))
    editor = SectionEditor(section, post=request.POST)
    assert normalise(section, editor.data()) == STARTER[key]
    assert editor.revision == 0


@pytest.mark.parametrize("key", KEYS)
def test_every_section_has_a_step_page_drawing_each_field(key, author, wizard_guideline):
    section = next(s for s in SECTIONS if s.key == key)
    response = author.client().get(reverse("guidelines:step", args=[wizard_guideline.pk, key]))
    html = response.content.decode()
    assert response.status_code == 200
    assert section.title.replace("'", "&#x27;") in html
    for field in section.fields:
        assert f'id="field-{field.name}"' in html, f"{key}.{field.name} is not drawn"
        if field.kind is FieldKind.TABLE:
            for column in field.columns:
                assert f'name="{field.name}-0-{column.name}"' in html
        else:
            assert f'name="{field.name}"' in html
    for check in section.checks:
        if not applies(check.code, author.org.jurisdiction):
            continue  # another jurisdiction's check
        assert check.message.replace("'", "&#x27;").replace('"', "&quot;") in html
