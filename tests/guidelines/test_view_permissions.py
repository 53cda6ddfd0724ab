"""Who may open each guideline page: the permission matrix of the authoring views.

Readers (admins, authors, reviewers, auditors) may read guidelines, versions and compare;
only authors and admins touch drafts; employees get 403; other institutions get 404.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

# (url name, extra args after the guideline pk, method, query string)
Page = tuple[str, list[str | int], str, str]
EDIT: list[Page] = [
    ("guidelines:step", ["scope"], "get", ""),
    ("guidelines:autosave", ["scope"], "post", ""),
    ("guidelines:preview", [], "post", ""),
    ("guidelines:section_history", ["scope"], "get", ""),
    ("guidelines:restore", ["scope"], "post", ""),
    ("guidelines:checklist", [], "get", ""),
    ("guidelines:new_draft", [], "post", ""),
    ("guidelines:document", [], "get", ""),
]
READ: list[Page] = [
    ("guidelines:detail", [], "get", ""),
    ("guidelines:version", [1], "get", ""),
    ("guidelines:document", [], "get", "?version=1"),
    ("guidelines:document", [], "get", "?version=1&layout=qa"),
    ("guidelines:compare", [], "get", "?old=1&new=1"),
]


def _call(client, name, guideline, args, method, query):
    url = reverse(name, args=[guideline.pk, *args]) + query
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "args", "method", "query"), EDIT + READ)
def test_anonymous_is_sent_to_login(client, versioned_guideline, name, args, method, query):
    response = _call(client, name, versioned_guideline, args, method, query)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "args", "method", "query"), EDIT + READ)
def test_employee_gets_403(employee, versioned_guideline, name, args, method, query):
    response = _call(employee.client(), name, versioned_guideline, args, method, query)
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "args", "method", "query"), EDIT)
def test_reviewers_and_auditors_cannot_touch_drafts(
    legal, auditor, versioned_guideline, name, args, method, query
):
    for persona in (legal, auditor):
        response = _call(persona.client(), name, versioned_guideline, args, method, query)
        assert response.status_code == 403, persona.email


@pytest.mark.parametrize(("name", "args", "method", "query"), READ)
def test_readers_may_read_guidelines_versions_and_compare(
    admin, author, legal, auditor, versioned_guideline, name, args, method, query
):
    for persona in (admin, author, legal, auditor):
        response = _call(persona.client(), name, versioned_guideline, args, method, query)
        assert response.status_code == 200, persona.email


@pytest.mark.parametrize(("name", "args", "method", "query"), EDIT + READ)
def test_another_institution_gets_404(outsider, versioned_guideline, name, args, method, query):
    response = _call(outsider.client(), name, versioned_guideline, args, method, query)
    assert response.status_code == 404


def test_reviewer_cannot_compare_against_the_draft(legal, versioned_guideline):
    url = reverse("guidelines:compare", args=[versioned_guideline.pk]) + "?old=1&new=draft"
    assert legal.client().get(url).status_code == 403


@pytest.mark.parametrize("name", ["guidelines:list"])
def test_list_permissions(client, employee, legal, auditor, name, db):
    assert client.get(reverse(name)).status_code == 302
    assert employee.client().get(reverse(name)).status_code == 403
    assert legal.client().get(reverse(name)).status_code == 200
    assert auditor.client().get(reverse(name)).status_code == 200


def test_create_permissions(client, employee, legal, auditor, author, admin):
    url = reverse("guidelines:create")
    assert client.get(url).status_code == 302
    for persona in (employee, legal, auditor):
        assert persona.client().get(url).status_code == 403
        assert persona.client().post(url, {"title": "x", "start": "blank"}).status_code == 403
    for persona in (author, admin):
        assert persona.client().get(url).status_code == 200
