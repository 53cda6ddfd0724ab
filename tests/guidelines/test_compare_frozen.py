"""Two frozen versions are compared once and the comparison kept by their two fingerprints:
asking again reads neither text and computes nothing."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidelines import compare, views
from tests.factories import VersionFactory, starter


def test_the_second_comparison_of_two_versions_reads_no_text(
    author, org, wizard_guideline, monkeypatch
):
    content = starter(org)
    changed = {**content, "contact": {**content.get("contact", {}), "name": "Sam Changed"}}
    old = VersionFactory(guideline=wizard_guideline, created_by=author.user, content=content)
    new = VersionFactory(guideline=wizard_guideline, created_by=author.user, content=changed)
    calls = []
    real = compare.compare_content

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(compare, "compare_content", counted)
    client = author.client()
    url = reverse("guidelines:compare", args=[wizard_guideline.pk])
    query = {"old": old.number, "new": new.number}
    first = client.get(url, query).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url, query).content.decode()
    assert calls == [1]
    assert first.count("Sam Changed") == second.count("Sam Changed") >= 1
    reads_text = [q["sql"] for q in ctx.captured_queries if '"content"' in q["sql"]]
    assert reads_text == []


def test_the_second_comparison_pastes_the_redline_rendered_the_first_time(
    author, org, wizard_guideline, monkeypatch
):
    content = starter(org)
    changed = {**content, "contact": {**content.get("contact", {}), "name": "Kim Rendered"}}
    old = VersionFactory(guideline=wizard_guideline, created_by=author.user, content=content)
    new = VersionFactory(guideline=wizard_guideline, created_by=author.user, content=changed)
    renders = []
    real = views._render_redline

    def counted(diffs):
        renders.append(len(diffs))
        return real(diffs)

    monkeypatch.setattr(views, "_render_redline", counted)
    client = author.client()
    url = reverse("guidelines:compare", args=[wizard_guideline.pk])
    query = {"old": old.number, "new": new.number}
    first = client.get(url, query).content.decode()
    second = client.get(url, query).content.decode()
    assert len(renders) == 1
    assert first.count("redline-section") == second.count("redline-section") == 12
    assert "Kim Rendered" in second and "1 of" in second
