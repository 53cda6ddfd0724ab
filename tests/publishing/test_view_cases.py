"""Published cases: "what would you do?", then the answer and the section it comes from."""

from django.db import models
from django.urls import reverse

from guidelines.cases import catalogue_scenarios
from guidelines.models import Version


def _page(client, p, number=1):
    args = [p.guideline.organization.slug, p.guideline.slug, number]
    return client.get(reverse("publishing:cases", args=args)).content.decode()


def test_staff_read_the_published_cases(published, employee):
    case = {**catalogue_scenarios()[-1], "answer": "Call the on-call lead."}
    # Set-up only: cases are frozen with a version, so write past the guard that keeps them.
    models.QuerySet.update(Version.objects.filter(pk=published.version.pk), cases=[case])
    html = _page(employee.client(), published)
    assert "What would you do?" in html
    assert case["scenario"].replace("'", "&#x27;") in html
    assert "Call the on-call lead." in html
    assert "From section 12" in html and "#section-contact" in html


def test_a_version_without_cases_says_so(published, employee):
    html = _page(employee.client(), published)
    assert "No cases were published with this version." in html
