"""Asked to acknowledge a new version, an employee first sees, in plain sentences, what
changed since the version they last acknowledged, with a link to the full comparison."""

from __future__ import annotations

import copy

from django.urls import reverse

from publishing import services
from tests.publishing.conftest import sign


def _new_version(published, make_version, do_publish, legal, compliance):
    content = copy.deepcopy(published.version.content)
    contact = content["contact"]
    contact["name"] = "Jordan Newcontact"
    v2 = make_version(2, content=content)
    sign(v2, legal, compliance)
    return do_publish(v2)


def test_the_changed_sections_come_first_in_plain_words(
    published, make_version, do_publish, legal, compliance, employee
):
    services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    second = _new_version(published, make_version, do_publish, legal, compliance)
    url = reverse("publishing:acknowledge", args=[second.version_id])
    html = employee.client().get(url).content.decode()
    box = html[html.index('data-testid="changed-since"') :]
    box = box[: box.index("</section>")]
    assert "What changed since you acknowledged version 1" in box
    assert "1 section changed" in box
    assert 'href="#section-contact">Contact information</a>: Edited name' in box
    assert "<ins" not in box and "<del" not in box
    # Before the full text.
    assert html.index('data-testid="changed-since"') < html.index('id="section-scope"')
    link = "/changes/?from=1"
    assert link in box
    compare = employee.client().get(
        reverse(
            "publishing:changes",
            args=[second.organization.slug, second.guideline.slug, 2],
        ),
        {"from": "1"},
    )
    assert compare.status_code == 200 and "Jordan Newcontact" in compare.content.decode()


def test_nothing_to_compare_without_an_earlier_acknowledgement(
    published, make_version, do_publish, legal, compliance, employee
):
    second = _new_version(published, make_version, do_publish, legal, compliance)
    url = reverse("publishing:acknowledge", args=[second.version_id])
    html = employee.client().get(url).content.decode()
    assert 'data-testid="changed-since"' not in html
